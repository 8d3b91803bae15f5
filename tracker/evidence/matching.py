"""Fast word-bounded regular expressions over lower-cased text.

Python's re finds a literal prefix quickly but not one behind a leading \\b, and case-insensitive
matching is slower still; with ~150 cues per record that decides the throughput. So patterns are
written in lower case, the leading \\b is checked by hand, and text is lower-cased once. Most cues
match nothing in a given abstract, so each pattern also knows literals one of which any match must
contain: a substring test, far cheaper than a regex scan, skips the pattern when none is present.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

try:  # the stdlib's own regex parser; private, so its absence only turns the shortcut off
    import re._constants as sre
    import re._parser as sre_parse
except ImportError:  # pragma: no cover
    sre = sre_parse = None

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"} | {"\xa0": " "})


@lru_cache(maxsize=64)
def fold(text: str) -> str:
    """Dashes to '-', no-break spaces to ' ', lower case: what every pattern is written for.

    Cached because one record's title and abstract are folded by several rules in turn.
    """
    if text.isascii():  # nothing to translate: every character in the table is non-ASCII
        return text.lower()
    return text.translate(_DASHES).lower()


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)) if sre else ()


def _required(items) -> frozenset[str] | None:
    """Literals one of which every match of a parsed sequence contains; None when unknown.

    Candidates are runs of literal characters and alternations whose every branch has some;
    the most selective (longest shortest literal) wins. Anything flagged (say (?i:...)) or
    optional contributes nothing, so the answer is never wrong, at worst missing.
    """
    found: list[frozenset[str]] = []
    run: list[str] = []
    for op, value in [*items, (None, None)]:
        if op is sre.LITERAL:
            run.append(chr(value))
            continue
        if run:
            found.append(frozenset({"".join(run)}))
            run = []
        inner = None
        if op is sre.BRANCH:
            branches = [_required(branch) for branch in value[1]]
            if all(branches):
                inner = frozenset().union(*branches)
        elif op is sre.SUBPATTERN and not (value[1] or value[2]):  # no flags added or removed
            inner = _required(value[3])
        elif op in _REPEATS and value[0] >= 1:
            inner = _required(value[2])
        if inner:
            found.append(inner)
    if not found:
        return None
    return max(found, key=lambda options: (min(map(len, options)), -len(options)))


def required_literals(pattern: str) -> tuple[str, ...]:
    """Strings one of which is in any text the pattern matches; () if none could be derived."""
    if sre_parse is None:
        return ()
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, AttributeError, TypeError, ValueError):
        return ()
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return ()
    return tuple(sorted(_required(parsed.data) or ()))


class WordPattern:
    """A compiled pattern whose leading \\b is verified after a fast literal search."""

    def __init__(self, pattern: str, not_after: tuple[str, ...] = ()) -> None:
        self.source = pattern
        self.bounded = pattern.startswith(r"\b")
        self.regex = re.compile(pattern[2:] if self.bounded else pattern)
        self.not_after = not_after  # e.g. "non-" before "randomized": a cheap lookbehind
        self.needles = required_literals(self.regex.pattern)

    def _starts_a_word(self, text: str, start: int) -> bool:
        if self.not_after and text[:start].endswith(self.not_after):
            return False
        if not self.bounded or start == 0 or start >= len(text):
            return True
        return _is_word_char(text[start - 1]) != _is_word_char(text[start])

    def may_match(self, text: str) -> bool:
        """False when no match is possible: none of the pattern's required literals is there."""
        return not self.needles or any(needle in text for needle in self.needles)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if not self.may_match(text):
            return
        pos = 0
        while (match := self.regex.search(text, pos)) is not None:
            if self._starts_a_word(text, match.start()):
                yield match
                pos = max(match.end(), match.start() + 1)
            else:
                pos = match.start() + 1

    def search(self, text: str) -> re.Match[str] | None:
        """Like finditer's first match, without a generator: this is the hot path."""
        for needle in self.needles:  # written out rather than may_match(): the hot path
            if needle in text:
                break
        else:
            if self.needles:
                return None
        search = self.regex.search
        match = search(text)
        while match is not None and not self._starts_a_word(text, match.start()):
            match = search(text, match.start() + 1)
        return match

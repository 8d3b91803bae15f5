"""Fast word-bounded regular expressions over lower-cased text.

Python's re finds a literal prefix quickly but not one behind a leading \\b, and case-insensitive
matching is slower still; with ~150 cues per record that decides the throughput. So patterns are
written in lower case, the leading \\b is checked by hand, and text is lower-cased once. Most cues
match nothing in a given abstract, so each pattern also knows literals one of which any match must
contain (kept beside the rules, in cue_literals.py): a substring test, far cheaper than a regex
scan, skips the pattern when none is present.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from tracker.evidence.cue_literals import REQUIRED_LITERALS

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


class WordPattern:
    """A compiled pattern whose leading \\b is verified after a fast literal search."""

    def __init__(self, pattern: str, not_after: tuple[str, ...] = ()) -> None:
        self.source = pattern
        self.bounded = pattern.startswith(r"\b")
        self.regex = re.compile(pattern[2:] if self.bounded else pattern)
        self.not_after = not_after  # e.g. "non-" before "randomized": a cheap lookbehind
        self.needles = REQUIRED_LITERALS.get(pattern, ())  # () scans every text

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

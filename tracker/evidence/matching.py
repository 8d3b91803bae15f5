"""Fast word-bounded regular expressions over lower-cased text.

Python's re finds a literal prefix quickly but not one behind a leading \\b, and case-insensitive
matching is slower still; with ~150 cues per record that decides the throughput. So patterns are
written in lower case, the leading \\b is checked by hand, and text is lower-cased once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2212"} | {"\xa0": " "})


def fold(text: str) -> str:
    """Dashes to '-', no-break spaces to ' ', lower case: what every pattern is written for."""
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

    def _starts_a_word(self, text: str, start: int) -> bool:
        if self.not_after and text[:start].endswith(self.not_after):
            return False
        if not self.bounded or start == 0 or start >= len(text):
            return True
        return _is_word_char(text[start - 1]) != _is_word_char(text[start])

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        pos = 0
        while (match := self.regex.search(text, pos)) is not None:
            if self._starts_a_word(text, match.start()):
                yield match
                pos = max(match.end(), match.start() + 1)
            else:
                pos = match.start() + 1

    def search(self, text: str) -> re.Match[str] | None:
        """Like finditer's first match, without a generator: this is the hot path."""
        search = self.regex.search
        match = search(text)
        while match is not None and not self._starts_a_word(text, match.start()):
            match = search(text, match.start() + 1)
        return match

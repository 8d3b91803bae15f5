"""Untrusted text made inert for terminals, logs and text reports.

Titles, abstracts, DOIs and server error bodies come from outside. A C0/C1 control character can
clear a screen or retitle a terminal (ESC[2J, ESC]0;...), and a bidi override (U+202E) can make a
line read backwards; each is replaced by a visible marker naming its code point (ESC becomes
<U+001B>).
"""

from __future__ import annotations

import re
import unicodedata

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# C0 except tab and newline, DEL, C1, bidi controls
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
_UNSAFE_IN_LINE = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]")
_TAGS = re.compile(r"<[^>]*>")


def _visible(match: re.Match) -> str:
    return f"<U+{ord(match.group()):04X}>"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as a formula


def formula_safe(text: str) -> str:
    """A CSV cell's text that a spreadsheet will not run as a formula (titles are untrusted)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def printable(text: str) -> str:
    """The text with every control character except tab and newline made visible."""
    return _UNSAFE.sub(_visible, text)


def one_line(text: object) -> str:
    """One line for stderr, a log or a table cell: whitespace collapsed, controls made visible."""
    return _UNSAFE_IN_LINE.sub(_visible, " ".join(str(text).split()))


def error_body_text(body: bytes, limit: int = 200) -> str:
    """What an error page says, without its markup: the <title> or <ERROR> text, else the start
    of the body with tags removed; on one line, controls made visible."""
    text = body[:20000].decode("utf-8", "replace")
    for pattern in (r"<ERROR[^>]*>(.*?)</ERROR>", r"<title[^>]*>(.*?)</title>",
                    r"<h1[^>]*>(.*?)</h1>"):
        found = re.search(pattern, text, re.IGNORECASE | re.DOTALL)
        if found and found.group(1).strip():
            text = found.group(1)
            break
    else:
        text = re.sub(r"<!DOCTYPE[^>]*>|<head.*?</head>|<script.*?</script>|<style.*?</style>",
                      " ", text, flags=re.IGNORECASE | re.DOTALL)
    text = one_line(_TAGS.sub(" ", text).replace("&lt;", "<").replace("&gt;", ">")
                    .replace("&amp;", "&"))
    return text if len(text) <= limit else text[: limit - 1] + "…"


LIKE_ESCAPE = "\\"


def contains_pattern(term: str) -> str:
    r"""A LIKE/ILIKE pattern matching `term` anywhere, its %, _ and \ taken literally
    (use with escape=LIKE_ESCAPE)."""
    literal = (term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
               .replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_"))
    return f"%{literal}%"


def folded(text: str) -> str:
    """Text compared without regard to case or Unicode form: NFKC, then full case folding
    ('ÉLECTRO' and 'électro' and a decomposed 'e' + accent all fold alike)."""
    return unicodedata.normalize("NFKC", text).casefold()

"""Bio.Entrez for the small E-utilities answers (ESearch, ESummary, EInfo), strictly offline.

Why a wrapper: Bio.Entrez looks for the DTD an answer names in a per-user cache, then in its
bundled copies, then downloads it. A download from a scheduled job is a hidden network call that
can hang, and a user cache makes results depend on the machine. Here DTDs come only from the
project's tracker/dtd/ folder and Biopython's bundled set; a newer version of a dated DTD
(pubmed_260101.dtd, eSearch_250101.dtd ...) is read with the newest local one of its family, and
anything else is a ResponseError. Every Biopython failure becomes a one-line ResponseError.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import date
from pathlib import Path
from typing import Any

import Bio.Entrez
from Bio.Entrez.Parser import (
    CorruptedXMLError,
    DataHandler,
    NotXMLError,
    ValidationError,
)

from tracker.errors import ResponseError

log = logging.getLogger(__name__)

PROJECT_DTD_DIR = Path(__file__).resolve().parent / "dtd"
BUNDLED_DTD_DIR = Path(Bio.Entrez.__file__).resolve().parent / "DTDs"
BUNDLED_XSD_DIR = Path(Bio.Entrez.__file__).resolve().parent / "XSDs"
DTD_DIRS = (PROJECT_DTD_DIR, BUNDLED_DTD_DIR)
_DATED = re.compile(r"^(?P<family>[A-Za-z]+)_(?P<version>\d{6})\.dtd$")


class EntrezErrorAnswer(ResponseError, RuntimeError):
    """NCBI answered with an <ERROR> element; str() is NCBI's own message.

    It is also a RuntimeError because that is what Bio.Entrez itself raises for such answers.
    """


def read(data: bytes, *, validate: bool = True, ignore_errors: bool = False) -> Any:
    """Parse one E-utilities XML answer into Bio.Entrez's dict-like structure, offline.

    ignore_errors=True keeps <ERROR> elements in the result instead of raising.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"entrez.read needs the answer's bytes, got {type(data).__name__}")
    handler = _OfflineHandler(validate, escape=False, ignore_errors=ignore_errors)
    try:
        return handler.read(io.BytesIO(bytes(data)))
    except ResponseError:
        raise
    except ValidationError as exc:
        raise ResponseError(f"element <{exc.name}> is not declared in the answer's DTD") from None
    except CorruptedXMLError as exc:
        raise ResponseError(f"malformed or truncated XML: {exc}") from None
    except NotXMLError as exc:
        raise ResponseError(f"the answer is not XML ({exc})") from None
    except RuntimeError as exc:  # Bio.Entrez raises the text of an <ERROR> element as is
        raise EntrezErrorAnswer(str(exc)) from None
    except ValueError as exc:
        raise ResponseError(_describe_value_error(exc)) from None


def find_dtd(filename: str) -> Path | None:
    """The local file to read for a DTD an answer names, or None when there is none.

    An exact name wins (project folder first); a dated name like pubmed_260101.dtd falls back
    to the newest local DTD of the same family.
    """
    for folder in DTD_DIRS:
        path = folder / filename
        if path.is_file():
            return path
    match = _DATED.match(filename)
    if not match:
        return None
    family = match["family"].lower()
    candidates = []
    for folder in DTD_DIRS:
        for path in folder.glob("*.dtd"):
            other = _DATED.match(path.name)
            if other and other["family"].lower() == family:
                candidates.append((_version_date(other["version"]), path))
    if not candidates:
        return None
    return max(candidates)[1]


class _OfflineHandler(DataHandler):
    """Bio.Entrez's parser with DTD and XSD lookups that never reach the network."""

    def open_dtd_file(self, filename):
        path = find_dtd(filename)
        if path is None:
            raise ResponseError(
                f"no local copy of {filename}, which the answer's DOCTYPE names; add it to "
                f"{PROJECT_DTD_DIR} (DTDs are never downloaded)"
            )
        if path.name != filename:
            log.warning("reading an answer that cites %s with %s", filename, path.name)
            self.validating = False  # a newer DTD may add elements: skip them, do not fail
        return open(path, "rb")  # noqa: SIM115 - Bio.Entrez closes it

    def open_xsd_file(self, filename):
        path = BUNDLED_XSD_DIR / filename
        if not path.is_file():
            raise ResponseError(f"no local copy of the XML schema {filename} (never downloaded)")
        return open(path, "rb")  # noqa: SIM115 - Bio.Entrez closes it


def _version_date(version: str) -> date:
    """YYMMDD as a date; years from 70 on are 19xx (pubmed_020114 is older than pubmed_250101)."""
    year, month, day = int(version[:2]), int(version[2:4]), int(version[4:])
    year += 1900 if year >= 70 else 2000
    try:
        return date(year, month, day)
    except ValueError:
        return date(year, 1, 1)


def _describe_value_error(exc: ValueError) -> str:
    text = str(exc)
    if "neither a Document Type Definition" in text:
        return "the answer has no DOCTYPE line, so its DTD is unknown"
    if "Expected secure URL" in text:
        return f"the answer's DOCTYPE does not point at an https NCBI address ({text})"
    return f"cannot read the answer: {text}"

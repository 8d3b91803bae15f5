"""Citation details the exports need that the report's counting does not: ISSN, date parts.

The ISSN has no column of its own: it is read from the stored PubMed records, for the period's
papers only, which keeps it cheap.
"""

from __future__ import annotations

import calendar
import re
import zlib

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.store import Paper, decompress, rows_in_batches

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
PUB_DATE = re.compile(r"^(\d{4})(?:\s+([A-Za-z]{3})[a-z]*(?:\s+(\d{1,2}))?)?$")
SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def issns_of(session: Session, paper_ids: list[int]) -> dict[int, str]:
    """Each paper's journal ISSN (print or electronic, whichever the record gives first), read
    from the stored records in batches; papers whose record has none are left out."""
    found: dict[int, str] = {}
    for paper_id, raw in rows_in_batches(session, lambda batch: select(
            Paper.id, Paper.raw_xml).where(Paper.id.in_(batch)), paper_ids):
        issn = issn_in(raw)
        if issn:
            found[paper_id] = issn
    return found


def issn_in(raw: bytes | None) -> str | None:
    if not raw:
        return None
    try:
        root = etree.fromstring(decompress(raw), SAFE_PARSER)
    except (etree.XMLSyntaxError, zlib.error, ValueError):  # a damaged blob: no ISSN, a report
        return None
    for element in root.iter("ISSN"):
        text = (element.text or "").strip()
        if text:
            return text
    return None


def date_parts(pub_date: str | None) -> tuple[str | None, str | None, str | None]:
    """(year, month, day) as two-digit strings from PubMed's date text ("2025 Feb 12", "2025 Feb",
    "2025", "2024 Dec-2025 Jan", "2025 Spring"); parts that are not given are None."""
    text = " ".join((pub_date or "").split())
    match = PUB_DATE.match(text)
    if match:
        year, month, day = match.groups()
        number = MONTHS.get((month or "").lower())
        if month and number is None:  # a season: the year only
            return year, None, None
        return (year, f"{number:02d}" if number else None,
                f"{int(day):02d}" if day and number else None)
    year = re.match(r"\d{4}", text)
    return (year.group(0) if year else None), None, None

"""The queue as a screening file: CSV that ASReview and Rayyan import (title, abstract, DOI...)."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.store import Paper, TherapyPaper
from tracker.text import formula_safe

COLUMNS = ("pmid", "title", "abstract", "doi", "authors", "journal", "year", "included")


def _cell(value: object) -> str:
    """Text a spreadsheet will not run as a formula (titles and abstracts are untrusted)."""
    return formula_safe("" if value is None else str(value))


def export_rows(session: Session) -> list[dict]:
    """Every canonical tracked paper; `included` is 1, 0 (excluded) or empty (not decided)."""
    linked = select(TherapyPaper.paper_id)
    papers = session.scalars(select(Paper).where(
        Paper.canonical_id.is_(None), Paper.deleted.is_(False), Paper.notice_kind.is_(None),
        Paper.id.in_(linked)).order_by(Paper.pmid))
    rows = []
    for paper in papers:
        abstract = " ".join(
            f"{s['label']}: {s['text']}" if s.get("label") else s.get("text", "")
            for s in paper.abstract or ()
        )
        authors = "; ".join(
            a.get("collective") or " ".join(x for x in (a.get("last"), a.get("initials")) if x)
            for a in paper.authors or ()
        )
        included = {"included": "1", "excluded": "0"}.get(paper.inclusion, "")
        rows.append({"pmid": paper.pmid, "title": paper.title, "abstract": abstract,
                     "doi": paper.doi or "", "authors": authors, "journal": paper.journal or "",
                     "year": paper.pub_year or "", "included": included})
    return rows


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) if k != "included" else v for k, v in row.items()})
    return buffer.getvalue()

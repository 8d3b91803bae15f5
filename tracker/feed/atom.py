"""Atom feeds from the report's data (feedgen writes and escapes the XML).

Entry ids are tag: URIs made of what the entry is about (a PMID, a notice, a therapy's period),
never of when the feed was written, so a reader shows each entry once however often the feed is
rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from feedgen.feed import FeedGenerator
from sqlalchemy.orm import Session

from tracker.baseline import Baseline
from tracker.digest.render import clean
from tracker.evidence import load_snapshots
from tracker.report import build_report

TAG = "tag:trd-tracker,2025:"
ALL = "all"


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    link: str | None  # PubMed page; events have none
    updated: datetime
    summary: str
    therapies: tuple[str, ...]
    category: str  # paper, event, notice


def stamp(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def feed_entries(session: Session, baseline: Baseline, *, since: date, until: date,
                 period: str, generated_at: datetime) -> list[FeedEntry]:
    """Every entry of the window, newest first: papers, notices, and each period's events."""
    report = build_report(session, baseline, since=since, until=until, period=period,
                          generated_at=generated_at)
    names = {t.id: t.name for t in baseline.therapies}
    entries = []
    for paper in report.papers:
        demo = "[DEMO] " if paper.is_demo else ""
        doi = f" DOI {paper.doi} ({paper.doi_url})." if paper.doi else ""
        entries.append(FeedEntry(
            id=f"{TAG}paper/{paper.pmid}",
            title=f"{demo}[{paper.level_label}] {paper.title}",
            link=paper.pubmed_url, updated=stamp(paper.created),
            summary=(f"{paper.citation} Evidence level: {paper.level_label} "
                     f"({paper.provenance}). Therapies: "
                     f"{', '.join(names.get(t, t) for t in paper.therapies)}. "
                     f"PMID {paper.pmid}.{doi}"),
            therapies=paper.therapies, category="paper",
        ))
    notices = {}
    for section in report.therapies:
        for notice in section.notices:
            key = (notice.kind, notice.paper_pmid, notice.notice_pmid or "-")
            therapies = notices.get(key, (notice, ()))[1] + (section.id,)
            notices[key] = (notice, therapies)
    for (kind, paper_pmid, notice_pmid), (notice, therapies) in notices.items():
        about = notice.paper_title or f"PMID {paper_pmid}"
        entries.append(FeedEntry(
            id=f"{TAG}notice/{kind}/{paper_pmid}/{notice_pmid}",
            title=f"{notice.kind_label}: {about}", link=notice.notice_url or notice.paper_url,
            updated=stamp(notice.date),
            summary=(f"{notice.kind_label} concerning PMID {paper_pmid}"
                     + (f", notice PMID {notice_pmid}" if notice.notice_pmid else "") + "."),
            therapies=therapies, category="notice",
        ))
    ids = [s.id for s in report.therapies]
    for therapy_id, snapshots in load_snapshots(session, ids, since, until).items():
        for snapshot in snapshots:
            for index, event in enumerate(snapshot.events or []):
                kind = f"{event.get('kind') or index}-{event.get('count', '')}"
                entries.append(FeedEntry(
                    id=f"{TAG}event/{therapy_id}/{snapshot.period_start}/{kind}",
                    title=event.get("text", kind),
                    link=None,
                    updated=stamp(snapshot.period_end),
                    summary=(f"{event.get('text', kind)} (period {snapshot.period_start} to "
                             f"{snapshot.period_end})"),
                    therapies=(therapy_id,), category="event",
                ))
    entries.sort(key=lambda e: (e.updated, e.id), reverse=True)
    return entries


def build_feeds(baseline: Baseline, entries: list[FeedEntry], *, generated_at: datetime,
                base_url: str | None = None) -> dict[str, bytes]:
    """Atom XML per therapy id, and under "all" for every therapy."""
    feeds = {}
    for feed_id, name in [(ALL, "all therapies")] + [(t.id, t.name) for t in baseline.therapies]:
        mine = [e for e in entries if feed_id == ALL or feed_id in e.therapies]
        generator = FeedGenerator()
        generator.id(f"{TAG}feed/{feed_id}")
        generator.title(f"TRD evidence: {name}")
        generator.subtitle(f"New papers by evidence level, evidence events and notices for "
                           f"{name}, from PubMed.")
        generator.author({"name": "trd-tracker"})
        generator.language("en")
        if base_url:
            generator.link(href=f"{base_url.rstrip('/')}/{feed_id}.xml", rel="self")
        latest = max((e.updated for e in mine), default=None)
        generator.updated(latest or generated_at.astimezone(UTC))
        for entry in reversed(mine):  # feedgen prepends: oldest first gives newest at the top
            item = generator.add_entry()
            item.id(entry.id)
            item.title(clean(entry.title))
            if entry.link:
                item.link(href=entry.link, rel="alternate")
            item.updated(entry.updated)
            item.content(clean(entry.summary), type="text")
            item.category(term=entry.category)
        feeds[feed_id] = generator.atom_str(pretty=True)
    return feeds


def write_feeds(feeds: dict[str, bytes], out_dir: Path) -> list[Path]:
    """One .xml file per feed; each replaced whole, so a reader never sees half a file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for feed_id, xml in feeds.items():
        path = out_dir / f"{feed_id}.xml"
        partial = path.with_suffix(".xml.part")
        partial.write_bytes(xml)
        partial.replace(path)
        written.append(path)
    return written

"""The evidence report as plain data, read from the database once and then rendered many ways.

Counting rule (the same everywhere in the report): a paper counts as evidence for a therapy when
it is canonical (not merged into another record), not deleted, not excluded by a reviewer, not
retracted and not itself a notice. A paper's date is its PubMed create date (entrez_date, [crdt]);
a record stored without one falls back to the day the tracker first saw it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from tracker.baseline import Baseline, Document, therapies_mentioned
from tracker.errors import ConfigError
from tracker.evidence import LEVELS_BY_RANK, ON_NOTICE, PERIODS, WITHDRAWING, Level, events, periods
from tracker.records import doi_url, normal_doi
from tracker.store import NoticeLink, Paper, PaperChange, TherapyPaper
from tracker.store import Reference as ReferenceRow

SCHEMA_VERSION = "1"
HIGHLIGHT_LEVELS = (Level.SYSTEMATIC_REVIEW.value, Level.RCT.value)
SOURCE_NAMES = {
    "publication_type": "publication type",
    "mesh": "MeSH",
    "text": "text rule",
    "none": "no rule matched",
}
NOTICE_LABELS = {
    "retraction": "Retraction",
    "retracted_and_republished": "Retracted and republished",
    "expression_of_concern": "Expression of concern",
    "erratum": "Erratum",
    "update": "Update",
    "comment": "Comment",
}


@dataclass(frozen=True)
class LevelInfo:
    value: str
    label: str
    rank: int
    short: str


SHORT_LABELS = {
    "systematic_review": "SR/MA",
    "rct": "RCT",
    "non_randomised_trial": "NRT",
    "observational": "Obs",
    "case_report": "Case",
    "guideline": "Guide",
    "narrative_review": "Review",
    "preclinical": "Precl",
    "protocol": "Protocol",
    "unclassified": "Uncl",
}
LEVELS = tuple(
    LevelInfo(lv.value, lv.label, lv.rank, SHORT_LABELS.get(lv.value, lv.value))
    for lv in LEVELS_BY_RANK
)
LEVEL_BY_VALUE = {info.value: info for info in LEVELS}


@dataclass(frozen=True)
class PaperItem:
    pmid: str
    title: str
    authors: tuple[str, ...]
    journal: str | None
    pub_date: str | None
    created: date
    doi: str | None
    abstract: str
    level: str
    level_label: str
    level_rank: int
    level_source: str
    level_confidence: float
    level_reason: str
    design: str | None
    sample_size: int | None
    trial_ids: tuple[str, ...]
    is_demo: bool
    therapies: tuple[str, ...]
    inclusion: str = "undecided"
    exclusion_reason: str | None = None

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"

    @property
    def doi_url(self) -> str | None:
        return doi_url(self.doi)

    @property
    def provenance(self) -> str:
        """Where the level came from, said plainly: rule source, confidence and reason."""
        source = SOURCE_NAMES.get(self.level_source, self.level_source)
        text = f"{source}, confidence {self.level_confidence:.2f}"
        return f"{text}: {self.level_reason}" if self.level_reason else text

    @property
    def citation(self) -> str:
        """Authors. Journal date. The short line a reader recognises a paper by."""
        parts = [self.author_line + "." if self.authors else ""]  # "et al" gets its stop here
        parts.append(" ".join(p for p in (self.journal, self.pub_date) if p))
        return " ".join(p for p in parts if p).rstrip(".") + "."

    @property
    def author_line(self) -> str:
        if len(self.authors) > 3:
            return ", ".join(self.authors[:3]) + " et al"  # the template adds the full stop
        return ", ".join(self.authors)


@dataclass(frozen=True)
class NoticeItem:
    kind: str
    kind_label: str
    paper_pmid: str  # the paper the notice touches
    paper_title: str | None
    notice_pmid: str | None
    notice_title: str | None
    date: date
    baseline_reference: str | None = None  # "document#number" when a seed reference is touched

    @property
    def paper_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.paper_pmid}/"

    @property
    def notice_url(self) -> str | None:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.notice_pmid}/" if self.notice_pmid else None


@dataclass(frozen=True)
class LevelGroup:
    level: LevelInfo
    papers: tuple[PaperItem, ...]


@dataclass(frozen=True)
class TrendPoint:
    day: date
    by_level: dict[str, int]


@dataclass(frozen=True)
class TherapySection:
    id: str
    name: str
    category: str
    status: str
    new_by_level: dict[str, int]  # in [since, until]
    previous_by_level: dict[str, int]  # the period of the same length just before
    cumulative_by_level: dict[str, int]  # everything up to until
    at_baseline_by_level: dict[str, int]  # everything before the baseline date
    highlights: tuple[PaperItem, ...]
    others: tuple[LevelGroup, ...]
    notices: tuple[NoticeItem, ...]
    events: tuple[str, ...]
    retracted: int  # papers of this therapy retracted in the period
    trend: tuple[TrendPoint, ...]

    @property
    def new_total(self) -> int:
        return sum(self.new_by_level.values())

    @property
    def previous_total(self) -> int:
        return sum(self.previous_by_level.values())

    @property
    def cumulative_total(self) -> int:
        return sum(self.cumulative_by_level.values())

    @property
    def at_baseline_total(self) -> int:
        return sum(self.at_baseline_by_level.values())

    @property
    def has_news(self) -> bool:
        return bool(self.highlights or self.others or self.notices or self.events)

    @property
    def change_vs_previous(self) -> int:
        return self.new_total - self.previous_total

    @property
    def change_since_baseline(self) -> int:
        return self.cumulative_total - self.at_baseline_total

    def change_vs_previous_by_level(self) -> dict[str, int]:
        return {k: self.new_by_level[k] - self.previous_by_level[k] for k in self.new_by_level}

    def change_since_baseline_by_level(self) -> dict[str, int]:
        return {
            k: self.cumulative_by_level[k] - self.at_baseline_by_level[k]
            for k in self.cumulative_by_level
        }


@dataclass(frozen=True)
class PathwayItem:
    """The second axis: the therapies acting on one pathway, their papers counted once."""

    id: str
    name: str
    therapies: tuple[str, ...]  # therapy names
    new_by_level: dict[str, int]
    cumulative: int


@dataclass(frozen=True)
class ReferenceItem:
    key: str
    document: str
    number: int
    citation: str
    pmid: str | None
    resolution: str
    cited_for: tuple[str, ...]
    matches: tuple[str, ...]
    context: str | None
    verdict: str  # "supports" | "partly" | "no_match"
    verdict_text: str
    retracted: bool
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    since: date
    until: date
    previous_since: date
    previous_until: date
    period: str
    generated_at: datetime
    baseline_date: date
    documents: tuple[Document, ...]  # the seed documents, as the baseline gives them
    demo: bool
    levels: tuple[LevelInfo, ...]
    therapies: tuple[TherapySection, ...]
    excluded: tuple[PaperItem, ...]
    references: tuple[ReferenceItem, ...]
    alerts: tuple[str, ...]  # always shown at the top: retractions touching baseline references
    pathways: tuple[PathwayItem, ...] = ()
    schema_version: str = SCHEMA_VERSION

    @property
    def papers(self) -> tuple[PaperItem, ...]:
        """The period's counted papers across therapies, each once, strongest first."""
        seen: dict[str, PaperItem] = {}
        for therapy in self.therapies:
            for paper in therapy.highlights:
                seen.setdefault(paper.pmid, paper)
            for group in therapy.others:
                for paper in group.papers:
                    seen.setdefault(paper.pmid, paper)
        return tuple(sorted(seen.values(), key=lambda p: (-p.level_rank, p.created, p.pmid)))


def empty_counts() -> dict[str, int]:
    return {info.value: 0 for info in LEVELS}


def created_on(paper: Paper) -> date:
    """The create date, with the same fallbacks as tracker.evidence.snapshots."""
    return paper.entrez_date or paper.pubmed_date or paper.first_seen_at.date()


def counts_as_evidence(paper: Paper) -> bool:
    return (
        paper.canonical_id is None
        and not paper.deleted
        and paper.inclusion != "excluded"
        and not paper.retracted
        and paper.notice_kind is None
    )


def count_levels(papers, start: date | None, end: date) -> dict[str, int]:
    """Counted papers by level whose create date is in [start, end] (start None: no lower bound)."""
    counts = empty_counts()
    for paper in papers:
        day = created_on(paper)
        if (start is None or day >= start) and day <= end:
            key = paper.level if paper.level in counts else Level.UNCLASSIFIED.value
            counts[key] += 1
    return counts


def author_names(paper: Paper) -> tuple[str, ...]:
    names = []
    for author in paper.authors or []:
        if author.get("collective"):
            names.append(author["collective"])
        else:
            names.append(" ".join(p for p in (author.get("last"), author.get("initials")) if p))
    return tuple(n for n in names if n)


def paper_item(paper: Paper, therapies: tuple[str, ...]) -> PaperItem:
    info = LEVEL_BY_VALUE.get(paper.level, LEVEL_BY_VALUE[Level.UNCLASSIFIED.value])
    abstract = "\n".join(
        f"{s['label']}: {s['text']}" if s.get("label") else s.get("text", "")
        for s in (paper.abstract or [])
    )
    return PaperItem(
        pmid=paper.pmid, title=paper.title or "(no title)", authors=author_names(paper),
        journal=paper.journal_abbrev or paper.journal, pub_date=paper.pub_date_text,
        created=created_on(paper), doi=normal_doi(paper.doi), abstract=abstract, level=info.value,
        level_label=info.label, level_rank=info.rank, level_source=paper.level_source,
        level_confidence=paper.level_confidence or 0.0, level_reason=paper.level_reason or "",
        design=paper.design, sample_size=paper.sample_size,
        trial_ids=tuple(paper.trial_ids or ()), is_demo=paper.is_demo, therapies=therapies,
        inclusion=paper.inclusion, exclusion_reason=paper.exclusion_reason,
    )


def previous_window(since: date, until: date) -> tuple[date, date]:
    length = (until - since).days + 1
    return since - timedelta(days=length), since - timedelta(days=1)


def trend_days(start: date, until: date, period: str) -> list[date]:
    """The chart's x axis: the start, then the end of each period (snapshots' periods)."""
    return [start] + [last for _, last in periods(start, until, period) if last != start]


def load_papers(session: Session, therapy_ids: list[str]):
    """Papers linked to the therapies, with a merged record's links moved to its canonical paper.

    Returns (papers by id, therapy ids by paper id), both over canonical and non-canonical rows.
    """
    rows = session.execute(
        select(Paper, TherapyPaper.therapy_id)
        .join(TherapyPaper, TherapyPaper.paper_id == Paper.id)
        .where(TherapyPaper.therapy_id.in_(therapy_ids))
        .options(defer(Paper.raw_xml))
    ).all()
    papers: dict[int, Paper] = {}
    links: dict[int, set[str]] = defaultdict(set)
    for paper, therapy_id in rows:
        papers[paper.id] = paper
        links[paper.id].add(therapy_id)
    # a duplicate's therapies belong to the paper it was merged into
    pending = {p.canonical_id for p in papers.values() if p.canonical_id is not None}
    while pending - set(papers):
        missing = list(pending - set(papers))
        for paper in session.scalars(
            select(Paper).where(Paper.id.in_(missing)).options(defer(Paper.raw_xml))
        ):
            papers[paper.id] = paper
        pending = {p.canonical_id for p in papers.values() if p.canonical_id is not None}
    for paper_id in list(links):
        root, hops = papers[paper_id], 0
        while root.canonical_id is not None and root.canonical_id in papers and hops < 20:
            root, hops = papers[root.canonical_id], hops + 1
        if root.id != paper_id:
            links[root.id] |= links[paper_id]
    return papers, links


def retraction_days(session: Session, paper_ids: list[int]) -> dict[int, date]:
    """The day each paper's retracted flag turned on, from the change history."""
    days: dict[int, date] = {}
    if not paper_ids:
        return days
    for start in range(0, len(paper_ids), 500):
        for paper_id, changed_at, new in session.execute(
            select(PaperChange.paper_id, PaperChange.changed_at, PaperChange.new)
            .where(PaperChange.paper_id.in_(paper_ids[start:start + 500]))
            .where(PaperChange.field == "retracted")
        ):
            if new:
                days[paper_id] = changed_at.date()
    return days


def collect_notices(
    session: Session, papers: dict[int, Paper], links
) -> list[tuple[set, NoticeItem]]:
    """Every notice touching a tracked paper, with the therapies it concerns; not period-filtered.

    Sources: NoticeLink rows; notice records whose CommentsCorrections name the paper; retracted
    papers with no notice stored (their retraction day comes from the change history).
    """
    by_pmid = {p.pmid: p for p in papers.values()}
    therapies_of = {p.pmid: links.get(p.id, set()) for p in papers.values()}
    found: dict[tuple[str, str | None, str], tuple[set, NoticeItem]] = {}

    def add(kind, paper_pmid, notice_pmid, day, extra_therapies=()):
        touched = by_pmid.get(paper_pmid)
        notice = by_pmid.get(notice_pmid) if notice_pmid else None
        therapies = set(therapies_of.get(paper_pmid, ())) | set(extra_therapies)
        key = (paper_pmid, notice_pmid, kind)
        if key in found or not therapies:
            return
        found[key] = (therapies, NoticeItem(
            kind=kind, kind_label=NOTICE_LABELS.get(kind, kind.replace("_", " ").capitalize()),
            paper_pmid=paper_pmid, paper_title=touched.title if touched else None,
            notice_pmid=notice_pmid, notice_title=notice.title if notice else None, date=day,
        ))

    pmids = list(by_pmid)
    notice_rows = []
    for start in range(0, len(pmids), 500):
        chunk = pmids[start:start + 500]
        notice_rows += session.scalars(select(NoticeLink).where(
            NoticeLink.paper_pmid.in_(chunk) | NoticeLink.notice_pmid.in_(chunk)
        )).all()
    for row in notice_rows:
        notice = by_pmid.get(row.notice_pmid) if row.notice_pmid else None
        day = notice.entrez_date if notice and notice.entrez_date else row.found_at.date()
        extra = therapies_of.get(row.notice_pmid, ()) if row.notice_pmid else ()
        add(row.kind, row.paper_pmid, row.notice_pmid, day, extra)
    for paper in papers.values():
        if paper.notice_kind is None or paper.canonical_id is not None or paper.deleted:
            continue
        for ref_type, pmid, _source in paper.comments_corrections or []:
            if ref_type in ON_NOTICE and pmid:
                add(ON_NOTICE[ref_type], pmid, paper.pmid, created_on(paper),
                    therapies_of.get(paper.pmid, ()))
    retracted = [p for p in papers.values() if p.retracted and p.canonical_id is None]
    days = retraction_days(session, [p.id for p in retracted])
    for paper in retracted:
        if any(k[0] == paper.pmid and k[2] in WITHDRAWING for k in found):
            continue
        notice_pmid = next(
            (pmid for ref_type, pmid, _ in paper.comments_corrections or []
             if ref_type == "RetractionIn" and pmid), None,
        )
        add("retraction", paper.pmid, notice_pmid,
            days.get(paper.id, paper.date_revised or created_on(paper)))
    return list(found.values())


def reference_items(session: Session, baseline: Baseline) -> tuple[ReferenceItem, ...]:
    """Each seed reference with its PMID, what it is about, and every notice touching it."""
    rows = {r.key: r for r in session.scalars(select(ReferenceRow))}
    names = {t.id: t.name for t in baseline.therapies}
    pmids = [r.pmid for r in rows.values() if r.pmid]
    key_of = {r.pmid: key for key, r in rows.items() if r.pmid}
    touched: dict[str, list[NoticeLink]] = defaultdict(list)
    for link in session.scalars(
        select(NoticeLink).where(NoticeLink.paper_pmid.in_(pmids))
        .order_by(NoticeLink.kind, NoticeLink.notice_pmid)
    ) if pmids else ():
        touched[key_of[link.paper_pmid]].append(link)
    flagged = set(session.scalars(
        select(Paper.pmid).where(Paper.pmid.in_(pmids), Paper.retracted.is_(True))
    )) if pmids else set()
    items = []
    for ref in baseline.references:
        row = rows.get(ref.key)
        pmid = row.pmid if row else None
        if row is not None:
            matches = tuple(row.matches or ())
        else:  # not stored yet (no `tracker init`): judge by the cited title, as init does
            matches = therapies_mentioned(f"{ref.title}. {ref.topic or ''}", baseline.therapies)
        cited_for = tuple(ref.cited_for)
        verdict, text = reference_verdict(matches, cited_for, ref.topic, names)
        citation = f"{ref.authors} {ref.title}. {ref.journal}. {ref.year}"
        if ref.volume:
            citation += f";{ref.volume}" + (f"({ref.issue})" if ref.issue else "")
            citation += f":{ref.pages}" if ref.pages else ""
        notes = tuple(
            NOTICE_LABELS.get(n.kind, n.kind)
            + (f" (PMID {n.notice_pmid})" if n.notice_pmid else "")
            for n in touched.get(ref.key, ())
        )
        items.append(ReferenceItem(
            key=ref.key, document=ref.document, number=ref.number, citation=citation + ".",
            pmid=pmid, resolution=row.resolution if row else "pending", cited_for=cited_for,
            matches=matches, context=ref.context, verdict=verdict, verdict_text=text,
            retracted=pmid in flagged
            or any(n.kind in WITHDRAWING for n in touched.get(ref.key, ())),
            notices=notes,
        ))
    return tuple(items)


def reference_verdict(matches, cited_for, topic, names) -> tuple[str, str]:
    """Whether a seed reference is about the therapies it is cited for, said plainly."""
    cited = ", ".join(names.get(t, t) for t in cited_for)
    about = ", ".join(names.get(t, t) for t in matches)
    if not matches:
        details = [f"cited for {cited}"] if cited_for else []
        details += [f"its topic: {topic}"] if topic else []
        text = "does not match any tracked therapy"
        return "no_match", text + (f" ({'; '.join(details)})" if details else "")
    if cited_for and not set(cited_for) <= set(matches):
        return "partly", f"about {about}, but cited for {cited}"
    return "supports", f"about {about}"


def build_report(
    session: Session,
    baseline: Baseline,
    *,
    since: date,
    until: date,
    therapy_ids=None,
    period: str = "week",
    generated_at: datetime,
) -> Report:
    """Everything the report shows for [since, until], computed from the database in one pass."""
    if since > until:
        raise ConfigError(f"report window starts after it ends ({since} > {until})")
    if period not in PERIODS:
        raise ConfigError(f"unknown report period {period!r} (known: {', '.join(PERIODS)})")
    therapies = baseline.select(therapy_ids)
    ids = [t.id for t in therapies]
    prev_since, prev_until = previous_window(since, until)
    baseline_date = baseline.start_date

    papers, links = load_papers(session, ids)
    counted = {pid: p for pid, p in papers.items() if counts_as_evidence(p)}
    notices = collect_notices(session, papers, links)
    references = reference_items(session, baseline)
    reference_of = {r.pmid: r.key for r in references if r.pmid}
    alerts = tuple(
        f"Baseline reference {r.key} (PMID {r.pmid}) has been retracted: "
        f"{r.citation}" for r in references if r.retracted
    )

    chart_start = min([baseline_date, since] + [created_on(p) for p in counted.values()])
    days = trend_days(chart_start, until, period)
    sections = []
    for therapy in therapies:
        mine = [p for pid, p in counted.items() if therapy.id in links.get(pid, ())]
        new = [p for p in mine if since <= created_on(p) <= until]
        items = sorted(
            (paper_item(p, tuple(sorted(links[p.id]))) for p in new),
            key=lambda i: (-i.level_rank, i.created, i.pmid),
        )
        highlights = tuple(i for i in items if i.level in HIGHLIGHT_LEVELS)
        groups = tuple(
            LevelGroup(info, group) for info in LEVELS
            if info.value not in HIGHLIGHT_LEVELS
            and (group := tuple(i for i in items if i.level == info.value))
        )
        my_notices = tuple(sorted(
            (replace(n, baseline_reference=reference_of.get(n.paper_pmid))
             for ts, n in notices if therapy.id in ts and since <= n.date <= until),
            key=lambda n: (n.date, n.paper_pmid, n.kind),
        ))
        retracted = len({n.paper_pmid for n in my_notices if n.kind in WITHDRAWING})
        at_baseline = count_levels(mine, None, baseline_date - timedelta(days=1))
        before = count_levels(mine, None, since - timedelta(days=1))
        after = count_levels(mine, None, until)
        found = events(therapy.name, Counter(before), Counter(after),
                       at_baseline[Level.SYSTEMATIC_REVIEW.value], retracted)
        sections.append(TherapySection(
            id=therapy.id, name=therapy.name, category=therapy.category, status=therapy.status,
            new_by_level=count_levels(new, since, until),
            previous_by_level=count_levels(mine, prev_since, prev_until),
            cumulative_by_level=after, at_baseline_by_level=at_baseline,
            highlights=highlights, others=groups, notices=my_notices,
            events=tuple(e["text"] for e in found), retracted=retracted,
            trend=tuple(TrendPoint(d, count_levels(mine, None, d)) for d in days),
        ))

    excluded = []
    for paper in papers.values():
        if paper.inclusion != "excluded" or paper.canonical_id is not None or paper.deleted:
            continue
        decided = paper.decided_at.date() if paper.decided_at else None
        if since <= created_on(paper) <= until or (decided and since <= decided <= until):
            excluded.append(paper_item(paper, tuple(sorted(links[paper.id]))))
    excluded.sort(key=lambda i: (i.created, i.pmid))
    pathways = pathway_items(baseline, therapies, counted, links, since, until)
    shown = {p.pmid for s in sections for p in s.highlights}
    shown |= {p.pmid for s in sections for g in s.others for p in g.papers}
    shown |= {p.pmid for p in excluded}
    shown |= {n.paper_pmid for s in sections for n in s.notices}
    shown |= {n.notice_pmid for s in sections for n in s.notices if n.notice_pmid}
    demo = any(p.is_demo for p in papers.values() if p.pmid in shown)

    return Report(
        since=since, until=until, previous_since=prev_since, previous_until=prev_until,
        period=period, generated_at=generated_at, baseline_date=baseline_date,
        documents=baseline.documents, demo=demo, levels=LEVELS, therapies=tuple(sections),
        excluded=tuple(excluded), references=references, alerts=alerts, pathways=pathways,
    )


def pathway_items(baseline: Baseline, therapies, counted: dict, links: dict, since: date,
                  until: date) -> tuple[PathwayItem, ...]:
    """Counted papers per pathway of the seed documents, each paper once however many of the
    pathway's therapies found it."""
    items = []
    for pathway in baseline.pathways:
        members = [t for t in therapies if pathway.id in t.pathways]
        if not members:
            continue
        ids = {t.id for t in members}
        papers = [p for pid, p in counted.items() if ids & set(links.get(pid, ()))]
        items.append(PathwayItem(
            id=pathway.id, name=pathway.name, therapies=tuple(t.name for t in members),
            new_by_level=count_levels(papers, since, until),
            cumulative=sum(count_levels(papers, None, until).values()),
        ))
    return tuple(items)

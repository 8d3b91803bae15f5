"""One counting rule for every count the tracker prints (docs/report-json.md, "Counting rule"),
in SQL, so a report does not grow with the papers it only counts.

The report and the CLI both count through here: a paper counts for a therapy
when linked to it (a merged duplicate's links count for its canonical paper), canonical, not
deleted, not excluded, not retracted, not a notice, and not the newer side of an undecided
("possible") duplicate pair. Counts come back grouped by therapy and level; only the papers a
report lists are loaded as objects (window_papers).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import String, and_, case, exists, func, or_, select, type_coerce, union
from sqlalchemy.orm import Session, aliased, load_only

from tracker.evidence import LEVELS_BY_RANK, Level, period_bounds, periods
from tracker.store import (
    DuplicateLink,
    Paper,
    TherapyPaper,
    Trial,
    TrialPaper,
    batches,
    rows_in_batches,
)
from tracker.store.days import created_between, created_day, day_start, period_start

KNOWN_LEVELS = tuple(level.value for level in LEVELS_BY_RANK)


def pmid_order(pmid: str) -> tuple[int, str]:
    return (int(pmid), pmid) if pmid.isdigit() else (10**12, pmid)


def level_key(paper=Paper):
    """The paper's level, any unknown one counted as unclassified (as build.count_levels does)."""
    return case((paper.level.in_(KNOWN_LEVELS), paper.level), else_=Level.UNCLASSIFIED.value)


def counting(paper=Paper):
    """build.counts_as_evidence as a SQL condition."""
    return and_(paper.canonical_id.is_(None), paper.deleted.is_(False),
                paper.inclusion != "excluded", paper.retracted.is_(False),
                paper.notice_kind.is_(None))


def effective_links(therapy_ids: list[str], name: str = "links"):
    """(therapy_id, paper_id) pairs, each once: a paper's own links, and a merged duplicate's
    links moved to the paper it was merged into (merging keeps every duplicate one hop from its
    canonical paper, tracker.evidence.duplicate_links.merge)."""
    duplicate = aliased(Paper)
    own = select(TherapyPaper.therapy_id, TherapyPaper.paper_id).where(
        TherapyPaper.therapy_id.in_(therapy_ids))
    moved = (  # from the few duplicates to their links, not from every link to its paper
        select(TherapyPaper.therapy_id, duplicate.canonical_id.label("paper_id"))
        .select_from(duplicate)
        .join(TherapyPaper, TherapyPaper.paper_id == duplicate.id)
        .where(TherapyPaper.therapy_id.in_(therapy_ids), duplicate.canonical_id.is_not(None))
    )
    return union(own, moved).subquery(name)


def tracked(therapy_ids: list[str], paper=Paper):
    """The paper is linked to one of the therapies, itself or through a duplicate merged into
    it: correlated lookups on the link indexes, so it costs per paper checked."""
    duplicate = aliased(Paper)
    return or_(
        exists().where(TherapyPaper.paper_id == paper.id,
                       TherapyPaper.therapy_id.in_(therapy_ids)),
        exists().where(duplicate.canonical_id == paper.id,
                       TherapyPaper.paper_id == duplicate.id,
                       TherapyPaper.therapy_id.in_(therapy_ids)),
    )


def possible_duplicates(session: Session) -> dict[int, str]:
    """Paper id -> the older PMID it may duplicate, for undecided ("possible") pairs of papers
    that both still count; the newer one is left out of counts until a reviewer decides.
    Reads the pairs and their papers' PMIDs, never every paper."""
    pairs = session.execute(
        select(DuplicateLink.paper_id, DuplicateLink.other_id)
        .where(DuplicateLink.status == "possible")
    ).all()
    ids = sorted({paper_id for pair in pairs for paper_id in pair})
    pmids: dict[int, str] = {}
    pmids.update(rows_in_batches(session, lambda batch: select(Paper.id, Paper.pmid).where(
        Paper.id.in_(batch), counting()), ids))
    doubtful: dict[int, str] = {}
    for pair in pairs:
        if not all(paper_id in pmids for paper_id in pair):
            continue  # one of the two no longer counts
        (_, older), (newer, _) = sorted(((i, pmids[i]) for i in pair),
                                        key=lambda one: pmid_order(one[1]))
        if newer not in doubtful or pmid_order(older) < pmid_order(doubtful[newer]):
            doubtful[newer] = older
    return doubtful


def counted_rows(therapy_ids: list[str], doubtful: Iterable[int] = ()):
    """(links, paper): the counted papers joined to their therapies; add columns and group."""
    links = effective_links(therapy_ids)
    query = (select().select_from(links).join(Paper, Paper.id == links.c.paper_id)
             .where(counting(), Paper.id.not_in(list(doubtful))))
    return links, query


def range_counts(session: Session, therapy_ids: list[str], doubtful: Iterable[int],
                 ranges: dict[str, tuple[date | None, date]]):
    """(papers, trials, first): per therapy and range, counted papers by level and distinct
    trials by level (a paper in no trial is a trial of its own); and the earliest day of any
    counted paper. One GROUP BY therapy, level query."""
    links, query = counted_rows(therapy_ids, doubtful)
    day = created_day()
    level = level_key().label("level_key")  # grouped by its name: the same bound values
    columns = []
    for start, end in ranges.values():
        inside = day <= end if start is None else day.between(start, end)
        columns += [
            func.count(func.distinct(case((inside, Paper.id)))),
            func.count(func.distinct(case((inside, Trial.key)))),
            func.count(func.distinct(case((and_(inside, Trial.key.is_(None)), Paper.id)))),
        ]
    rows = session.execute(
        query.add_columns(links.c.therapy_id, level, func.min(day), *columns)
        .outerjoin(TrialPaper, TrialPaper.paper_id == Paper.id)
        .outerjoin(Trial, Trial.id == TrialPaper.trial_id)
        .group_by(links.c.therapy_id, level)
    ).all()
    papers = {t: {name: empty() for name in ranges} for t in therapy_ids}
    trials = {t: {name: empty() for name in ranges} for t in therapy_ids}
    for therapy_id, level, _first, *values in rows:
        for i, name in enumerate(ranges):
            count, in_trials, alone = values[3 * i:3 * i + 3]
            papers[therapy_id][name][level] += count
            trials[therapy_id][name][level] += in_trials + alone
    return papers, trials, min((row[2] for row in rows), default=None)


def empty() -> dict[str, int]:
    return dict.fromkeys(KNOWN_LEVELS, 0)


def trend_counts(session: Session, therapy_ids: list[str], doubtful: Iterable[int], *,
                 start: date, until: date, period: str) -> dict[str, list[tuple[date, dict]]]:
    """Per therapy, the cumulative counts by level at `start` and at the end of each period up
    to `until`: counts per (therapy, level, period) from SQL, summed up here."""
    links, query = counted_rows(therapy_ids, doubtful)
    day = created_day()
    level = level_key().label("level_key")  # grouped by their names: the same bound values
    at_start = (day <= start).label("at_start")
    # a period's first day as the driver gives it (text on SQLite), parsed once per period
    bucket = type_coerce(period_start(session, day, period), String).label("bucket")
    rows = session.execute(
        query.add_columns(links.c.therapy_id, level, at_start, bucket,
                          func.count(func.distinct(Paper.id)))
        .where(day <= until)
        .group_by(links.c.therapy_id, level, at_start, bucket)
    ).all()
    days = [start] + [last for _, last in periods(start, until, period) if last != start]
    added: dict[str, dict[date, dict[str, int]]] = defaultdict(lambda: defaultdict(empty))
    ends: dict = {}
    for therapy_id, level, is_start, first, count in rows:
        if first not in ends:
            ends[first] = min(period_bounds(date.fromisoformat(str(first)), period)[1], until)
        end = start if is_start else ends[first]
        added[therapy_id][end][level] += count
    trend = {}
    for therapy_id in therapy_ids:
        running, points = empty(), []
        for point in days:
            for level, count in added[therapy_id].pop(point, {}).items():
                running[level] += count
            points.append((point, dict(running)))
        trend[therapy_id] = points
    return trend


# what the report reads of a listed paper: decoding the other JSON columns (publication types,
# keywords, links...) of every paper cost more than the query on long windows; any other
# column read raises rather than loading papers one by one
LISTED_COLUMNS = (
    Paper.pmid, Paper.title, Paper.authors, Paper.journal, Paper.journal_abbrev, Paper.volume,
    Paper.issue, Paper.pages, Paper.pub_date_text, Paper.entrez_date, Paper.pubmed_date,
    Paper.first_seen_at, Paper.doi, Paper.abstract, Paper.mesh, Paper.level, Paper.level_source,
    Paper.level_confidence, Paper.level_reason, Paper.design, Paper.sample_size, Paper.trial_ids,
    Paper.is_demo, Paper.deleted, Paper.canonical_id, Paper.retracted, Paper.notice_kind,
    Paper.inclusion, Paper.exclusion_reason, Paper.decided_at,
)


def window_papers(session: Session, therapy_ids: list[str], since: date,
                  until: date) -> dict[int, Paper]:
    """The tracked papers a report on [since, until] lists: created in it, or excluded by a
    reviewer in it. The only papers loaded as objects."""
    decided = and_(Paper.inclusion == "excluded", Paper.decided_at >= day_start(since),
                   Paper.decided_at < day_start(until + timedelta(days=1)))
    rows = session.scalars(
        select(Paper).where(or_(created_between(since, until), decided), tracked(therapy_ids))
        .options(load_only(*LISTED_COLUMNS, raiseload=True))
    )
    return {paper.id: paper for paper in rows}


def links_of(session: Session, paper_ids: Iterable[int],
             therapy_ids: list[str]) -> dict[int, set[str]]:
    """Therapy ids of each paper, a merged duplicate's added to its canonical paper's."""
    ids = list(paper_ids)
    links: dict[int, set[str]] = defaultdict(set)
    for chunk in batches(ids):
        # the merged papers among and of these first, then the links by paper id: in one join
        # SQLite read every link of the therapies for each chunk
        canonical_of = dict(session.execute(
            select(Paper.id, Paper.canonical_id).where(
                or_(Paper.id.in_(chunk), Paper.canonical_id.in_(chunk)),
                Paper.canonical_id.is_not(None))
        ).all())
        for therapy_id, paper_id in session.execute(
            select(TherapyPaper.therapy_id, TherapyPaper.paper_id)
            .where(TherapyPaper.therapy_id.in_(therapy_ids),
                   TherapyPaper.paper_id.in_(sorted({*chunk, *canonical_of})))
        ):
            links[paper_id].add(therapy_id)
            if paper_id in canonical_of:
                links[canonical_of[paper_id]].add(therapy_id)
    return links


def tracked_and_counted(session: Session, therapy_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Per therapy: papers its searches found (stored in any state), and those that count."""
    tracked_count = dict(session.execute(
        select(TherapyPaper.therapy_id, func.count())
        .where(TherapyPaper.therapy_id.in_(therapy_ids))
        .group_by(TherapyPaper.therapy_id)
    ).all())
    links, query = counted_rows(therapy_ids, possible_duplicates(session))
    counted = dict(session.execute(
        query.add_columns(links.c.therapy_id, func.count(func.distinct(Paper.id)))
        .group_by(links.c.therapy_id)
    ).all())
    return {t: (tracked_count.get(t, 0), counted.get(t, 0)) for t in therapy_ids}

"""One counting rule for every count the tracker prints (docs/report-json.md, "Counting rule"),
in SQL, so a report does not grow with the papers it only counts.

The report and the CLI both count through here: a paper counts for a therapy
when linked to it (a merged duplicate's links count for its canonical paper), canonical, not
deleted, not excluded, not retracted, not a notice, and not the newer side of an undecided
("possible") duplicate pair. Counts come back grouped by therapy and level, the history from
the day counts the database keeps (store.CountedDay); only the papers a report lists are loaded
as objects (listed_in_window ranks them in SQL; papers_by_id).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from sqlalchemy import (
    String,
    and_,
    case,
    exists,
    func,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased, load_only

from tracker.evidence import LEVELS_BY_RANK, Level, periods, trial_keys
from tracker.store import (
    CountedDay,
    DuplicateLink,
    Paper,
    TherapyPaper,
    batches,
    rows_in_batches,
    scalars_in_batches,
)
from tracker.store.days import created_day, created_in, day_start

KNOWN_LEVELS = tuple(level.value for level in LEVELS_BY_RANK)


def pmid_order(pmid: str) -> tuple[int, str]:
    return (int(pmid), pmid) if pmid.isdigit() else (10**12, pmid)


def level_key(paper=Paper):
    """The paper's level, any unknown one counted as unclassified (as build.count_levels does)."""
    return case((paper.level.in_(KNOWN_LEVELS), paper.level), else_=Level.UNCLASSIFIED.value)


def counting(paper=Paper):
    """build.counts_as_evidence as a SQL condition. Migration 0014's triggers keep CountedDay by
    the same rule: a change here is a change there (kept_history_drift finds any difference)."""
    return and_(paper.canonical_id.is_(None), paper.deleted.is_(False),
                paper.inclusion != "excluded", paper.retracted.is_(False),
                paper.notice_kind.is_(None))


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


def link_sources(therapy_ids: list[str]):
    """The (therapy, paper) pairs a count counts, each once, as two disjoint sources, each
    (therapy column, query joined to the papers): each paper's own links, straight from
    therapy_papers (unique pairs, so count(*) counts papers), and the few links of merged
    duplicates moved to their canonical paper (merging keeps every duplicate one hop from it,
    tracker.evidence.duplicate_links.merge) where it has no such link of its own. Joining
    their union to the papers made SQLite build it whole and read every paper's long row."""
    own = (select().select_from(TherapyPaper).join(Paper, Paper.id == TherapyPaper.paper_id)
           .where(TherapyPaper.therapy_id.in_(therapy_ids)))
    duplicate, its_own = aliased(Paper), aliased(TherapyPaper)
    moved_links = (
        select(TherapyPaper.therapy_id, duplicate.canonical_id.label("paper_id")).distinct()
        .select_from(duplicate)
        .join(TherapyPaper, TherapyPaper.paper_id == duplicate.id)
        .where(TherapyPaper.therapy_id.in_(therapy_ids), duplicate.canonical_id.is_not(None),
               ~exists().where(its_own.paper_id == duplicate.canonical_id,
                               its_own.therapy_id == TherapyPaper.therapy_id))
        .subquery("moved")
    )
    moved = select().select_from(moved_links).join(Paper, Paper.id == moved_links.c.paper_id)
    return [(TherapyPaper.therapy_id, own), (moved_links.c.therapy_id, moved)]


def counted_sources(therapy_ids: list[str], doubtful: Iterable[int] = ()):
    """link_sources' queries narrowed to the counted papers."""
    not_doubtful = Paper.id.not_in(list(doubtful))
    return [(therapy, query.where(counting(), not_doubtful))
            for therapy, query in link_sources(therapy_ids)]


def empty() -> dict[str, int]:
    return dict.fromkeys(KNOWN_LEVELS, 0)


@dataclass(frozen=True)
class Trend:
    """The trend a report charts: cumulative counts at its start and at each period's end up to
    `until`. It starts at `start`, or at the first counted paper's day when from_first and that
    is earlier (a chart from the first paper on)."""

    start: date
    until: date
    period: str
    from_first: bool = False


class DailyCounts:
    """Counted papers of one therapy and level by day, summed up to any day by bisection: a
    report's ranges and trend points are sums over days, taken here from one read. Days are
    kept as the database returns them (ISO text on SQLite, which sorts as the days do; dates
    on PostgreSQL), and the days asked about are put the same way (DayKeys): no row's day is
    parsed or formatted. A day may come more than once (from each source), and with a negative
    count (a possible duplicate's kept day taken back); each day's net count is never below 0."""

    def __init__(self, days: list, counts: list[int]) -> None:
        pairs = sorted(zip(days, counts, strict=True))
        self.days = [day for day, _ in pairs]
        self.totals = list(accumulate(count for _, count in pairs))

    def first(self):
        """The first day with a paper: a day's entries sort taken-back ones first, so the first
        positive running total is at the end of the first day whose net count is above 0."""
        return next((day for day, total in zip(self.days, self.totals, strict=True)
                     if total > 0), None)

    def up_to(self, day) -> int:
        """Papers created on or before `day`."""
        index = bisect_right(self.days, day)
        return self.totals[index - 1] if index else 0

    def up_to_each(self, days: list) -> list[int]:
        """up_to for each of the ascending `days`, in one walk."""
        found, index, last = [], 0, len(self.days)
        for day in days:
            while index < last and self.days[index] <= day:
                index += 1
            found.append(self.totals[index - 1] if index else 0)
        return found


class DayKeys:
    """Days put as the database returned them: ISO text or dates."""

    def __init__(self, sample: object) -> None:
        self.text = isinstance(sample, str)

    def key(self, day: date):
        return day.isoformat() if self.text else day

    def day(self, key) -> date:
        return date.fromisoformat(key[:10]) if self.text else key


GROUPING_MEMORY = "32MB"  # for the day counts' grouping, this transaction only


def report_counts(session: Session, therapy_ids: list[str], doubtful: Iterable[int],
                  ranges: dict[str, tuple[date | None, date]], trend: Trend | None = None):
    """(papers, trials, first, trend): per therapy and range, counted papers by level and
    distinct trials by level (a paper in no trial is a trial of its own); the earliest day of
    any counted paper; and, given a Trend, per therapy its points (day, counts by level).

    The counted papers are read once, as counts per therapy, level and day (days_by_level:
    the kept day counts, and the few papers they leave out), and every range and period is
    summed from those here: a key column per range made SQLite's grouping several times slower.
    The papers in trials, few, are read as rows."""
    connection = session.connection()  # plain rows: no ORM row processing
    if connection.dialect.name == "postgresql":
        # a long history is a long array per therapy and level: gathered in memory rather
        # than spilled to disk (4 MB, PostgreSQL's default, spilled at 100,000 papers)
        connection.exec_driver_sql(f"SET LOCAL work_mem = '{GROUPING_MEMORY}'")
    lists: dict[tuple[str, str], tuple[list, list]] = defaultdict(lambda: ([], []))
    for therapy_id, level_value, days, counts in days_by_level(connection, therapy_ids,
                                                                doubtful):
        kept_days, kept_counts = lists[therapy_id, level_value]
        kept_days += days
        kept_counts += counts
    sample = next((days[0] for days, _ in lists.values() if days), None)
    keys = DayKeys(sample)
    daily = {key: DailyCounts(*both) for key, both in lists.items()}
    first = min((day for day in (counts.first() for counts in daily.values())
                 if day is not None), default=None)
    first = keys.day(first) if first is not None else None
    bounds = {name: (None if start is None else keys.key(start - timedelta(days=1)),
                     keys.key(end)) for name, (start, end) in ranges.items()}
    papers = {t: {name: empty() for name in ranges} for t in therapy_ids}
    for (therapy_id, level_value), counts in daily.items():
        for name, (before, end) in bounds.items():
            papers[therapy_id][name][level_value] += (
                counts.up_to(end) - (counts.up_to(before) if before is not None else 0))
    trials = trial_counts(session, therapy_ids, doubtful, ranges, papers)
    if trend is None:
        return papers, trials, first, {}
    return papers, trials, first, trend_points(therapy_ids, trend, first, daily, keys)


def days_by_level(connection, therapy_ids: list[str], doubtful: Iterable[int]):
    """(therapy, level, days, counts) of the counted papers: the counts per therapy, level and
    day, each (therapy, level)'s gathered into two arrays by the database (array_agg; SQLite's
    json_group_array), so a long history comes back as about a hundred rows. A (therapy, level)
    may come more than once.

    Most come from the counts the database keeps (CountedDay: a row per day, not per link);
    the rest are counted live from the links, each a few papers: the papers without an Entrez
    or PubMed date (their day is the local day first seen), the links moved from merged
    duplicates, and, taken back, the kept days of the possible duplicates that do not count."""
    if connection.dialect.name == "postgresql":
        gather, unpack = func.array_agg, list
    else:
        gather, unpack = func.json_group_array, json.loads
    kept_day = type_coerce(CountedDay.day, String)  # read as it comes (DailyCounts)
    for therapy_id, level_value, days, counts in connection.execute(
        select(CountedDay.therapy_id, CountedDay.level, gather(kept_day),
               gather(CountedDay.papers))
        .where(CountedDay.therapy_id.in_(therapy_ids), CountedDay.papers != 0)
        .group_by(CountedDay.therapy_id, CountedDay.level)
    ):
        known = level_value if level_value in KNOWN_LEVELS else Level.UNCLASSIFIED.value
        yield therapy_id, known, unpack(days), unpack(counts)
    doubtful = list(doubtful)
    taken_back = set(doubtful)
    undated = [paper_id for paper_id in connection.scalars(
        select(Paper.id).where(Paper.entrez_date.is_(None), Paper.pubmed_date.is_(None),
                               counting())) if paper_id not in taken_back]
    (own_therapy, own), (moved_therapy, moved) = link_sources(therapy_ids)
    # (therapy, query, sign): the papers by id, so each is read from its key, not found
    # among every link of the therapies
    live = [(moved_therapy, moved.where(counting(), Paper.id.not_in(doubtful)), 1)]
    live += [(own_therapy, own.where(Paper.id.in_(batch)), 1) for batch in batches(undated)]
    live += [(own_therapy, own.where(Paper.id.in_(batch), counting(), dated()), -1)
             for batch in batches(doubtful)]
    day = type_coerce(created_day(), String)
    level = level_key().label("level_key")
    for therapy, query, sign in live:
        per_day = (query.add_columns(therapy.label("therapy_id"), level, day.label("day"),
                                     (sign * func.count()).label("papers"))
                   .group_by(therapy, level, "day").subquery())
        for therapy_id, level_value, days, counts in connection.execute(
            select(per_day.c.therapy_id, per_day.c.level_key, gather(per_day.c.day),
                   gather(per_day.c.papers)).group_by(per_day.c.therapy_id, per_day.c.level_key)
        ):
            yield therapy_id, level_value, unpack(days), unpack(counts)


def dated(paper=Paper):
    """The paper has an Entrez or PubMed date: its day is the same in every zone."""
    return or_(paper.entrez_date.is_not(None), paper.pubmed_date.is_not(None))


def kept_history_drift(session: Session) -> list[tuple[str, str, str, int, int]]:
    """(therapy, level, day, kept, counted) wherever CountedDay differs from a count from the
    links by the counting rule: none, unless the rule and migration 0014's triggers disagree
    or the triggers are missing. Reads every link: for tests and checks, not for reports."""
    day = type_coerce(func.coalesce(Paper.entrez_date, Paper.pubmed_date), String)
    counted = {
        (therapy_id, level_value, str(when)[:10]): papers
        for therapy_id, level_value, when, papers in session.execute(
            select(TherapyPaper.therapy_id, Paper.level, day, func.count())
            .join(Paper, Paper.id == TherapyPaper.paper_id)
            .where(counting(), dated())
            .group_by(TherapyPaper.therapy_id, Paper.level, day))
    }
    kept = {
        (therapy_id, level_value, str(when)[:10]): papers
        for therapy_id, level_value, when, papers in session.execute(
            select(CountedDay.therapy_id, CountedDay.level, type_coerce(CountedDay.day, String),
                   CountedDay.papers).where(CountedDay.papers != 0))
    }
    return sorted((*key, kept.get(key, 0), counted.get(key, 0))
                  for key in kept.keys() | counted.keys()
                  if kept.get(key, 0) != counted.get(key, 0))


def trend_points(therapy_ids: list[str], trend: Trend, first: date | None,
                 daily: dict[tuple[str, str], DailyCounts],
                 keys: DayKeys) -> dict[str, list[tuple[date, dict]]]:
    """Per therapy, the cumulative counts by level at the trend's start and at the end of each
    period up to its last day."""
    start = trend.start
    if trend.from_first and first is not None and first < start:
        start = first
    days = [start] + [last for _, last in periods(start, trend.until, trend.period)
                      if last != start]
    asked = [keys.key(day) for day in days]
    points_by_therapy = {t: [(day, empty()) for day in days] for t in therapy_ids}
    for (therapy_id, level), counts in daily.items():
        for (_, by_level), count in zip(points_by_therapy[therapy_id], counts.up_to_each(asked),
                                        strict=True):
            by_level[level] += count
    return points_by_therapy


def trial_counts(session: Session, therapy_ids: list[str], doubtful: Iterable[int],
                 ranges: dict[str, tuple[date | None, date]], papers: dict) -> dict:
    """Per therapy and range, distinct trials by level: the trials of the counted papers in
    trials plus every counted paper in none (the papers counts less those in a trial).
    The trials' papers are read first, so only they are looked up among the counted ones."""
    keys_of = trial_keys(session)
    in_trials: dict[tuple, tuple[set, set]] = defaultdict(lambda: (set(), set()))
    for therapy, query in counted_sources(therapy_ids, doubtful):
        for therapy_id, level, paper_day, paper_id in rows_in_batches(
            session, lambda batch, therapy=therapy, query=query: query.add_columns(
                therapy, level_key(), created_day(), Paper.id).where(Paper.id.in_(batch)),
            sorted(keys_of),
        ):
            for name, (start, end) in ranges.items():
                if (start is None or paper_day >= start) and paper_day <= end:
                    keys, members = in_trials[therapy_id, name, level]
                    keys.update(keys_of[paper_id])
                    members.add(paper_id)
    trials = {t: {name: dict(by_level) for name, by_level in by_range.items()}
              for t, by_range in papers.items()}
    for (therapy_id, name, level), (keys, members) in in_trials.items():
        trials[therapy_id][name][level] += len(keys) - len(members)
    return trials


def range_counts(session: Session, therapy_ids: list[str], doubtful: Iterable[int],
                 ranges: dict[str, tuple[date | None, date]]):
    """(papers, trials, first) of report_counts, without a trend."""
    papers, trials, first, _ = report_counts(session, therapy_ids, doubtful, ranges)
    return papers, trials, first


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


def listed_in_window(session: Session, therapy_ids: list[str], doubtful: Iterable[int],
                     since: date, until: date, limit: int | None):
    """({paper id: the therapies it is listed under}, {therapy: {level: papers not listed}}):
    the papers a report on [since, until] lists, created in it and counted or possibly a
    duplicate (listed with its pair, not counted); at most `limit` of each level in each therapy,
    the most recent. Ranked in SQL, so a long window sends only the papers listed."""
    doubtful = list(doubtful)
    parts = [
        query.add_columns(therapy.label("therapy_id"), Paper.id.label("paper_id"),
                          level_key().label("level"), created_day().label("day"),
                          Paper.pmid.label("pmid"))
        .where(created_in(session, since, until), or_(counting(), Paper.id.in_(doubtful)))
        for therapy, query in link_sources(therapy_ids)
    ]
    candidates = union_all(*parts).subquery("candidates")
    group = (candidates.c.therapy_id, candidates.c.level)
    ranked = select(
        candidates.c.therapy_id, candidates.c.paper_id, candidates.c.level,
        func.row_number().over(partition_by=group, order_by=(candidates.c.day.desc(),
                                                             candidates.c.pmid.desc()))
        .label("rank"),
        func.count().over(partition_by=group).label("size"),
    ).subquery("ranked")
    query = select(ranked.c.therapy_id, ranked.c.paper_id, ranked.c.level, ranked.c.size)
    if limit is not None:
        query = query.where(ranked.c.rank <= limit)
    listed: dict[int, set[str]] = defaultdict(set)
    unlisted: dict[str, dict[str, int]] = defaultdict(dict)
    for therapy_id, paper_id, level, size in session.execute(query):
        listed[paper_id].add(therapy_id)
        if limit is not None and size > limit:
            unlisted[therapy_id][level] = size - limit
    return dict(listed), unlisted


def excluded_in_window(session: Session, therapy_ids: list[str], since: date, until: date,
                       limit: int | None) -> tuple[list[int], int]:
    """Ids of the tracked papers a reviewer excluded that a report on [since, until] lists
    (created or decided in it), at most `limit`, the most recent; and how many more there are."""
    decided = and_(Paper.decided_at >= day_start(since),
                   Paper.decided_at < day_start(until + timedelta(days=1)))
    found = sorted(
        (date.fromisoformat(str(day)[:10]), pmid, paper_id)
        for paper_id, day, pmid in session.execute(
            select(Paper.id, type_coerce(created_day(), String), Paper.pmid)
            .where(Paper.inclusion == "excluded", Paper.canonical_id.is_(None),
                   Paper.deleted.is_(False), or_(created_in(session, since, until), decided),
                   tracked(therapy_ids)))
    )
    hidden = max(0, len(found) - limit) if limit is not None else 0
    return [paper_id for *_, paper_id in found[hidden:]], hidden


def papers_by_id(session: Session, paper_ids: list[int]) -> dict[int, Paper]:
    """The papers a report lists, as objects with the columns it reads."""
    return {paper.id: paper for paper in scalars_in_batches(
        session, lambda batch: select(Paper).where(Paper.id.in_(batch))
        .options(load_only(*LISTED_COLUMNS, raiseload=True)), paper_ids)}


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
    counted: dict[str, int] = defaultdict(int)
    for therapy_id, _, _, counts in days_by_level(session.connection(), therapy_ids,
                                                  possible_duplicates(session)):
        counted[therapy_id] += sum(counts)
    return {t: (tracked_count.get(t, 0), counted.get(t, 0)) for t in therapy_ids}

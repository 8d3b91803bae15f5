"""The database schema (SQLAlchemy 2). Alembic migrations in tracker/migrations follow it.

Lists and small structures are JSON columns: they are read whole, never queried inside, and the
raw record (compressed) is kept so any column can be re-derived without a refetch.
"""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """A timestamp held as naive UTC on SQLite and PostgreSQL alike, read back aware in UTC.

    An aware value is converted to UTC on the way in; a naive one is local wall time (what
    `datetime.now()` gives), so it is converted from the machine's zone, never stored as is.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        return value.astimezone(UTC).replace(tzinfo=None) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class SerialisedJSON(TypeDecorator):
    """A JSON column's value already serialised with json.dumps, as JSON would serialise it:
    bound as it is. A poll's worker process serialises a batch's lists so the process that
    writes them does not."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect):
        return None


class Base(DeclarativeBase):
    pass


class Therapy(Base):
    __tablename__ = "therapies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    pathways: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Paper(Base):
    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pmid: Mapped[str] = mapped_column(String(16), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(16), default="article")
    medline_status: Mapped[str] = mapped_column(String(32), default="")
    title: Mapped[str] = mapped_column(Text, default="")
    vernacular_title: Mapped[str | None] = mapped_column(Text)
    abstract: Mapped[list] = mapped_column(JSON, default=list)  # [{label, category, text}]
    authors: Mapped[list] = mapped_column(JSON, default=list)  # [{last, fore, ...}]
    first_author: Mapped[str | None] = mapped_column(String(200))
    journal: Mapped[str | None] = mapped_column(String(400))
    journal_abbrev: Mapped[str | None] = mapped_column(String(200))
    volume: Mapped[str | None] = mapped_column(String(50))
    issue: Mapped[str | None] = mapped_column(String(50))
    pages: Mapped[str | None] = mapped_column(String(50))
    pub_date: Mapped[date | None] = mapped_column(Date)  # earliest day the PubDate can mean
    pub_date_text: Mapped[str | None] = mapped_column(String(100))
    pub_year: Mapped[int | None] = mapped_column(Integer)
    electronic_date: Mapped[date | None] = mapped_column(Date)
    entrez_date: Mapped[date | None] = mapped_column(Date, index=True)  # crdt
    pubmed_date: Mapped[date | None] = mapped_column(Date)  # edat
    date_revised: Mapped[date | None] = mapped_column(Date)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    publication_types: Mapped[list] = mapped_column(JSON, default=list)  # [[ui, name]]
    mesh: Mapped[list] = mapped_column(JSON, default=list)  # [{descriptor, ui, major, qualifiers}]
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    comments_corrections: Mapped[list] = mapped_column(JSON, default=list)  # [[type, pmid, src]]
    databanks: Mapped[list] = mapped_column(JSON, default=list)  # [[name, accession]]
    doi: Mapped[str | None] = mapped_column(String(300))
    pmcid: Mapped[str | None] = mapped_column(String(32))
    raw_xml: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed record element
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)

    # identity keys for deduplication (tracker.evidence.duplicate_match normal forms)
    doi_norm: Mapped[str | None] = mapped_column(String(300), index=True)
    pmcid_norm: Mapped[str | None] = mapped_column(String(32), index=True)
    title_norm: Mapped[str] = mapped_column(Text, default="")
    first_author_norm: Mapped[str] = mapped_column(String(200), default="")
    is_notice: Mapped[bool] = mapped_column(Boolean, default=False)
    canonical_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id"), index=True)

    # evidence, derived by tracker.evidence.classify from the stored record
    level: Mapped[str] = mapped_column(String(40), default="unclassified", index=True)
    level_rank: Mapped[int] = mapped_column(Integer, default=0)
    level_source: Mapped[str] = mapped_column(String(40), default="none")
    level_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    level_reason: Mapped[str] = mapped_column(Text, default="")
    design: Mapped[str | None] = mapped_column(String(200))
    sample_size: Mapped[int | None] = mapped_column(Integer)
    trial_ids: Mapped[list] = mapped_column(JSON, default=list)
    notice_kind: Mapped[str | None] = mapped_column(String(40))
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)
    rules_version: Mapped[str] = mapped_column(String(40), default="")
    level_model: Mapped[str | None] = mapped_column(String(20))  # model version, None: rules alone
    level_disagreement: Mapped[bool] = mapped_column(Boolean, default=False)  # rules vs model

    # review: papers a reviewer excludes stop counting
    inclusion: Mapped[str] = mapped_column(String(20), default="undecided")
    exclusion_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))

    therapy_links: Mapped[list[TherapyPaper]] = relationship(back_populates="paper")

    # the report reads only its window and the few notices (tracker.report.counting)
    __table_args__ = (
        Index("ix_papers_created", "entrez_date", "pubmed_date", "first_seen_at"),
        Index("ix_papers_decided", "inclusion", "decided_at"),
        # every column a count or a report's window reads, so neither reads the long rows
        Index("ix_papers_counting", "id", "canonical_id", "deleted", "inclusion", "retracted",
              "notice_kind", "level", "entrez_date", "pubmed_date", "first_seen_at", "pmid",
              "decided_at"),
        # the few merged duplicates, whose links count for their canonical paper
        Index("ix_papers_merged", "canonical_id", "id",
              sqlite_where=text("canonical_id IS NOT NULL"),
              postgresql_where=text("canonical_id IS NOT NULL")),
        # partial: few papers are notices, retracted, removed or demo; a full index on such a
        # column would tempt the planner into scanning it for the many that are not
        Index("ix_papers_notices", "id", sqlite_where=text("notice_kind IS NOT NULL"),
              postgresql_where=text("notice_kind IS NOT NULL")),
        Index("ix_papers_retracted", "id", sqlite_where=text("retracted = 1"),
              postgresql_where=text("retracted = true")),
        Index("ix_papers_deleted", "id", sqlite_where=text("deleted = 1"),
              postgresql_where=text("deleted = true")),
        Index("ix_papers_demo", "id", sqlite_where=text("is_demo = 1"),
              postgresql_where=text("is_demo = true")),
    )


class TherapyPaper(Base):
    """One paper found by one therapy's query; first_found_at says when."""

    __tablename__ = "therapy_papers"

    therapy_id: Mapped[str] = mapped_column(ForeignKey("therapies.id"), primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), primary_key=True)
    first_found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))

    paper: Mapped[Paper] = relationship(back_populates="therapy_links")

    __table_args__ = (Index("ix_therapy_papers_paper", "paper_id"),)


class CountedDay(Base):
    """How many links of counted, dated papers each therapy has per level and day: the history
    a report sums, kept by the database itself (triggers on papers and therapy_papers, migration
    0014), so a report reads a row per day rather than every link. A paper counts as
    tracker.report.counting.counting() says; papers without an Entrez or PubMed date, whose day
    is the local day they were first seen, and merged duplicates' links are counted live.
    `level` is the paper's as stored; a row may fall to 0 papers and stay."""

    __tablename__ = "counted_days"
    __table_args__ = {"sqlite_with_rowid": False}  # read in key order, without row lookups

    therapy_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    level: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    papers: Mapped[int] = mapped_column(Integer, default=0, server_default="0",
                                        nullable=False)


class PaperVersion(Base):
    """A superseded state of a paper: kept when a refetch changes the record."""

    __tablename__ = "paper_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raw_xml: Mapped[bytes] = mapped_column(LargeBinary)


class PaperChange(Base):
    """What a refetch changed: publication types, MeSH, version, level, status, retraction."""

    __tablename__ = "paper_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    field: Mapped[str] = mapped_column(String(40))
    old: Mapped[object] = mapped_column(JSON, nullable=True)
    new: Mapped[object] = mapped_column(JSON, nullable=True)


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # poll, refresh, init, reclassify
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")  # running, ok, failed
    window_start: Mapped[date | None] = mapped_column(Date)
    window_end: Mapped[date | None] = mapped_column(Date)
    therapies: Mapped[list] = mapped_column(JSON, default=list)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class Watermark(Base):
    """The last day a therapy was polled through; advances only after its papers are committed."""

    __tablename__ = "watermarks"

    therapy_id: Mapped[str] = mapped_column(ForeignKey("therapies.id"), primary_key=True)
    polled_through: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))


class Reference(Base):
    """A citation from a seed document, resolved to a PMID where PubMed has it."""

    __tablename__ = "references"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # document#number
    document: Mapped[str] = mapped_column(String(80))
    number: Mapped[int] = mapped_column(Integer)
    citation: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    first_author: Mapped[str] = mapped_column(String(200))
    journal: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    context: Mapped[str | None] = mapped_column(Text)
    cited_for: Mapped[list] = mapped_column(JSON, default=list)
    pmid: Mapped[str | None] = mapped_column(String(16), index=True)
    resolution: Mapped[str] = mapped_column(String(20), default="pending")
    resolved_by: Mapped[str | None] = mapped_column(String(20))  # ecitmatch | esearch
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    matches: Mapped[list] = mapped_column(JSON, default=list)  # therapy ids the paper is about
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DuplicateLink(Base):
    """Two papers that may be one article; a person's decision is final."""

    __tablename__ = "duplicate_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # doi, pmcid, title
    score: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="possible")  # possible, confirmed...
    decided_by: Mapped[str | None] = mapped_column(String(100))  # a person, or rule:doi
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("paper_id", "other_id", name="uq_duplicate_pair"),)


class NoticeLink(Base):
    """A retraction, expression of concern, erratum or update touching a paper, by PMID."""

    __tablename__ = "notice_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_pmid: Mapped[str] = mapped_column(String(16), index=True)  # the paper touched
    notice_pmid: Mapped[str | None] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # retraction, expression_of_concern, erratum...
    source: Mapped[str] = mapped_column(String(40))  # which record said so
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))

    __table_args__ = (
        UniqueConstraint("paper_pmid", "notice_pmid", "kind", name="uq_notice_link"),
    )


class Snapshot(Base):
    """A therapy's evidence profile for one period; derived, so it can be rebuilt."""

    __tablename__ = "snapshots"

    therapy_id: Mapped[str] = mapped_column(ForeignKey("therapies.id"), primary_key=True)
    period_start: Mapped[date] = mapped_column(Date, primary_key=True)
    period_end: Mapped[date] = mapped_column(Date)
    new_by_level: Mapped[dict] = mapped_column(JSON, default=dict)
    cumulative_by_level: Mapped[dict] = mapped_column(JSON, default=dict)
    retracted: Mapped[int] = mapped_column(Integer, default=0)
    events: Mapped[list] = mapped_column(JSON, default=list)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- level classifier: the trained model of the store's indexed papers --------------------------


class LevelModelRow(Base):
    """A trained level model: its pickled bytes and how it scored on held-out indexed papers.

    The newest row is the current model; older rows stay so a score can be traced to its model.
    """

    __tablename__ = "level_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    training_size: Mapped[int] = mapped_column(Integer)  # papers the saved model was fitted on
    held_out_size: Mapped[int] = mapped_column(Integer)  # papers it was scored on
    levels: Mapped[list] = mapped_column(JSON, default=list)  # level slugs it learnt
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # indexed papers per level
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # {model|rules|combined: ...}
    rules_version: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of model_bytes
    model_bytes: Mapped[bytes] = mapped_column(LargeBinary)
# --- precision: post-filter verdicts and trials ------------------------------------------------


class TherapyScreen(Base):
    """A post-filter's verdict on a paper a therapy's query found: dropped (with why) or tagged."""

    __tablename__ = "therapy_screens"

    therapy_id: Mapped[str] = mapped_column(ForeignKey("therapies.id"), primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(80))
    dropped: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    tag: Mapped[str | None] = mapped_column(String(80))
    screened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))


class Trial(Base):
    """One trial, however many papers report it; derived from the papers, so it can be rebuilt."""

    __tablename__ = "trials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # a registry id, or acronym:NAME
    registry_ids: Mapped[list] = mapped_column(JSON, default=list)
    acronym: Mapped[str | None] = mapped_column(String(80))
    grouped_by: Mapped[str] = mapped_column(String(40))  # registry id | acronym and authors
    built_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TrialPaper(Base):
    """A paper's place in its trial: its role and the rule that said so."""

    __tablename__ = "trial_papers"

    trial_id: Mapped[int] = mapped_column(ForeignKey("trials.id"), primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40))
    role_source: Mapped[str] = mapped_column(String(40))  # publication_type | text | default
    role_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_trial_papers_paper", "paper_id"),)


def compress(raw: bytes) -> bytes:
    """Level 1: XML still shrinks about 3x, for less time than the default level."""
    return zlib.compress(raw, 1)


def decompress(blob: bytes) -> bytes:
    return zlib.decompress(blob)


# --- Run lock (reliability): one writing run at a time per database ---


class RunLock(Base):
    """Who holds the run lock on SQLite (PostgreSQL uses an advisory lock and keeps this row
    only to name the holder). The heartbeat tells a live holder from a dead one."""

    __tablename__ = "run_locks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(40))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime)
# -- review queue: flags that put a paper in the queue, reviewers' decisions, reviewers ----------


class ReviewFlag(Base):
    """One reason a paper is in the review queue; cleared (never deleted) when it stops holding."""

    __tablename__ = "review_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), index=True)
    reason: Mapped[str] = mapped_column(String(60))  # a code from tracker.review.rules.REASONS
    detail: Mapped[str] = mapped_column(Text, default="")
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_why: Mapped[str | None] = mapped_column(Text)


class ReviewDecision(Base):
    """A reviewer's include / exclude / defer; an undo marks it undone, so every change is kept."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))  # include, exclude, defer
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(100))


class Reviewer(Base):
    """A person who may log in to the review page; only an argon2 hash of the password is kept."""

    __tablename__ = "reviewers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# --- digest: subscribers, deliveries, scheduled job runs ---------------------------------------


class Subscriber(Base):
    """Someone who receives the digest: which therapies, how often, in what form."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    therapies: Mapped[list] = mapped_column(JSON, default=list)  # empty: every therapy
    format: Mapped[str] = mapped_column(String(10), default="html")  # html | text
    frequency: Mapped[str] = mapped_column(String(10), default="weekly")  # weekly | monthly
    max_items: Mapped[int] = mapped_column(Integer, default=20)
    send_if_empty: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Delivery(Base):
    """One digest for one subscriber and period: decided, then sent exactly once.

    status: sending (decided, SMTP not confirmed yet), sent, failed (retried on the next run),
    empty (nothing new and the subscriber asked not to be sent empty digests), unconfirmed (a
    run died while sending: the SMTP server may or may not have the message; never resent
    automatically).
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_email: Mapped[str] = mapped_column(String(320))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    message_id: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("subscriber_email", "period_start", "period_end", name="uq_delivery"),
    )


class JobRun(Base):
    """One firing of a scheduled job, claimed once however many schedulers are running."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="running")  # ok, failed, interrupted
    detail: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (UniqueConstraint("job", "scheduled_for", name="uq_job_run"),)


# Coverage: which days each therapy has been searched


class SearchedWindow(Base):
    """Days a successful run searched for one therapy; `start` None means no lower bound (its
    whole PubMed history). Coverage is the union of these, so an unpolled day is never read as
    a day with nothing new."""

    __tablename__ = "searched_windows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    therapy_id: Mapped[str] = mapped_column(ForeignKey("therapies.id"), index=True)
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    searched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StoreFlag(Base):
    """A setting that belongs to the database itself, e.g. `history = off` when `tracker init
    --no-history` chose not to backfill (so polls start new therapies at the baseline)."""

    __tablename__ = "store_flags"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)

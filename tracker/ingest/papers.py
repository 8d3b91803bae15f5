"""Writing papers: one row per PMID, idempotent upserts, therapy links, history of changes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import JSON, select
from sqlalchemy.orm import Session

from tracker import evidence
from tracker.baseline import Baseline
from tracker.evidence import duplicate_match
from tracker.records import PaperRecord
from tracker.store import (
    Paper,
    PaperChange,
    PaperVersion,
    Therapy,
    TherapyPaper,
    compress,
    decompress,
    fit_to_columns,
    insert_new_rows,
    insert_skipping_conflicts,
    rows_in_batches,
    scalars_in_batches,
)

TRACKED_FIELDS = (
    "version", "medline_status", "publication_types", "mesh", "level", "level_source",
    "retracted", "title", "doi", "comments_corrections",
)


def worked_columns(record: PaperRecord, model=None) -> dict:
    """The Paper columns that take work to derive: evidence, identity keys, compressed XML.

    `model` is the store's current level model (tracker.evidence.training), None: rules alone.
    """
    found = evidence.classify(record, model)
    fp = duplicate_match.fingerprint(0, record)
    return {
        "raw_xml": compress(record.raw_xml),
        "doi_norm": fp.doi,
        "pmcid_norm": fp.pmcid,
        "title_norm": fp.title,
        "first_author_norm": fp.first_author,
        "is_notice": fp.notice,
        "level": found.level.value,
        "level_rank": found.level.rank,
        "level_source": found.source,
        "level_confidence": found.confidence,
        "level_reason": found.reason,
        "design": found.design,
        "sample_size": found.sample_size,
        "trial_ids": list(found.trial_ids),
        "notice_kind": found.notice_kind,
        "retracted": found.retracted,
        "rules_version": found.rules_version,
        "level_model": found.model_version,
        "level_disagreement": found.disagreement,
    }


def paper_columns(record: PaperRecord, model=None, worked: dict | None = None,
                  json_names: Iterable[str] | None = None) -> dict:
    """Every Paper column derived from the record: parsed fields, evidence, identity keys.

    `worked`: worked_columns(record, model) when they were derived ahead; `json_names`: the
    JSON copies of the record to make (default: all), when the rest go in already serialised.
    """
    first = record.first_author
    return fit_to_columns(Paper.__table__, {
        "pmid": record.pmid,
        "version": record.version,
        "kind": record.kind,
        "medline_status": record.status,
        "title": record.title,
        "vernacular_title": record.vernacular_title,
        "first_author": first.display if first else None,
        "journal": record.journal,
        "journal_abbrev": record.journal_abbrev,
        "volume": record.volume,
        "issue": record.issue,
        "pages": record.pages,
        "pub_date": record.pub_date.earliest(),
        "pub_date_text": str(record.pub_date) or None,
        "pub_year": record.pub_date.year or (
            record.pub_date.earliest().year if record.pub_date.earliest() else None
        ),
        "electronic_date": record.electronic_date,
        "entrez_date": record.entrez_date,
        "pubmed_date": record.pubmed_date,
        "date_revised": record.date_revised,
        "doi": record.doi,
        "pmcid": record.pmcid,
        "deleted": False,
        **json_values(record, json_names),
        **(worked if worked is not None else worked_columns(record, model)),
    })


# The Paper columns stored as JSON that are plain copies of the record (trial_ids, the other
# JSON column, is worked out by classification), each made from the record.
JSON_COPIES = {
    "abstract": lambda record: [
        {"label": s.label, "category": s.category, "text": s.text} for s in record.abstract],
    "authors": lambda record: [
        {"last": a.last_name, "fore": a.fore_name, "initials": a.initials,
         "collective": a.collective_name}
        for a in record.authors],
    "languages": lambda record: list(record.languages),
    "publication_types": lambda record: [[pt.ui, pt.name] for pt in record.publication_types],
    "mesh": lambda record: [
        {"descriptor": m.descriptor, "ui": m.ui, "major": m.major,
         "qualifiers": list(m.qualifiers)}
        for m in record.mesh],
    "keywords": lambda record: list(record.keywords),
    "comments_corrections": lambda record: [
        [c.ref_type, c.pmid, c.source] for c in record.comments_corrections],
    "databanks": lambda record: [list(d) for d in record.databanks],
}

# the JSON copies a row inserted with JSON serialised ahead still carries as objects: those
# the steps after the upsert read from it
JSON_READ_AFTER_UPSERT = tuple(name for name in JSON_COPIES if name in evidence.READ_AFTER_UPSERT)


def json_values(record: PaperRecord, names: Iterable[str] | None = None) -> dict:
    """The JSON copies of the record: the named ones, or all."""
    return {name: JSON_COPIES[name](record) for name in (JSON_COPIES if names is None else names)}


def latest_versions(records: Iterable[PaperRecord]) -> dict[str, PaperRecord]:
    """The records by PMID; the same PMID twice in one batch: the higher version wins."""
    by_pmid: dict[str, PaperRecord] = {}
    for record in records:
        kept = by_pmid.get(record.pmid)
        if kept is None or record.version >= kept.version:
            by_pmid[record.pmid] = record
    return by_pmid


JSON_COLUMNS = tuple(c.name for c in Paper.__table__.columns if isinstance(c.type, JSON))


def serialised_json(columns: dict) -> dict[str, str]:
    """The JSON columns among paper_columns, serialised as the JSON type would serialise them."""
    return {name: json.dumps(columns[name]) for name in JSON_COLUMNS}


@dataclass
class DerivedColumns:
    """worked_columns of each PMID of a batch, and the level model version they were read with
    (None: the rules alone); `json`, serialised_json of each one's paper_columns."""

    model_version: str | None
    columns: dict[str, dict]
    json: dict[str, dict[str, str]] = field(default_factory=dict)


def derive_columns(records: Sequence[PaperRecord], model) -> DerivedColumns:
    """worked_columns of each record a batch keeps, the model reading the batch ahead.

    Pure (no session): a poll runs it in a worker process for the next batch while the current
    one is written, and upsert_records takes the result when its model is still current. Only
    these columns travel back, and the JSON columns as text (serialising them cost the writing
    process more than receiving the text does): the others are plain copies of the record,
    cheaper to make than to send.
    """
    by_pmid = latest_versions(records)
    reading = evidence.read_ahead(model, list(by_pmid.values()))
    columns = {pmid: worked_columns(record, reading) for pmid, record in by_pmid.items()}
    texts = {pmid: serialised_json({**json_values(record), **columns[pmid]})
             for pmid, record in by_pmid.items()}
    return DerivedColumns(model.version if model else None, columns, texts)


@dataclass
class UpsertResult:
    new: dict[str, int] = field(default_factory=dict)  # pmid -> paper id
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    changes: list[tuple[int, str, object, object]] = field(default_factory=list)
    # paper id -> the columns just written for the new and updated papers (with "id"): what the
    # steps after the upsert read (evidence.READ_AFTER_UPSERT), handed over rather than read back
    written: dict[int, dict] = field(default_factory=dict)

    @property
    def ids(self) -> dict[str, int]:
        return {**self.new, **self.updated, **self.unchanged}


def sync_therapies(session: Session, baseline: Baseline) -> int:
    """Bring the therapies table in line with the baseline; returns how many rows changed."""
    existing = {t.id: t for t in session.scalars(select(Therapy))}
    changed = 0
    for therapy in baseline.targets:  # therapies and pathways, polled alike
        values = {
            "name": therapy.name, "category": therapy.category, "status": therapy.status,
            "query": therapy.full_query, "aliases": list(therapy.aliases),
            "pathways": list(therapy.pathways), "active": True,
        }
        row = existing.pop(therapy.id, None)
        if row is None:
            session.add(Therapy(id=therapy.id, **values))
            changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed += 1
    for row in existing.values():  # removed from the seeds: keep its papers, stop polling it
        if row.active:
            row.active = False
            changed += 1
    session.flush()
    return changed


def stored_pmids(session: Session, pmids: Iterable[str]) -> dict[str, int]:
    """PMID -> paper id for the PMIDs already stored."""
    return dict(rows_in_batches(session, lambda batch: select(Paper.pmid, Paper.id).where(
        Paper.pmid.in_(batch)), pmids))


def upsert_records(
    session: Session, records: Sequence[PaperRecord], *, run_id: int | None, now: datetime,
    derived: DerivedColumns | None = None,
) -> UpsertResult:
    """Insert new PMIDs, update changed ones (keeping the old record), skip unchanged ones.

    derived: derive_columns of these records, worked out ahead; used when it was read with the
    store's current level model, else the columns are derived here.
    """
    result = UpsertResult()
    by_pmid = latest_versions(records)
    existing = {
        p.pmid: p for p in scalars_in_batches(
            session, lambda batch: select(Paper).where(Paper.pmid.in_(batch)), by_pmid)
    }
    unchanged = {  # byte for byte what we hold: nothing to derive
        pmid for pmid, record in by_pmid.items()
        if pmid in existing and not existing[pmid].deleted
        and decompress(existing[pmid].raw_xml) == record.raw_xml
    }
    current = evidence.load_current_model(session)
    ready, ready_json = {}, {}
    if derived is not None and derived.model_version == (current.version if current else None):
        ready, ready_json = derived.columns, derived.json
    model = evidence.read_ahead(current, [r for pmid, r in by_pmid.items()
                                          if pmid not in unchanged and pmid not in ready])

    def columns_of(pmid: str, record: PaperRecord, inserted: bool = False) -> dict:
        """Inserted with JSON serialised ahead: only the JSON objects read after the upsert."""
        json_names = JSON_READ_AFTER_UPSERT if inserted and pmid in ready_json else None
        return paper_columns(record, model, ready.get(pmid), json_names)

    added: list[dict] = []
    for pmid, record in by_pmid.items():
        paper = existing.get(pmid)
        if paper is None:
            added.append({**columns_of(pmid, record, inserted=True), "first_seen_at": now,
                          "updated_at": now, "first_run_id": run_id})
            continue
        if pmid in unchanged:
            result.unchanged[pmid] = paper.id
            continue
        columns = columns_of(pmid, record)
        diffs = [
            (name, getattr(paper, name), columns[name])
            for name in TRACKED_FIELDS
            if getattr(paper, name) != columns[name]
        ]
        if paper.deleted:
            diffs.append(("deleted", True, False))
        session.add(PaperVersion(
            paper_id=paper.id, version=paper.version, recorded_at=now, raw_xml=paper.raw_xml
        ))
        for name, old, new in diffs:
            session.add(PaperChange(
                paper_id=paper.id, run_id=run_id, changed_at=now, field=name, old=old, new=new
            ))
            result.changes.append((paper.id, name, old, new))
        for name, value in columns.items():
            setattr(paper, name, value)
        paper.updated_at = now
        result.updated[pmid] = paper.id
        result.written[paper.id] = {**columns, "id": paper.id}
    session.flush()
    if added:
        # One INSERT for the batch (insert_new_rows: on PostgreSQL by COPY): a flush of Paper
        # objects ran one INSERT per row to get each id back, and building the objects cost
        # more than classifying the records.
        # A PMID another process stored since the SELECT above is skipped, not an error: it is
        # then one this run found already stored.
        # The JSON columns go in as the text derive_columns serialised ahead, where it did.
        values = [{**row, **(ready_json.get(row["pmid"]) or serialised_json(row))}
                  for row in added]
        returned = dict(insert_new_rows(session, Paper.__table__, values,
                                        serialised=JSON_COLUMNS, returning=("pmid", "id")))
        result.new = {row["pmid"]: returned[row["pmid"]] for row in added
                      if row["pmid"] in returned}
        for row in added:
            if row["pmid"] in returned:
                row["id"] = result.new[row["pmid"]]
                result.written[row["id"]] = row
        result.unchanged.update(stored_pmids(
            session, [row["pmid"] for row in added if row["pmid"] not in returned]
        ))
    return result


def link_therapies(
    session: Session, links: Iterable[tuple[str, int]], *, run_id: int | None, now: datetime
) -> list[tuple[str, int]]:
    """Link (therapy id, paper id) pairs not linked yet; returns the new pairs."""
    wanted = set(links)
    if not wanted:
        return []
    paper_ids = {paper_id for _, paper_id in wanted}
    have = set(rows_in_batches(session, lambda batch: select(
        TherapyPaper.therapy_id, TherapyPaper.paper_id).where(TherapyPaper.paper_id.in_(batch)),
        paper_ids))
    new = sorted(wanted - have)
    if new:  # another process may link the same pair meanwhile: skip it then
        session.execute(insert_skipping_conflicts(session, TherapyPaper.__table__), [
            {"therapy_id": t, "paper_id": p, "first_found_at": now, "run_id": run_id}
            for t, p in new
        ])
    return new


def mark_deleted(
    session: Session, pmids: Iterable[str], *, run_id: int | None, now: datetime
) -> int:
    """PubMed withdrew these PMIDs: keep the rows, flag them, record the change."""
    count = 0
    for paper in scalars_in_batches(
            session, lambda batch: select(Paper).where(Paper.pmid.in_(batch)), pmids):
        if not paper.deleted:
            paper.deleted = True
            paper.updated_at = now
            session.add(PaperChange(
                paper_id=paper.id, run_id=run_id, changed_at=now, field="deleted",
                old=False, new=True,
            ))
            count += 1
    session.flush()
    return count

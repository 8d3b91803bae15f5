"""The baseline as plain data: therapies, pathways, seed documents and their references.

Read from seeds/therapies.toml and seeds/references.toml (or a user's copy of that folder); any
malformed entry is rejected with its file, its position and the reason.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from tracker.errors import BaselineError, UnknownTherapyError

THERAPIES_FILE = "therapies.toml"
REFERENCES_FILE = "references.toml"
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
FIELD_TAG = re.compile(r"\[([a-zA-Z ]+)\]")


@dataclass(frozen=True)
class Pathway:
    id: str
    name: str
    markers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    author: str
    journal: str
    published: date
    doi: str | None = None
    file: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Therapy:
    id: str
    name: str
    category: str
    status: str
    query: str
    aliases: tuple[str, ...] = ()
    pathways: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    notes: str | None = None
    condition_query: str = ""

    @property
    def full_query(self) -> str:
        """The PubMed term: the intervention AND the condition."""
        if not self.condition_query:
            return self.query
        return f"({self.query}) AND ({self.condition_query})"


@dataclass(frozen=True)
class Reference:
    document: str
    number: int
    authors: str
    first_author: str
    title: str
    journal: str
    year: int
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    context: str | None = None
    cited_for: tuple[str, ...] = ()
    topic: str | None = None

    @property
    def key(self) -> str:
        return f"{self.document}#{self.number}"

    @property
    def first_page(self) -> str | None:
        return self.pages.split("-")[0].strip() if self.pages else None


@dataclass(frozen=True)
class Baseline:
    therapies: tuple[Therapy, ...]
    pathways: tuple[Pathway, ...]
    documents: tuple[Document, ...]
    references: tuple[Reference, ...]
    condition: str

    @property
    def start_date(self) -> date:
        """'New since baseline' starts at the earliest seed document's publication."""
        return min(d.published for d in self.documents)

    def therapy(self, therapy_id: str) -> Therapy:
        for therapy in self.therapies:
            if therapy.id == therapy_id:
                return therapy
        known = ", ".join(t.id for t in self.therapies)
        raise UnknownTherapyError(f"unknown therapy {therapy_id!r} (known: {known})")

    def select(self, therapy_ids: tuple[str, ...] | list[str] | None) -> tuple[Therapy, ...]:
        if not therapy_ids:
            return self.therapies
        return tuple(self.therapy(t) for t in therapy_ids)


class _Entry:
    """Typed field access on one TOML table, with errors that name the file and the entry."""

    def __init__(self, path: Path, kind: str, index: int, table: Any, allowed: set[str]):
        self.where = f"{path}: {kind} #{index}"
        if not isinstance(table, dict):
            raise BaselineError(f"{self.where}: must be a table")
        if isinstance(table.get("id"), str):
            self.where += f" ({table['id']})"
        unknown = set(table) - allowed
        if unknown:
            raise BaselineError(
                f"{self.where}: unknown field(s) {', '.join(sorted(unknown))} "
                f"(known: {', '.join(sorted(allowed))})"
            )
        self.table = table

    def fail(self, reason: str) -> BaselineError:
        return BaselineError(f"{self.where}: {reason}")

    def text(self, name: str, required: bool = True) -> str | None:
        value = self.table.get(name)
        if value is None:
            if required:
                raise self.fail(f"missing required field {name!r}")
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(f"field {name!r} must be a non-empty string")
        return value.strip()

    def texts(self, name: str) -> tuple[str, ...]:
        value = self.table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(f"field {name!r} must be a list of non-empty strings")
        return tuple(value)

    def integer(self, name: str) -> int:
        value = self.table.get(name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"field {name!r} must be a whole number")
        return value

    def day(self, name: str) -> date:
        value = self.table.get(name)
        if isinstance(value, date):
            return value
        raise self.fail(f"field {name!r} must be a date like 2025-01-28")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found") from None
    except UnicodeDecodeError as exc:
        raise BaselineError(f"{path}: not UTF-8 (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise BaselineError(f"{path}: not valid TOML ({exc})") from None


def check_query(entry: _Entry, query: str) -> None:
    """Reject queries PubMed would miss new records with, or that are plainly broken."""
    if query.count("(") != query.count(")"):
        raise entry.fail("query has unbalanced parentheses")
    if query.count('"') % 2:
        raise entry.fail("query has an unclosed quote")
    tags = {t.lower() for t in FIELD_TAG.findall(query)}
    if not tags & {"tiab", "ti", "ab", "title/abstract", "title", "tw"}:
        raise entry.fail(
            "query has no [tiab] synonyms; new PubMed records carry no MeSH for weeks, "
            "so a MeSH-only query misses them"
        )


def load_baseline(seeds_dir: Path) -> Baseline:
    seeds_dir = Path(seeds_dir)
    path = seeds_dir / THERAPIES_FILE
    data = _read_toml(path)
    unknown = set(data) - {"condition", "document", "pathway", "therapy"}
    if unknown:
        raise BaselineError(f"{path}: unknown table(s) {', '.join(sorted(unknown))}")

    condition = _Entry(path, "condition", 1, data.get("condition", {}), {"name", "query"})
    condition_query = condition.text("query")

    documents = []
    for i, table in enumerate(data.get("document", []), 1):
        e = _Entry(path, "document", i, table,
                   {"id", "title", "author", "journal", "published", "doi", "file", "note"})
        documents.append(Document(
            id=e.text("id"), title=e.text("title"), author=e.text("author"),
            journal=e.text("journal"), published=e.day("published"), doi=e.text("doi", False),
            file=e.text("file", False), note=e.text("note", False),
        ))
    if not documents:
        raise BaselineError(f"{path}: no [[document]] entries; the baseline needs them")

    pathways = []
    for i, table in enumerate(data.get("pathway", []), 1):
        e = _Entry(path, "pathway", i, table, {"id", "name", "markers"})
        pathways.append(Pathway(id=e.text("id"), name=e.text("name"), markers=e.texts("markers")))

    document_ids = {d.id for d in documents}
    pathway_ids = {p.id for p in pathways}
    therapies: list[Therapy] = []
    seen: set[str] = set()
    for i, table in enumerate(data.get("therapy", []), 1):
        e = _Entry(path, "therapy", i, table, {
            "id", "name", "category", "status", "query", "aliases", "pathways", "sources", "notes",
        })
        therapy_id = e.text("id")
        if not ID_PATTERN.match(therapy_id):
            raise e.fail(f"id {therapy_id!r} must be lower-case letters, digits and underscores")
        if therapy_id in seen:
            raise e.fail(f"duplicate therapy id {therapy_id!r}")
        seen.add(therapy_id)
        query = e.text("query")
        check_query(e, query)
        therapy_pathways = e.texts("pathways")
        for pathway in therapy_pathways:
            if pathway not in pathway_ids:
                raise e.fail(f"unknown pathway {pathway!r}")
        sources = e.texts("sources")
        for source in sources:
            if source not in document_ids:
                raise e.fail(f"unknown source document {source!r}")
        therapies.append(Therapy(
            id=therapy_id, name=e.text("name"), category=e.text("category"),
            status=e.text("status"), query=" ".join(query.split()), aliases=e.texts("aliases"),
            pathways=therapy_pathways, sources=sources, notes=e.text("notes", False),
            condition_query=" ".join(condition_query.split()),
        ))
    if not therapies:
        raise BaselineError(f"{path}: no [[therapy]] entries")

    references = load_references(seeds_dir / REFERENCES_FILE, document_ids, seen)
    return Baseline(
        therapies=tuple(therapies), pathways=tuple(pathways), documents=tuple(documents),
        references=references, condition=condition_query,
    )


def load_references(
    path: Path, document_ids: set[str], therapy_ids: set[str]
) -> tuple[Reference, ...]:
    data = _read_toml(path)
    references = []
    keys = set()
    fields = {"document", "number", "authors", "first_author", "title", "journal", "year",
              "volume", "issue", "pages", "context", "cited_for", "topic"}
    for i, table in enumerate(data.get("reference", []), 1):
        e = _Entry(path, "reference", i, table, fields)
        document = e.text("document")
        if document not in document_ids:
            raise e.fail(f"unknown document {document!r}")
        cited_for = e.texts("cited_for")
        for therapy_id in cited_for:
            if therapy_id not in therapy_ids:
                raise e.fail(f"cited_for names unknown therapy {therapy_id!r}")
        reference = Reference(
            document=document, number=e.integer("number"), authors=e.text("authors"),
            first_author=e.text("first_author"), title=e.text("title"),
            journal=e.text("journal"), year=e.integer("year"), volume=e.text("volume", False),
            issue=e.text("issue", False), pages=e.text("pages", False),
            context=e.text("context", False), cited_for=cited_for, topic=e.text("topic", False),
        )
        if reference.key in keys:
            raise e.fail(f"duplicate reference {reference.key}")
        keys.add(reference.key)
        references.append(reference)
    return tuple(references)


def therapies_mentioned(text: str, therapies: tuple[Therapy, ...]) -> tuple[str, ...]:
    """Ids of the therapies whose name or an alias appears in text, as whole words."""
    found = []
    for therapy in therapies:
        for name in (therapy.name, *therapy.aliases):
            if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE):
                found.append(therapy.id)
                break
    return tuple(found)

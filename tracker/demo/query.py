"""A small PubMed query language, so the local E-utilities server answers searches like PubMed.

It covers what the tracker's therapy queries use: AND / OR / NOT read left to right with no
precedence (PubMed's rule), parentheses, quoted phrases, field tags, date ranges and trailing `*`
truncation. Text is compared as lower-case words, so phrases match on word boundaries and
"treatment-resistant" matches "treatment resistant". There is no automatic term mapping: an
untagged term is looked up in every text field of the record, nothing more.

    parse(query)             -> ParsedQuery (syntax tree, unknown field tags, translation)
    evaluate(query, record)  -> bool
    translate(query)         -> the QueryTranslation string ESearch reports
"""

from __future__ import annotations

import calendar
import functools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from tracker.records import PaperRecord, PartialDate


class QueryError(ValueError):
    """The query cannot be searched; the server answers it with an ESearch ERROR."""


class QuerySyntaxError(QueryError):
    """Unbalanced parentheses or quotes, a dangling operator, a malformed date."""


class NothingToSearch(QueryError):
    """Every term was dropped (unknown field tags) or the query is empty."""


# tag as written (lower case) -> canonical field key
FIELD_ALIASES = {
    "tiab": "tiab", "title/abstract": "tiab",
    "ti": "ti", "title": "ti",
    "ab": "ab", "abstract": "ab",
    "tw": "tw", "text word": "tw",
    "all": "all", "all fields": "all",
    "mh": "mh", "mesh": "mh", "mesh terms": "mh",
    "mh:noexp": "mh:noexp", "mesh:noexp": "mh:noexp", "mesh terms:noexp": "mh:noexp",
    "majr": "majr", "mesh major topic": "majr",
    "pt": "pt", "publication type": "pt",
    "au": "au", "author": "au",
    "la": "la", "lang": "la", "language": "la",
    "ta": "ta", "jour": "ta", "journal": "ta",
    "ot": "ot", "other term": "ot",
    "pmid": "pmid", "uid": "pmid",
    "sb": "sb", "subset": "sb", "filter": "sb",
    "crdt": "crdt", "date - create": "crdt",
    "edat": "edat", "date - entry": "edat",
    "dp": "dp", "pdat": "dp", "date - publication": "dp",
    "mdat": "mdat", "date - modification": "mdat",
}  # fmt: skip

FIELD_LABELS = {
    "tiab": "Title/Abstract", "ti": "Title", "ab": "Abstract", "tw": "Text Word",
    "all": "All Fields", "mh": "MeSH Terms", "mh:noexp": "MeSH Terms:noexp",
    "majr": "MeSH Major Topic", "pt": "Publication Type", "au": "Author", "la": "Language",
    "ta": "Journal", "ot": "Other Term", "pmid": "UID", "sb": "Filter",
    "crdt": "Date - Create", "edat": "Date - Entry", "dp": "Date - Publication",
    "mdat": "Date - Modification",
}  # fmt: skip

DATE_FIELDS = {"crdt", "edat", "dp", "mdat"}

# [mh] explodes to narrower descriptors; only the few the tracker's queries lean on are known.
MESH_CHILDREN = {
    "depressive disorder": (
        "depressive disorder major", "depressive disorder treatment resistant",
        "dysthymic disorder", "depression postpartum", "seasonal affective disorder",
    ),
    "depressive disorder major": ("depressive disorder treatment resistant",),
    "electric stimulation therapy": (
        "transcranial direct current stimulation", "deep brain stimulation",
        "vagus nerve stimulation", "transcutaneous electric nerve stimulation",
    ),
    "hallucinogens": ("psilocybin", "lysergic acid diethylamide"),
    "antidepressive agents": (
        "antidepressive agents second generation", "antidepressive agents tricyclic",
        "selective serotonin reuptake inhibitors",
        "serotonin and noradrenaline reuptake inhibitors",
    ),
}  # fmt: skip

LANGUAGES = {
    "english": "eng", "french": "fre", "german": "ger", "spanish": "spa", "italian": "ita",
    "japanese": "jpn", "chinese": "chi", "russian": "rus", "portuguese": "por", "dutch": "dut",
    "polish": "pol", "korean": "kor", "turkish": "tur", "persian": "per", "swedish": "swe",
}  # fmt: skip

OPERATORS = {"AND", "OR", "NOT"}


# ---------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Term:
    """A word or phrase searched in one field ("all" when untagged)."""

    field: str
    text: str
    truncated: bool = False


@dataclass(frozen=True)
class DateRange:
    field: str
    low: date
    high: date
    label: str  # the range as written, normalised, for the translation


@dataclass(frozen=True)
class BoolOp:
    op: str  # AND, OR, NOT (NOT means "left and not right")
    left: Node
    right: Node


Node = Term | DateRange | BoolOp


@dataclass(frozen=True)
class ParsedQuery:
    root: Node | None  # None: nothing left to search
    fields_not_found: tuple[str, ...] = ()

    @property
    def translation(self) -> str:
        return _render(self.root) if self.root is not None else ""

    def leaves(self) -> list[Term | DateRange]:
        found: list[Term | DateRange] = []
        stack = [self.root] if self.root is not None else []
        while stack:
            node = stack.pop()
            if isinstance(node, BoolOp):
                stack.extend((node.right, node.left))
            else:
                found.append(node)
        return found


# ---------------------------------------------------------------- tokenizer

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<lparen>\()
    | (?P<rparen>\))
    | (?P<quoted>"[^"]*")
    | (?P<badquote>")
    | (?P<tag>\[[^\]\[]*\])
    | (?P<badtag>[\[\]])
    | (?P<word>[^\s()"\[\]]+)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # lparen rparen quoted word op colon tag
    text: str


def _tokenize(query: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(query):
        kind, text = match.lastgroup, match.group()
        if kind == "space":
            continue
        if kind == "badquote":
            raise QuerySyntaxError(f"unbalanced quote at position {match.start()}")
        if kind == "badtag":
            raise QuerySyntaxError(f"unbalanced bracket at position {match.start()}")
        if kind == "quoted":
            text = text[1:-1]
        elif kind == "tag":
            text = text[1:-1].strip()
        elif kind == "word" and text.upper() in OPERATORS:
            kind, text = "op", text.upper()
        elif kind == "word" and text == ":":
            kind = "colon"
        tokens.append(_Token(kind, text))
    return tokens


# ---------------------------------------------------------------- parser


class _Parser:
    """Recursive descent over: expr := unit ([op] unit)*, unit := '(' expr ')' | term."""

    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.pos = 0
        self.unknown: list[str] = []

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> Node | None:
        if not self.tokens:
            raise NothingToSearch("empty query")
        node = self.expr()
        if self.peek() is not None:
            raise QuerySyntaxError("unbalanced parentheses: unexpected ')'")
        return node

    def expr(self) -> Node | None:
        """Left to right; a run of one associative operator (thousands of `N[uid]` ORed
        together) becomes a balanced tree, so nothing recurses thousands deep."""
        node = self.unit()
        run_op, run = None, []
        while (token := self.peek()) is not None and token.kind != "rparen":
            op = self.take().text if token.kind == "op" else "AND"
            if self.peek() is None or self.peek().kind in ("rparen", "op"):
                raise QuerySyntaxError(f"operator {op} has nothing on its right")
            right = self.unit()
            if op == run_op and op in ASSOCIATIVE:
                run.append(right)
                continue
            node = _fold(run_op, node, run)
            run_op, run = op, [right]
        return _fold(run_op, node, run)

    def unit(self) -> Node | None:
        token = self.peek()
        if token is None:
            raise QuerySyntaxError("query ends where a term was expected")
        if token.kind == "op":
            raise QuerySyntaxError(f"operator {token.text} has nothing on its left")
        if token.kind == "lparen":
            self.take()
            if self.peek() is not None and self.peek().kind == "rparen":
                raise QuerySyntaxError("empty parentheses")
            node = self.expr()
            if self.peek() is None:
                raise QuerySyntaxError("unbalanced parentheses: missing ')'")
            self.take()
            return node
        if token.kind == "rparen":
            raise QuerySyntaxError("unbalanced parentheses: unexpected ')'")
        if token.kind in ("tag", "colon"):
            raise QuerySyntaxError(f"{token.text!r} is not preceded by a term")
        return self.term()

    def term(self) -> Node | None:
        words = []
        if self.peek().kind == "quoted":
            words.append(self.take().text)
        else:
            while (token := self.peek()) is not None and token.kind == "word":
                words.append(self.take().text)
        tag = self.take().text if self.peek() is not None and self.peek().kind == "tag" else None
        if tag is None:
            # untagged words are separate terms ANDed together, a quoted phrase stays whole
            nodes = [_text_term("all", word) for word in words]
            node = nodes[0]
            for other in nodes[1:]:
                node = BoolOp("AND", node, other)
            return node
        field = FIELD_ALIASES.get(tag.lower())
        text = " ".join(words)
        if field in DATE_FIELDS:
            return self.date_term(field, text)
        if self.peek() is not None and self.peek().kind == "colon":
            raise QuerySyntaxError(f"a range needs a date field, not [{tag}]")
        if field is None:
            self.unknown.append(tag)
            return None
        return _text_term(field, text)

    def date_term(self, field: str, text: str) -> DateRange:
        if self.peek() is not None and self.peek().kind == "colon":
            # "2025/01/28"[crdt] : "3000"[crdt]
            self.take()
            if self.peek() is None or self.peek().kind not in ("quoted", "word"):
                raise QuerySyntaxError("a date range needs an end date after ':'")
            end = self.take().text
            if self.peek() is None or self.peek().kind != "tag":
                raise QuerySyntaxError("the end of a date range needs its field tag")
            end_field = FIELD_ALIASES.get(self.take().text.lower())
            if end_field != field:
                raise QuerySyntaxError("both ends of a date range need the same field tag")
            text = f"{text}:{end}"
        return _date_node(field, text)


ASSOCIATIVE = ("AND", "OR")


def _fold(op: str | None, node: Node | None, run: list[Node | None]) -> Node | None:
    """`node op run[0] op run[1] ...`, the run balanced when op is associative."""
    if not run:
        return node
    if op not in ASSOCIATIVE:
        for right in run:
            node = _combine(op, node, right)
        return node
    return _combine(op, node, _balanced(op, run))


def _balanced(op: str, nodes: list[Node | None]) -> Node | None:
    while len(nodes) > 1:
        nodes = [_combine(op, nodes[i], nodes[i + 1]) if i + 1 < len(nodes) else nodes[i]
                 for i in range(0, len(nodes), 2)]
    return nodes[0]


def _combine(op: str, left: Node | None, right: Node | None) -> Node | None:
    """Join two parts; a part dropped for an unknown field leaves the other one standing."""
    if left is None:
        return None if op == "NOT" else right
    if right is None:
        return left
    return BoolOp(op, left, right)


def _text_term(field: str, text: str) -> Term:
    text = " ".join(text.split())
    truncated = text.endswith("*")
    text = text.rstrip("*").strip()
    if not text or not _words(text.replace("*", " ")):
        raise QuerySyntaxError(f"{text or '*'!r} has nothing to search for")
    return Term(field, text, truncated)


_DATE = re.compile(r"(\d{4})(?:[/-](\d{1,2})(?:[/-](\d{1,2}))?)?")


def _date_bounds(text: str) -> tuple[date, date]:
    """The first and last day a YYYY, YYYY/MM or YYYY/MM/DD value covers."""
    match = _DATE.fullmatch(text.strip())
    if not match:
        raise QuerySyntaxError(f"{text!r} is not a date (YYYY, YYYY/MM or YYYY/MM/DD)")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        if day is None:
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        return date(year, month, day), date(year, month, day)
    except ValueError:
        raise QuerySyntaxError(f"{text!r} is not a valid date") from None


def _date_node(field: str, text: str) -> DateRange:
    if ":" in text:
        start, _, end = text.partition(":")
        low, high = _date_bounds(start)[0], _date_bounds(end)[1]
        label = f"{start.strip()}:{end.strip()}"
    else:
        low, high = _date_bounds(text)
        label = text.strip()
    if low > high:
        raise QuerySyntaxError(f"date range {label} ends before it starts")
    return DateRange(field, low, high, label.replace("-", "/"))


@functools.lru_cache(maxsize=512)
def parse(query: str) -> ParsedQuery:
    """Parse once; unknown field tags are dropped with the term they qualify, like PubMed."""
    parser = _Parser(_tokenize(query))
    root = parser.parse()
    return ParsedQuery(root, tuple(parser.unknown))


def translate(query: str | ParsedQuery) -> str:
    """The query as PubMed reports it back in QueryTranslation."""
    parsed = parse(query) if isinstance(query, str) else query
    return parsed.translation


def _render(node: Node) -> str:
    if isinstance(node, Term):
        label = FIELD_LABELS[node.field]
        if node.truncated:
            return f"{node.text.lower()}*[{label}]"
        return f'"{node.text.lower()}"[{label}]'
    if isinstance(node, DateRange):
        return f"{node.label}[{FIELD_LABELS[node.field]}]"
    left = _render(node.left)
    if isinstance(node.left, BoolOp) and node.left.op != node.op:
        left = f"({left})"
    right = _render(node.right)
    if isinstance(node.right, BoolOp) and not (
            node.op in ASSOCIATIVE and node.right.op == node.op):
        right = f"({right})"
    return f"{left} {node.op} {right}"


# ---------------------------------------------------------------- the searchable record


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.casefold())


def _normal(*texts: str | None) -> str:
    """Words of each text separated by ' | ' so a phrase never spans two values."""
    return " " + " | ".join(" ".join(_words(t)) for t in texts if t) + " "


@dataclass(frozen=True)
class Document:
    """A record's fields as normalised word strings, prepared once per record."""

    record: PaperRecord
    title: str
    abstract: str
    keywords: str
    tiab: str
    tw_text: str  # [tw]: title, abstract, keywords, MeSH and publication types
    all_text: str  # [All Fields]: [tw] plus authors and journal
    mesh: tuple[tuple[str, tuple[str, ...], bool], ...]  # (descriptor, qualifiers, major)
    types: tuple[str, ...]
    authors: tuple[tuple[str, ...], ...]  # words of "last initials" or of a collective name
    journals: tuple[str, ...]
    languages: tuple[str, ...]
    crdt: date | None
    edat: date | None
    mdat: date | None
    dp: tuple[tuple[date, date], ...]  # print date span, electronic date


def prepare(record: PaperRecord) -> Document:
    def norm(text: str) -> str:
        return " ".join(_words(text))

    authors: list[str] = []
    for author in record.authors:
        if author.collective_name:
            authors.append(norm(author.collective_name))
        if author.last_name:
            authors.append(norm(f"{author.last_name} {author.initials or ''}"))
    mesh = tuple(
        (norm(h.descriptor), tuple(norm(q) for q in h.qualifiers), h.major) for h in record.mesh
    )
    types = tuple(norm(pt.name) for pt in record.publication_types)
    journals = tuple(norm(j) for j in (record.journal, record.journal_abbrev) if j)
    title = _normal(record.title, record.vernacular_title)
    abstract = _normal(*(s.text for s in record.abstract))
    keywords = _normal(*record.keywords)
    tw_text = title + abstract + keywords + _normal(*(m[0] for m in mesh), *types)
    spans = []
    if record.pub_date.earliest() is not None:
        spans.append((record.pub_date.earliest(), _latest(record.pub_date)))
    if record.electronic_date:
        spans.append((record.electronic_date, record.electronic_date))
    edat = record.pubmed_date or record.entrez_date
    return Document(
        record=record,
        title=title,
        abstract=abstract,
        keywords=keywords,
        tiab=title + abstract + keywords,
        tw_text=tw_text,
        all_text=tw_text + _normal(*authors, *journals),
        mesh=mesh,
        types=types,
        authors=tuple(tuple(a.split()) for a in authors),
        journals=journals,
        languages=tuple(lang.casefold() for lang in record.languages),
        crdt=record.entrez_date,
        edat=edat,
        mdat=record.date_revised or edat,
        dp=tuple(spans),
    )


def _latest(partial: PartialDate) -> date | None:
    start = partial.earliest()
    if start is None:
        return None
    if partial.day and partial.month:
        return start
    if partial.month:
        return date(start.year, start.month, calendar.monthrange(start.year, start.month)[1])
    return date(start.year, 12, 31)


# ---------------------------------------------------------------- matching
#
# Each node compiles once into a predicate over Documents, so a search over many records pays
# for parsing the terms once.

Predicate = Callable[[Document], bool]

TEXT_ATTRIBUTES = {
    "all": "all_text", "tiab": "tiab", "ti": "title", "ab": "abstract", "ot": "keywords",
    "tw": "tw_text",
}  # fmt: skip


def _phrase_pattern(text: str, truncated: bool) -> re.Pattern[str] | str:
    """A plain ' w1 w2 ' needle, or a regex when a word is truncated with '*'."""
    parts = []
    pieces = text.split()
    for index, piece in enumerate(pieces):
        star = piece.endswith("*") or (truncated and index == len(pieces) - 1)
        for word in _words(piece):
            parts.append((word, False))
        if star and parts:
            parts[-1] = (parts[-1][0], True)
    if not any(star for _, star in parts):
        return " " + " ".join(word for word, _ in parts) + " "
    body = " ".join(re.escape(w) + (r"[^\W_]*" if star else "") for w, star in parts)
    return re.compile(f" {body} ")


def _text(term: Term) -> Predicate:
    needle = _phrase_pattern(term.text, term.truncated)
    text_of = operator.attrgetter(TEXT_ATTRIBUTES[term.field])
    if isinstance(needle, str):
        found: Predicate = lambda doc: needle in text_of(doc)  # noqa: E731
    else:
        search = needle.search
        found = lambda doc: search(text_of(doc)) is not None  # noqa: E731
    if term.field == "all" and term.text.isdigit():  # a bare number is also a PMID
        return lambda doc: doc.record.pmid == term.text or found(doc)
    return found


def _exact(term: Term, values_of: Callable[[Document], tuple[str, ...]]) -> Predicate:
    wanted = " ".join(_words(term.text))
    if term.truncated:
        return lambda doc: any(value.startswith(wanted) for value in values_of(doc))
    return lambda doc: wanted in values_of(doc)


def _mesh(term: Term) -> Predicate:
    """Descriptor names match whole; [mh] also finds the few known narrower descriptors."""
    descriptor, _, qualifier = term.text.partition("/")
    wanted = " ".join(_words(descriptor))
    names = {wanted}
    if term.field == "mh" and not term.truncated:
        names.update(MESH_CHILDREN.get(wanted, ()))
    qualifier = " ".join(_words(qualifier))
    major_only = term.field == "majr"

    def test(doc: Document) -> bool:
        for name, qualifiers, major in doc.mesh:
            if major_only and not major:
                continue
            hit = name.startswith(wanted) if term.truncated else name in names
            if hit and (not qualifier or qualifier in qualifiers):
                return True
        return False

    return test


def _author(term: Term) -> Predicate:
    """'Smith', 'Smith J' and 'Smith JA' all find Smith JA; the last word may be a prefix."""
    wanted = _words(term.text)
    head, last = wanted[:-1], wanted[-1]
    prefix_ok = term.truncated or len(wanted) > 1

    def test(doc: Document) -> bool:
        for have in doc.authors:
            if len(have) < len(wanted) or list(have[: len(head)]) != head:
                continue
            word = have[len(head)]
            if word == last or (prefix_ok and word.startswith(last)):
                return True
        return False

    return test


def _language(term: Term) -> Predicate:
    value = term.text.casefold()
    if term.truncated:
        return lambda doc: any(lang.startswith(value) for lang in doc.languages)
    code = LANGUAGES.get(value, value)
    return lambda doc: code in doc.languages


SUBSETS: dict[str, Callable[[PaperRecord], bool]] = {
    "medline": lambda r: r.status in ("MEDLINE", "OLDMEDLINE"),
    "pubmed not medline": lambda r: r.status == "PubMed-not-MEDLINE",
    "publisher": lambda r: r.status == "Publisher",
    "in process": lambda r: r.status == "In-Process",
    "inprocess": lambda r: r.status == "In-Process",
    "in data review": lambda r: r.status == "In-Data-Review",
    "free full text": lambda r: bool(r.pmcid),
    "pmc": lambda r: bool(r.pmcid),
    "systematic": lambda r: bool(r.publication_type_uis & {"D000078182", "D017418"}),
}


def _subset(term: Term) -> Predicate:
    member = SUBSETS.get(" ".join(_words(term.text)))
    if member is None:
        return lambda doc: False
    return lambda doc: member(doc.record)


def _term(term: Term) -> Predicate:
    field = term.field
    if field in TEXT_ATTRIBUTES:
        return _text(term)
    if field in ("mh", "mh:noexp", "majr"):
        return _mesh(term)
    if field == "pt":
        return _exact(term, operator.attrgetter("types"))
    if field == "ta":
        return _exact(term, operator.attrgetter("journals"))
    if field == "au":
        return _author(term)
    if field == "la":
        return _language(term)
    if field == "pmid":
        pmid = term.text.strip()
        return lambda doc: doc.record.pmid == pmid
    return _subset(term)  # "sb"


def _date_range(node: DateRange) -> Predicate:
    low, high = node.low, node.high
    if node.field == "dp":
        return lambda doc: any(lo <= high and hi >= low for lo, hi in doc.dp)
    day_of = operator.attrgetter(node.field)

    def test(doc: Document) -> bool:
        day = day_of(doc)
        return day is not None and low <= day <= high

    return test


@functools.lru_cache(maxsize=1024)
def compile_node(node: Node) -> Predicate:
    """The node as one predicate over Documents (AND / OR / NOT short-circuit)."""
    if isinstance(node, BoolOp):
        left, right = compile_node(node.left), compile_node(node.right)
        if node.op == "AND":
            return lambda doc: left(doc) and right(doc)
        if node.op == "OR":
            return lambda doc: left(doc) or right(doc)
        return lambda doc: left(doc) and not right(doc)
    if isinstance(node, DateRange):
        return _date_range(node)
    return _term(node)


def matches(node: Node, doc: Document) -> bool:
    return compile_node(node)(doc)


def evaluate(query: str | ParsedQuery, record: PaperRecord | Document) -> bool:
    """Does the record match? Raises QueryError when the query cannot be searched at all."""
    parsed = parse(query) if isinstance(query, str) else query
    if parsed.root is None:
        unknown = ", ".join(f"[{tag}]" for tag in parsed.fields_not_found)
        raise NothingToSearch(f"nothing to search: unknown field {unknown}")
    doc = record if isinstance(record, Document) else prepare(record)
    return compile_node(parsed.root)(doc)

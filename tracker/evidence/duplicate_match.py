"""Find papers that PubMed holds twice under different PMIDs.

The store already keeps one row per PMID; this module finds the harder cases, on plain data only:

* **Sure duplicates** share a normalised DOI or PMCID. They score 100, kind "doi" or "pmcid".
* **Possible duplicates** share no identifier but have nearly the same normalised title, the same
  first author and close years. They get kind "title" and a score that a person should look at.

How a title score is made (everything on the 0-100 scale, higher is more alike)::

    score = title similarity (rapidfuzz ratio of the normalised titles)
            - author penalty   0 same first author (fuzzy ratio >= 85, so Muller/Mueller agree)
                               5 first author unknown on either side
                              30 different first authors: never reaches a 90 threshold
            - year penalty     0 same year
                               3 one year apart (an epub record and its print record)
                              10 two years apart
                               5 year unknown on either side
                               (three or more years apart are never compared at all)
            - word penalty     6 for each word (4+ letters, or any number) of either title with
                                 no close counterpart in the other (one edit apart or
                                 Jaro-Winkler >= 0.9; numbers must be equal; 'non inferiority'
                                 and 'noninferiority' agree): a typo keeps its counterpart,
                                 'ketamine' -> 'esketamine', 'phase 2' -> 'phase 3' or an added
                                 'protocol' does not, so a swapped word costs 12 however long
                                 the title is
            - conflict penalty 10 for each identifier both records have but with different values
                                 (two DOIs, two PMCIDs): a preprint and its journal version can
                                 still surface, two distinct papers rarely do

A pair is reported when its score reaches the threshold (default 90). So an identical title by the
same author in the same year scores 100; a re-issued record with a small edit that normalisation
did not absorb scores in the 90s; the same title from a different team or five years later is
never reported.

Notices never merge with anything that is not itself a notice: errata, retraction notices,
expressions of concern, comments, letters and replies share their article's title on purpose.
Notices are matched among themselves by identifier only, because their titles ("Erratum") say
nothing. Two records that PubMed itself links (CommentsCorrections: ErratumFor, UpdateOf, ...) are
known to be distinct and never match either; nor, by title, does a record match a copy of what it
is linked to (an updated review and the print copy of the review it updates).

Candidates come from blocking keys, never from all pairs: the DOI, the PMCID, the exact normalised
title, the first author with the year and the years either side (blocks over AUTHOR_YEAR_CAP, such
as Wang 2024, are skipped), and the title's four rarest words, of which a candidate must share two
(words on more than POSTING_CAP titles are too common to use). Pairs three or more years apart are
dropped before any scoring; `DuplicateIndex.comparisons` counts the pairs that remain, of which
the SCORED_PER_RECORD most similar titles reaching the threshold get the full title score.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from urllib.parse import unquote

from rapidfuzz import fuzz, process
from rapidfuzz.distance import JaroWinkler, Levenshtein

from tracker.records import PaperRecord

# Publication types that mark a notice about another record (MeSH publication type UIs).
NOTICE_TYPE_UIS = frozenset(
    {
        "D016425",  # Published Erratum
        "D016440",  # Retraction of Publication (the notice, not the retracted article D016441)
        "D016420",  # Comment
        "D016422",  # Letter
    }
)
# No UI for "Expression of Concern" could be confirmed offline, so that one is matched by name.
NOTICE_TYPE_NAMES = frozenset({"expression of concern", "retraction notice"})

# CommentsCorrections RefTypes that a notice carries towards the record it is about.
NOTICE_REF_TYPES = frozenset(
    {"ErratumFor", "RetractionOf", "CommentOn", "ExpressionOfConcernFor"}
)

NOTICE_TITLE = re.compile(
    r"^(?:erratum|errata|corrigendum|correction\s*(?:to\b|:|notice)"
    r"|retraction\s*(?::|note\b|notice\b|of\b)|notice of retraction"
    r"|(?:editorial\s+)?expression of concern"
    r"|reply\b|in reply\b|(?:the\s+)?authors?['\u2019]?s?\s+reply\b"
    r"|comment(?:ary)?\s+on\b|re\s*:)"
)

AUTHOR_AGREES = 85.0
AUTHOR_UNKNOWN_PENALTY = 5.0
AUTHOR_DIFFERS_PENALTY = 30.0
YEAR_PENALTY = {0: 0.0, 1: 3.0, 2: 10.0}
YEAR_UNKNOWN_PENALTY = 5.0
MAX_YEAR_GAP = max(YEAR_PENALTY)
CONFLICT_PENALTY = 10.0
WORD_PENALTY = 6.0
WORD_AGREES = 0.9  # Jaro-Winkler similarity at which two words count as the same word

RARE_WORDS = 4  # how many of a title's rarest words are looked up
RARE_WORDS_SHARED = 2  # a candidate by words must share this many of them (fewer if fewer exist)
# A word on more titles than this is too common to block on. At 2,000, in a store of 50,000
# titles a phrase on a few percent of them ("case report") made each such paper a candidate of
# all the others; true duplicates also share a first author, so the author-year block finds them.
POSTING_CAP = 500
AUTHOR_YEAR_CAP = 300  # an author-year block larger than this (Wang 2024) is skipped
# The most similar candidates given the full title score, per record. A true duplicate is among
# the most similar titles; a numbered series ("cohort 17", "cohort 18") has hundreds of near ties.
SCORED_PER_RECORD = 40
BLOCK_STOPWORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "into", "is", "of", "on"}
    | {"or", "the", "to", "with", "without", "vs", "versus"}
)

_GREEK = re.compile("[\u0370-\u03ff]")
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])")
_DOI_PREFIX = re.compile(r"^(?:https?://)?(?:www\.|dx\.)?doi\.org/|^doi:|^doi(?=10\.)")
_PMCID = re.compile(r"^(?:pmcid:?)?(?:pmc)?0*([1-9][0-9]*)(?:\.[0-9]+)?$")

# British -> American endings; applied to both sides, so over-reach is harmless.
_SPELLING = [
    (re.compile(r"is(e|ed|es|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"ys(e|ed|es|ing)$"), r"yz\1"),
    (re.compile(r"(?<=\w{3})our(s?)$"), r"or\1"),
    (re.compile(r"(?<=\w{2})tre(s?)$"), r"ter\1"),
    (re.compile(r"ogue(s?)$"), r"og\1"),
    (re.compile(r"(?<=\w)ll(ing|ed)$"), r"l\1"),
    (re.compile(r"mme(s?)$"), r"m\1"),
    (re.compile(r"(?<=\w)(?:ae|oe)"), "e"),
    (re.compile(r"^(?:ae|oe)(?=\w{3})"), "e"),
]


@dataclass(frozen=True)
class Fingerprint:
    """What the store keeps per paper to find duplicates without reparsing its record."""

    paper_id: int
    pmid: str
    doi: str | None
    pmcid: str | None
    title: str  # normalise_title() of the record's title
    first_author: str  # normalised last (or collective) name of the first author, "" if none
    year: int | None
    notice: bool
    linked_pmids: frozenset[str] = frozenset()  # PMIDs PubMed links this record to


@dataclass(frozen=True)
class Match:
    paper_id: int  # the fingerprint being checked
    other_id: int  # the stored paper it duplicates
    kind: str  # "doi" | "pmcid" | "title"
    score: float  # 0..100; 100 for identifier matches
    reason: str


def normalize_doi(doi: str | None) -> str | None:
    """One spelling per DOI: DOIs ignore case and arrive as URLs, with prefixes, encoded."""
    if not doi:
        return None
    text = unquote(doi.strip())
    text = "".join(text.split()).casefold()
    previous = None
    while previous != text:
        previous = text
        text = _DOI_PREFIX.sub("", text)
    text = text.rstrip(".,;:'\"]}>")
    while text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip(".,;:")
    if not text.startswith("10.") or "/" not in text or text.endswith("/"):
        return None
    return text


def normalize_pmcid(pmcid: str | None) -> str | None:
    """'PMC12345', 'pmc 12345', '12345' and 'PMC12345.1' are one PMCID: 'PMC12345'."""
    if not pmcid:
        return None
    found = _PMCID.match("".join(pmcid.split()).casefold())
    return f"PMC{found.group(1)}" if found else None


def _spell_greek(found: re.Match) -> str:
    """Spell a Greek letter out (α -> alpha) so 'TNF-α' and 'TNF-alpha' agree."""
    name = unicodedata.name(found.group(), "")
    return f" {name.split()[-1].lower()} " if name else " "


@lru_cache(maxsize=200_000)
def _american(word: str) -> str:
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word


def _plain_text(text: str) -> str:
    """Markup, entities, diacritics and Greek letters out; casefolded; punctuation kept."""
    text = text or ""
    if "<" in text or "&" in text:
        text = _TAG.sub(" ", html.unescape(_TAG.sub(" ", text)))
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
        text = _GREEK.sub(_spell_greek, text)
    return text.casefold().replace("&", " and ")


def normalize_title(title: str) -> str:
    """Casefolded words only: markup, punctuation, accents, Greek and UK spelling don't count."""
    text = _NON_WORD.sub(" ", _plain_text(title))
    text = _LETTER_DIGIT.sub(" ", text)
    words = [_american(word) for word in text.split()]
    if words[:2] == ["retracted", "article"]:
        words = words[2:]
    elif words[:1] == ["retracted"]:
        words = words[1:]
    return " ".join(words)


def normalize_name(name: str | None) -> str:
    """Letters only: 'van der Berg' and 'Van-der-Berg' agree, as do 'Müller' and 'Muller'."""
    return _NON_WORD.sub("", _plain_text(name or ""))


def is_notice(record: PaperRecord) -> bool:
    """Errata, retraction notices, concerns, comments, replies: they never merge with articles."""
    if record.publication_type_uis & NOTICE_TYPE_UIS:
        return True
    if any(pt.name.strip().casefold() in NOTICE_TYPE_NAMES for pt in record.publication_types):
        return True
    if any(cc.ref_type in NOTICE_REF_TYPES for cc in record.comments_corrections):
        return True
    title = _plain_text(record.title).lstrip(" \t\n[(\"'")
    return bool(NOTICE_TITLE.match(title))


def record_year(record: PaperRecord) -> int | None:
    """The earliest year the record gives, so an epub record and its print record agree."""
    years = []
    earliest = record.pub_date.earliest()
    if earliest is not None:
        years.append(earliest.year)
    if record.electronic_date is not None:
        years.append(record.electronic_date.year)
    return min(years) if years else None


def fingerprint(paper_id: int, record: PaperRecord) -> Fingerprint:
    author = record.first_author
    name = (author.last_name or author.collective_name) if author else None
    return Fingerprint(
        paper_id=paper_id,
        pmid=record.pmid,
        doi=normalize_doi(record.doi),
        pmcid=normalize_pmcid(record.pmcid),
        title=normalize_title(record.title or record.vernacular_title or ""),
        first_author=normalize_name(name),
        year=record_year(record),
        notice=is_notice(record),
        linked_pmids=frozenset(cc.pmid for cc in record.comments_corrections if cc.pmid),
    )


def blocking_words(title: str) -> set[str]:
    """The words of a normalised title a candidate is looked up by."""
    return {word for word in title.split() if len(word) > 2 and word not in BLOCK_STOPWORDS}


def _may_match(a: Fingerprint, b: Fingerprint) -> bool:
    """Pairs that must never be reported whatever they share."""
    if a.paper_id == b.paper_id or a.notice != b.notice or a.pmid == b.pmid:
        return False
    return not (b.linked_pmids and a.pmid in b.linked_pmids) and not (
        a.linked_pmids and b.pmid in a.linked_pmids
    )


def _years_close(a: Fingerprint, b: Fingerprint) -> bool:
    return a.year is None or b.year is None or abs(a.year - b.year) <= MAX_YEAR_GAP


def _identifier_match(a: Fingerprint, b: Fingerprint) -> Match | None:
    if a.doi and a.doi == b.doi:
        also = f" and PMCID {a.pmcid}" if a.pmcid and a.pmcid == b.pmcid else ""
        return Match(a.paper_id, b.paper_id, "doi", 100.0, f"same DOI {a.doi}{also}")
    if a.pmcid and a.pmcid == b.pmcid:
        return Match(a.paper_id, b.paper_id, "pmcid", 100.0, f"same PMCID {a.pmcid}")
    return None


def _glued(words: list[str], others: set[str]) -> set[str]:
    """Runs of 2-3 neighbours that make, give or take a typo, one of the other title's words.

    'non inferiority' and 'noninferiority' agree, as does a space lost to a typo; both the run's
    words and the glued word are returned.
    """
    found: set[str] = set()
    if not others:
        return found
    # A run more than one letter longer or shorter than every other word cannot match: skip it
    # before joining (titles differing by a number compare every run against one short word).
    shortest, longest = min(map(len, others)) - 1, max(map(len, others)) + 1
    sizes = [len(word) for word in words]
    for size in (2, 3):
        for start in range(len(words) - size + 1):
            if not shortest <= sum(sizes[start : start + size]) <= longest:
                continue
            run = "".join(words[start : start + size])
            for other in others:
                if abs(len(run) - len(other)) <= 1 and (
                    Levenshtein.distance(run, other, score_cutoff=1) <= 1
                ):
                    found.update(words[start : start + size])
                    found.add(other)
    return found


def _counts(word: str) -> bool:
    return len(word) > 3 or word.isdigit()


def _close(word: str, other: str) -> bool:
    """A typo or an inflection apart; numbers must be equal (phase 2 is not phase 3)."""
    if word.isdigit() or other.isdigit():
        return False
    return Levenshtein.distance(word, other, score_cutoff=1) <= 1 or (
        JaroWinkler.similarity(word, other) >= WORD_AGREES
    )


def unmatched_words(a: str, b: str) -> list[str]:
    """Words of either title with no close counterpart in the other: substance, not typos."""
    seq_a, seq_b = a.split(), b.split()
    words_a = {word for word in seq_a if _counts(word)}
    words_b = {word for word in seq_b if _counts(word)}
    only_a, only_b = words_a - words_b, words_b - words_a
    if not only_a and not only_b:
        return []
    explained = _glued(seq_a, only_b) | _glued(seq_b, only_a)
    only_a, only_b = only_a - explained, only_b - explained
    return sorted(
        word
        for mine, theirs in ((only_a, only_b), (only_b, only_a))
        for word in mine
        if not any(_close(word, other) for other in theirs)
    )


def title_score(a: Fingerprint, b: Fingerprint, *, cutoff: float = 0.0) -> tuple[float, str]:
    """The possible-duplicate score of two fingerprints and why (see the module docstring)."""
    similarity = fuzz.ratio(a.title, b.title, score_cutoff=cutoff)
    if cutoff and not similarity:
        return 0.0, f"title below {cutoff:g}"
    notes = [f"title {similarity:.1f}"]
    penalty = 0.0
    if not a.first_author or not b.first_author:
        penalty += AUTHOR_UNKNOWN_PENALTY
        notes.append("first author unknown")
    elif fuzz.ratio(a.first_author, b.first_author) >= AUTHOR_AGREES:
        notes.append(f"same first author {a.first_author}")
    else:
        penalty += AUTHOR_DIFFERS_PENALTY
        notes.append(f"first authors differ ({a.first_author}/{b.first_author})")
    if a.year is None or b.year is None:
        penalty += YEAR_UNKNOWN_PENALTY
        notes.append("year unknown")
    else:
        gap = abs(a.year - b.year)
        penalty += YEAR_PENALTY.get(gap, 100.0)
        notes.append(f"year {a.year}" if gap == 0 else f"years {a.year}/{b.year}")
    extra = unmatched_words(a.title, b.title)
    if extra:
        penalty += WORD_PENALTY * len(extra)
        notes.append("words differ: " + " ".join(extra))
    for label, mine, theirs in (("DOIs", a.doi, b.doi), ("PMCIDs", a.pmcid, b.pmcid)):
        if mine and theirs and mine != theirs:
            penalty += CONFLICT_PENALTY
            notes.append(f"different {label}")
    return max(0.0, similarity - penalty), ", ".join(notes)


class DuplicateIndex:
    """In-memory blocking index over stored fingerprints.

    `comparisons` counts title scorings, so tests and benchmarks can see that blocking keeps the
    work far below all pairs.
    """

    def __init__(self, fingerprints: Iterable[Fingerprint] = ()):
        self._by_id: dict[int, Fingerprint] = {}
        self._by_pmid: dict[str, list[int]] = defaultdict(list)
        self._doi: dict[str, list[int]] = defaultdict(list)
        self._pmcid: dict[str, list[int]] = defaultdict(list)
        self._title: dict[str, list[int]] = defaultdict(list)
        self._author_year: dict[tuple[str, int], list[int]] = defaultdict(list)
        self._words: dict[str, list[int]] = defaultdict(list)
        self.comparisons = 0
        for fp in fingerprints:
            self.add(fp)

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, fp: Fingerprint) -> None:
        """Index a fingerprint; adding a paper_id again replaces its fingerprint."""
        old = self._by_id.get(fp.paper_id)
        self._by_id[fp.paper_id] = fp
        if old == fp:
            return
        pid = fp.paper_id
        self._by_pmid[fp.pmid].append(pid)
        if fp.doi:
            self._doi[fp.doi].append(pid)
        if fp.pmcid:
            self._pmcid[fp.pmcid].append(pid)
        if fp.notice:
            return  # notices match by identifier only
        if fp.title:
            self._title[fp.title].append(pid)
        if fp.first_author and fp.year is not None:
            self._author_year[(fp.first_author, fp.year)].append(pid)
        for word in blocking_words(fp.title):
            self._words[word].append(pid)

    # Where the index looks things up: a subclass may answer them from the database instead
    # (tracker.evidence.duplicate_links.StoredIndex).

    def fingerprint_of(self, paper_id: int) -> Fingerprint:
        return self._by_id[paper_id]

    def ids_with_doi(self, doi: str) -> Iterable[int]:
        return self._doi.get(doi, ())

    def ids_with_pmcid(self, pmcid: str) -> Iterable[int]:
        return self._pmcid.get(pmcid, ())

    def ids_with_pmid(self, pmid: str) -> Iterable[int]:
        return self._by_pmid.get(pmid, ())

    def ids_with_title(self, title: str) -> Iterable[int]:
        return self._title.get(title, ())

    def author_year_block(self, author: str, year: int) -> Sequence[int]:
        return self._author_year.get((author, year), ())

    def word_posting(self, word: str) -> Sequence[int]:
        return self._words.get(word, ())

    @staticmethod
    def sharing(postings: list[Sequence[int]], need: int) -> set[int]:
        """The paper ids on at least `need` of the postings: the union of the intersections of
        every `need` of them (a few C set operations, where counting went id by id)."""
        if need == 2:  # the usual case: what each posting shares with those before it
            seen, shared = set(postings[0]), set()
            for posting in postings[1:]:
                shared.update(seen.intersection(posting))
                seen.update(posting)
            return shared
        sets = [set(posting) for posting in postings]
        return set().union(*(set.intersection(*group) for group in combinations(sets, need)))

    def candidates(self, fp: Fingerprint) -> set[int]:
        """Paper ids that share a blocking key with fp (stale ids included; scoring rechecks)."""
        found: set[int] = set()
        if fp.doi:
            found.update(self.ids_with_doi(fp.doi))
        if fp.pmcid:
            found.update(self.ids_with_pmcid(fp.pmcid))
        if fp.notice:
            return found
        found.update(self.ids_with_title(fp.title))
        if fp.first_author and fp.year is not None:
            for year in range(fp.year - 1, fp.year + 2):
                block = self.author_year_block(fp.first_author, year)
                if len(block) <= AUTHOR_YEAR_CAP:
                    found.update(block)
        postings = [p for p in map(self.word_posting, blocking_words(fp.title)) if p]
        postings = [p for p in sorted(postings, key=len)[:RARE_WORDS] if len(p) <= POSTING_CAP]
        if len(postings) == 1:
            found.update(postings[0])
        elif postings:
            found.update(self.sharing(postings, RARE_WORDS_SHARED))
        return found

    def matches(self, fp: Fingerprint, *, threshold: float = 90.0) -> list[Match]:
        """Stored papers that fp duplicates, best first; never itself, never notice vs article."""
        found = []
        to_score: list[Fingerprint] = []
        by_titles = not fp.notice and bool(fp.title)
        # Only papers filed under fp's DOI or PMCID can match by identifier; the rest of the
        # (often hundreds of) candidates skip that test and, for a notice, all of them.
        by_id = set(self.ids_with_doi(fp.doi)) if fp.doi else set()
        if fp.pmcid:
            by_id.update(self.ids_with_pmcid(fp.pmcid))
        for other_id in self.candidates(fp):
            if not by_titles and other_id not in by_id:
                continue
            other = self.fingerprint_of(other_id)
            if not _may_match(fp, other):
                continue
            sure = _identifier_match(fp, other) if other_id in by_id else None
            if sure is not None:
                found.append(sure)
            elif by_titles and other.title and _years_close(fp, other):
                to_score.append(other)
        self.comparisons += len(to_score)
        for other in _similar_titles(fp.title, to_score, threshold):
            score, reason = title_score(fp, other, cutoff=threshold)
            if score >= threshold and not self._linked_work(fp, other, threshold):
                found.append(Match(fp.paper_id, other.paper_id, "title", round(score, 1), reason))
        found.sort(key=lambda m: (-m.score, m.other_id))
        return found

    def _linked_work(self, fp: Fingerprint, other: Fingerprint, threshold: float) -> bool:
        """Is one of them linked (an update, a republication...) to a copy of the other?

        PubMed links a record to one PMID; the same work's other records carry no link, so
        without this an update would look like a duplicate of every copy of what it updates.
        """
        for mine, theirs in ((fp, other), (other, fp)):
            for pmid in mine.linked_pmids:
                for linked_id in self.ids_with_pmid(pmid):
                    linked = self.fingerprint_of(linked_id)
                    if linked.paper_id in (mine.paper_id, theirs.paper_id):
                        continue
                    if _identifier_match(theirs, linked) or (
                        _years_close(theirs, linked)
                        and title_score(theirs, linked, cutoff=threshold)[0] >= threshold
                    ):
                        return True
        return False


def _similar_titles(
    title: str, others: list[Fingerprint], threshold: float
) -> list[Fingerprint]:
    """The others whose title similarity alone reaches the threshold, found in one C call.

    Penalties only lower a score, so a pair below the threshold on similarity can never be
    reported; the full title_score then runs on the few that remain instead of on them all, and
    on at most SCORED_PER_RECORD of them, the most similar: a series whose titles differ only by
    a number would otherwise make each record score against every earlier one.
    """
    if threshold <= 0 or len(others) < 2:
        return others
    kept = process.extract(title, [other.title for other in others], scorer=fuzz.ratio,
                           score_cutoff=threshold, limit=SCORED_PER_RECORD)
    return [others[index] for _, _, index in sorted(kept, key=lambda hit: hit[2])]


def find_duplicates(
    incoming: Iterable[Fingerprint], index: DuplicateIndex, *, threshold: float = 90.0
) -> list[Match]:
    """Check each incoming fingerprint, then add it to the index.

    Adding as we go finds duplicates inside the batch too (a print and an epub record fetched in
    the same poll); each pair is reported once, from the later fingerprint to the earlier one.
    """
    found: list[Match] = []
    for fp in incoming:
        found.extend(index.matches(fp, threshold=threshold))
        index.add(fp)
    return found

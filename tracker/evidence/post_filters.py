"""Post-filters: what a therapy's PubMed query cannot say, checked on the record it brought back.

A query matches words; it cannot tell the route ketamine was given by, whether "LSD" is the drug
or Fisher's least significant difference, or whether an SSRI is the treatment studied or the one
patients kept taking. Each rule below reads a found paper's title, abstract and MeSH and either
keeps the link, keeps it with a tag (the VNS variant), or drops it with the reason. Dropped links
are stored, never silently lost, so `tracker therapies --dropped` can show a reviewer each one.

    screen(therapy_id, text, others)   -> Screen | None   (pure: plain text in, verdict out)
    screen_links(session, ...)         -> the links to keep; drops and tags written to the store
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, load_only

from tracker.evidence.written import paper_rows
from tracker.store import Paper, TherapyPaper, TherapyScreen, scalars_in_batches

SCREENED_COLUMNS = (Paper.id, Paper.title, Paper.abstract, Paper.mesh)  # what a screen reads

COMPARATORS = ("ssri", "snri")


@dataclass(frozen=True)
class LinkText:
    """What the rules read: a paper's title, abstract and MeSH descriptors."""

    title: str
    abstract: str
    mesh: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.abstract}"

    @classmethod
    def of_paper(cls, paper: Paper) -> LinkText:
        abstract = " ".join(section.get("text") or "" for section in paper.abstract or [])
        mesh = tuple(m.get("descriptor") or "" for m in paper.mesh or [])
        return cls(title=paper.title or "", abstract=abstract, mesh=mesh)


@dataclass(frozen=True)
class Screen:
    """A rule's verdict on one (therapy, paper) link."""

    rule: str
    dropped: bool
    reason: str
    tag: str | None = None


def _find(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


# --- ketamine (the therapy is intravenous racemic ketamine) --------------------------------------

IV_ROUTE = r"\b(intravenous(ly)?|infusions?|infused)\b|(?<![\w-])(i\.v\.|iv)(?![\w-])"  # not DSM-IV
OTHER_ROUTES = {
    "intranasal": r"\b(intra-?nasal(ly)?|nasal spray|nasally)\b",
    "oral": r"\b(oral(ly)?|by mouth|tablets?|capsules?)\b",
    "sublingual": r"\bsublingual(ly)?\b",
    "intramuscular": r"\b(intramuscular(ly)?|i\.m\.)\b",
    "subcutaneous": r"\b(subcutaneous(ly)?|s\.c\.)\b",
}
ESKETAMINE = r"\b(es-?ketamine|s-ketamine|\(s\)-ketamine|spravato)\b"
RACEMIC = r"(?<![\w(-])(?<!\(s\)-)(?<!\(r\)-)(ar)?ketamine\b"
ECT = r"\b(electroconvulsive|ect)\b"
ANAESTHETIC = r"\b(an(a)?esthe\w*|induction agent|induction of an(a)?esthesia|anesthetic agent)\b"
KETAMINE_VERSUS_ECT = (
    r"\bketamine\b[^.]{0,60}\b(versus|vs\.?|compared (with|to))\s+(electroconvulsive|ect)\b"
    r"|\b(electroconvulsive|ect)\b[^.]{0,60}\b(versus|vs\.?|compared (with|to))\s+"
    r"(intravenous\s+)?ketamine\b"
)


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.;!?])\s+", text)


def screen_ketamine(text: LinkText) -> Screen | None:
    body = text.text
    racemic = re.sub(ESKETAMINE, " ", body, flags=re.IGNORECASE)
    if _find(ESKETAMINE, body) and not _find(RACEMIC, racemic):
        return Screen("ketamine.esketamine", True,
                      "about esketamine only; racemic ketamine is never named")
    if _find(ECT, body) and not _find(KETAMINE_VERSUS_ECT, body):
        as_anaesthetic = any(
            _find(r"\bketamine\b", s) and _find(ANAESTHETIC, s) for s in _sentences(body)
        )
        if as_anaesthetic and not _find(r"\bketamine (infusions?|treatment|therapy)\b", body):
            return Screen("ketamine.ect_anaesthetic", True,
                          "ketamine is the anaesthetic for ECT, not the treatment studied")
    if not _find(IV_ROUTE, body):
        routes = [name for name, pattern in OTHER_ROUTES.items() if _find(pattern, body)]
        if routes:
            return Screen("ketamine.route", True,
                          f"route {', '.join(routes)}; no intravenous route stated")
    return None


# --- LSD ------------------------------------------------------------------------------------------

LSD_DRUG = r"\b(lysergic|psychedelic\w*|hallucinogen\w*|microdos\w*)\b"
LSD_STATISTICS = (
    r"least[- ]significant[- ]difference|fisher'?s?\W{0,3}(protected\W)?lsd|\blsd\W{0,3}"
    r"(post[- ]?hoc|tests?|multiple comparisons?|method)\b|post[- ]?hoc\W{1,3}(\w+\W+){0,3}lsd\b"
)


def screen_lsd(text: LinkText) -> Screen | None:
    body = text.text
    if not _find(LSD_STATISTICS, body):
        return None
    without_statistics = re.sub(LSD_STATISTICS, " ", body, flags=re.IGNORECASE)
    if _find(r"\blysergic\b", body) or (
        _find(r"\blsd\b", without_statistics) and _find(LSD_DRUG, without_statistics)
    ):
        return None
    return Screen("lsd.statistics", True,
                  "LSD here is Fisher's least significant difference, a statistics test")


# --- VNS: keep both kinds, say which -------------------------------------------------------------

TRANSCUTANEOUS = r"\b(transcutaneous|auricular|ta-?vns|t-?vns|non-?invasive vagus|ear)\b"
IMPLANTED = r"\b(implant\w*|surgically|cervical vns|pulse generator)\b"


def screen_vns(text: LinkText) -> Screen:
    body = text.text
    transcutaneous, implanted = _find(TRANSCUTANEOUS, body), _find(IMPLANTED, body)
    if transcutaneous and not implanted:
        tag = "transcutaneous auricular"
    elif implanted and not transcutaneous:
        tag = "implanted"
    elif implanted and transcutaneous:
        tag = "both"
    else:
        tag = "implanted (assumed: the approved device)"
    return Screen("vns.variant", False, f"VNS variant: {tag}", tag=tag)


# --- pharmacogenomic testing ----------------------------------------------------------------------

PGX_TESTING = (
    r"\b(pharmacogen\w*[- ](guided|testing|tests?|informed|based)|(genotype|gene|test)[- ]guided"
    r"|genetic testing|decision support|combinatorial)\b"
)
PHARMACOKINETIC = r"\b(pharmacokinetic\w*|plasma (levels?|concentrations?)|metaboli[sz]\w*)\b"


def screen_pharmacogenomics(text: LinkText) -> Screen | None:
    body = text.text
    if _find(PHARMACOKINETIC, body) and not _find(PGX_TESTING, body):
        return Screen("pharmacogenomics.pharmacokinetics", True,
                      "a pharmacokinetic (CYP) study; no genetic test guides treatment")
    return None


# --- comparators: the SSRI or SNRI studied, not the one patients kept taking ---------------------

VERSUS = r"\b(versus|vs\.?|compared (with|to)|switch\w*|head-to-head)\b"
ADD_ON = (
    r"\b(adjunct\w*|add-?on|added|augment\w*|continu\w*|background|stable (dose|regimen)"
    r"|maintained on|taking|on (an? )?(ssri|snri)s?)\b"
)


def screen_comparator(therapy_id: str, text: LinkText, others: dict[str, str]) -> Screen | None:
    """Drop an add-on trial of another therapy whose title names the comparator as background."""
    if not others or _find(VERSUS, text.title) or not _find(ADD_ON, text.text):
        return None
    names = ", ".join(sorted(others.values()))
    return Screen(f"{therapy_id}.background", True,
                  f"the title is about {names}; the {therapy_id.upper()} is the background "
                  "treatment patients continued")


# --- ECT (optional extra set): the treatment, not emission computed tomography -----------------


def screen_ect(text: LinkText) -> Screen | None:
    body = text.text
    if _find(r"\bemission computed tomography\b", body) and not _find(
        r"\belectroconvulsive\b|\bseizure\b", body
    ):
        return Screen("ect.imaging", True,
                      "ECT here is emission computed tomography, an imaging method")
    return None


def screen(therapy_id: str, text: LinkText, others: dict[str, str] | None = None) -> Screen | None:
    """The verdict of the therapy's rule on one paper; None when no rule has anything to say.

    others: the non-comparator therapies (id -> name) the paper's title names, for comparators.
    """
    if therapy_id == "ketamine":
        return screen_ketamine(text)
    if therapy_id == "lsd":
        return screen_lsd(text)
    if therapy_id == "vns":
        return screen_vns(text)
    if therapy_id == "pharmacogenomics":
        return screen_pharmacogenomics(text)
    if therapy_id == "ect":
        return screen_ect(text)
    if therapy_id in COMPARATORS:
        return screen_comparator(therapy_id, text, others or {})
    return None


def title_therapies(title: str, therapies) -> dict[str, str]:
    """The non-comparator tracked therapies a title names (id -> name)."""
    from tracker.baseline import therapies_mentioned

    candidates = tuple(t for t in therapies if t.category != "conventional comparator")
    names = {t.id: t.name for t in candidates}
    return {t: names[t] for t in therapies_mentioned(title, candidates)}


def screen_links(
    session: Session,
    links: Iterable[tuple[str, int]],
    therapies,
    *,
    run_id: int | None,
    now: datetime,
    written: dict[int, dict] | None = None,
) -> list[tuple[str, int]]:
    """Screen (therapy id, paper id) links; store each verdict once; return the links to keep.

    written: the columns an upsert just wrote (paper id -> columns), read instead of the store.
    """
    links = list(dict.fromkeys(links))
    if not links:
        return []
    ids = sorted({paper_id for _, paper_id in links})
    # plain rows, not Paper objects: a poll screens every batch it stores
    papers = {p.id: p for p in paper_rows(session, SCREENED_COLUMNS, ids, written)}
    have = {
        (s.therapy_id, s.paper_id): s for s in scalars_in_batches(
            session, lambda batch: select(TherapyScreen).where(TherapyScreen.paper_id.in_(batch)),
            ids)
    }
    kept = []
    for therapy_id, paper_id in links:
        paper = papers[paper_id]
        text = LinkText.of_paper(paper)
        others = title_therapies(text.title, therapies) if therapy_id in COMPARATORS else None
        verdict = screen(therapy_id, text, others)
        if verdict is not None and (therapy_id, paper_id) not in have:
            session.add(TherapyScreen(
                therapy_id=therapy_id, paper_id=paper_id, rule=verdict.rule,
                dropped=verdict.dropped, reason=verdict.reason, tag=verdict.tag,
                screened_at=now, run_id=run_id,
            ))
        if verdict is None or not verdict.dropped:
            kept.append((therapy_id, paper_id))
    session.flush()
    return kept


RULED = ("ketamine", "lsd", "vns", "pharmacogenomics", "ect", *COMPARATORS)


def rescreen_links(session: Session, therapies, *, now: datetime) -> dict[str, int]:
    """Apply the current rules to every stored link and verdict, offline (for `reclassify`).

    A link a rule now drops is removed and its verdict stored; a dropped link the rules now keep
    is restored (its query did find the paper); a changed verdict is rewritten. Nothing else
    is touched, so a second run changes nothing.
    """
    counts = {"dropped": 0, "restored": 0}
    links = set(session.execute(
        select(TherapyPaper.therapy_id, TherapyPaper.paper_id)
        .where(TherapyPaper.therapy_id.in_(RULED))
    ).all())
    screens = {
        (s.therapy_id, s.paper_id): s
        for s in session.scalars(select(TherapyScreen).where(TherapyScreen.therapy_id.in_(RULED)))
    }
    pairs = sorted(links | set(screens))
    ids = sorted({paper_id for _, paper_id in pairs})
    papers = {p.id: p for p in scalars_in_batches(session, lambda batch: select(Paper).where(
        Paper.id.in_(batch)).options(load_only(*SCREENED_COLUMNS)), ids)}
    for therapy_id, paper_id in pairs:
        text = LinkText.of_paper(papers[paper_id])
        others = title_therapies(text.title, therapies) if therapy_id in COMPARATORS else None
        verdict = screen(therapy_id, text, others)
        row = screens.get((therapy_id, paper_id))
        linked = (therapy_id, paper_id) in links
        if verdict is None:
            if row is not None:
                if row.dropped and not linked:
                    session.add(TherapyPaper(therapy_id=therapy_id, paper_id=paper_id,
                                             first_found_at=row.screened_at, run_id=row.run_id))
                    counts["restored"] += 1
                session.delete(row)
            continue
        if row is None:
            session.add(TherapyScreen(
                therapy_id=therapy_id, paper_id=paper_id, rule=verdict.rule,
                dropped=verdict.dropped, reason=verdict.reason, tag=verdict.tag,
                screened_at=now, run_id=None,
            ))
        elif (row.rule, row.dropped, row.reason, row.tag) != (
            verdict.rule, verdict.dropped, verdict.reason, verdict.tag
        ):
            row.rule, row.dropped, row.reason, row.tag = (
                verdict.rule, verdict.dropped, verdict.reason, verdict.tag)
            row.screened_at = now
        if verdict.dropped and linked:
            session.execute(delete(TherapyPaper).where(
                TherapyPaper.therapy_id == therapy_id, TherapyPaper.paper_id == paper_id))
            counts["dropped"] += 1
        elif not verdict.dropped and not linked:
            session.add(TherapyPaper(therapy_id=therapy_id, paper_id=paper_id,
                                     first_found_at=row.screened_at if row else now))
            counts["restored"] += 1
    session.flush()
    return counts


@dataclass(frozen=True)
class DroppedLink:
    """A paper a therapy's query found and a post-filter dropped, for a reviewer to check."""

    therapy_id: str
    pmid: str
    title: str
    rule: str
    reason: str
    screened_at: datetime


def dropped_links(session: Session, therapy_ids: Iterable[str] | None = None) -> list[DroppedLink]:
    query = (
        select(TherapyScreen, Paper.pmid, Paper.title)
        .join(Paper, Paper.id == TherapyScreen.paper_id)
        .where(TherapyScreen.dropped.is_(True))
        .order_by(TherapyScreen.therapy_id, Paper.pmid)
    )
    if therapy_ids:
        query = query.where(TherapyScreen.therapy_id.in_(list(therapy_ids)))
    return [
        DroppedLink(s.therapy_id, pmid, title or "", s.rule, s.reason, s.screened_at)
        for s, pmid, title in session.execute(query)
    ]


def link_tags(session: Session) -> dict[str, dict[str, int]]:
    """therapy id -> tag -> papers kept with that tag (the VNS variants)."""
    found: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(TherapyScreen.therapy_id, TherapyScreen.tag)
        .where(TherapyScreen.dropped.is_(False), TherapyScreen.tag.is_not(None))
    )
    for therapy_id, tag in rows:
        tags = found.setdefault(therapy_id, {})
        tags[tag] = tags.get(tag, 0) + 1
    return found

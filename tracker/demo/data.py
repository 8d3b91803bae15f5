"""Demo records for the offline demo: invented papers in PubMed's shape, clearly marked as demo.

PMIDs start at 90,000,001, a range PubMed has not used yet (the store marks demo papers by the
demo that wrote them, never by this range); every
record carries the keyword DEMO_KEYWORD and the journal names say "Demo". The set comes in two
waves so the demo can show a second poll finding what appeared after the first.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from tracker.records import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    PaperRecord,
    PartialDate,
    PublicationType,
)

DEMO_KEYWORD = "trd-tracker demo record"
FIRST_POLL_UNTIL = date(2025, 5, 31)
SECOND_POLL_UNTIL = date(2025, 6, 30)
REPORT_SINCE = date(2025, 6, 1)

JOURNAL_ARTICLE = PublicationType("D016428", "Journal Article")
RCT = PublicationType("D016449", "Randomized Controlled Trial")
META = PublicationType("D017418", "Meta-Analysis")
SYSTEMATIC = PublicationType("D000078182", "Systematic Review")
REVIEW = PublicationType("D016454", "Review")
CASE = PublicationType("D002363", "Case Reports")
OBSERVATIONAL = PublicationType("D064888", "Observational Study")
CLINICAL_TRIAL = PublicationType("D016430", "Clinical Trial")
RETRACTION_NOTICE = PublicationType("D016440", "Retraction of Publication")
RETRACTED = PublicationType("D016441", "Retracted Publication")
ERRATUM = PublicationType("D016425", "Published Erratum")
TRD_MESH = MeshHeading("Depressive Disorder, Treatment-Resistant", "D061218", True)

SURNAMES = [
    ("Lindqvist", "Maja"), ("Okafor", "Chidi"), ("Brennan", "Aoife"), ("Takahashi", "Ren"),
    ("Moreau", "Claire"), ("Haddad", "Samir"), ("Novak", "Petra"), ("Silva", "Joana"),
    ("Kowalski", "Tomasz"), ("Iyer", "Priya"), ("Fischer", "Jonas"), ("Reyes", "Lucia"),
]

# (therapy term used in title, MeSH descriptor or None, intervention sentence)
THERAPY_TERMS = {
    "rtms": ("repetitive transcranial magnetic stimulation", "Transcranial Magnetic Stimulation"),
    "vns": ("vagus nerve stimulation", "Vagus Nerve Stimulation"),
    "dbs": ("deep brain stimulation", "Deep Brain Stimulation"),
    "tdcs": ("transcranial direct current stimulation", "Transcranial Direct Current Stimulation"),
    "focused_ultrasound": ("transcranial focused ultrasound", None),
    "neurofeedback": ("real-time fMRI neurofeedback", "Neurofeedback"),
    "ketamine": ("intravenous ketamine", "Ketamine"),
    "esketamine": ("esketamine nasal spray", None),
    "psilocybin": ("psilocybin therapy", "Psilocybin"),
    "lsd": ("lysergic acid diethylamide", "Lysergic Acid Diethylamide"),
    "pharmacogenomics": ("pharmacogenomic testing", "Pharmacogenomic Testing"),
    "digital": ("internet-delivered CBT", "Internet-Based Intervention"),
}

# design -> (title pattern, publication types, abstract design sentence)
DESIGNS = {
    "rct": (
        "{term} versus sham in treatment-resistant depression: a randomized controlled trial",
        (JOURNAL_ARTICLE, RCT),
        "In this double-blind, randomized, sham-controlled trial, {n} patients with "
        "treatment-resistant depression were randomized to {term} or sham.",
    ),
    "meta": (
        "Efficacy of {term} for treatment-resistant depression: a systematic review and "
        "meta-analysis",
        (JOURNAL_ARTICLE, SYSTEMATIC, META),
        "We searched five databases and pooled {n} randomized trials of {term} in "
        "treatment-resistant depression with a random-effects meta-analysis.",
    ),
    "cohort": (
        "Long-term outcomes of {term} in treatment-resistant depression: a prospective cohort",
        (JOURNAL_ARTICLE, OBSERVATIONAL),
        "This prospective observational cohort followed {n} adults with treatment-resistant "
        "depression treated with {term} for 12 months.",
    ),
    "open": (
        "Open-label, single-arm pilot study of {term} in treatment-resistant depression",
        (JOURNAL_ARTICLE, CLINICAL_TRIAL),
        "In this open-label single-arm trial, {n} participants with treatment-resistant "
        "depression received {term}.",
    ),
    "case": (
        "Sustained remission with {term} in treatment-resistant depression: a case report",
        (JOURNAL_ARTICLE, CASE),
        "We describe a patient with treatment-resistant depression who responded to {term}.",
    ),
    "review": (
        "{term} in treatment-resistant depression: a narrative review of mechanisms",
        (JOURNAL_ARTICLE, REVIEW),
        "This narrative review summarises mechanisms and clinical experience with {term} in "
        "treatment-resistant depression.",
    ),
}

# (therapy, design, wave, day offset) for the generated papers: wave 1 before the first poll,
# wave 2 after it. Chosen so the demo report shows real events: focused ultrasound's first RCT,
# esketamine's meta-analysis count doubling, a retraction of a ketamine trial.
PLAN = [
    ("rtms", "rct", 1, 10), ("rtms", "meta", 1, 40), ("rtms", "cohort", 1, 70),
    ("rtms", "rct", 2, 5), ("rtms", "case", 2, 12),
    ("vns", "cohort", 1, 20), ("vns", "review", 1, 90), ("vns", "open", 2, 9),
    ("dbs", "open", 1, 30), ("dbs", "case", 1, 60), ("dbs", "rct", 2, 16),
    ("tdcs", "rct", 1, 15), ("tdcs", "meta", 1, 80), ("tdcs", "open", 2, 3),
    ("focused_ultrasound", "open", 1, 50), ("focused_ultrasound", "case", 1, 85),
    ("focused_ultrasound", "rct", 2, 18),
    ("neurofeedback", "open", 1, 45), ("neurofeedback", "review", 2, 21),
    ("ketamine", "rct", 1, 5), ("ketamine", "rct", 1, 35), ("ketamine", "meta", 1, 75),
    ("ketamine", "cohort", 2, 7), ("ketamine", "rct", 2, 19),
    ("esketamine", "meta", 1, 25), ("esketamine", "rct", 1, 55), ("esketamine", "cohort", 1, 95),
    ("esketamine", "meta", 2, 11),
    ("psilocybin", "rct", 1, 12), ("psilocybin", "open", 1, 65), ("psilocybin", "rct", 2, 14),
    ("psilocybin", "review", 2, 22),
    ("lsd", "review", 1, 42), ("lsd", "open", 2, 25),
    ("pharmacogenomics", "rct", 1, 33), ("pharmacogenomics", "cohort", 2, 8),
    ("digital", "rct", 1, 58), ("digital", "open", 2, 13),
]
WAVE_START = {1: date(2025, 2, 3), 2: date(2025, 6, 1)}
# Older papers, found only by the history backfill: DBS had randomised trials long before the
# baseline, so the demo's June DBS trial is not its "first"; focused ultrasound's still is.
HISTORY = [
    ("dbs", "rct", date(2014, 5, 12)), ("dbs", "open", date(2009, 3, 2)),
    ("rtms", "meta", date(2019, 9, 16)), ("ketamine", "rct", date(2013, 10, 7)),
    ("vns", "cohort", date(2006, 11, 20)),
]
HISTORY_OFFSET = 40  # their PMIDs follow the notices' and the references'
PMID_START = 90_000_001


def _authors(index: int, count: int) -> tuple[Author, ...]:
    picked = [SURNAMES[(index * 5 + k * 7) % len(SURNAMES)] for k in range(count)]
    return tuple(
        Author(last_name=last, fore_name=fore, initials=fore[0],
               affiliations=("Demo University Hospital, Department of Psychiatry.",))
        for last, fore in picked
    )


def _record(index: int, therapy: str, design: str, wave: int, offset: int) -> PaperRecord:
    term, mesh_name = THERAPY_TERMS[therapy]
    pattern, types, sentence = DESIGNS[design]
    n = 24 + (index * 37) % 180
    if design == "meta":
        n = 6 + index % 20
    created = WAVE_START[wave] + timedelta(days=offset)
    indexed = wave == 1  # wave-2 records are new: publisher status, no MeSH, basic types only
    trial_id = f"NCT0{5100000 + index * 7919 % 899999}" if design in ("rct", "open") else None
    title = pattern.format(term=term)
    title = title[0].upper() + title[1:]
    abstract = (
        AbstractSection("Treatment-resistant depression remains common and disabling.",
                        "BACKGROUND", "BACKGROUND"),
        AbstractSection(sentence.format(term=term, n=n)
                        + (f" The trial was registered at ClinicalTrials.gov ({trial_id})."
                           if trial_id else ""), "METHODS", "METHODS"),
        AbstractSection(f"Response rates favoured {term} at the primary end point.",
                        "RESULTS", "RESULTS"),
        AbstractSection("These demo findings are invented for the offline demonstration.",
                        "CONCLUSIONS", "CONCLUSIONS"),
    )
    mesh = ()
    if indexed:
        mesh = (TRD_MESH, MeshHeading("Humans", "D006801"))
        if mesh_name:
            mesh += (MeshHeading(mesh_name, "", True),)
    pmid = str(PMID_START + index)
    return PaperRecord(
        pmid=pmid,
        status="MEDLINE" if indexed else "Publisher",
        title=title + ".",
        abstract=abstract,
        authors=_authors(index, 3 + index % 5),
        journal=["Demo Journal of Affective Disorders", "Demo Neuromodulation Reports",
                 "Demo Psychopharmacology Letters"][index % 3],
        journal_abbrev=["Demo J Affect Disord", "Demo Neuromodulation Rep",
                        "Demo Psychopharmacol Lett"][index % 3],
        volume=str(10 + wave), issue=str(1 + index % 4), pages=f"{100 + index}-{110 + index}",
        pub_date=PartialDate(year=created.year, month=created.month),
        electronic_date=created,
        entrez_date=created,
        pubmed_date=created,
        date_revised=created + timedelta(days=2),
        languages=("eng",),
        publication_types=types if indexed else (JOURNAL_ARTICLE,),
        mesh=mesh,
        keywords=(DEMO_KEYWORD, term),
        databanks=(("ClinicalTrials.gov", trial_id),) if trial_id and indexed else (),
        doi=f"10.5555/demo.{pmid}",
    )


def _reference_records(start: int) -> list[PaperRecord]:
    """Stand-ins for the seed documents' ten references, so the demo can resolve them offline."""
    from tracker.baseline import load_baseline
    from tracker.config import default_seeds_dir

    records = []
    for k, ref in enumerate(load_baseline(default_seeds_dir()).references):
        last, _, initials = ref.first_author.partition(" ")
        records.append(PaperRecord(
            pmid=str(start + k), status="MEDLINE", title=ref.title + ".",
            authors=(Author(last_name=last, initials=initials, fore_name=initials),),
            journal=ref.journal, journal_abbrev=ref.journal, volume=ref.volume,
            issue=ref.issue, pages=ref.pages, pub_date=PartialDate(year=ref.year),
            entrez_date=date(ref.year, 6, 1), pubmed_date=date(ref.year, 6, 1),
            languages=("eng",), publication_types=(JOURNAL_ARTICLE,),
            keywords=(DEMO_KEYWORD,),
            abstract=(AbstractSection(f"Demo stand-in for the seed reference on {ref.topic}."),),
        ))
    return records


def demo_waves() -> tuple[list[PaperRecord], list[PaperRecord]]:
    """The records PubMed 'has' before the first poll, and those that appear before the second."""
    waves: dict[int, list[PaperRecord]] = {1: [], 2: []}
    planned: dict[tuple, PaperRecord] = {}
    for index, (therapy, design, wave, offset) in enumerate(PLAN):
        record = _record(index, therapy, design, wave, offset)
        waves[wave].append(record)
        planned[(therapy, design, wave, offset)] = record
    first, second = waves[1], waves[2]
    next_pmid = PMID_START + len(PLAN)

    # A ketamine trial from wave 1 is retracted in wave 2: the notice and the updated original.
    retracted = planned[("ketamine", "rct", 1, 35)]
    notice = PaperRecord(
        pmid=str(next_pmid), status="Publisher",
        title=f"Retraction: {retracted.title}", journal=retracted.journal,
        journal_abbrev=retracted.journal_abbrev, pub_date=PartialDate(2025, 6),
        entrez_date=date(2025, 6, 20), pubmed_date=date(2025, 6, 20),
        languages=("eng",), publication_types=(RETRACTION_NOTICE,),
        comments_corrections=(CommentCorrection("RetractionOf", retracted.pmid,
                                                f"{retracted.journal_abbrev}. 2025"),),
        keywords=(DEMO_KEYWORD,),
        abstract=(AbstractSection(
            "This article has been retracted at the request of the editors because the "
            "treatment-resistant depression outcome data could not be verified. Ketamine "
            "doses reported in the trial did not match the trial records."),),
    )
    second.append(notice)
    second.append(replace(
        retracted, version=1, date_revised=date(2025, 6, 21),
        publication_types=retracted.publication_types + (RETRACTED,),
        comments_corrections=(CommentCorrection("RetractionIn", notice.pmid, "Retraction"),),
        raw_xml=b"",
    ))

    # An erratum titled like its article: must stay a separate record, never merged.
    corrected = planned[("rtms", "meta", 1, 40)]
    second.append(PaperRecord(
        pmid=str(next_pmid + 1), status="Publisher", title=f"Erratum: {corrected.title}",
        journal=corrected.journal, journal_abbrev=corrected.journal_abbrev,
        pub_date=PartialDate(2025, 6), entrez_date=date(2025, 6, 10),
        pubmed_date=date(2025, 6, 10), languages=("eng",), publication_types=(ERRATUM,),
        comments_corrections=(CommentCorrection("ErratumFor", corrected.pmid, "Erratum"),),
        abstract=(AbstractSection(
            "A correction to the forest plot of this repetitive transcranial magnetic "
            "stimulation meta-analysis in treatment-resistant depression."),),
        keywords=(DEMO_KEYWORD,),
    ))

    # PubMed holding one article twice: the same DOI (in upper case, as a URL) under a new PMID.
    doubled = planned[("psilocybin", "rct", 1, 12)]
    second.append(replace(
        doubled, pmid=str(next_pmid + 2), status="Publisher",
        doi="https://doi.org/" + (doubled.doi or "").upper(), entrez_date=date(2025, 6, 6),
        pubmed_date=date(2025, 6, 6), raw_xml=b"",
    ))
    # ... and a near-duplicate: the same trial re-issued with small title edits and no DOI.
    echoed = planned[("vns", "cohort", 1, 20)]
    second.append(replace(
        echoed, pmid=str(next_pmid + 3), status="Publisher", doi=None,
        title=echoed.title.replace("Long-term", "Long term").replace(":", " -"),
        entrez_date=date(2025, 6, 26), pubmed_date=date(2025, 6, 26), raw_xml=b"",
    ))
    history = [
        replace(_record(len(PLAN) + HISTORY_OFFSET + k, therapy, design, 1, 0),
                entrez_date=created, pubmed_date=created, electronic_date=created,
                date_revised=created + timedelta(days=30),
                pub_date=PartialDate(year=created.year, month=created.month))
        for k, (therapy, design, created) in enumerate(HISTORY)
    ]
    second.extend(_precision_records(planned, next_pmid + 4))
    return first + _reference_records(next_pmid + 10) + history, second


def _precision_records(planned: dict, start: int) -> list[PaperRecord]:
    """A trial's follow-up (grouped with its primary report by registry id) and papers only a
    pathway's query finds: a biomarker study and a preclinical one."""
    primary = planned[("psilocybin", "rct", 2, 14)]
    registration = next(s.text for s in primary.abstract if "NCT0" in s.text).split("(")[-1]
    follow_up = replace(
        primary, pmid=str(start), status="Publisher", doi=None, raw_xml=b"",
        title="Twelve-month follow-up of " + primary.title[0].lower() + primary.title[1:],
        entrez_date=date(2025, 6, 27), pubmed_date=date(2025, 6, 27),
        abstract=(AbstractSection(
            "Participants with treatment-resistant depression from the randomised trial were "
            f"followed for twelve months ({registration}"),),
    )

    def pathway_paper(pmid: int, title: str, text: str, day: int) -> PaperRecord:
        return PaperRecord(
            pmid=str(pmid), status="Publisher", title=title, journal="Demo Biological Psychiatry",
            journal_abbrev="Demo Biol Psychiatry", pub_date=PartialDate(2025, 6),
            entrez_date=date(2025, 6, day), pubmed_date=date(2025, 6, day), languages=("eng",),
            publication_types=(JOURNAL_ARTICLE,), keywords=(DEMO_KEYWORD,),
            authors=_authors(pmid % 97, 4), abstract=(AbstractSection(text),),
        )

    return [
        follow_up,
        pathway_paper(start + 1, "Interleukin-6, CRP and kynurenine in treatment-resistant "
                      "depression.", "Serum IL-6, C-reactive protein and kynurenine were higher "
                      "in 140 patients with treatment-resistant depression than in responders.", 9),
        pathway_paper(start + 2, "Hair cortisol and dexamethasone suppression in "
                      "treatment-resistant depression.", "Cortisol and HPA axis markers in 88 "
                      "adults with treatment-resistant depression.", 17),
        pathway_paper(start + 3, "BDNF and mTOR signalling after chronic stress: a rat model of "
                      "treatment-resistant depression.", "Rats showed lower hippocampal BDNF and "
                      "mTOR activity in this preclinical model of treatment-resistant "
                      "depression.", 23),
    ]

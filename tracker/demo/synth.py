"""Deterministic, realistic-shaped PubMed records for benchmarks, load tests and the offline demo.

Why synthetic: NCBI is not reachable from tests or the demo, and real records cannot be shipped
in bulk. These have the shapes that matter downstream (structured abstracts, indexed and
not-yet-indexed statuses, RCTs and meta-analyses, retraction notices linked both ways, DOIs,
PMCIDs, inline markup) and the same seed always gives the same records.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

from lxml import etree

from tracker.pubmed.xmlwrite import article_element
from tracker.records import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    PaperRecord,
    PartialDate,
    PublicationType,
)

# therapy name in text, MeSH descriptor (name, UI) or None when MeSH has no own heading
THERAPIES = [
    ("intravenous ketamine", ("Ketamine", "D007649")),
    ("esketamine nasal spray", ("Ketamine", "D007649")),
    ("repetitive transcranial magnetic stimulation",
     ("Transcranial Magnetic Stimulation", "D050781")),
    ("vagus nerve stimulation", ("Vagus Nerve Stimulation", "D055536")),
    ("deep brain stimulation of the subcallosal cingulate", ("Deep Brain Stimulation", "D046690")),
    ("transcranial direct current stimulation",
     ("Transcranial Direct Current Stimulation", "D065908")),
    ("psilocybin with psychological support", ("Psilocybin", "D011562")),
    ("focused ultrasound", None),
    ("real-time fMRI neurofeedback", None),
    ("pharmacogenomic-guided antidepressant selection", None),
    ("digital cognitive behavioural therapy", ("Cognitive Behavioral Therapy", "D015928")),
]
DESIGNS = [  # weight, title patterns, publication types (UI, name), abstract structured?
    (14, ("A randomized controlled trial of {t} for {o} {p}{a}",
          "{T} versus sham for {o} {p}: a randomized controlled trial in {g}",
          "Efficacy of {t} on {o} and {x} {p}: a {f} randomized, double-blind trial",
          "{T} compared with {c} {p}: a randomized trial of {o}{a}",
          "Effect of {t} on {x} {p}: secondary analysis of a randomized clinical trial{a}",
          "{T} plus {c} for {o} {p}: a multicentre randomized trial in {g}"),
     [("D016449", "Randomized Controlled Trial"), ("D016428", "Journal Article")], True),
    (6, ("{T} {p}: a systematic review and meta-analysis of {k} studies on {o}",
         "{T} for {o} {p}: a systematic review and meta-analysis of {k} trials",
         "Efficacy and safety of {t} {p}: a meta-analysis of {o} and {x}",
         "{O} with {t} versus {c}: a network meta-analysis {p}"),
     [("D017418", "Meta-Analysis"), ("D000078182", "Systematic Review"),
      ("D016428", "Journal Article")], True),
    (10, ("{T} for {o} {p}: a narrative review",
          "{T}, {x} and {o}: mechanisms and clinical evidence {p}",
          "Where next for {t} {p}? A review of {o}",
          "The role of {x} in {t} {p}: a critical review",
          "{T} in {g}: current practice and {o} {p}"),
     [("D016454", "Review"), ("D016428", "Journal Article")], False),
    (8, ("An open-label phase II trial of {t} for {o} {p}{a}",
         "{T} for {o} {p}: an open-label {f} pilot study{a}",
         "Safety and tolerability of {t} {p}: a phase II study in {g}",
         "{T} and {x} {p}: a single-arm feasibility trial of {o}"),
     [("D017427", "Clinical Trial, Phase II"), ("D016430", "Clinical Trial"),
      ("D016428", "Journal Article")], True),
    (12, ("Real-world outcomes of {t} for {o} {p} in {g}",
          "{O} after {t} {p}: a retrospective cohort study from {g}",
          "{T} and {o} {p}: a {f} naturalistic follow-up in {g}",
          "Use of {t} and {x} {p}: a nationwide register study in {g}",
          "{X} and {o} during {t} {p}: a prospective cohort"),
     [("D064888", "Observational Study"), ("D016428", "Journal Article")], True),
    (5, ("Sustained remission of {o} after {t}: a case report from {g}",
         "{T} for {o} in {n} {s} with treatment-resistant depression: a case report",
         "{X} during {t} in {n} {s}: a case report"),
     [("D002363", "Case Reports"), ("D016428", "Journal Article")], False),
    (25, ("Predictors of improvement in {o} with {t} {p}",
          "{X} predicts change in {o} with {t} {p}",
          "Sex differences in {o} during {t} {p} in {g}",
          "{O} as an early marker of response to {t} {p} in {g}",
          "{X} and {o} after {t} {p}",
          "Does {x} moderate the effect of {t} on {o} {p}?",
          "Neural correlates of {o} under {t} {p}: the role of {x}",
          "Cost-effectiveness of {t} versus {c} {p} in {g}"),
     [("D016428", "Journal Article")], True),
]
# Pools the title patterns draw from. Real titles share a few common words and then name
# specific things (genes, regions, scales, places, trials); with these nearly every title is
# distinct and its rarest words are rare, as in PubMed.
MODIFIERS = ["", "", "", "accelerated ", "low-dose ", "repeated ", "maintenance ", "adjunctive ",
             "home-based ", "twice-weekly ", "individualised ", "add-on ", "open-dose ",
             "neuronavigated ", "weekly ", "augmented "]
GROUPS = ["in adults", "in older adults", "in adolescents", "in veterans", "in outpatients",
          "in inpatients", "in women", "in men", "in university students", "in refugees",
          "in primary care patients", "in nursing home residents", "in young people",
          "in health workers", "in pregnant women", "in patients", "in military personnel",
          "in people"]
CONDITIONS = ["treatment-resistant depression", "treatment-resistant major depression",
              "difficult-to-treat depression", "treatment-resistant bipolar depression",
              "chronic treatment-resistant depression", "treatment-refractory depression",
              "resistant late-life depression", "treatment-resistant major depressive disorder",
              "severe treatment-resistant depression", "multi-therapy-resistant depression"]
COMORBIDITIES = ["", "", "", "", "", " and comorbid anxiety", " and chronic pain",
                 " and suicidal ideation", " and alcohol use disorder", " and obesity",
                 " and insomnia", " and PTSD", " and migraine", " after stroke", " and epilepsy",
                 " and multiple sclerosis", " and diabetes", " and psychotic features",
                 " and borderline personality disorder", " and cannabis use", " and dementia",
                 " after COVID-19", " and Parkinson's disease", " and tinnitus",
                 " and fibromyalgia", " and HIV"]
OUTCOMES = [
    "anhedonia", "rumination", "suicidality", "insomnia", "fatigue", "apathy", "irritability",
    "alexithymia", "hopelessness", "loneliness", "resilience", "agitation", "dissociation",
    "hypomania", "weight gain", "sexual dysfunction", "remission", "relapse", "response",
    "cognition", "memory", "attention", "psychomotor speed", "verbal fluency", "mentalizing",
    "wellbeing", "disability", "employment", "absenteeism", "hospitalisation", "self-harm",
    "suicide attempts", "mortality", "adherence", "dropout", "tolerability", "craving",
    "nightmares", "appetite", "pain", "inflammation", "neuroplasticity", "connectivity",
    "excitability", "sleep", "circadian rhythm", "motivation", "reward learning", "optimism",
    "self-esteem", "stigma", "caregiver burden", "quality of life", "functioning",
    "depressive symptoms", "anxiety", "somatic symptoms", "blood pressure", "heart rate",
    "headache", "nausea", "dizziness", "hallucinations", "euphoria", "mystical experience",
]
COMPARATORS = ["placebo", "sham stimulation", "midazolam", "electroconvulsive therapy",
               "quetiapine", "lithium", "usual care", "an antidepressant switch", "aripiprazole",
               "bupropion", "mirtazapine", "psychotherapy", "escitalopram", "venlafaxine",
               "nortriptyline", "brexpiprazole", "cariprazine", "pramipexole"]
FOLLOW_UPS = ["4-week", "6-week", "10-week", "12-week", "16-week", "six-month", "one-year",
              "two-year", "24-week", "three-year"]
PLACES = [
    "Denmark", "Sweden", "Ontario", "Japan", "Korea", "Taiwan", "Brazil", "Australia",
    "the Netherlands", "Germany", "Italy", "Spain", "Poland", "Israel", "China", "India",
    "the United Kingdom", "New Zealand", "Finland", "Norway", "Switzerland", "Chile", "Mexico",
    "Turkey", "Iran", "France", "Austria", "Belgium", "Ireland", "Portugal", "Boston",
    "Toronto", "Melbourne", "Sydney", "Auckland", "Copenhagen", "Stockholm", "Helsinki", "Oslo",
    "Zurich", "Vienna", "Munich", "Berlin", "Hamburg", "Milan", "Rome", "Madrid", "Barcelona",
    "Lisbon", "Paris", "Lyon", "Amsterdam", "Utrecht", "Leuven", "Dublin", "Edinburgh",
    "Manchester", "Montreal", "Vancouver", "Calgary", "Seattle", "Houston", "Chicago", "Atlanta",
    "Pittsburgh", "Baltimore", "Shanghai", "Beijing", "Chengdu", "Seoul", "Busan", "Osaka",
    "Kyoto", "Taipei", "Singapore", "Mumbai", "Bangalore", "Tehran", "Istanbul", "Cairo",
    "Lagos", "Nairobi", "Cape Town", "Santiago", "Bogota", "Lima", "Warsaw", "Prague",
    "Budapest", "Krakow", "Tel Aviv", "Haifa", "Riyadh", "Sao Paulo", "Porto Alegre",
]
SPECIFICS = [  # genes, proteins, regions, scales, circuits: the words that make titles specific
    "BDNF", "FKBP5", "SLC6A4", "COMT", "HTR2A", "GRIN2B", "CYP2D6", "CYP2C19", "ABCB1", "NTRK2",
    "mTOR", "GSK3B", "IL-6", "TNF-alpha", "CRP", "kynurenine", "quinolinic acid", "cortisol",
    "oxytocin", "leptin", "ghrelin", "lactate", "GABA", "glutamine", "NAA", "myo-inositol",
    "hippocampus", "amygdala", "insula", "habenula", "precuneus", "thalamus", "striatum",
    "nucleus accumbens", "dorsolateral prefrontal cortex", "subgenual cingulate", "cerebellum",
    "default mode network", "salience network", "frontoparietal network", "white matter",
    "gamma oscillations", "alpha asymmetry", "theta cordance", "mismatch negativity",
    "P300", "EEG microstates", "heart rate variability", "actigraphy", "pupillometry",
    "MADRS", "HAMD-17", "QIDS-SR", "SHAPS", "BSSI", "C-SSRS", "DSST", "CANTAB", "CADSS",
    "polygenic scores", "epigenetic age", "telomere length", "microbiome", "metabolomics",
    "proteomics", "machine learning", "natural language processing", "smartphone sensing",
    "ecological momentary assessment", "childhood trauma", "personality", "attachment",
    "expectancy", "therapeutic alliance", "placebo response", "dose", "sex hormones",
    "menopause", "thyroid function", "vitamin D", "omega-3", "obesity", "smoking",
]
SEXES = ["man", "woman"]
MARKUP_TITLE = "{T}, 5-HT2A receptor {r} and {o} {p}"
RECEPTOR_WORDS = ["occupancy", "binding", "availability", "density", "signalling"]
STATUSES = [("MEDLINE", 55), ("PubMed-not-MEDLINE", 8), ("In-Data-Review", 7),
            ("In-Process", 12), ("Publisher", 18)]
INDEXED = {"MEDLINE", "PubMed-not-MEDLINE"}
JOURNALS = [
    ("The American journal of psychiatry", "Am J Psychiatry"),
    ("JAMA psychiatry", "JAMA Psychiatry"),
    ("Journal of affective disorders", "J Affect Disord"),
    ("Biological psychiatry", "Biol Psychiatry"),
    ("Brain stimulation", "Brain Stimul"),
    ("Neuropsychopharmacology", "Neuropsychopharmacology"),
    ("The lancet. Psychiatry", "Lancet Psychiatry"),
    ("Translational psychiatry", "Transl Psychiatry"),
    ("Depression and anxiety", "Depress Anxiety"),
    ("Frontiers in psychiatry", "Front Psychiatry"),
]
LAST_NAMES = ["Smith", "García", "Müller", "Chen", "Okafor", "Kowalski", "Nakamura", "Rossi",
              "Dubois", "Andersson", "Patel", "O'Brien", "van der Berg", "Silva", "Kim", "Novak",
              "Haddad", "Ivanova", "Lindqvist", "Moreau", "Schmidt", "Yilmaz", "Costa", "Park"]
FORE_NAMES = ["Anna", "James", "Mei", "Olusegun", "Piotr", "Yuki", "Giulia", "Camille", "Lars",
              "Priya", "Sean", "Marieke", "João", "Ji-Woo", "Eva", "Omar", "Elena", "Karin",
              "Tomás", "Fatima", "Hiroshi", "Ingrid", "Rahul", "Zeynep", "David", "Aisha", "Wei",
              "Sofia", "Mateusz", "Nkechi", "Lucas", "Hanna", "Arjun", "Chloé", "Dmitri", "Leila"]
# Surnames beyond LAST_NAMES are made from syllables: a few thousand, as in a real author list.
SURNAME_COUNT = 3000
ONSETS = ["b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "ch",
          "kr", "st", "tr", "sh", "j", ""]
NUCLEI = ["a", "e", "i", "o", "u", "ai", "ei", "ou", "ia"]
CODAS = ["", "", "n", "r", "s", "l", "k", "m", "nd", "rt", "sk", "ng"]
ENDINGS = ["", "", "", "son", "ski", "ova", "enko", "ez", "i", "er", "mann", "sen", "ian", "oglu",
           "ard", "ovic"]
AFFILIATIONS = [
    "Department of Psychiatry, University Hospital, Zurich, Switzerland.",
    "Center for Depression Research, Massachusetts General Hospital, Boston, MA, USA.",
    "Institute of Psychiatry, Psychology & Neuroscience, King's College London, London, UK.",
    "Department of Neurosurgery, Charité - Universitätsmedizin Berlin, Berlin, Germany.",
    "Centre for Addiction and Mental Health, Toronto, Ontario, Canada.",
    "Department of Psychiatry, Kyoto University, Kyoto, Japan.",
]
COLLECTIVES = ["TRD Neuromodulation Consortium", "Ketamine Response Study Group"]
COMMON_MESH = [("Humans", "D006801"), ("Female", "D005260"), ("Male", "D008297"),
               ("Adult", "D000328"), ("Middle Aged", "D008875"),
               ("Treatment Outcome", "D016896")]
TRD_MESH = ("Depressive Disorder, Treatment-Resistant", "D061218")
QUALIFIERS = ["therapy", "drug therapy", "methods", "administration & dosage", "adverse effects"]
KEYWORDS = ["treatment-resistant depression", "remission", "neuromodulation", "glutamate",
            "suicidality", "biomarkers", "relapse prevention", "BDNF"]
SEASONS = ["Spring", "Summer", "Fall", "Winter"]

RETRACTED_EVERY, RETRACTION_GAP = 211, 37  # record i with i % 211 == 5 is retracted by i + 37
ERRATUM_EVERY, ERRATUM_GAP = 149, 11


def _surnames(rng: random.Random, count: int = SURNAME_COUNT) -> list[str]:
    """The listed surnames plus `count` syllable-made ones, distinct and in a seeded order."""
    names = dict.fromkeys(LAST_NAMES)
    while len(names) < len(LAST_NAMES) + count:
        stem = "".join(rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(CODAS)
                       for _ in range(rng.randint(1, 3)))
        name = (stem + rng.choice(ENDINGS)).capitalize()
        if len(name) >= 3:
            names[name] = None
    return list(names)


def _acronym(rng: random.Random) -> str:
    """A trial acronym (' (the KETOVAR trial)') on some titles: one rare word, as in PubMed."""
    if rng.random() >= 0.3:
        return ""
    letters = "".join(rng.choice(ONSETS) + rng.choice(NUCLEI) for _ in range(rng.randint(2, 3)))
    return f" (the {letters.upper()} trial)"


def _aged(years: int) -> str:
    """'a 46-year-old', 'an 84-year-old'."""
    article = "an" if str(years).startswith("8") or years in (11, 18) else "a"
    return f"{article} {years}-year-old"


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]


class _Random(random.Random):
    """random.Random with cheap choice/randint/sample: generation speed matters, uniformity less."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, stop: int) -> int:
        return int(self.random() * stop)

    def sample(self, population, k: int) -> list:
        """k distinct items: a run of the population from a random start, wrapping round."""
        size = len(population)
        start = int(self.random() * size)
        run = population[start:start + k]
        return run + population[:min(k, size) - len(run)]


def synthetic_records(
    n: int,
    *,
    seed: int = 0,
    start_pmid: int = 90_000_001,
    start_date: date = date(2025, 3, 1),
) -> Iterator[PaperRecord]:
    """Yield n records, PMIDs counting up from start_pmid, entrez dates within a year of start_date.

    Links are consistent both ways inside the batch: a retracted article carries RetractionIn and
    its notice (a later PMID) carries RetractionOf; likewise ErratumIn / ErratumFor.
    """
    rng = _Random(seed)
    pool = _author_pool(rng)
    design_weights = [d[0] for d in DESIGNS]
    status_names = [s for s, _ in STATUSES]
    status_weights = [w for _, w in STATUSES]
    for index in range(n):
        pmid = start_pmid + index
        retracted_by = _target(index, n, RETRACTED_EVERY, RETRACTION_GAP, start_pmid)
        retracts = _source(index, RETRACTED_EVERY, RETRACTION_GAP, start_pmid)
        corrected_by = _target(index, n, ERRATUM_EVERY, ERRATUM_GAP, start_pmid)
        corrects = _source(index, ERRATUM_EVERY, ERRATUM_GAP, start_pmid)
        entrez = start_date + timedelta(days=rng.randrange(365))
        status = rng.choices(status_names, status_weights)[0]
        if retracts or corrects:
            record = _notice(rng, pmid, entrez, status, retracts, corrects)
        elif not (retracted_by or corrected_by) and rng.random() < 0.01:
            record = _book(rng, pmid, entrez, pool)
        else:
            record = _article(rng, pmid, entrez, status, design_weights, pool)
        links = []
        if retracted_by:
            links.append(CommentCorrection("RetractionIn", retracted_by, "Synthetic notice"))
            types = (*record.publication_types, PublicationType("D016441", "Retracted Publication"))
            record = replace(record, publication_types=types)
        if corrected_by:
            links.append(CommentCorrection("ErratumIn", corrected_by, "Synthetic erratum"))
        if links:
            record = replace(record, comments_corrections=(*record.comments_corrections, *links))
        if record.kind == "article" and not (retracts or corrects) and rng.random() < 0.08:
            record = _with_markup(record, rng)
        yield record


def _article(
    rng: random.Random, pmid: int, entrez: date, status: str, weights, pool
) -> PaperRecord:
    therapy, mesh_term = rng.choice(THERAPIES)
    _, patterns, types, structured = rng.choices(DESIGNS, weights)[0]
    title = _title(rng, rng.choice(patterns), therapy)
    journal, abbrev = rng.choice(JOURNALS)
    indexed = status in INDEXED
    if not indexed:  # new records carry only basic publication types until indexing
        types = [t for t in types if t[0] in ("D016428", "D016454")] or [types[-1]]
    randomized = types[0][0] == "D016449"
    in_print = indexed or rng.random() < 0.3
    return PaperRecord(
        pmid=str(pmid),
        version=2 if rng.random() < 0.02 else 1,
        status=status,
        title=title,
        vernacular_title=_vernacular(rng),
        abstract=_abstract(rng, therapy, structured),
        authors=_authors(rng, pool),
        journal=journal,
        journal_abbrev=abbrev,
        volume=str(rng.randint(10, 380)) if in_print else None,
        issue=str(rng.randint(1, 12)) if in_print and rng.random() < 0.9 else None,
        pages=_pages(rng) if in_print else None,
        pub_date=_pub_date(rng, entrez),
        electronic_date=entrez - timedelta(days=rng.randint(0, 20)) if rng.random() < 0.7 else None,
        entrez_date=entrez,
        pubmed_date=entrez + timedelta(days=rng.randint(0, 1)),
        date_revised=entrez + timedelta(days=rng.randint(0, 120)),
        languages=("eng",) if rng.random() < 0.95 else ("eng", rng.choice(["ger", "fre", "chi"])),
        publication_types=tuple(PublicationType(ui, name) for ui, name in types),
        mesh=_mesh(rng, mesh_term) if indexed else (),
        keywords=tuple(rng.sample(KEYWORDS, rng.randint(0, 5))),
        databanks=(("ClinicalTrials.gov", f"NCT0{rng.randint(1000000, 6999999)}"),)
        if randomized and rng.random() < 0.6
        else (),
        doi=f"10.5555/trd.{pmid}" if rng.random() < 0.85 else None,
        pmcid=f"PMC{pmid - 78_000_000}" if rng.random() < 0.3 else None,
    )


def _title(rng: random.Random, pattern: str, therapy: str) -> str:
    """A title from a pattern: the therapy with a modifier, and drawn population, outcome...."""
    treatment = rng.choice(MODIFIERS) + therapy
    outcome = rng.choice(OUTCOMES)
    specific = rng.choice(SPECIFICS)
    text = pattern.format(
        t=treatment, T=_capital(treatment), o=outcome, O=_capital(outcome),
        p=_population(rng), c=rng.choice(COMPARATORS), f=rng.choice(FOLLOW_UPS),
        g=rng.choice(PLACES), x=specific, X=_capital(specific), k=rng.randint(5, 60),
        n=_aged(rng.randint(19, 84)), s=rng.choice(SEXES),
        a=_acronym(rng) if "{a}" in pattern else "",
    )
    return text + ("" if text.endswith("?") else ".")


def _population(rng: random.Random) -> str:
    """'in older adults with treatment-resistant depression and chronic pain'."""
    return f"{rng.choice(GROUPS)} with {rng.choice(CONDITIONS)}{rng.choice(COMORBIDITIES)}"


def _notice(
    rng: random.Random,
    pmid: int,
    entrez: date,
    status: str,
    retracts: str | None,
    corrects: str | None,
) -> PaperRecord:
    """A retraction notice or a published erratum pointing at an earlier record."""
    journal, abbrev = rng.choice(JOURNALS)
    kind, links = [], []
    if retracts:
        kind.append(("D016440", "Retraction of Publication"))
        links.append(CommentCorrection("RetractionOf", retracts, f"{abbrev}. 2025"))
    if corrects:
        kind.append(("D016425", "Published Erratum"))
        links.append(CommentCorrection("ErratumFor", corrects, f"{abbrev}. 2025"))
    what = "Retraction notice" if retracts else "Erratum"
    title = f"{what} to: study {retracts or corrects}."
    return PaperRecord(
        pmid=str(pmid),
        status=status,
        title=title,
        journal=journal,
        journal_abbrev=abbrev,
        pub_date=PartialDate(year=entrez.year, month=entrez.month, day=entrez.day),
        entrez_date=entrez,
        pubmed_date=entrez,
        date_revised=entrez + timedelta(days=rng.randint(0, 30)),
        languages=("eng",),
        publication_types=tuple(PublicationType(ui, name) for ui, name in kind),
        comments_corrections=tuple(links),
        doi=f"10.5555/trd.{pmid}",
    )


def _book(rng: random.Random, pmid: int, entrez: date, pool) -> PaperRecord:
    therapy, _ = rng.choice(THERAPIES)
    return PaperRecord(
        pmid=str(pmid),
        kind="book",
        title=f"{_capital(rng.choice(MODIFIERS) + therapy)} for {rng.choice(OUTCOMES)} "
        f"{_population(rng)}.",
        abstract=_abstract(rng, therapy, structured=False),
        authors=_authors(rng, pool)[:3],
        journal="StatPearls",
        pub_date=PartialDate(year=entrez.year, month=entrez.month),
        entrez_date=entrez,
        pubmed_date=entrez,
        date_revised=entrez,
        languages=("eng",),
        publication_types=(PublicationType("D016454", "Review"),),
    )


def _abstract(rng: random.Random, therapy: str, structured: bool) -> tuple[AbstractSection, ...]:
    if rng.random() < 0.05:
        return ()
    n = rng.randint(20, 400)
    response = rng.randint(18, 65)
    sections = [
        ("BACKGROUND", f"Up to a third of patients with major depression do not respond to two "
         f"adequate antidepressant trials; {therapy} has been proposed for this group."),
        ("METHODS", f"We enrolled {n} adults with treatment-resistant depression and followed them "
         f"for {rng.choice([4, 6, 8, 12, 26, 52])} weeks; the primary outcome was the change in "
         f"MADRS score."),
        ("RESULTS", f"Response occurred in {response}% of participants (95% CI "
         f"{response - 7}-{response + 7}%, p={rng.choice(['0.001', '0.02', '0.04', '0.21'])}); "
         f"{rng.randint(1, 15)}% reported transient adverse effects."),
        ("CONCLUSIONS", f"{therapy[0].upper()}{therapy[1:]} may benefit a subset of patients "
         f"with treatment-resistant depression; larger controlled studies are needed."),
    ]
    if not structured:
        return (AbstractSection(" ".join(text for _, text in sections)),)
    return tuple(AbstractSection(text, label, label) for label, text in sections)


def _author_pool(rng: random.Random, size: int = 6007) -> list[Author]:
    """Authors made once and reused: a record takes a run of them, as co-author groups recur."""
    surnames = _surnames(rng)
    pool = []
    for _ in range(size):
        fore = rng.choice(FORE_NAMES)
        pool.append(
            Author(
                last_name=rng.choice(surnames),
                fore_name=fore,
                initials=fore[0],
                affiliations=tuple(rng.sample(AFFILIATIONS, rng.choice([0, 1, 1, 1, 2]))),
            )
        )
    return pool


def _authors(rng: random.Random, pool: list[Author]) -> tuple[Author, ...]:
    authors = rng.sample(pool, rng.randint(1, 12))
    if rng.random() < 0.05:
        authors.append(Author(collective_name=rng.choice(COLLECTIVES)))
    return tuple(authors)


def _mesh(rng: random.Random, therapy_term) -> tuple[MeshHeading, ...]:
    headings = [MeshHeading(*TRD_MESH, major=True, qualifiers=("therapy",))]
    if therapy_term:
        qualifiers = tuple(rng.sample(QUALIFIERS, rng.randint(0, 2)))
        headings.append(MeshHeading(*therapy_term, major=rng.random() < 0.7, qualifiers=qualifiers))
    for name, ui in rng.sample(COMMON_MESH, rng.randint(1, len(COMMON_MESH))):
        headings.append(MeshHeading(name, ui))
    return tuple(sorted(headings, key=lambda h: h.descriptor))


def _pub_date(rng: random.Random, entrez: date) -> PartialDate:
    roll = rng.random()
    if roll < 0.55:
        return PartialDate(year=entrez.year, month=entrez.month, day=entrez.day)
    if roll < 0.85:
        return PartialDate(year=entrez.year, month=entrez.month)
    if roll < 0.93:
        return PartialDate(year=entrez.year, season=rng.choice(SEASONS))
    if roll < 0.97:
        return PartialDate(year=entrez.year)
    return PartialDate(medline_date=f"{entrez.year} Nov-{entrez.year + 1} Jan")


def _pages(rng: random.Random) -> str:
    first = rng.randint(1, 2400)
    return f"{first}-{first + rng.randint(3, 14)}" if rng.random() < 0.8 else f"e{first}"


def _vernacular(rng: random.Random) -> str | None:
    if rng.random() < 0.02:
        return "Behandlungsresistente Depression: aktuelle Therapieoptionen."
    return None


def _with_markup(record: PaperRecord, rng: random.Random) -> PaperRecord:
    """Give a record a title with <sub> and an abstract with <i>, kept in raw_xml as NCBI would."""
    base = rng.choice(MODIFIERS) + rng.choice(THERAPIES)[0]
    title = MARKUP_TITLE.format(T=_capital(base), r=rng.choice(RECEPTOR_WORDS),
                                o=rng.choice(OUTCOMES), p=_population(rng)) + "."
    record = replace(record, title=title)
    element = article_element(record)
    title_element = element.find("MedlineCitation/Article/ArticleTitle")
    before, after = title.split("5-HT2A", 1)
    title_element.text = before + "5-HT"
    sub = etree.SubElement(title_element, "sub")
    sub.text = "2A"
    sub.tail = after
    for section in element.iterfind("MedlineCitation/Article/Abstract/AbstractText"):
        text = section.text or ""
        if "p=" in text:
            head, tail = text.split("p=", 1)
            section.text = head
            italic = etree.SubElement(section, "i")
            italic.text = "p"
            italic.tail = "=" + tail
    raw = etree.tostring(element, encoding="utf-8", xml_declaration=False)
    return replace(record, raw_xml=raw)


def _target(index: int, n: int, every: int, gap: int, start_pmid: int) -> str | None:
    """The PMID of the later notice that points at record `index`, if it has one."""
    if index % every == 5 and index + gap < n:
        return str(start_pmid + index + gap)
    return None


def _source(index: int, every: int, gap: int, start_pmid: int) -> str | None:
    """The PMID the notice at `index` points at, if this index is a notice."""
    earlier = index - gap
    if earlier >= 0 and earlier % every == 5:
        return str(start_pmid + earlier)
    return None

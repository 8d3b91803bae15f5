"""The query test set: records written to look like PubMed records, labelled with the therapies
each one is evidence for.

For every therapy there are true positives, and beside them the false-positive patterns a
clinician found in the first seed queries: ketamine by other routes, esketamine indexed under the
Ketamine MeSH heading, ketamine as the anaesthetic for ECT, intranasal racemic ketamine, Fisher's
LSD test, CYP2D6 pharmacokinetics, add-on trials continuing an SSRI or SNRI. VNS papers of both
kinds carry the variant they should be tagged with. Invented PMIDs from 98,000,001 (a range PubMed
has not used).

    CASES: tuple[Case, ...]      records() -> the PaperRecords to serve
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.records import (
    AbstractSection,
    Author,
    MeshHeading,
    PaperRecord,
    PartialDate,
    PublicationType,
)

JOURNAL_ARTICLE = PublicationType("D016428", "Journal Article")
RCT = PublicationType("D016449", "Randomized Controlled Trial")


@dataclass(frozen=True)
class Case:
    pmid: str
    title: str
    abstract: str
    expected: frozenset[str]  # therapies this record is evidence for
    pattern: str  # what the case checks
    mesh: tuple[str, ...] = ()
    major: tuple[str, ...] = ()  # MeSH descriptors that are major topics
    vns_tag: str | None = None


def case(number: int, title: str, abstract: str, expected: set[str], pattern: str,
         **fields) -> Case:
    return Case(str(98_000_000 + number), title, abstract, frozenset(expected), pattern, **fields)


CASES: tuple[Case, ...] = (
    case(1, "Accelerated intermittent theta burst stimulation for treatment-resistant depression: "
         "a randomized sham-controlled trial",
         "Patients with treatment-resistant depression received iTBS to the left DLPFC or sham "
         "stimulation for five days.", {"rtms"}, "true positive",
         mesh=("Transcranial Magnetic Stimulation",)),
    case(2, "Five-year outcomes of adjunctive vagus nerve stimulation in treatment-resistant "
         "depression: a registry study",
         "Patients with treatment-resistant depression had a pulse generator implanted for "
         "cervical VNS and were followed for five years.", {"vns"}, "true positive, implanted",
         vns_tag="implanted"),
    case(3, "Transcutaneous auricular vagus nerve stimulation for treatment-resistant depression: "
         "a pilot randomized trial",
         "taVNS was delivered at the cymba conchae of the left ear twice daily in patients with "
         "treatment-resistant depression.", {"vns"}, "true positive, transcutaneous",
         vns_tag="transcutaneous auricular"),
    case(4, "Subcallosal cingulate deep brain stimulation for treatment-resistant depression: "
         "eight-year follow-up",
         "Twenty-eight patients with treatment-resistant depression were followed after DBS of "
         "the subcallosal cingulate.", {"dbs"}, "true positive"),
    case(5, "Home-based transcranial direct current stimulation in treatment-resistant depression",
         "tDCS was self-administered at home by patients with treatment-resistant depression.",
         {"tdcs"}, "true positive"),
    case(6, "Transcranial focused ultrasound to the subgenual cingulate in treatment-resistant "
         "depression",
         "Low-intensity focused ultrasound was targeted at the subgenual cingulate in patients "
         "with treatment-resistant depression.", {"focused_ultrasound"}, "true positive"),
    case(7, "Real-time fMRI neurofeedback training of amygdala activity in treatment-resistant "
         "depression",
         "Neurofeedback sessions upregulated amygdala responses in treatment-resistant "
         "depression.", {"neurofeedback"}, "true positive"),
    case(8, "Repeated intravenous ketamine infusions for treatment-resistant depression: a "
         "randomized midazolam-controlled trial",
         "Six ketamine infusions (0.5 mg/kg over 40 minutes) were compared with midazolam in "
         "treatment-resistant depression.", {"ketamine"}, "true positive",
         mesh=("Ketamine",)),
    case(9, "Ketamine versus electroconvulsive therapy for treatment-resistant depression: the "
         "KetECT randomized trial",
         "Patients with treatment-resistant depression received thrice-weekly ketamine infusions "
         "or ECT under propofol anaesthesia.", {"ketamine", "ect"},
         "true positive: ketamine compared with ECT, not its anaesthetic",
         mesh=("Ketamine", "Electroconvulsive Therapy")),
    case(10, "Racemic ketamine versus esketamine for treatment-resistant depression: a "
         "retrospective comparison",
         "Intravenous racemic ketamine and intranasal esketamine were compared in patients with "
         "treatment-resistant depression.", {"ketamine", "esketamine"},
         "true positive for both", mesh=("Ketamine",)),
    case(11, "Esketamine nasal spray in treatment-resistant depression: real-world effectiveness",
         "Esketamine (Spravato) 56 or 84 mg was self-administered in patients with "
         "treatment-resistant depression.", {"esketamine"},
         "false positive for ketamine: esketamine indexed under the Ketamine MeSH heading",
         mesh=("Ketamine", "Depressive Disorder, Treatment-Resistant")),
    case(12, "Esketamine, the S-enantiomer of ketamine, as maintenance treatment of "
         "treatment-resistant depression",
         "Patients continued esketamine nasal spray every one or two weeks.", {"esketamine"},
         "false positive for ketamine: esketamine paper naming ketamine",
         mesh=("Ketamine",)),
    case(13, "Oral ketamine for treatment-resistant depression: an open-label study",
         "Oral ketamine 1 mg/kg was given three times weekly to outpatients with "
         "treatment-resistant depression.", set(),
         "false positive for ketamine: another route"),
    case(14, "Intranasal ketamine in treatment-resistant depression: a randomized crossover trial",
         "Racemic ketamine 50 mg was given intranasally to patients with treatment-resistant "
         "depression.", set(),
         "false positive for esketamine (old query) and ketamine: intranasal racemic ketamine"),
    case(15, "Ketamine or propofol anaesthesia for electroconvulsive therapy in "
         "treatment-resistant depression",
         "Patients with treatment-resistant depression were randomised to ketamine or propofol as "
         "the anaesthetic agent for ECT; seizure duration was the primary outcome.", {"ect"},
         "false positive for ketamine: the anaesthetic for ECT"),
    case(16, "Esketamine nasal spray versus quetiapine extended release for treatment-resistant "
         "depression",
         "In ESCAPE-TRD, patients with treatment-resistant depression continuing an SSRI or SNRI "
         "received esketamine or quetiapine augmentation.", {"esketamine", "sga_augmentation"},
         "false positive for SSRI and SNRI (old queries): the background antidepressant"),
    case(17, "Single-dose psilocybin for a treatment-resistant episode of major depression",
         "Psilocybin 25 mg with psychological support was compared with 1 mg in "
         "treatment-resistant depression.", {"psilocybin"}, "true positive"),
    case(18, "Lysergic acid diethylamide-assisted therapy in treatment-resistant depression: a "
         "phase 2 trial",
         "LSD 100 micrograms was given in two sessions to patients with treatment-resistant "
         "depression.", {"lsd"}, "true positive"),
    case(19, "LSD microdosing in treatment-resistant depression: a placebo-controlled trial",
         "Psychedelic microdoses of LSD were taken twice weekly by patients with "
         "treatment-resistant depression.", {"lsd"}, "true positive"),
    case(20, "Bilateral theta burst stimulation in treatment-resistant depression",
         "rTMS was given to patients with treatment-resistant depression. Group differences were "
         "tested with ANOVA followed by Fisher's LSD post hoc test.", {"rtms"},
         "false positive for LSD (old query): Fisher's least significant difference"),
    case(21, "Psilocybin with psychological support in treatment-resistant depression: a "
         "randomized trial",
         "A psychedelic dose of psilocybin was given in treatment-resistant depression. Groups "
         "were compared by ANOVA with least significant difference (LSD) post hoc comparisons.",
         {"psilocybin"},
         "false positive for LSD: a psychedelic paper using Fisher's LSD test"),
    case(22, "Pharmacogenomic testing-guided antidepressant selection in treatment-resistant "
         "depression: a randomized trial",
         "Combinatorial pharmacogenomic test results guided medication choice for patients with "
         "treatment-resistant depression.", {"pharmacogenomics"}, "true positive"),
    case(23, "CYP2D6 metaboliser status and plasma concentrations of vortioxetine in "
         "treatment-resistant depression",
         "Patients were genotyped for CYP2D6; poor metabolisers had higher plasma concentrations "
         "in this pharmacokinetic study of treatment-resistant depression.", set(),
         "false positive for pharmacogenomics: a CYP2D6 pharmacokinetic study"),
    case(24, "CYP2C19 and escitalopram exposure in treatment-resistant depression",
         "Escitalopram plasma levels were higher in CYP2C19 poor metabolizers with "
         "treatment-resistant depression.", {"ssri"},
         "false positive for pharmacogenomics (old query): CYP2C19 pharmacokinetics"),
    case(25, "A smartphone mood tracking app for treatment-resistant depression",
         "Patients with treatment-resistant depression used a smartphone app for mood tracking.",
         {"digital"}, "true positive"),
    case(26, "Switching to sertraline after non-response to escitalopram in treatment-resistant "
         "depression", "Patients with treatment-resistant depression were switched to sertraline.",
         {"ssri"}, "true positive", major=("Selective Serotonin Reuptake Inhibitors",)),
    case(27, "Adjunctive psilocybin in patients with treatment-resistant depression continuing "
         "SSRIs",
         "Patients with treatment-resistant depression received psilocybin while continuing their "
         "SSRI.", {"psilocybin"},
         "false positive for SSRI: an add-on trial naming the continued SSRI in its title"),
    case(28, "Duloxetine versus venlafaxine for treatment-resistant depression",
         "Patients with treatment-resistant depression were randomised to an SNRI.", {"snri"},
         "true positive"),
    case(29, "Adjunctive transcranial magnetic stimulation for patients with treatment-resistant "
         "depression taking SNRIs",
         "rTMS was added for patients with treatment-resistant depression on a stable dose of "
         "venlafaxine or duloxetine.", {"rtms"},
         "false positive for SNRI: an add-on trial naming the continued SNRI in its title"),
    case(30, "Cognitive behavioural therapy as an adjunct to pharmacotherapy for "
         "treatment-resistant depression",
         "CBT was added to usual care for patients with treatment-resistant depression.",
         {"cbt"}, "true positive"),
    case(31, "Ketamine sedation in paediatric dental surgery",
         "Intravenous ketamine was compared with midazolam for sedation in children.", set(),
         "out of scope: no treatment-resistant depression"),
    # the optional extra set (seeds/extra_therapies.toml)
    case(32, "Magnetic seizure therapy versus electroconvulsive therapy for treatment-resistant "
         "depression", "Patients with treatment-resistant depression were randomised to MST or "
         "ECT.", {"mst", "ect"}, "true positive (extra set)"),
    case(33, "Inhaled nitrous oxide for treatment-resistant major depression",
         "Nitrous oxide 25% or 50% was inhaled for one hour by patients with "
         "treatment-resistant depression.", {"nitrous_oxide"}, "true positive (extra set)"),
    case(34, "Dextromethorphan-bupropion in treatment-resistant depression",
         "AXS-05 was given to patients with treatment-resistant depression.",
         {"dextromethorphan_bupropion"}, "true positive (extra set)"),
    case(35, "Lithium augmentation in treatment-resistant depression: a randomized trial",
         "Lithium was added to the antidepressant of patients with treatment-resistant "
         "depression.", {"lithium_augmentation"}, "true positive (extra set)"),
    case(36, "Aripiprazole augmentation versus switching in treatment-resistant depression",
         "Adjunctive aripiprazole was compared with a switch to bupropion in treatment-resistant "
         "depression.", {"sga_augmentation"}, "true positive (extra set)"),
    case(37, "Regional perfusion on single photon emission computed tomography (ECT) in "
         "treatment-resistant depression",
         "Emission computed tomography showed frontal hypoperfusion in treatment-resistant "
         "depression.", set(), "false positive for ECT: the imaging abbreviation"),
)


def records(created: date = date(2025, 3, 10)) -> list[PaperRecord]:
    """The cases as PubMed-shaped records, all created on one day."""
    return [
        PaperRecord(
            pmid=c.pmid, status="MEDLINE", title=c.title,
            abstract=(AbstractSection(c.abstract),),
            authors=(Author(last_name="Lindqvist", fore_name="Maja", initials="M"),),
            journal="Journal of Query Tests", journal_abbrev="J Query Tests",
            pub_date=PartialDate(year=created.year, month=created.month),
            entrez_date=created, pubmed_date=created, languages=("eng",),
            publication_types=(JOURNAL_ARTICLE,),
            mesh=tuple(MeshHeading(m) for m in c.mesh)
            + tuple(MeshHeading(m, major=True) for m in c.major),
        )
        for c in CASES
    ]

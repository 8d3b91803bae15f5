"""A generated, labelled set of TRD titles and abstracts for measuring the level model.

The phrasings were written from how each kind of paper is reported (CONSORT, PRISMA, STROBE,
CARE, SPIRIT and guideline conventions), not from the text rules' cue list, and the set is never
used to tune the rules. Each slot has a pool of phrasings; a share of every pool is kept for the
test part only, so the test papers use wordings the model never saw in training (as new papers
do). Background sentences mention other designs ("earlier trials...", "meta-analyses have..."),
titles are sometimes questions, and the mix of levels follows a TRD literature search.

    generate(n, seed, part="train" | "test") -> [(level slug, title, abstract)]
"""

from __future__ import annotations

import random

THERAPIES = [
    "intravenous ketamine", "esketamine nasal spray", "repetitive transcranial magnetic "
    "stimulation", "theta burst stimulation", "vagus nerve stimulation", "deep brain stimulation",
    "transcranial direct current stimulation", "psilocybin", "lysergic acid diethylamide",
    "low-field magnetic stimulation", "focused ultrasound", "electroconvulsive therapy",
    "aripiprazole augmentation", "lithium augmentation", "pharmacogenomic-guided prescribing",
    "digital cognitive behavioural therapy", "nitrous oxide", "buprenorphine", "brexpiprazole",
    "real-time fMRI neurofeedback", "accelerated iTBS", "zuranolone", "dextromethorphan-bupropion",
]
POPULATIONS = [
    "adults with treatment-resistant depression", "patients with difficult-to-treat depression",
    "older adults with refractory major depression", "veterans with treatment-resistant "
    "depression", "adolescents with treatment-resistant depression", "outpatients with "
    "depression unresponsive to two antidepressants", "people with bipolar depression resistant "
    "to treatment", "inpatients with severe refractory depression",
]
OUTCOMES = ["MADRS total score", "HAM-D-17 score", "remission rate", "response rate",
            "suicidal ideation", "time to relapse", "quality of life", "cognitive function"]
NUMBERS = [12, 18, 24, 36, 40, 48, 56, 64, 72, 88, 96, 120, 150, 212, 340, 1250, 4100, 18000]

# The mix of a TRD search: many observational papers and reviews, fewer trials.
MIX = {
    "observational": 22, "narrative_review": 18, "rct": 13, "systematic_review": 11,
    "non_randomised_trial": 9, "case_report": 8, "preclinical": 9, "protocol": 6,
    "guideline": 4,
}

TITLES = {
    "rct": [
        "{T} versus placebo in {P}: a randomised, double-blind trial",
        "Efficacy of {T} for {P}: a multicentre sham-controlled trial",
        "{T} compared with active control in {P}",
        "A parallel-group trial of {T} in {P}",
        "Does {T} improve {O} in {P}? A controlled trial",
        "{T} for {P}: results of a phase 3 study",
        "Adjunctive {T} in {P}: a 12-week blinded comparison",
        "{T} or treatment as usual for {P}",
        "Crossover comparison of {T} and placebo in {P}",
        "{T} in {P} (the ELEVATE study): primary results",
    ],
    "systematic_review": [
        "{T} for {P}: a systematic review and meta-analysis",
        "Efficacy and safety of {T} in {P}: meta-analysis of controlled trials",
        "{T} in {P}: a network meta-analysis",
        "What is the evidence for {T} in {P}? A systematic review",
        "Pooled analysis of {T} trials in {P}",
        "{T} and {O}: a Bayesian meta-analysis",
        "Umbrella review of {T} in {P}",
        "Quantitative synthesis of studies of {T} in {P}",
        "{T} in {P}: an updated Cochrane-style review of trials",
        "Individual participant data analysis of {T} in {P}",
    ],
    "non_randomised_trial": [
        "Open-label {T} in {P}: a pilot study",
        "{T} in {P}: a single-arm phase 2 trial",
        "Feasibility of {T} in {P}",
        "{T} in {P}: an uncontrolled prospective trial",
        "Safety and tolerability of {T} in {P}: a phase 1 study",
        "{T} in {P}: an open study",
        "A proof-of-concept study of {T} in {P}",
        "{T} in {P}: a before-after study",
        "Twelve-month open extension of {T} in {P}",
    ],
    "observational": [
        "{T} in routine practice: outcomes in {P}",
        "Real-world effectiveness of {T} among {P}",
        "{O} after {T} in {P}: a retrospective cohort study",
        "Predictors of response to {T} in {P}: a registry analysis",
        "Use of {T} in {P}: a nationwide population-based study",
        "{T} and {O} in {P}: a case-control study",
        "Patterns of {T} prescribing for {P}: a claims database analysis",
        "Experiences of {T} among {P}: a qualitative interview study",
        "Clinician attitudes to {T} for {P}: a survey",
        "{O} in {P} receiving {T}: naturalistic follow-up",
        "Is {T} associated with {O} in {P}?",
    ],
    "case_report": [
        "{T} in a patient with refractory depression: a case report",
        "Mania after {T}: case report and review of the literature",
        "Successful {T} in a 67-year-old woman with treatment-resistant depression",
        "{T} in three patients with refractory depression: a case series",
        "Unexpected seizure during {T}: a case description",
        "When {T} fails: a clinical vignette",
        "{T} during pregnancy in refractory depression: a single case",
    ],
    "guideline": [
        "Recommendations for the use of {T} in {P}: an expert consensus",
        "Clinical practice guideline on {T} for {P}",
        "{T} for {P}: a position statement of the national psychiatric society",
        "Treatment algorithm for {P}, including {T}",
        "Delphi consensus on the safe delivery of {T}",
        "Guidance on {T} in {P}: task force report",
    ],
    "narrative_review": [
        "{T} in {P}: a narrative review",
        "{T}: where do we stand?",
        "The promise and pitfalls of {T} for {P}",
        "{T} for {P}: mechanisms and clinical perspectives",
        "Rethinking {P}: the place of {T}",
        "{T} in {P}: a scoping review",
        "Editorial: {T} and the future of depression care",
        "Comment on a recent trial of {T} in {P}",
        "{T} for {P}: an overview for clinicians",
        "Letter: concerns about {T} in {P}",
    ],
    "preclinical": [
        "{T} reverses stress-induced behaviour in mice",
        "Effects of {T} on hippocampal synaptic plasticity in rats",
        "{T} modulates microglial activation in a chronic stress model",
        "Mechanisms of {T} in a rodent model of treatment-resistant depression",
        "{T} alters BDNF signalling in cultured cortical neurons",
        "Antidepressant-like effects of {T} in zebrafish",
        "{T} and prefrontal spine density in an animal model of depression",
        "Neuronal effects of {T} in human induced pluripotent stem cell-derived neurons",
    ],
    "protocol": [
        "{T} for {P}: protocol for a randomised controlled trial",
        "Study protocol: {T} in {P}",
        "{T} versus sham in {P}: rationale and design of a multicentre trial",
        "{T} in {P}: protocol for a systematic review",
        "Design of a pragmatic trial of {T} for {P}",
        "Statistical analysis plan for a trial of {T} in {P}",
        "{T} in {P}: a planned phase 2 study",
    ],
}

METHODS = {
    "rct": [
        "Participants were allocated by a computer-generated sequence to {T} or placebo.",
        "{N} patients were randomly assigned in a 1:1 ratio to {T} or sham.",
        "Allocation was concealed and raters were blind to treatment.",
        "In this double-blind trial, {N} participants received {T} or an active placebo.",
        "Patients were randomised to {T} or treatment as usual, stratified by site.",
        "We enrolled {N} patients across 14 sites and assigned them by chance to two arms.",
        "Eligible adults were allocated to active or sham sessions using sealed envelopes.",
        "The trial used a crossover design with a two-week washout between {T} and placebo.",
        "Participants, clinicians and assessors were masked to group.",
        "A minimisation algorithm allocated {N} participants to {T} or to an active comparator.",
    ],
    "systematic_review": [
        "We searched MEDLINE, Embase and PsycINFO from inception to 2024.",
        "Electronic databases and trial registries were searched without language limits.",
        "Two reviewers independently screened {N} records and extracted data.",
        "Effect sizes were combined with random-effects models.",
        "Risk of bias was assessed with the Cochrane tool.",
        "We identified {N} eligible studies that compared {T} with a control condition.",
        "Study-level data were synthesised and heterogeneity was quantified with I-squared.",
        "The review followed PRISMA and was registered on PROSPERO.",
        "Certainty of evidence was rated with GRADE.",
        "Trials were ranked by surface under the cumulative ranking curve.",
    ],
    "non_randomised_trial": [
        "All {N} participants received {T} without a comparison group.",
        "In this open-label study, {N} patients received {T} twice weekly for four weeks.",
        "Patients served as their own controls before and after {T}.",
        "Every enrolled participant received the same dose escalation of {T}.",
        "{N} patients were treated with {T} in an unblinded fashion.",
        "This phase 2 study enrolled {N} adults into a single treatment arm.",
        "Participants who completed the acute phase could continue {T} for one year.",
        "The primary aim was feasibility; {N} patients were offered {T}.",
    ],
    "observational": [
        "We analysed electronic health records of {N} patients treated with {T}.",
        "Data came from a national registry covering {N} people with depression.",
        "Patients treated between 2015 and 2022 were identified from clinic records.",
        "We followed a cohort of {N} patients for a median of three years.",
        "Cases were matched to controls by age and sex.",
        "Insurance claims for {N} beneficiaries were examined.",
        "Semi-structured interviews with {N} patients were analysed thematically.",
        "An online questionnaire was completed by {N} psychiatrists.",
        "Cox models estimated hazard ratios adjusted for confounders.",
        "Outcomes of consecutive patients treated in routine care were reviewed.",
    ],
    "case_report": [
        "We describe a 54-year-old man with a twenty-year history of depression.",
        "A woman in her forties with refractory depression received {T}.",
        "The patient had not responded to five antidepressants and ECT.",
        "We report three patients treated with {T} at our clinic.",
        "Symptoms resolved after the fourth session and did not recur at follow-up.",
        "To our knowledge this is the first description of this adverse event.",
        "A 19-year-old student presented with severe anhedonia and suicidal thoughts.",
    ],
    "guideline": [
        "A panel of {N} experts reviewed the evidence and voted on recommendations.",
        "Recommendations were graded by strength and quality of evidence.",
        "Consensus was reached over three Delphi rounds.",
        "The task force recommends {T} after two failed adequate trials.",
        "These guidelines update the 2016 recommendations of the society.",
        "Statements reaching 80% agreement were retained.",
        "The working group drafted guidance on indications, dosing and monitoring.",
    ],
    "narrative_review": [
        "This review summarises the mechanisms, efficacy and safety of {T}.",
        "We discuss open questions and directions for future research.",
        "Here we outline the current evidence and its limitations.",
        "The literature was mapped to identify gaps in knowledge.",
        "We argue that {T} should be evaluated more rigorously before wider use.",
        "This article reflects on the implications of recent findings for clinicians.",
        "We consider practical issues in delivering {T} in services.",
        "The authors of the trial overstate its implications, in our view.",
    ],
    "preclinical": [
        "Male C57BL/6 mice were exposed to chronic social defeat stress.",
        "Sprague-Dawley rats received {T} or vehicle for 14 days.",
        "Behaviour was assessed with the forced swim and sucrose preference tests.",
        "Primary cortical neurons were treated with {T} for 24 hours.",
        "Western blotting measured mTOR and BDNF in prefrontal tissue.",
        "Animals were killed and brains were processed for immunohistochemistry.",
        "Knockout animals did not show the behavioural response.",
        "Neurons derived from patient stem cells were exposed to {T}.",
    ],
    "protocol": [
        "This trial will enrol {N} participants at six sites.",
        "Participants will be allocated to {T} or sham and followed for six months.",
        "The primary outcome will be change in {O} at week eight.",
        "We will search five databases and pool eligible trials.",
        "Recruitment is expected to finish in 2026.",
        "Here we describe the design, outcomes and planned analyses of the study.",
        "Results will be disseminated through peer-reviewed publications.",
        "The study has been approved by the ethics committee and registered.",
    ],
}

RESULTS = {
    "rct": [
        "{T} reduced {O} more than placebo (difference -4.1 points, 95% CI -6.8 to -1.4).",
        "Response was 46% with {T} and 21% with sham (p = 0.003).",
        "There was no significant difference between arms in {O}.",
        "Remission favoured the active group (odds ratio 2.3).",
    ],
    "systematic_review": [
        "{T} was superior to control (standardised mean difference 0.56).",
        "The summary relative risk of response was 1.62 (95% CI 1.3 to 2.0).",
        "Heterogeneity was substantial and small-study effects were likely.",
        "Evidence certainty was low for most comparisons.",
    ],
    "non_randomised_trial": [
        "{O} improved from baseline to week four (p < 0.001).",
        "Eleven of {N} participants responded; no serious adverse events occurred.",
        "The intervention was feasible, with 90% retention.",
        "Improvements were maintained at twelve months in most completers.",
    ],
    "observational": [
        "{T} was associated with a lower hazard of rehospitalisation (HR 0.78).",
        "Older age and longer illness predicted poorer {O}.",
        "Three themes emerged: hope, burden of treatment and uncertainty.",
        "Most respondents considered {T} underused.",
    ],
    "case_report": [
        "The patient remains well eight months later.",
        "Symptoms recurred after discontinuation and responded to re-treatment.",
        "Clinicians should be aware of this possible complication.",
    ],
    "guideline": [
        "Twelve recommendations address patient selection, delivery and follow-up.",
        "The guidance will be reviewed in five years.",
        "Areas of uncertainty are identified for future trials.",
    ],
    "narrative_review": [
        "Although promising, the evidence remains limited by small samples.",
        "Larger, longer trials are needed to establish durability.",
        "Ethical and practical questions remain unresolved.",
    ],
    "preclinical": [
        "{T} restored sucrose preference and increased synaptic protein levels.",
        "The effect was blocked by an AMPA receptor antagonist.",
        "These findings point to a glutamatergic mechanism.",
    ],
    "protocol": [
        "Findings will inform the design of a definitive trial.",
        "The trial is registered as NCT0{R}.",
        "The review is registered as CRD42{R}.",
    ],
}

# Background sentences name other designs: a classifier must not take them for the paper's own.
BACKGROUND = [
    "Up to a third of people with depression do not respond to two antidepressants.",
    "Earlier randomised trials of {T} gave mixed results.",
    "Meta-analyses suggest a moderate effect of {T}, but durability is unclear.",
    "Case reports have described rare adverse events with {T}.",
    "Animal studies point to rapid synaptic effects of {T}.",
    "Guidelines differ on when to offer {T}.",
    "Observational data on {T} in routine care are scarce.",
    "Treatment-resistant depression carries a high burden of disability.",
    "{T} is increasingly used for {P}.",
]
CONCLUSIONS = [
    "{T} may be an option for {P}.",
    "These results support further study of {T}.",
    "Clinicians should weigh benefits and risks of {T}.",
    "Further work is needed.",
]


def _split_pool(pool: list[str], part: str) -> list[str]:
    """Every third phrasing is reserved for the test part; training never sees it."""
    reserved = pool[::3]
    if part == "test":
        return pool
    return [phrase for phrase in pool if phrase not in reserved] or pool


def _fill(template: str, rng: random.Random, therapy: str, population: str) -> str:
    text = template.format(T=therapy, P=population, O=rng.choice(OUTCOMES),
                           N=rng.choice(NUMBERS), R=rng.randrange(1_000_000, 9_999_999))
    return text[0].upper() + text[1:]


def generate(n: int, seed: int, part: str = "train") -> list[tuple[str, str, str]]:
    """n labelled (level, title, abstract) items; part="test" also uses reserved phrasings."""
    rng = random.Random(seed)
    levels = list(MIX)
    weights = [MIX[level] for level in levels]
    items = []
    for _ in range(n):
        level = rng.choices(levels, weights)[0]
        therapy, population = rng.choice(THERAPIES), rng.choice(POPULATIONS)
        title = _fill(rng.choice(_split_pool(TITLES[level], part)), rng, therapy, population)
        methods = _split_pool(METHODS[level], part)
        sentences = []
        if rng.random() < 0.7:
            sentences.append(rng.choice(BACKGROUND))
        sentences += rng.sample(methods, min(len(methods), rng.randint(1, 3)))
        sentences.append(rng.choice(_split_pool(RESULTS[level], part)))
        if rng.random() < 0.6:
            sentences.append(rng.choice(CONCLUSIONS))
        abstract = " ".join(_fill(s, rng, therapy, population) for s in sentences)
        if rng.random() < 0.1:  # some records arrive without an abstract
            abstract = ""
        items.append((level, title, abstract))
    return items

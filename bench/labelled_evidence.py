"""Hand-written, labelled titles and abstracts for measuring the text rules.

Every item was composed for this project (no real abstract is copied); each is (true level slug,
title, abstract). DEV was written before the rules; HELD_OUT was written after the rules were
frozen and never used to tune them, so its figures are the honest ones.
"""

DEV: list[tuple[str, str, str]] = [
    # --- systematic reviews / meta-analyses -------------------------------------------------
    ("systematic_review",
     "Ketamine for treatment-resistant depression: a systematic review and meta-analysis",
     "We searched MEDLINE, Embase and PsycINFO to March 2024 for randomised trials of "
     "intravenous ketamine in adults with treatment-resistant depression. Twelve trials "
     "(n = 648) were pooled with a random-effects model. Ketamine reduced depression scores at "
     "24 hours (SMD -0.92)."),
    ("systematic_review",
     "Comparative efficacy of neuromodulation treatments for treatment-resistant depression: "
     "a network meta-analysis",
     "Randomised sham-controlled trials of rTMS, theta burst stimulation, tDCS and ECT were "
     "identified through a systematic search. A frequentist network meta-analysis of 81 trials "
     "ranked interventions by response odds."),
    ("systematic_review",
     "Esketamine nasal spray in adults with depression: meta-analysis of randomized "
     "placebo-controlled trials",
     "Five randomized placebo-controlled trials including 1,488 participants were combined. "
     "Esketamine increased remission (RR 1.38). Heterogeneity was low."),
    ("systematic_review",
     "Vagus nerve stimulation for chronic and recurrent depression: systematic review",
     "Following PRISMA guidance we searched four databases for studies of implanted VNS in "
     "depression. Of 1,203 records screened, 23 studies met inclusion criteria. Risk of bias was "
     "assessed with ROBINS-I."),
    ("systematic_review",
     "Psilocybin-assisted therapy for depressive disorders: an updated meta-analysis",
     "Eligible studies were randomized trials comparing psilocybin with placebo or active "
     "control. Pooled effect sizes were large (Hedges g = 1.1) but certainty of evidence was "
     "rated low using GRADE."),
    ("systematic_review",
     "Deep brain stimulation of the subcallosal cingulate: individual patient data "
     "meta-analysis",
     "We obtained individual patient data from seven open-label and two sham-controlled cohorts "
     "(178 patients). Long-term response rates were pooled by mixed-effects models."),
    ("systematic_review",
     "Umbrella review of pharmacological augmentation strategies in treatment-resistant "
     "depression",
     "We systematically searched for meta-analyses of augmentation with antipsychotics, lithium, "
     "thyroid hormone and ketamine, and graded the credibility of each association."),
    ("systematic_review",
     "Transcranial direct current stimulation in major depression: a Bayesian meta-analysis",
     "Databases were searched for sham-controlled trials of tDCS. Twenty-three studies were "
     "included. The posterior probability of a clinically relevant effect was 0.71."),
    ("systematic_review",
     "Placebo response in trials of treatment-resistant depression: a meta-regression",
     "We conducted a systematic literature search and extracted placebo-arm data from 46 "
     "randomised trials to model predictors of placebo response."),
    ("systematic_review",
     "Pharmacogenomic-guided antidepressant treatment: a systematic review and meta-analysis "
     "of randomised controlled trials",
     "Eleven RCTs enrolling 5,347 patients compared pharmacogenomic-guided with usual "
     "prescribing. Guided treatment improved remission (RR 1.46, 95% CI 1.21-1.75)."),
    ("systematic_review",
     "Digital cognitive behavioural therapy for depression: meta-analysis",
     "A comprehensive search of PubMed, Cochrane CENTRAL and Web of Science identified 58 "
     "randomised comparisons of internet-delivered CBT. Effects were moderate."),
    ("systematic_review",
     "Efficacy and acceptability of accelerated theta burst stimulation: a systematic review",
     "Two reviewers independently screened studies, extracted data and rated risk of bias. We "
     "included 14 studies; results are synthesised narratively because designs varied."),
    ("systematic_review",
     "Inflammatory markers as predictors of ketamine response: systematic review and "
     "meta-analysis",
     "Studies measuring baseline IL-6, TNF-alpha or CRP before ketamine were pooled. Higher IL-6 "
     "was associated with response in 9 of 13 studies."),
    ("systematic_review",
     "Cochrane review: electroconvulsive therapy versus ketamine for severe depression",
     "We included randomised controlled trials comparing ECT with ketamine. Search of the "
     "Cochrane Depression Specialised Register was performed in 2023."),
    ("systematic_review",
     "Safety of psychedelics in clinical research: a pooled analysis of adverse events",
     "We systematically searched trial registries and bibliographic databases and pooled "
     "serious adverse events reported in 34 studies of psilocybin, LSD and MDMA."),
    ("systematic_review",
     "Focused ultrasound for psychiatric disorders: systematic review of clinical studies",
     "A search of four databases yielded nine clinical studies of MR-guided focused ultrasound "
     "capsulotomy in psychiatric indications, including two for depression."),
    # --- randomised controlled trials ------------------------------------------------------
    ("rct",
     "Efficacy of intravenous ketamine versus midazolam in treatment-resistant depression: a "
     "randomized, double-blind, active placebo-controlled trial",
     "Seventy-two adults with TRD were randomized 2:1 to a single infusion of ketamine "
     "0.5 mg/kg or midazolam. The primary outcome was MADRS change at 24 hours."),
    ("rct",
     "Esketamine nasal spray plus an oral antidepressant versus quetiapine extended release in "
     "treatment-resistant depression",
     "In this open-label, randomized, phase 3 trial, 676 patients were randomly assigned to "
     "esketamine or quetiapine XR. Remission at week 8 was higher with esketamine."),
    ("rct",
     "Single-dose psilocybin for a treatment-resistant episode of major depression",
     "We conducted a phase 2, double-blind trial in which 233 participants were randomly "
     "assigned to 25 mg, 10 mg or 1 mg of psilocybin with psychological support."),
    ("rct",
     "Accelerated intermittent theta burst stimulation for treatment-resistant depression: a "
     "sham-controlled randomised trial",
     "Twenty-nine participants were randomised to active or sham neuronavigated iTBS delivered "
     "ten times daily for five days."),
    ("rct",
     "Pharmacogenomic testing to guide antidepressant choice in veterans: the PRIME Care "
     "randomized clinical trial",
     "A total of 1,944 veterans with major depressive disorder were randomly allocated to "
     "pharmacogenomic-guided or usual care. Trial registration: NCT03170362."),
    ("rct",
     "Deep brain stimulation of the ventral capsule for depression: a randomized crossover "
     "trial",
     "After open-label optimisation, 25 patients entered a double-blind crossover phase of "
     "active and sham stimulation blocks."),
    ("rct",
     "Internet-delivered cognitive behavioural therapy for residual depressive symptoms: "
     "pragmatic randomised controlled trial",
     "Participants (N = 312) recruited from primary care were randomly allocated to iCBT plus "
     "usual care or usual care alone. ISRCTN registration ISRCTN28104315."),
    ("rct",
     "Transcranial direct current stimulation at home: a multicentre double-blind randomised "
     "sham-controlled trial",
     "Adults with moderate to severe depression were randomised to active or sham home-based "
     "tDCS for 10 weeks. 174 participants were enrolled across 5 sites."),
    ("rct",
     "Lithium augmentation versus aripiprazole in older adults with treatment-resistant "
     "depression",
     "In this pragmatic trial, participants aged 60 and older were randomly assigned to "
     "augmentation with aripiprazole, bupropion or switching to bupropion."),
    ("rct",
     "Cluster randomised trial of a collaborative care model for difficult-to-treat "
     "depression in general practice",
     "Forty practices were randomised to collaborative care or usual care; 1,020 patients were "
     "followed up for 12 months."),
    ("rct",
     "Secondary analysis of a randomized clinical trial of ketamine and electroconvulsive "
     "therapy: cognitive outcomes",
     "This post hoc analysis of the ELEKT-D trial examined memory outcomes among 365 patients "
     "randomized to ketamine or ECT."),
    ("rct",
     "Effect of real-time fMRI neurofeedback on anhedonia: a randomized controlled pilot study",
     "Forty patients with depression were randomized to amygdala neurofeedback or sham "
     "feedback from a control region."),
    ("rct",
     "Nitrous oxide for treatment-resistant major depression: a randomized phase 2 trial",
     "In a crossover design, 24 participants received three inhalation sessions of 25% or 50% "
     "nitrous oxide or placebo in random order."),
    ("rct",
     "Mindfulness-based cognitive therapy versus maintenance antidepressants for relapse "
     "prevention",
     "We randomly assigned 424 adults with recurrent depression in full or partial remission to "
     "MBCT with support to taper or maintenance antidepressants."),
    ("rct",
     "Zuranolone in adults with major depressive disorder: results of a phase 3 randomized "
     "placebo-controlled trial",
     "Patients were randomized 1:1 to zuranolone 50 mg or placebo for 14 days. The trial is "
     "registered at ClinicalTrials.gov (NCT04442490)."),
    ("rct",
     "Repetitive transcranial magnetic stimulation of the left DLPFC in adolescents with "
     "depression",
     "This multicenter, randomized, sham-controlled trial enrolled 103 adolescents aged 12-21 "
     "who received 30 sessions of 10 Hz rTMS or sham."),
    # --- non-randomised trials -------------------------------------------------------------
    ("non_randomised_trial",
     "Open-label, single-arm trial of repeated ketamine infusions in treatment-resistant "
     "depression",
     "Twenty-four patients received six infusions over two weeks. Response was defined as a "
     "50% reduction in MADRS."),
    ("non_randomised_trial",
     "Psilocybin with psychological support for treatment-resistant depression: an open-label "
     "feasibility study",
     "Twelve patients received two oral doses of psilocybin (10 mg and 25 mg) seven days apart. "
     "No serious adverse events occurred."),
    ("non_randomised_trial",
     "Long-term safety of esketamine nasal spray: the open-label extension study",
     "Patients completing the double-blind phase entered a 100-week open-label extension in "
     "which 802 participants received esketamine twice weekly or less."),
    ("non_randomised_trial",
     "Focused ultrasound thalamotomy-like capsulotomy in refractory depression: a phase 1 "
     "study",
     "Six patients underwent bilateral anterior capsulotomy using MR-guided focused ultrasound. "
     "Safety and depressive symptoms were assessed for 12 months."),
    ("non_randomised_trial",
     "Stanford neuromodulation therapy in an uncontrolled pilot study",
     "Twenty-one participants with TRD received accelerated, fcMRI-targeted iTBS. Remission "
     "was achieved in 19 of 21."),
    ("non_randomised_trial",
     "A non-randomised controlled trial of group psychotherapy added to rTMS",
     "Patients choosing rTMS plus group therapy were compared with those receiving rTMS alone; "
     "allocation was by patient preference."),
    ("non_randomised_trial",
     "Deep brain stimulation of the medial forebrain bundle for depression: a prospective "
     "open-label trial",
     "Sixteen patients were implanted and followed for 12 months. Eight met response "
     "criteria."),
    ("non_randomised_trial",
     "Quasi-experimental evaluation of a ketamine clinic protocol",
     "Outcomes of patients treated before and after protocol introduction were compared "
     "without randomisation."),
    ("non_randomised_trial",
     "Oral ketamine for depression in palliative care: a phase II single-arm study",
     "Thirty-one patients received oral ketamine daily for 28 days. The primary endpoint was "
     "response on the HADS depression subscale."),
    ("non_randomised_trial",
     "Transcranial alternating current stimulation in depression: an open-label pilot trial",
     "Fifteen participants received 10 sessions of tACS. Depression scores improved from "
     "baseline; there was no control group."),
    ("non_randomised_trial",
     "LSD microdosing and mood: a dose-finding phase 1 trial in healthy volunteers",
     "Sequential cohorts of healthy volunteers received ascending doses of LSD in an "
     "open-label design to establish tolerability."),
    ("non_randomised_trial",
     "Esketamine in routine care compared with historical controls: a non-randomized trial",
     "A prospective non-randomized trial compared 60 patients treated with esketamine with 60 "
     "matched historical controls."),
    ("non_randomised_trial",
     "Pilot study of a smartphone mood-tracking platform in treatment-resistant depression",
     "In this single-group, pre-post pilot, 40 patients used the app for 8 weeks; adherence and "
     "change in PHQ-9 were assessed."),
    ("non_randomised_trial",
     "Intranasal esketamine in adolescents: an open-label phase 1 pharmacokinetic study",
     "Eighteen adolescents received a single dose of esketamine. Plasma concentrations were "
     "measured over 24 hours."),
    # --- observational ----------------------------------------------------------------------
    ("observational",
     "Real-world effectiveness of esketamine nasal spray: a retrospective cohort study",
     "We reviewed electronic health records of 412 adults with TRD who started esketamine "
     "between 2019 and 2022 at three academic centres."),
    ("observational",
     "Risk factors for treatment-resistant depression: a nationwide register-based cohort",
     "Using Danish national registers we followed 155,000 patients with incident depression to "
     "identify predictors of treatment resistance."),
    ("observational",
     "Ketamine use and suicide attempts: a case-control study",
     "Cases with suicide attempts were matched to controls by age and sex, and prior ketamine "
     "exposure was compared using conditional logistic regression."),
    ("observational",
     "Prevalence of treatment-resistant depression in primary care: a cross-sectional survey",
     "A cross-sectional survey of 2,300 primary care patients with depression assessed the "
     "number of failed adequate antidepressant trials."),
    ("observational",
     "Long-term outcomes of vagus nerve stimulation: a 5-year prospective registry",
     "The observational registry followed 494 patients receiving VNS plus treatment as usual "
     "and 301 receiving treatment as usual alone."),
    ("observational",
     "Healthcare costs of treatment-resistant depression in a US claims database",
     "This retrospective analysis of commercial insurance claims identified 24,530 patients "
     "meeting TRD criteria and compared costs with non-TRD depression."),
    ("observational",
     "Predictors of response to rTMS in a naturalistic clinical sample",
     "Data from 1,100 patients treated at a network of outpatient clinics were analysed to "
     "identify baseline predictors of response."),
    ("observational",
     "Cognitive effects of repeated ketamine infusions: a prospective observational study",
     "Adults starting serial ketamine infusions completed cognitive testing at baseline and "
     "after the sixth infusion (n = 68)."),
    ("observational",
     "Association between BDNF Val66Met and antidepressant response: a longitudinal cohort",
     "Participants in a longitudinal cohort were genotyped and their response to first- and "
     "second-line antidepressants was followed for two years."),
    ("observational",
     "Esketamine prescribing patterns in Europe: a population-based study",
     "Population-based prescription data from four countries were used to describe uptake of "
     "esketamine between 2020 and 2023."),
    ("observational",
     "Mortality after electroconvulsive therapy versus ketamine: a propensity-matched cohort "
     "analysis",
     "Using a federated electronic health record network, patients treated with ECT were "
     "propensity-matched to ketamine-treated patients."),
    ("observational",
     "Patient experiences of psilocybin therapy: a qualitative interview study",
     "Semi-structured interviews with 20 trial participants were analysed thematically."),
    ("observational",
     "Adverse events reported for esketamine in the FDA Adverse Event Reporting System: a "
     "pharmacovigilance study",
     "We performed a disproportionality analysis of spontaneous reports submitted between 2019 "
     "and 2023."),
    ("observational",
     "Treatment pathways before referral for deep brain stimulation: a retrospective chart "
     "review",
     "Charts of 87 patients assessed for DBS eligibility were reviewed to describe prior "
     "treatment history."),
    ("observational",
     "Inflammation and depression severity in the UK Biobank",
     "In a cross-sectional analysis of 86,000 participants, CRP concentrations were associated "
     "with depressive symptom burden."),
    ("observational",
     "Suicidality after initiation of esketamine: a nested case-control study within a "
     "national cohort",
     "Within a cohort of 9,000 patients, cases of suicidal behaviour were matched to controls."),
    # --- case reports / series --------------------------------------------------------------
    ("case_report",
     "Mania induced by intravenous ketamine in a patient with bipolar depression: a case report",
     "We describe a 45-year-old woman who developed manic symptoms after her third ketamine "
     "infusion."),
    ("case_report",
     "Deep brain stimulation for treatment-resistant depression in an adolescent: case report",
     "A 17-year-old male with severe, chronic depression received bilateral subcallosal "
     "cingulate DBS with sustained remission at 2 years."),
    ("case_report",
     "Esketamine-associated dissociation and hypertension: a case series",
     "We report five patients who developed marked blood pressure elevation during esketamine "
     "treatment sessions."),
    ("case_report",
     "Seizure during rTMS: report of two cases",
     "Two patients experienced generalised seizures during high-frequency rTMS; both had "
     "concurrent bupropion treatment."),
    ("case_report",
     "Successful psilocybin therapy in a patient with treatment-resistant depression and "
     "epilepsy",
     "A 38-year-old man with focal epilepsy and TRD was treated with psilocybin within an "
     "expanded-access programme. We discuss safety considerations."),
    ("case_report",
     "Vagus nerve stimulator lead fracture presenting as sudden relapse",
     "We present the case of a 60-year-old woman whose depressive relapse coincided with an "
     "unnoticed lead fracture."),
    ("case_report",
     "Ketamine cystitis after long-term self-medication: a case report and literature review",
     "A 29-year-old man presented with urinary frequency after two years of daily ketamine use "
     "obtained online."),
    ("case_report",
     "Focused ultrasound capsulotomy for comorbid OCD and depression: a case",
     "We describe a single patient who underwent bilateral capsulotomy with marked improvement "
     "in both conditions."),
    ("case_report",
     "A case of serotonin syndrome after adding psilocybin to an SSRI",
     "A 34-year-old woman taking sertraline presented with agitation, clonus and hyperthermia "
     "after ingesting psilocybin mushrooms."),
    ("case_report",
     "Electroconvulsive therapy after failed ketamine: a case series of 12 patients",
     "We retrospectively describe twelve consecutive patients who received ECT after failing to "
     "respond to ketamine."),
    ("case_report",
     "Hypomania with accelerated theta burst stimulation: a case report",
     "A 52-year-old man with unipolar depression developed hypomania on day four of an "
     "accelerated iTBS course."),
    ("case_report",
     "Tardive dyskinesia with aripiprazole augmentation in late-life depression",
     "We report a 78-year-old woman who developed orofacial dyskinesia four months after "
     "aripiprazole was added to escitalopram."),
    ("case_report",
     "Long-term ketamine maintenance in two patients with ultra-resistant depression",
     "Two patients received fortnightly ketamine infusions for more than three years. We "
     "describe their course, adverse effects and liver function."),
    ("case_report",
     "Neurofeedback for depression in pregnancy: a clinical case",
     "This report describes a 31-year-old pregnant patient who declined medication and was "
     "treated with EEG neurofeedback."),
    # --- guidelines ---------------------------------------------------------------------------
    ("guideline",
     "Canadian Network for Mood and Anxiety Treatments (CANMAT) 2023 clinical guidelines for "
     "the management of major depressive disorder",
     "The guideline update provides evidence-based recommendations on pharmacotherapy, "
     "psychotherapy, neuromodulation and digital interventions, graded by level of evidence."),
    ("guideline",
     "Consensus statement on the use of ketamine in the treatment of mood disorders",
     "An expert panel reviewed the literature and reached consensus on patient selection, "
     "dosing, monitoring and safety of ketamine for depression."),
    ("guideline",
     "Evidence-based guidelines on the therapeutic use of repetitive transcranial magnetic "
     "stimulation: an update",
     "A group of European experts assessed published studies and issued level A-C "
     "recommendations for rTMS indications."),
    ("guideline",
     "Recommendations for the clinical use of esketamine nasal spray: expert consensus",
     "A Delphi process with 24 psychiatrists produced 31 recommendations on selection, "
     "administration and monitoring."),
    ("guideline",
     "Practice guideline for the treatment of patients with major depressive disorder, fourth "
     "edition",
     "This practice guideline presents recommendations for assessment and treatment, including "
     "options for treatment-resistant depression."),
    ("guideline",
     "Position statement on psychedelic-assisted therapies from the Royal College of "
     "Psychiatrists",
     "The College sets out its position on research, regulation and clinical use of psilocybin "
     "and MDMA."),
    ("guideline",
     "Clinical practice recommendations for deep brain stimulation in psychiatry: a consensus "
     "of the international society",
     "Recommendations address patient selection, targets, programming and ethics based on "
     "expert agreement and available evidence."),
    ("guideline",
     "NICE guideline on depression in adults: treatment and management",
     "This guideline covers identifying and managing depression in adults, including "
     "recommendations for more severe and treatment-resistant depression."),
    ("guideline",
     "Consensus recommendations for the definition of treatment-resistant depression",
     "An international working group proposed operational criteria for TRD and for staging "
     "treatment resistance."),
    ("guideline",
     "World Federation guidelines for the biological treatment of unipolar depressive "
     "disorders",
     "Updated recommendations for acute and continuation treatment, graded by categories of "
     "evidence."),
    ("guideline",
     "Guidance on the safe delivery of accelerated TMS protocols: a clinical TMS society "
     "consensus",
     "A committee of clinicians and physicists developed safety recommendations for accelerated "
     "and high-dose rTMS."),
    ("guideline",
     "Korean medication algorithm for depressive disorder 2024: recommendations",
     "The algorithm committee surveyed experts and issued first- and second-line "
     "recommendations, including for inadequate response."),
    # --- narrative reviews, editorials, comments, letters -----------------------------------
    ("narrative_review",
     "Ketamine and esketamine in depression: mechanisms, evidence and open questions",
     "This review summarises the glutamatergic hypothesis, clinical trial evidence and safety "
     "concerns, and outlines directions for future research."),
    ("narrative_review",
     "Neuroinflammation in treatment-resistant depression: a narrative review",
     "We discuss the kynurenine pathway, cytokines and microglial activation as targets for "
     "novel antidepressant strategies."),
    ("narrative_review",
     "The promise and perils of psychedelic medicine",
     "Editorial. Enthusiasm for psilocybin has outpaced the evidence; we argue for rigorous "
     "blinding and long-term follow-up."),
    ("narrative_review",
     "Deep brain stimulation for depression: where do we go from here?",
     "Commentary on the mixed results of sham-controlled DBS trials and the case for "
     "connectomic targeting."),
    ("narrative_review",
     "Response to: Esketamine is not an effective antidepressant",
     "We thank the authors for their letter. Their reanalysis omits the relapse-prevention data "
     "and misreads the primary endpoint."),
    ("narrative_review",
     "Focused ultrasound in psychiatry: an overview of current applications",
     "We review the physics of focused ultrasound, lesioning and neuromodulation applications, "
     "and early psychiatric studies."),
    ("narrative_review",
     "Treatment-resistant depression: definitions, staging and management",
     "In this clinical review we describe definitions of TRD, staging models and an approach to "
     "sequencing treatments in practice."),
    ("narrative_review",
     "Letter to the editor: Functional unblinding in psilocybin trials",
     "We write to raise concerns about expectancy effects in recent psilocybin trials and "
     "propose measuring blinding integrity."),
    ("narrative_review",
     "Pharmacogenomics in psychiatry: hype or hope? A perspective",
     "We argue that current pharmacogenomic panels offer limited actionable information for "
     "most antidepressants."),
    ("narrative_review",
     "Brain-computer interfaces for mood disorders: state of the art and future directions",
     "We review closed-loop stimulation, adaptive neurofeedback and implantable systems "
     "under investigation for depression."),
    ("narrative_review",
     "Digital mental health interventions for depression: a critical review",
     "Digital CBT, mindfulness apps and mood tracking are reviewed with attention to "
     "engagement, equity and regulation."),
    ("narrative_review",
     "Why does ketamine work so fast? Viewpoint",
     "We propose that rapid synaptogenesis alone cannot explain the time course of response "
     "and highlight alternative mechanisms."),
    ("narrative_review",
     "Comment on 'Theta burst versus standard rTMS for depression'",
     "The non-inferiority margin chosen by the authors is wide; we discuss its implications "
     "for clinical practice."),
    ("narrative_review",
     "The HPA axis and treatment resistance in depression: an update",
     "Recent findings on cortisol, glucocorticoid receptor function and mifepristone are "
     "reviewed."),
    ("narrative_review",
     "Vagus nerve stimulation for depression: history and current status",
     "This article traces the development of VNS from epilepsy to depression and reviews "
     "regulatory decisions and clinical data."),
    ("narrative_review",
     "Reply to Smith and colleagues regarding ketamine dosing",
     "We appreciate the comments on our trial. Weight-based dosing was chosen for comparability "
     "with previous studies."),
    # --- preclinical -------------------------------------------------------------------------
    ("preclinical",
     "Ketamine reverses chronic stress-induced synaptic deficits in the prefrontal cortex of "
     "mice",
     "Male C57BL/6 mice exposed to chronic unpredictable stress received ketamine 10 mg/kg. "
     "Spine density and mTOR signalling were measured."),
    ("preclinical",
     "Psilocybin induces rapid and persistent growth of dendritic spines in frontal cortex",
     "Using two-photon microscopy in mice, we show that a single dose of psilocybin increases "
     "spine density within 24 hours."),
    ("preclinical",
     "Antidepressant-like effects of vagus nerve stimulation in a rat model of depression",
     "Rats subjected to olfactory bulbectomy received VNS for 14 days; immobility in the forced "
     "swim test was reduced."),
    ("preclinical",
     "Esketamine metabolites and BDNF release in cultured cortical neurons",
     "Primary cortical neurons from embryonic rats were treated with hydroxynorketamine; BDNF "
     "secretion was quantified by ELISA."),
    ("preclinical",
     "Low-intensity focused ultrasound modulates depressive-like behaviour in rodents",
     "Sprague-Dawley rats received transcranial ultrasound to the prelimbic cortex; sucrose "
     "preference and forced swim test were assessed."),
    ("preclinical",
     "Kynurenine pathway inhibition prevents LPS-induced depressive-like behaviour",
     "Mice injected with lipopolysaccharide were pretreated with an IDO inhibitor; "
     "inflammatory cytokines and behaviour were measured."),
    ("preclinical",
     "Deep brain stimulation of the lateral habenula in a primate model of anhedonia",
     "Two rhesus macaques with stress-induced anhedonia were implanted with habenular "
     "electrodes."),
    ("preclinical",
     "Serotonin 2A receptor signalling bias of LSD analogues in HEK293 cells",
     "We characterised G protein and beta-arrestin recruitment by LSD analogues in vitro using "
     "BRET assays."),
    ("preclinical",
     "Zebrafish as a screening platform for rapid-acting antidepressants",
     "Larval zebrafish exposed to novel NMDA antagonists were tracked for locomotor and "
     "anxiety-like responses."),
    ("preclinical",
     "Transcranial direct current stimulation restores hippocampal neurogenesis in stressed "
     "rats",
     "Adult male Wistar rats exposed to chronic restraint stress received anodal tDCS for 10 "
     "days."),
    ("preclinical",
     "Neuroinflammation markers in postmortem brain tissue exposed to ketamine ex vivo",
     "Slices of human post-mortem prefrontal cortex were incubated with ketamine and microglial "
     "activation was measured in vitro."),
    ("preclinical",
     "rTMS-like magnetic stimulation increases BDNF in organotypic hippocampal cultures",
     "Organotypic slice cultures from mouse pups were stimulated with repetitive magnetic "
     "pulses; BDNF expression rose after 24 hours."),
    ("preclinical",
     "Sex differences in the antidepressant response to ketamine in a social defeat model",
     "Male and female mice were subjected to chronic social defeat stress and treated with "
     "ketamine; female mice responded at lower doses."),
    ("preclinical",
     "Cortisol-induced dendritic atrophy in human iPSC-derived neurons",
     "Induced pluripotent stem cell-derived neurons from donors were exposed to cortisol in "
     "culture; morphology and gene expression were analysed."),
    # --- protocols ----------------------------------------------------------------------------
    ("protocol",
     "Ketamine versus ECT for treatment-resistant depression: protocol for a randomised "
     "non-inferiority trial",
     "This multicentre trial will randomise 280 patients to ketamine or ECT. The primary "
     "outcome will be response at the end of the acute phase. Trial registration: "
     "ISRCTN14689382."),
    ("protocol",
     "Study protocol: psilocybin-assisted therapy versus escitalopram in major depression",
     "Participants will be randomly allocated to two arms. Recruitment began in 2024. This "
     "paper describes the rationale, design and statistical analysis plan."),
    ("protocol",
     "Rationale and design of a sham-controlled trial of accelerated iTBS in inpatients",
     "We will enrol 120 inpatients with severe depression who will receive active or sham "
     "iTBS. Outcomes will be assessed blind."),
    ("protocol",
     "Pharmacogenomic testing in primary care depression treatment (PGx-PC): a "
     "cluster-randomised trial protocol",
     "General practices will be randomised to pharmacogenomic-guided prescribing or usual "
     "care. ClinicalTrials.gov NCT05912345."),
    ("protocol",
     "Effects of transcranial direct current stimulation on cognition in depression: protocol "
     "for a systematic review and meta-analysis",
     "We will search MEDLINE, Embase and PsycINFO. Two reviewers will screen studies. PROSPERO "
     "registration CRD42024512345."),
    ("protocol",
     "Vagus nerve stimulation in difficult-to-treat depression: statistical analysis plan for "
     "a randomized trial",
     "This document details the planned analyses of the primary and secondary outcomes before "
     "unblinding."),
    ("protocol",
     "Digital CBT for adolescents with depression: protocol of a pragmatic trial",
     "Schools will be randomly allocated to the digital programme or a waitlist; 600 "
     "adolescents will be recruited."),
    ("protocol",
     "Deep brain stimulation of the bed nucleus of the stria terminalis: design of a "
     "multicentre randomised crossover study",
     "Twenty patients will undergo implantation followed by a blinded crossover of active and "
     "sham stimulation."),
    ("protocol",
     "Esketamine for suicidal ideation in the emergency department: a study protocol",
     "This open-label feasibility study will recruit 40 patients presenting with suicidal "
     "ideation. Recruitment is ongoing."),
    ("protocol",
     "Focused ultrasound to the subgenual cingulate: protocol for a first-in-human trial",
     "Ten participants with TRD will receive transcranial focused ultrasound. Safety will be "
     "the primary outcome."),
    ("protocol",
     "Mindfulness app for relapse prevention: protocol for a randomized controlled trial",
     "We describe the design of a trial in which 500 adults will be randomized to the app or "
     "usual care."),
    ("protocol",
     "Neuroimaging predictors of ketamine response: protocol for a prospective cohort study",
     "Patients receiving ketamine will undergo MRI before treatment and after the fourth "
     "infusion. We plan to enrol 150 participants."),
    # --- unclassified --------------------------------------------------------------------------
    ("unclassified",
     "Cost-effectiveness of esketamine for treatment-resistant depression in the UK: a "
     "modelling analysis",
     "A Markov model simulated costs and QALYs over five years using published efficacy "
     "estimates and NHS unit costs."),
    ("unclassified",
     "Mapping the literature on treatment-resistant depression: a bibliometric analysis",
     "Publications indexed in Web of Science between 2000 and 2023 were analysed for "
     "co-authorship and keyword networks."),
    ("unclassified",
     "A new method for estimating placebo response using Bayesian hierarchical models",
     "We develop a statistical model and illustrate it with simulated data."),
    ("unclassified",
     "Validation of the Maudsley Staging Method in a Spanish sample",
     "Psychometric properties, including internal consistency and convergent validity, were "
     "examined."),
    ("unclassified",
     "In memoriam: a pioneer of deep brain stimulation",
     "We remember the life and work of a neurosurgeon who shaped the field."),
    ("unclassified",
     "Development of a machine learning model to predict esketamine response",
     "We trained gradient-boosted trees on clinical variables and report discrimination and "
     "calibration in a held-out sample."),
    ("unclassified",
     "Ketamine",
     ""),
    ("unclassified",
     "Regulatory approval of esketamine: lessons for novel antidepressants",
     ""),
    ("unclassified",
     "Budget impact of introducing rTMS services in a public health system",
     "We estimated five-year budget impact under three adoption scenarios."),
    ("unclassified",
     "Simulation of electric field distributions for tDCS montages in depression",
     "Finite element head models were used to compare electric field strength in the DLPFC "
     "across montages."),
]

HELD_OUT: list[tuple[str, str, str]] = [
    ("systematic_review",
     "What is the evidence for esketamine in suicidal depression? A review of randomised trials "
     "with quantitative synthesis",
     "Three electronic databases and trial registries were interrogated without language "
     "restriction. Data from six trials (1,120 patients) were combined; the summary odds ratio "
     "for remission was 1.52."),
    ("systematic_review",
     "Theta burst versus high-frequency rTMS: a meta-analytic comparison",
     "Head-to-head trials were identified and effect sizes aggregated using inverse-variance "
     "weighting."),
    ("systematic_review",
     "Efficacy of augmentation agents in TRD: Bayesian network analysis of 69 trials",
     "We synthesised direct and indirect evidence from randomized trials of augmentation "
     "strategies identified by a systematic literature search."),
    ("rct",
     "Psilocybin versus escitalopram for depression",
     "In a phase 2, double-blind trial, patients with long-standing, moderate-to-severe major "
     "depressive disorder were assigned in a 1:1 ratio by random allocation to psilocybin or "
     "escitalopram. Fifty-nine patients were enrolled."),
    ("rct",
     "Ketamine infusion during electroconvulsive therapy does not improve outcomes: the KANECT "
     "study",
     "Patients referred for ECT were allocated by computer-generated randomisation to ketamine "
     "or propofol anaesthesia; assessors were blind to allocation."),
    ("rct",
     "A 12-week trial of a smartphone CBT app compared with waitlist in adults with persistent "
     "depressive symptoms",
     "Participants (n=214) were randomly assigned in a 1:1 ratio. The primary outcome was PHQ-9 "
     "at week 12."),
    ("rct",
     "Post hoc analysis of a randomized trial of vagus nerve stimulation: predictors of durable "
     "response",
     "We analysed data from the RECOVER trial to identify baseline characteristics associated "
     "with sustained response."),
    ("non_randomised_trial",
     "Repeated intravenous ketamine in adolescents with TRD: an open study",
     "Seventeen adolescents received six infusions over two weeks. There was no comparison "
     "group; depression severity fell by 42%."),
    ("non_randomised_trial",
     "Safety and tolerability of ascending doses of a novel NMDA modulator in healthy adults",
     "In this first-in-human study, eight cohorts received single ascending doses; "
     "pharmacokinetics were characterised."),
    ("non_randomised_trial",
     "Bilateral subcallosal cingulate stimulation in bipolar and unipolar depression: 2-year "
     "outcomes of an open-label study",
     "Seventeen patients were implanted and followed with monthly ratings."),
    ("observational",
     "Outcomes of esketamine treatment in routine clinical practice in Germany",
     "We analysed data of all patients who initiated esketamine at 12 hospitals between 2021 "
     "and 2023 (n = 276). Response and remission were documented at discharge."),
    ("observational",
     "Is treatment-resistant depression associated with dementia? Evidence from a Swedish "
     "national register",
     "Individuals diagnosed with depression between 2006 and 2018 were identified and followed "
     "for incident dementia."),
    ("observational",
     "Prescribers' attitudes towards psychedelic-assisted therapy: an online questionnaire",
     "A questionnaire was distributed to 1,500 psychiatrists; 612 responded."),
    ("case_report",
     "Sustained remission with vagus nerve stimulation after 14 failed treatments",
     "We report on a 56-year-old woman with chronic depression who responded to VNS after two "
     "years of stimulation."),
    ("case_report",
     "Esketamine in a patient with treatment-resistant depression and Parkinson's disease",
     "The patient, a 71-year-old man, received twice-weekly esketamine with improvement in mood "
     "and no worsening of motor symptoms."),
    ("case_report",
     "Three patients with recurrent depression treated with at-home tDCS: clinical vignettes",
     "We describe three patients who used home-based tDCS during relapse."),
    ("guideline",
     "Clinical practice guideline: management of treatment-resistant depression in adults",
     "The panel formulated recommendations using the GRADE approach after systematic reviews "
     "of the evidence."),
    ("guideline",
     "Statement of the Task Force on novel rapid-acting antidepressants",
     "The task force makes recommendations on when ketamine and esketamine should be offered "
     "and how they should be monitored."),
    ("narrative_review",
     "Glutamatergic antidepressants beyond ketamine",
     "This paper reviews the pharmacology and early clinical data of NMDA receptor modulators, "
     "mGlu antagonists and AMPA potentiators."),
    ("narrative_review",
     "Psychedelics for depression: hope, hype and the need for caution",
     "Editorials in major journals have urged caution; here we consider trial design problems "
     "that inflate effect sizes."),
    ("narrative_review",
     "Neuromodulation for depression: a clinician's guide",
     "Key features of rTMS, ECT, VNS and DBS are summarised for the practising psychiatrist."),
    ("preclinical",
     "(2R,6R)-hydroxynorketamine rescues stress-induced behavioural deficits in male and female "
     "animals",
     "Adult animals exposed to chronic restraint stress received a single injection; "
     "behavioural despair and synaptic proteins were assessed."),
    ("preclinical",
     "Psilocin modulates microglial inflammatory responses in vitro",
     "BV-2 microglia were stimulated with LPS in the presence of psilocin; cytokine release was "
     "measured."),
    ("preclinical",
     "Deep brain stimulation of the nucleus accumbens in a rat model of anhedonia",
     "Animals received 7 days of stimulation; sucrose intake and dopamine release were "
     "measured."),
    ("protocol",
     "KETAMINE-TRD: design of a multicentre trial comparing ketamine with ECT",
     "The trial aims to enrol 400 patients who will be assigned at random. The primary endpoint "
     "is MADRS response."),
    ("protocol",
     "Pharmacogenetic-guided prescribing in adolescents: a protocol for a randomised "
     "controlled trial",
     "Adolescents starting antidepressants will be randomised to guided or standard "
     "prescribing. ANZCTR registration ACTRN12624000123456."),
    ("unclassified",
     "Esketamine: first global approval",
     "This article summarises the milestones in the development of esketamine leading to its "
     "first approval for treatment-resistant depression."),
    ("unclassified",
     "A global health economic model of rTMS provision",
     "We estimated cost per remission under different service configurations."),
    ("unclassified",
     "Transcriptomic signatures of ketamine response derived from public datasets",
     "Gene expression data from public repositories were reanalysed using a network approach."),
]

# ruff: noqa: E501
"""Literals one of which every match of a text-rule pattern contains, kept beside the rules.

tracker.evidence.matching skips a pattern when none of its literals is in the text: a substring
test is far cheaper than a regex scan, and most cues match nothing in a given abstract. A pattern
missing here is simply always scanned (correct, only slower); tests/test_matching.py checks that
every cue has an entry and that every literal listed is one a match must contain.

When you add or change a cue in text_rules.py, add its entry: the shortest strings, lower case,
one of which any text the pattern matches has to contain (for "\\bsham[- ]controlled\\b":
"sham-controlled" and "sham controlled", or just "sham").
"""

REQUIRED_LITERALS: dict[str, tuple[str, ...]] = {
    r"\b(?:study|trial|review|research|clinical) protocol\b":
        (' protocol',),
    r"\bprotocol (?:for|of) (?:a|an|the)\b[^.]{0,80}?\b(?:trial|study|review|meta-analysis)":
        ('protocol ',),
    r"\b(?:rationale and design|design and rationale|statistical analysis plan)\b":
        ('design and rationale', 'rationale and design', 'statistical analysis plan'),
    r"\bdesign of (?:a|an|the)\b[^.]{0,60}?\b(?:trial|study)\b":
        ('design of ',),
    r":\s*(?:a |the )?(?:study |trial )?protocol\s*$":
        ('protocol',),
    r"\bwill be (?:randomi[sz]ed|randomly (?:assigned|allocated)|recruited|enrolled)\b":
        ('will be ',),
    r"\bwe (?:will|plan to) (?:recruit|enrol|enroll|randomi[sz]e|search|include)\b":
        ('enrol', 'enroll', 'include', 'randomi', 'recruit', 'search'),
    r"\b(?:recruitment|enrolment|enrollment) (?:is ongoing|began|started|will)\b":
        ('enrollment', 'enrolment', 'recruitment'),
    r"\bthis (?:paper|article|protocol) describes the (?:design|protocol|rationale)":
        (' describes the ',),
    r"\b(?:participants|patients) will (?:be|receive|undergo)\b":
        (' will ',),
    r"\boutcomes? will be\b":
        (' will be',),
    r"\beditorial\b(?! board)":
        ('editorial',),
    r"\bcommentary\b":
        ('commentary',),
    r"\bcomments? on\b":
        ('comment',),
    r"\bletter to the editor\b":
        ('letter to the editor',),
    r"\bin reply\b":
        ('in reply',),
    r"\b(?:reply|response) to (?:the )?(?:letter|comments?|commentary|editorial|critique|authors|[a-z]+ (?:et al|and colleagues))":
        ('and colleagues', 'authors', 'comment', 'commentary', 'critique', 'editorial', 'et al', 'letter'),
    r"^(?:re|reply|response|comment|letter)\b\s*(?:to\b|on\b|:)":
        ('comment', 'letter', 're', 'reply', 'response'),
    r"\bsystematic(?:ally)? review":
        ('systematic',),
    r"\bmeta-?analy(?:sis|ses|tic)\b":
        ('analy',),
    r"\bmeta-?regression\b":
        ('regression',),
    r"\bumbrella review\b":
        ('umbrella review',),
    r"\bcochrane review\b":
        ('cochrane review',),
    r"\bindividual (?:patient|participant)(?:-level)? data\b":
        ('individual pa',),
    r"\bevidence synthesis\b":
        ('evidence synthesis',),
    r"\b(?:this|our|we (?:conducted|performed|undertook|carried out) an?) (?:updated )?(?:systematic review|meta-analysis|network meta-analysis|umbrella review)":
        ('meta-analysis', 'network meta-analysis', 'systematic review', 'umbrella review'),
    r"\bpooled analysis\b":
        ('pooled analysis',),
    r"\b(?:we )?(?:systematic(?:ally)?|comprehensive) (?:literature )?search":
        ('comprehensive', 'systematic'),
    r"\bsearch(?:ed)? (?:of )?(?:the )?(?:pubmed|medline|embase|psycinfo|cochrane|web of science|scopus|cinahl|(?:four|three|five|six|\d) (?:electronic )?databases)":
        ('search',),
    r"\b(?:databases|registers) were searched\b":
        (' were searched',),
    r"\bprisma\b":
        ('prisma',),
    r"\b(?:studies|trials|rcts) (?:met (?:the )?inclusion|were (?:included|eligible|pooled))":
        ('eligible', 'included', 'inclusion', 'pooled'),
    r"\b(?:were|was) pooled\b":
        (' pooled',),
    r"\bpooled (?:effect|estimate|odds|risk|standardi[sz]ed|mean|analysis)":
        ('pooled ',),
    r"\brandom-effects (?:meta|model)":
        ('random-effects m',),
    r"\b(?:included|eligible) (?:studies|trials)\b":
        ('eligible', 'included'),
    r"\brisk of bias\b":
        ('risk of bias',),
    r"\bgrade\b":
        ('grade',),
    r"\b(?:mice|mouse|murine|rats?|rodents?|zebrafish|macaques?|non-?human primates?|monkeys?|piglets?|c57bl|sprague|wistar|knock-?out|transgenic|in vitro|ex vivo|cell lines?|cultured|cultures?|organoids?|ipsc|induced pluripotent|hek-?293|sh-sy5y|pc12|forced swim|tail suspension|sucrose preference|social defeat|unpredictable (?:mild )?stress|olfactory bulbectomy|lipopolysaccharide|animal models?|preclinical)\b":
        ('animal model', 'c57bl', 'cell line', 'culture', 'cultured', 'ex vivo', 'forced swim', 'hek', 'human primate', 'in vitro', 'induced pluripotent', 'ipsc', 'knock', 'lipopolysaccharide', 'macaque', 'mice', 'monkey', 'mouse', 'murine', 'olfactory bulbectomy', 'organoid', 'pc12', 'piglet', 'preclinical', 'rat', 'rodent', 'sh-sy5y', 'social defeat', 'sprague', 'sucrose preference', 'tail suspension', 'transgenic', 'unpredictable ', 'wistar', 'zebrafish'),
    r"\bopen-label extension\b":
        ('open-label extension',),
    r"\bextension (?:study|phase)\b":
        ('extension ',),
    r"\brandomi[sz]ed":
        ('randomi',),
    r"\brandomly (?:assigned|allocated)\b":
        ('randomly a',),
    r"\brcts?\b":
        ('rct',),
    r"\b(?:placebo|sham)-controlled\b":
        ('-controlled',),
    r"\bin (?:a )?random order\b":
        ('random order',),
    r"\brandom (?:assignment|allocation)\b":
        ('llocation', 'ssignment'),
    r"\bdouble-?blind(?:ed)?\b":
        ('double',),
    r"\b(?:versus|vs\.?|or) (?:placebo|sham)\b":
        ('placebo', 'sham'),
    r"\bnon-?randomi[sz]ed\b":
        ('randomi',),
    r"\bsingle-(?:arm|group)\b":
        ('single-',),
    r"\buncontrolled\b":
        ('uncontrolled',),
    r"\bquasi-?experimental\b":
        ('experimental',),
    r"\bpre-?post\b":
        ('post',),
    r"\bbefore-and-after\b":
        ('before-and-after',),
    r"\bopen-label\b":
        ('open-label',),
    r"\bfirst-in-human\b":
        ('first-in-human',),
    r"\bno control group\b":
        ('no control group',),
    r"\bwithout (?:a control group|randomi[sz]ation)\b":
        ('without ',),
    r"\bhistorical controls?\b":
        ('historical control',),
    r"\b(?:ascending|escalating) doses\b|\bdose-(?:escalation|finding)\b":
        ('ascending', 'escalating', 'escalation', 'finding'),
    r"\ball (?:patients|participants) received\b":
        (' received',),
    r"\bphase (?:i|ii|1|2|iia|iib|2a|2b|i/ii|1/2)\b":
        ('phase ',),
    r"\bpilot\b":
        ('pilot',),
    r"\bfeasibility\b":
        ('feasibility',),
    r"\btrial\b":
        ('trial',),
    r"\bcase reports?\b":
        ('case report',),
    r"\bcase series\b":
        ('case series',),
    r"\ba case of\b":
        ('a case of',),
    r"\bclinical case\b":
        ('clinical case',),
    r"\breport of (?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) cases?\b":
        ('report of ',),
    r"\bcase presentation\b":
        ('case presentation',),
    r"-year-old (?:man|woman|male|female|patient|boy|girl)\b":
        ('-year-old ',),
    r"\b(?:in|of) (?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) (?:\w+ )?(?:patients?|cases?|women|men|adolescents?|children)\b":
        ('adolescent', 'case', 'children', 'men', 'patient', 'women'),
    r":\s*(?:a )?case\s*$":
        ('case',),
    r"\bwe (?:\w+ly )?(?:report|describe|present) (?:(?:a|an|one) (?:\w+ )?(?:patient|case|man|woman)|the cases?\b|(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) (?:\w+ )?(?:patients|cases)\b)":
        ('describe', 'present', 'report'),
    r"\bthis (?:case|report) describes\b":
        (' describes',),
    r"\bcohorts?\b":
        ('cohort',),
    r"\bcase-?control\b":
        ('control',),
    r"\bcross-?sectional\b":
        ('sectional',),
    r"\bretrospective":
        ('retrospective',),
    r"\bregist(?:ry|ries|er-based|ers)\b":
        ('regist',),
    r"\breal-world\b":
        ('real-world',),
    r"\bnaturalistic\b":
        ('naturalistic',),
    r"\bobservational\b":
        ('observational',),
    r"\bpopulation-based\b":
        ('population-based',),
    r"\bnationwide\b":
        ('nationwide',),
    r"\b(?:claims|administrative) (?:data|database)\b":
        ('administrative', 'claims'),
    r"\bhealth records?\b":
        ('health record',),
    r"\bmedical records\b":
        ('medical records',),
    r"\bchart review\b":
        ('chart review',),
    r"\bpropensity\b":
        ('propensity',),
    r"\bpharmacovigilance\b":
        ('pharmacovigilance',),
    r"\bdisproportionality\b":
        ('disproportionality',),
    r"\bspontaneous reports\b":
        ('spontaneous reports',),
    r"\bsurvey\b":
        ('survey',),
    r"\bqualitative\b":
        ('qualitative',),
    r"\bsemi-?structured interviews?\b":
        ('structured interview',),
    r"\bfocus groups?\b":
        ('focus group',),
    r"\bbiobank\b":
        ('biobank',),
    r"\blongitudinal\b":
        ('longitudinal',),
    r"\bprospective study\b":
        ('prospective study',),
    r"\bprevalence\b":
        ('prevalence',),
    r"\bincidence\b":
        ('incidence',),
    r"\bpredictors? of\b":
        ('predictor',),
    r"\bprospective\b":
        ('prospective',),
    r"\bassociations? (?:between|of|with)\b":
        ('association',),
    r"\bwere followed\b":
        ('were followed',),
    r"\bguidelines?\b(?!-| adherence| concordan)":
        ('guideline',),
    r"\bconsensus\b":
        ('consensus',),
    r"\bposition (?:statement|paper)\b":
        ('position ',),
    r"\bpractice parameters?\b":
        ('practice parameter',),
    r"\brecommendations (?:for|on)\b":
        ('recommendations ',),
    r"\bguidance (?:on|for)\b":
        ('guidance ',),
    r"\b(?:treatment|medication) algorithm\b":
        (' algorithm',),
    r"\bdelphi\b":
        ('delphi',),
    r"\bexpert panel\b":
        ('expert panel',),
    r"\brecommendations were\b":
        ('recommendations were',),
    r"\bissued\b[^.]{0,40}recommendations":
        ('recommendations',),
    r"\brecommendations\b":
        ('recommendations',),
    r"\bscoping review\b":
        ('scoping review',),
    r"\bnarrative review\b":
        ('narrative review',),
    r"\bletter\b":
        ('letter',),
    r"\bviewpoint\b":
        ('viewpoint',),
    r"\bperspective\b":
        ('perspective',),
    r"\bstate of the art\b":
        ('state of the art',),
    r"\boverview\b":
        ('overview',),
    r"\bcritical review\b":
        ('critical review',),
    r"\bclinical review\b":
        ('clinical review',),
    r"\breview\b":
        ('review',),
    r"\ban update\b":
        ('an update',),
    r"\b(?:in )?this (?:review|article reviews|article traces|article discusses)\b":
        ('article discusses', 'article reviews', 'article traces', 'review'),
    r"\bwe (?:review|discuss|argue|summari[sz]e|write)\b":
        ('argue', 'discuss', 'review', 'summari', 'write'),
    r"\b(?:is|are) reviewed\b":
        (' reviewed',),
    r"\bwe (?:thank|appreciate)\b":
        ('appreciate', 'thank'),
    r"\breviews? (?:the|recent)\b":
        ('review',),
    r"\b(?:mechanisms|history|current status|future directions|open questions|promise|challenges|lessons|hype|where do we go|what next)\b":
        ('challenges', 'current status', 'future directions', 'history', 'hype', 'lessons', 'mechanisms', 'open questions', 'promise', 'what next', 'where do we go'),
    r"\?":
        ('?',),
    r"\bwe propose\b":
        ('we propose',),
    r"\b(?:participants|volunteers|outpatients|inpatients|we (?:recruited|enrolled))\b":
        ('enrolled', 'inpatients', 'outpatients', 'participants', 'recruited', 'volunteers'),
}

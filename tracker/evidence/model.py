"""A learned level classifier, and how its reading is combined with the rules' decision.

The model reads only a paper's title and abstract (TF-IDF words and word pairs, a logistic
regression, probabilities calibrated by cross-validation). It learns from papers NLM has indexed,
whose publication types give the label, and helps only where the rules are weakest: records not
yet indexed. The rules keep their reason as the explanation; the model's probability becomes the
confidence, and when the two disagree the confidence is lowered and the paper is marked.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, replace

from tracker.evidence.indexed import indexed
from tracker.evidence.levels import Classification, Level
from tracker.evidence.matching import fold
from tracker.evidence.text_rules import design_for
from tracker.records import PaperRecord

# On disagreement the rules' level is replaced only when the model is sure: its probabilities are
# calibrated, so 0.9 means right about nine times in ten, more than the text rules manage on
# papers written after them (0.72 held-out accuracy). A rule that matched only weak cues yields
# sooner.
WEAK_RULE_CONFIDENCE = 0.7  # below this a text rule matched only weak cues
MODEL_OVERRIDES_AT = 0.9  # model probability needed to replace the rules' level
MODEL_OVERRIDES_WEAK_AT = 0.8  # ... when the rule matched only weak cues
MODEL_ALONE_AT = 0.5  # model probability needed to give a level where no rule matched
DISAGREEMENT_FACTOR = 0.5  # confidence is the model's probability times this on disagreement
NOTICES = ("retraction", "erratum", "expression_of_concern")


def model_text(title: str, abstract: str) -> str:
    """What the model reads: title (twice, as it says most) and abstract, folded like the rules."""
    return fold(f"{title}\n{title}\n{abstract}")


@dataclass
class LevelModel:
    """A fitted pipeline with the levels it learnt; pickled whole into the store."""

    pipeline: object  # sklearn Pipeline: TfidfVectorizer -> CalibratedClassifierCV
    levels: tuple[Level, ...]
    version: str = "unsaved"  # set when the store saves it: "3" is the third model trained

    def probabilities(self, title: str, abstract: str) -> dict[Level, float]:
        """Probability of each learnt level for one paper."""
        return self.probabilities_many([(title, abstract)])[0]

    def probabilities_many(self, texts: Sequence[tuple[str, str]]) -> list[dict[Level, float]]:
        rows = self.pipeline.predict_proba([model_text(t, a) for t, a in texts])
        classes = [Level(c) for c in self.pipeline.classes_]
        return [dict(zip(classes, (float(p) for p in row), strict=True)) for row in rows]

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump(self, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @staticmethod
    def from_bytes(blob: bytes) -> LevelModel:
        """Only bytes this tracker wrote into its own store are ever loaded (pickle runs code)."""
        return pickle.loads(blob)


class BatchReading:
    """The model's reading of a batch of papers, computed in one call.

    One call for 500 papers costs about what ten single calls cost, so ingest and reclassify read
    each batch ahead; a paper outside the batch is read on its own.
    """

    def __init__(self, model: LevelModel, texts: Sequence[tuple[str, str]]):
        self.model = model
        self.version = model.version
        unique = list(dict.fromkeys(texts))
        self._read = dict(zip(unique, model.probabilities_many(unique), strict=True)
                          ) if unique else {}

    def probabilities(self, title: str, abstract: str) -> dict[Level, float]:
        found = self._read.get((title, abstract))
        return found if found is not None else self.model.probabilities(title, abstract)


def read_ahead(model: LevelModel | None, records: Sequence[PaperRecord]) -> BatchReading | None:
    """The model's reading of the not-yet-indexed records of a batch; None without a model."""
    if model is None:
        return None
    return BatchReading(model, [(r.title, r.abstract_text) for r in records if not indexed(r)])


def fit_level_model(texts: Sequence[tuple[str, str]], labels: Sequence[Level],
                    *, seed: int = 17) -> LevelModel:
    """Fit the model on (title, abstract) pairs and their levels; needs 3+ papers per level."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([
        ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.9, sublinear_tf=True,
                                  max_features=50_000)),
        ("classify", CalibratedClassifierCV(
            LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000,
                               random_state=seed),
            method="sigmoid", cv=3)),
    ])
    pipeline.fit([model_text(t, a) for t, a in texts], [level.value for level in labels])
    return LevelModel(pipeline, tuple(Level(c) for c in pipeline.classes_))


def combine(rules: Classification, probabilities: dict[Level, float], version: str, *,
            indexed: bool, title: str = "", abstract: str = "") -> Classification:
    """The rules' classification with the model's reading folded in (not-yet-indexed only).

    Indexed papers and notices are returned unchanged: their publication types decide.
    """
    if indexed or rules.notice_kind in NOTICES or not probabilities:
        return rules
    best, best_p = max(probabilities.items(), key=lambda item: item[1])
    tag = f"level model {version}"
    said = f"{tag}: {best.label.lower()} (p={best_p:.2f})"
    if rules.source == "none":
        if best_p < MODEL_ALONE_AT:
            return replace(rules, reason=f"{rules.reason}; {said}, too unsure to decide",
                           model_version=version)
        return replace(rules, level=best, source="model", confidence=round(best_p, 2),
                       reason=f"{said}; {rules.reason}", model_version=version,
                       design=design_for(best, fold(f"{title}\n{abstract}")))
    if rules.level not in probabilities:
        return replace(rules, reason=f"{rules.reason}; {tag} has not learnt this level",
                       model_version=version)
    if best is rules.level:
        return replace(rules, source=f"{rules.source}+model", confidence=round(best_p, 2),
                       reason=f"{rules.reason}; {tag} agrees (p={best_p:.2f})",
                       model_version=version)
    weak = rules.confidence < WEAK_RULE_CONFIDENCE
    if best_p >= (MODEL_OVERRIDES_WEAK_AT if weak else MODEL_OVERRIDES_AT):
        return replace(rules, level=best, source="model",
                       confidence=round(best_p * DISAGREEMENT_FACTOR, 2),
                       reason=f"{said}, over the {'weak ' if weak else ''}rule "
                              f"({rules.level.label.lower()}: {rules.reason})",
                       model_version=version, disagreement=True,
                       design=design_for(best, fold(f"{title}\n{abstract}")))
    rule_p = probabilities[rules.level]
    return replace(rules, source=f"{rules.source}+model",
                   confidence=round(rule_p * DISAGREEMENT_FACTOR, 2),
                   reason=f"{rules.reason}; {tag} disagrees: {best.label.lower()} "
                          f"(p={best_p:.2f})",
                   model_version=version, disagreement=True)

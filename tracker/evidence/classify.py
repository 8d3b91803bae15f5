"""classify(): one stored record in, one Classification out, with no I/O.

Order: notices first (they are not evidence), then publication types, then MeSH, then the text
rules. Because it reads only the stored record, every paper can be re-derived offline whenever
RULES_VERSION changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.evidence import indexed, notice_kinds
from tracker.evidence.extract import sample_size, trial_registry_ids
from tracker.evidence.levels import Classification, Level
from tracker.evidence.matching import fold
from tracker.evidence.text_rules import STRONG, choose, describe, design_for, find_hits
from tracker.records import PaperRecord

if TYPE_CHECKING:
    from tracker.evidence.model import BatchReading, LevelModel

NOTICE_CONFIDENCE = {"publication_type": 0.98, "text": 0.8}
REFINED_BONUS = 0.1  # text agreeing with a broad publication type
MAX_REFINED_CONFIDENCE = 0.95
INDEXED_TEXT_PENALTY = 0.05  # indexers saw the paper and gave it no design type


def classify(record: PaperRecord, model: LevelModel | BatchReading | None = None
             ) -> Classification:
    """The evidence level of a stored record, with its provenance and extracted facts.

    With a trained level model, a record not yet indexed gets the model's reading folded in
    (evidence/model.py); without one the rules decide alone.
    """
    facts = {
        "sample_size": sample_size(record.abstract_text),
        "trial_ids": trial_registry_ids(record),
        "retracted": notice_kinds.is_retracted(record),
    }
    kind, kind_reason = notice_kinds.notice_kind(record)
    facts["notice_kind"] = kind
    facts["notice_of"] = notice_kinds.notice_targets(record, kind)
    if kind in ("retraction", "erratum", "expression_of_concern"):
        source = "text" if kind_reason.startswith("title") else "publication_type"
        return Classification(Level.UNCLASSIFIED, source, NOTICE_CONFIDENCE[source],
                              f"{kind.replace('_', ' ')} notice: {kind_reason}", **facts)
    level, source, confidence, reason, design = _level(record, facts["sample_size"])
    found = Classification(level, source, confidence, reason, design=design, **facts)
    if model is None or indexed.indexed(record):
        return found
    from tracker.evidence.model import combine

    probabilities = model.probabilities(record.title, record.abstract_text)
    return combine(found, probabilities, model.version, indexed=False, title=record.title,
                   abstract=record.abstract_text)


def _status_note(record: PaperRecord) -> str:
    return f"status {record.status or 'unknown'}"


def _level(record: PaperRecord, size: int | None) -> tuple[Level, str, float, str, str | None]:
    words = fold(f"{record.title}\n{record.abstract_text}")
    is_indexed = indexed.indexed(record)

    matched = indexed.type_rule(record)
    if matched is not None:
        rule, pt = matched
        why = indexed.describe_type(pt)
        # The text is read only when it may narrow a broad type (Review, Clinical Trial...).
        hits = []
        if rule.refine_to:
            hits = find_hits(record.title, record.abstract_text, size, rule.refine_to)
        chosen = choose(hits)
        if chosen is not None:
            hit, text_confidence = chosen
            if hit.cue.level in rule.refine_to and hit.cue.strength == STRONG:
                level = hit.cue.level
                confidence = min(MAX_REFINED_CONFIDENCE, text_confidence + REFINED_BONUS)
                reason = f"{why}, narrowed by text: {describe(hit, hits)}"
                return level, "text", round(confidence, 2), reason, design_for(level, words)
        confidence = rule.confidence if is_indexed else rule.confidence * indexed.UNINDEXED_FACTOR
        if not is_indexed:
            why += f" (publisher-supplied, {_status_note(record)})"
        design = design_for(rule.level, words)
        if rule.level is Level.SYSTEMATIC_REVIEW and "network" in pt.name.lower():
            design = "network meta-analysis"
        return rule.level, "publication_type", round(confidence, 2), why, design

    from_mesh = indexed.mesh_rule(record)
    if from_mesh is not None:
        level, confidence, why = from_mesh
        return level, "mesh", confidence, why, design_for(level, words)

    hits = find_hits(record.title, record.abstract_text, size)
    chosen = choose(hits)
    if chosen is not None:
        hit, confidence = chosen
        level = hit.cue.level
        if is_indexed:
            confidence -= INDEXED_TEXT_PENALTY
            reason = (f"{describe(hit, hits)} ({_status_note(record)}: indexed without a design "
                      "publication type)")
        else:
            reason = f"{describe(hit, hits)} ({_status_note(record)}: not yet indexed)"
        return level, "text", round(confidence, 2), reason, design_for(level, words)

    reason = f"no informative publication type, MeSH or text cue ({_status_note(record)})"
    return Level.UNCLASSIFIED, "none", 0.0, reason, None

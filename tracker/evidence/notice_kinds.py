"""Notices and retractions: papers about other papers, linked to them rather than counted.

A notice (retraction, erratum, expression of concern, comment) carries no evidence of its own;
`notice_of` names the PMIDs it touches so the store can attach it to them.
"""

from __future__ import annotations

import re

from tracker.evidence import indexed
from tracker.records import PaperRecord

# The UI is the one tracker/notices.py uses; neither could be checked offline, so the name counts.
EXPRESSION_OF_CONCERN = "D000084862"
_EXPRESSION_OF_CONCERN_NAMES = {"expression of concern"}
_RETRACTION_NAMES = {"retraction of publication", "retraction notice"}

# The CommentsCorrections link a notice carries to the paper it is about.
TARGET_LINKS = {
    "retraction": ("RetractionOf",),
    "erratum": ("ErratumFor",),
    "expression_of_concern": ("ExpressionOfConcernFor",),
    "comment": ("CommentOn",),
}
RETRACTED_LINKS = ("RetractionIn", "RetractedandRepublishedIn")

# Titles that announce a notice, for records whose publication types say nothing yet.
_TITLE_NOTICES = (
    ("retraction", re.compile(r"^\s*(?:notice of retraction|retraction(?: notice)?)\b\s*(?:to|of|"
                              r"for|:)", re.IGNORECASE)),
    ("erratum", re.compile(r"^\s*(?:erratum|corrigendum|(?:author |publisher )?correction)\b\s*"
                           r"(?:to|in|for|on|:)", re.IGNORECASE)),
    ("expression_of_concern", re.compile(r"^\s*(?:editorial )?expression of concern\b",
                                         re.IGNORECASE)),
)
_RETRACTED_TITLE = re.compile(r"^\s*(?:retracted|withdrawn)(?: article)?\s*:", re.IGNORECASE)


def notice_kind(record: PaperRecord) -> tuple[str | None, str]:
    """The notice kind and why, from publication types, links, then the title."""
    links = {c.ref_type for c in record.comments_corrections}
    if indexed.has_type(record, {indexed.RETRACTION_NOTICE}, _RETRACTION_NAMES):
        return "retraction", "publication type D016440 Retraction of Publication"
    if indexed.has_type(record, {indexed.PUBLISHED_ERRATUM}, {"published erratum"}):
        return "erratum", "publication type D016425 Published Erratum"
    if indexed.has_type(record, {EXPRESSION_OF_CONCERN}, _EXPRESSION_OF_CONCERN_NAMES):
        return "expression_of_concern", "publication type Expression of Concern"
    for kind, pattern in _TITLE_NOTICES:
        if pattern.search(record.title):
            return kind, f'title reads as a notice ("{record.title[:40]}")'
    if indexed.has_type(record, {indexed.COMMENT}, {"comment"}) or (
        "CommentOn" in links
        and indexed.has_type(record, {indexed.LETTER, indexed.EDITORIAL}, {"letter", "editorial"})
    ):
        return "comment", "comment on another paper (publication type and CommentOn link)"
    return None, ""


def notice_targets(record: PaperRecord, kind: str | None) -> tuple[str, ...]:
    if kind is None:
        return ()
    wanted = TARGET_LINKS[kind]
    return tuple(dict.fromkeys(
        c.pmid for c in record.comments_corrections if c.ref_type in wanted and c.pmid
    ))


def is_retracted(record: PaperRecord) -> bool:
    """Retracted Publication type, a RetractionIn link, or a "RETRACTED:" title."""
    if indexed.has_type(record, {indexed.RETRACTED_PUBLICATION}, {"retracted publication"}):
        return True
    if any(c.ref_type in RETRACTED_LINKS for c in record.comments_corrections):
        return True
    return bool(_RETRACTED_TITLE.search(record.title))

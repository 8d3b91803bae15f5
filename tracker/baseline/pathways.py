"""Pathways as query targets: each pathway's own PubMed query, polled like a therapy's.

A pathway's papers are the ones its query finds (biomarker, mechanism, imaging and preclinical
studies as well as trials), not the papers of the therapies said to act on it. To be polled, with
its own watermark, it travels through the pipeline as a Therapy value whose id carries the
`pathway:` prefix (therapy ids cannot contain a colon, so the two never collide) and whose
category is "pathway".
"""

from __future__ import annotations

from tracker.baseline.seeds import Pathway, Therapy

PATHWAY_PREFIX = "pathway:"
PATHWAY_CATEGORY = "pathway"


def target_id(pathway_id: str) -> str:
    return f"{PATHWAY_PREFIX}{pathway_id}"


def is_pathway_target(target_id_: str) -> bool:
    return target_id_.startswith(PATHWAY_PREFIX)


def pathway_id(target: str) -> str:
    return target.removeprefix(PATHWAY_PREFIX)


def pathway_target(pathway: Pathway, condition_query: str) -> Therapy:
    """The pathway as one more query target: its query ANDed with the TRD clause."""
    return Therapy(
        id=target_id(pathway.id), name=pathway.name, category=PATHWAY_CATEGORY,
        status="pathway", query=pathway.query, aliases=pathway.markers,
        pathways=(pathway.id,), condition_query=condition_query,
    )

"""The baseline: the therapies, pathways, documents and references the seed documents give.

Read from `seeds/*.toml` into plain frozen values; nothing here touches the network or the database.
"""

from tracker.baseline.pathways import (
    PATHWAY_CATEGORY,
    PATHWAY_PREFIX,
    is_pathway_target,
    pathway_id,
    target_id,
)
from tracker.baseline.seeds import (
    Baseline,
    Document,
    Pathway,
    Reference,
    Therapy,
    load_baseline,
    load_references,
    therapies_mentioned,
)

__all__ = [
    "PATHWAY_CATEGORY",
    "PATHWAY_PREFIX",
    "Baseline",
    "Document",
    "Pathway",
    "Reference",
    "Therapy",
    "is_pathway_target",
    "load_baseline",
    "load_references",
    "pathway_id",
    "target_id",
    "therapies_mentioned",
]

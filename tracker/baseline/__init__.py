"""The baseline: the therapies, pathways, documents and references the seed documents give.

Read from `seeds/*.toml` into plain frozen values; nothing here touches the network or the database.
"""

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
    "Baseline",
    "Document",
    "Pathway",
    "Reference",
    "Therapy",
    "load_baseline",
    "load_references",
    "therapies_mentioned",
]

"""Benchmark tracker.evidence: text-rule quality on a labelled set, and classification speed.

    .venv/bin/python bench/bench_classify.py [--seconds 2]

Quality: the text rules alone (publication types hidden, as for a record MEDLINE has not indexed)
on bench/labelled_evidence.py, per level and overall, for the development set (written before
the rules), the held-out set (written after them, never used for tuning) and both together.
Speed: classify() on PaperRecords built from the labelled set, unindexed (Journal Article only,
so every record goes through the text rules: the slow path) and indexed with an RCT publication
type (the fast path), and classify_text() alone.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.labelled_evidence import DEV, HELD_OUT  # noqa: E402
from tracker.evidence import LEVELS_BY_RANK, RULES_VERSION, classify, classify_text  # noqa: E402
from tracker.records import AbstractSection, PaperRecord, PublicationType  # noqa: E402


def quality(name: str, items: list[tuple[str, str, str]]) -> None:
    """Print precision and recall per level, accuracy, and the misses."""
    predicted = [classify_text(title, abstract).level.value for _, title, abstract in items]
    truths = [truth for truth, _, _ in items]
    tp, fp, fn = Counter(), Counter(), Counter()
    for truth, guess in zip(truths, predicted, strict=True):
        if truth == guess:
            tp[truth] += 1
        else:
            fp[guess] += 1
            fn[truth] += 1
    print(f"\n== {name}: {len(items)} items ==")
    print(f"{'level':22} {'n':>4} {'precision':>10} {'recall':>8}")
    for level in LEVELS_BY_RANK:
        slug = level.value
        support = tp[slug] + fn[slug]
        called = tp[slug] + fp[slug]
        precision = f"{tp[slug] / called:.2f}" if called else "-"
        recall = f"{tp[slug] / support:.2f}" if support else "-"
        print(f"{slug:22} {support:>4} {precision:>10} {recall:>8}")
    right = sum(tp.values())
    print(f"accuracy: {right}/{len(items)} = {right / len(items):.3f}")
    for (truth, title, _), guess in zip(items, predicted, strict=True):
        if truth != guess:
            print(f"  miss: {truth} -> {guess}: {title[:70]}")


def as_record(number: int, title: str, abstract: str, rct_type: bool = False) -> PaperRecord:
    """Unindexed with Journal Article only, or indexed with the RCT type (the fast path)."""
    types = (PublicationType("D016428", "Journal Article"),)
    if rct_type:
        types += (PublicationType("D016449", "Randomized Controlled Trial"),)
    return PaperRecord(
        pmid=str(40_000_000 + number), status="MEDLINE" if rct_type else "Publisher",
        title=title, abstract=(AbstractSection(abstract),) if abstract else (),
        publication_types=types,
    )


def throughput(label: str, func, inputs: list, seconds: float) -> None:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for item in inputs:
            func(item)
        done += len(inputs)
    elapsed = time.perf_counter() - start
    print(f"{label}: {done / elapsed:,.0f} records/s ({done} in {elapsed:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per speed measurement")
    args = parser.parse_args()

    print(f"rules version {RULES_VERSION}")
    quality("development set (written before the rules)", DEV)
    quality("held-out set (written after the rules)", HELD_OUT)
    quality("both", DEV + HELD_OUT)

    items = DEV + HELD_OUT
    records = [as_record(i, t, a) for i, (_, t, a) in enumerate(items)]
    typed = [as_record(i, t, a, rct_type=True) for i, (_, t, a) in enumerate(items)]
    pairs = [(t, a) for _, t, a in items]
    print()
    throughput("classify() on unindexed records", classify, records, args.seconds)
    throughput("classify() on indexed RCT records", classify, typed, args.seconds)
    throughput("classify_text() alone", lambda pair: classify_text(*pair), pairs, args.seconds)


if __name__ == "__main__":
    main()

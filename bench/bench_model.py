"""Benchmark the level model: rules alone, model alone and both, with publication types hidden.

    .venv/bin/python bench/bench_model.py [--train 3000] [--test 1500]

The model is fitted (as `tracker classifier train` fits it) on generated papers standing in for
the store's indexed ones, then scored on papers it never saw, as for records MEDLINE has not
indexed yet:
  - the generated test part (bench/labelled_generated.py; another seed, and phrasings kept out
    of training), written independently of the text rules and never used to tune them;
  - the hand-written held-out set of bench/labelled_evidence.py (written after the rules were
    frozen), and its development set (the rules were shaped on it, the model never saw it).
The goal (issue 17): RCT and systematic-review recall >= 0.95 at precision >= 0.9.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.labelled_evidence import DEV, HELD_OUT  # noqa: E402
from bench.labelled_generated import generate  # noqa: E402
from tracker.evidence import LEVELS_BY_RANK, Level, classify_text  # noqa: E402
from tracker.evidence.model import combine, fit_level_model  # noqa: E402
from tracker.evidence.training import score  # noqa: E402

GOAL_LEVELS = (Level.RCT, Level.SYSTEMATIC_REVIEW)


def predictions(model, items):
    """Rules alone, model alone and both, for (level, title, abstract) items."""
    texts = [(title, abstract) for _, title, abstract in items]
    probabilities = model.probabilities_many(texts)
    rules = [classify_text(title, abstract) for title, abstract in texts]
    return {
        "rules": [r.level for r in rules],
        "model": [max(p.items(), key=lambda item: item[1])[0] for p in probabilities],
        "both": [combine(r, p, model.version, indexed=False, title=t, abstract=a).level
                 for r, p, (t, a) in zip(rules, probabilities, texts, strict=True)],
    }


def report(name: str, model, items) -> None:
    truth = [Level(level) for level, _, _ in items]
    said = predictions(model, items)
    levels = [level for level in LEVELS_BY_RANK if level in set(truth)]
    scores = {who: score(truth, guesses, levels) for who, guesses in said.items()}
    print(f"\n== {name}: {len(items)} papers, publication types hidden ==")
    print(f"{'level':22} {'n':>5}  {'rules P/R':>11}  {'model P/R':>11}  {'both P/R':>11}")
    for level in levels:
        cells = []
        for who in ("rules", "model", "both"):
            figures = scores[who]["levels"][level.value]
            cells.append(f"{_f(figures['precision'])}/{_f(figures['recall'])}")
        support = scores["rules"]["levels"][level.value]["support"]
        print(f"{level.value:22} {support:>5}  " + "  ".join(f"{c:>11}" for c in cells))
    print(f"{'accuracy':22} {'':>5}  " + "  ".join(
        f"{_f(scores[who]['accuracy']):>11}" for who in ("rules", "model", "both")))
    for level in GOAL_LEVELS:
        figures = scores["both"]["levels"].get(level.value)
        if figures:
            met = ((figures["recall"] or 0) >= 0.95 and (figures["precision"] or 0) >= 0.9)
            print(f"goal {level.value}: both P {_f(figures['precision'])} R "
                  f"{_f(figures['recall'])} -> {'met' if met else 'NOT met'}")


def _f(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=3000, help="generated training papers")
    parser.add_argument("--test", type=int, default=1500, help="generated test papers")
    parser.add_argument("--test-seed", type=int, default=2,
                        help="seed of the generated test part (2 is the reported one)")
    args = parser.parse_args()

    train = generate(args.train, seed=1, part="train")
    test = generate(args.test, seed=args.test_seed, part="test")
    started = time.perf_counter()
    model = fit_level_model([(t, a) for _, t, a in train], [Level(lv) for lv, _, _ in train])
    fitted = time.perf_counter() - started
    model.version = "bench"
    size = len(model.to_bytes())
    learnt = ", ".join(level.value for level in model.levels)
    print(f"fitted on {len(train)} generated papers in {fitted:.1f} s; "
          f"pickled model {size / 1e6:.1f} MB; levels: {learnt}")

    report("generated test part (unseen phrasings)", model, test)
    report("hand-written held-out set", model, HELD_OUT)
    report("hand-written development set (rules shaped on it)", model, DEV)

    texts = [(t, a) for _, t, a in test]
    started = time.perf_counter()
    model.probabilities_many(texts)
    batched = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    for title, abstract in texts[:200]:
        model.probabilities(title, abstract)
    one_by_one = 200 / (time.perf_counter() - started)
    print(f"\nmodel throughput: {batched:,.0f} papers/s read as one batch (ingest and "
          f"reclassify); {one_by_one:,.0f} papers/s one at a time")

if __name__ == "__main__":
    main()

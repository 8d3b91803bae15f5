"""Benchmark duplicate matching (tracker.evidence.duplicate_match): speed at store scale, and

    .venv/bin/python bench/bench_dedupe.py [--stored 100000] [--incoming 5000] [--seed 7]

Speed: fingerprint and index `--stored` synthetic papers, then check `--incoming` new ones (a tenth
of them planted duplicates of stored papers, made the ways PubMed makes them). Quality: the
labelled set in bench/labelled_duplicates.py, pair by pair and as one pool.
"""

from __future__ import annotations

import argparse
import random
import string
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.labelled_duplicates import labelled_records  # noqa: E402
from tracker.evidence.duplicate_match import (  # noqa: E402
    DuplicateIndex,
    find_duplicates,
    fingerprint,
    is_notice,
)
from tracker.records import Author, PaperRecord, PartialDate, PublicationType  # noqa: E402

THERAPIES = [
    "ketamine", "esketamine", "intravenous ketamine", "psilocybin", "LSD", "rTMS",
    "theta-burst stimulation", "deep brain stimulation", "vagus nerve stimulation", "tDCS",
    "focused ultrasound", "electroconvulsive therapy", "lithium augmentation", "aripiprazole",
    "brexpiprazole", "quetiapine augmentation", "cognitive behavioural therapy",
    "mindfulness-based cognitive therapy", "digital CBT", "pharmacogenomic testing",
    "nitrous oxide", "zuranolone", "bupropion", "pramipexole", "real-time fMRI neurofeedback",
    "magnetic seizure therapy", "ketamine-assisted psychotherapy", "transcutaneous VNS",
]
DESIGNS = [
    "a randomized controlled trial", "a randomised, double-blind, placebo-controlled trial",
    "an open-label pilot study", "a systematic review and meta-analysis",
    "a network meta-analysis", "a retrospective cohort study", "a naturalistic study",
    "secondary analysis of a randomized trial", "a case series", "a narrative review",
    "a multicentre observational study", "post hoc analysis of phase 3 trials",
]
POPULATIONS = [
    "treatment-resistant depression", "treatment-resistant major depressive disorder",
    "bipolar depression", "late-life depression", "adolescents with resistant depression",
    "veterans with treatment-resistant depression", "suicidal ideation",
    "postpartum depression", "depression with anxious distress", "chronic depression",
]
OUTCOMES = [
    "response and remission", "suicidal ideation", "cognitive function", "relapse prevention",
    "functional connectivity", "plasma BDNF", "inflammatory markers", "sleep quality",
    "anhedonia", "quality of life", "dissociative symptoms", "cost-effectiveness",
]
TEMPLATES = [
    "{therapy} for {population}: {design}",
    "Effects of {therapy} on {outcome} in {population}: {design}",
    "{therapy} versus {therapy2} in {population}",
    "{Specific} and {outcome} after {therapy} in {population}",
    "Predictors of {outcome} with {therapy} in {population}: {design}",
    "{therapy} and {Specific} in {population}",
    "Long-term {outcome} following {therapy} for {population}",
    "{Specific} as a biomarker of {therapy} response in {population}",
]
SURNAMES = [
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Kim", "Lee",
    "Park", "Nguyen", "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
    "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Müller", "Schmidt", "Schneider", "Fischer",
    "Rossi", "Russo", "Ferrari", "Silva", "Santos", "Oliveira", "Kumar", "Singh", "Sharma",
    "Tanaka", "Suzuki", "Sato", "Takahashi", "Yamamoto", "Novak", "Kowalski", "Ivanov",
]


def pseudo_word(rng: random.Random) -> str:
    syllables = ["ka", "ri", "no", "ste", "lu", "mar", "vi", "do", "sen", "tra", "po", "gel"]
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))


class Synthesizer:
    """Realistic-looking TRD records: templated titles, skewed surnames, a long tail of terms."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.specific = [pseudo_word(self.rng).upper()[:5] + str(n % 10) for n in range(4000)]
        self.specific += [pseudo_word(self.rng) for _ in range(8000)]
        self.rare_names = [pseudo_word(self.rng).capitalize() for _ in range(20000)]
        self.surname_weights = [1 / (rank + 1) for rank in range(len(SURNAMES))]

    def surname(self) -> str:
        if self.rng.random() < 0.3:  # the most common surnames head about a third of papers
            return self.rng.choices(SURNAMES, weights=self.surname_weights)[0]
        return self.rng.choice(self.rare_names)

    def title(self) -> str:
        rng = self.rng
        text = rng.choice(TEMPLATES).format(
            therapy=rng.choice(THERAPIES), therapy2=rng.choice(THERAPIES),
            population=rng.choice(POPULATIONS), design=rng.choice(DESIGNS),
            outcome=rng.choice(OUTCOMES), Specific=rng.choice(self.specific),
        )
        if rng.random() < 0.6:  # most real titles carry some study-specific words
            extra = " ".join(rng.choice(self.specific) for _ in range(rng.randint(1, 3)))
            text = f"{text} ({extra})"
        return text[0].upper() + text[1:]

    def year(self) -> int:
        return self.rng.choices(range(1995, 2026), weights=[1 + i for i in range(31)])[0]

    def record(self, n: int) -> PaperRecord:
        rng = self.rng
        year = self.year()
        notice = rng.random() < 0.03
        return PaperRecord(
            pmid=str(20_000_000 + n),
            title=("Erratum: " if notice else "") + self.title(),
            authors=(Author(last_name=self.surname(), initials="A"),),
            pub_date=PartialDate(year=year),
            electronic_date=date(year, rng.randint(1, 12), 1) if rng.random() < 0.5 else None,
            publication_types=(PublicationType("D016425" if notice else "D016428", ""),),
            doi=f"10.{rng.randint(1000, 9999)}/{n}" if rng.random() < 0.85 else None,
            pmcid=f"PMC{5_000_000 + n}" if rng.random() < 0.3 else None,
        )


def synthetic_corpus(count: int, seed: int) -> tuple[list[PaperRecord], str]:
    """The demo's synthetic records when that module exists, with our titles, authors and years.

    tracker.demo.synth gives realistic record shapes (markup, notices and their links, DOIs,
    PMCIDs) but draws titles from a few dozen patterns, first authors from 24 names and dates from
    one year: at 100,000 records most would be true title duplicates of each other. So articles
    get a title, first author and year from the generator here; notices keep theirs.
    """
    synth = Synthesizer(seed)
    try:
        from tracker.demo.synth import synthetic_records
    except ImportError:
        return [synth.record(n) for n in range(count)], "bench generator"
    out = []
    for record in synthetic_records(count, seed=seed):
        if not is_notice(record):
            year = synth.year()
            authors = (Author(last_name=synth.surname(), initials="A"), *record.authors[1:])
            electronic = record.electronic_date and record.electronic_date.replace(year=year)
            record = replace(record, title=synth.title(), authors=authors,
                             pub_date=PartialDate(year=year), electronic_date=electronic)
        out.append(record)
    return out, "tracker.demo.synth, with bench titles, first authors and years"


def planted_duplicate(rng: random.Random, record: PaperRecord, n: int) -> tuple[PaperRecord, str]:
    """A second PubMed record of the same article, made one of the ways that happens."""
    pmid = str(80_000_000 + n)
    way = rng.choice(["doi", "pmcid", "title-edit", "print-epub"])
    if way == "doi" and record.doi:
        return replace(record, pmid=pmid, doi="https://doi.org/" + record.doi.upper()), way
    if way == "pmcid" and record.pmcid:
        return replace(record, pmid=pmid, doi=None, pmcid=record.pmcid.lower()), way
    if way == "print-epub":
        year = (record.pub_date.year or 2020) + 1
        return replace(record, pmid=pmid, doi=None, pmcid=None,
                       pub_date=PartialDate(year=year)), way
    title = record.title.replace(":", ".").replace("randomized", "randomised")
    if rng.random() < 0.5:
        i = rng.randrange(len(title))
        title = title[:i] + rng.choice(string.ascii_lowercase) + title[i + 1:]
    return replace(record, pmid=pmid, doi=None, pmcid=None, title=f"<i>{title}</i>"), "title-edit"


def bench_speed(stored_count: int, incoming_count: int, seed: int) -> None:
    rng = random.Random(seed)
    corpus, source = synthetic_corpus(stored_count + incoming_count, seed)
    stored, fresh = corpus[:stored_count], corpus[stored_count:]
    planted = {}
    for n in range(incoming_count // 10):
        original_id = rng.randrange(stored_count)
        if is_notice(stored[original_id]):
            continue
        dup, way = planted_duplicate(rng, stored[original_id], n)
        fresh[n] = dup
        planted[stored_count + n] = (original_id, way)

    start = time.perf_counter()
    stored_fps = [fingerprint(i, r) for i, r in enumerate(stored)]
    t_fp = time.perf_counter() - start
    start = time.perf_counter()
    index = DuplicateIndex(stored_fps)
    t_index = time.perf_counter() - start
    incoming_fps = [fingerprint(stored_count + i, r) for i, r in enumerate(fresh)]
    sizes = [len(index.candidates(fp)) for fp in incoming_fps]
    start = time.perf_counter()
    found = find_duplicates(incoming_fps, index)
    t_check = time.perf_counter() - start

    hits = {(m.paper_id, m.other_id) for m in found}
    caught = Counter(way for pid, (oid, way) in planted.items() if (pid, oid) in hits)
    ways = Counter(way for _, way in planted.values())
    extra = [m for m in found if planted.get(m.paper_id, (None,))[0] != m.other_id]
    sizes.sort()
    print(f"speed: {stored_count:,} stored, {incoming_count:,} incoming (records from {source})")
    print(f"  fingerprint {stored_count:,} records  {t_fp:6.2f} s "
          f"({stored_count / t_fp:,.0f}/s)")
    print(f"  build index                {t_index:6.2f} s")
    print(f"  check {incoming_count:,} incoming     {t_check:6.2f} s "
          f"({t_check / incoming_count * 1e3:.2f} ms each)")
    print(f"  title comparisons {index.comparisons:,} "
          f"(all pairs would be {stored_count * incoming_count:,}); candidates per paper "
          f"median {sizes[len(sizes) // 2]}, p99 {sizes[int(len(sizes) * 0.99)]}, "
          f"max {sizes[-1]}")
    print(f"  planted duplicates found {sum(caught.values())}/{len(planted)}: "
          + ", ".join(f"{w} {caught[w]}/{ways[w]}" for w in sorted(ways)))
    print(f"  other matches reported {len(extra)} "
          f"({Counter(m.kind for m in extra)})")


def _pairs_within(groups: dict[str, list[int]]) -> set[tuple[int, int]]:
    out = set()
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                out.add((min(a, b), max(a, b)))
    return out


def _clusters(ids: list[int], edges: list[tuple[int, int]]) -> dict[str, list[int]]:
    parent = {i: i for i in ids}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        parent[root(a)] = root(b)
    groups: dict[str, list[int]] = defaultdict(list)
    for i in ids:
        groups[str(root(i))].append(i)
    return groups


def _pr(predicted: set, truth: set) -> tuple[float, float, int, int, int]:
    tp = len(predicted & truth)
    fp, fn = len(predicted - truth), len(truth - predicted)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def bench_quality() -> None:
    items = labelled_records()
    by_pmid = {item.record.pmid: i for i, item in enumerate(items)}
    fps = [fingerprint(i, item.record) for i, item in enumerate(items)]
    print(f"\nquality: {len(items)} labelled records, "
          f"{sum(item.duplicate for item in items)} duplicates of their base, "
          f"{sum(not item.duplicate and item.kind != 'base' for item in items)} hard negatives")

    print("  pair by pair (variant checked against its base alone), threshold 90:")
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for threshold in (80.0, 85.0, 90.0, 95.0):
        predicted, truth = set(), set()
        for i, item in enumerate(items):
            if item.kind == "base":
                continue
            base_id = by_pmid[item.base_pmid]
            pair = (base_id, i)
            if item.duplicate:
                truth.add(pair)
            if DuplicateIndex([fps[base_id]]).matches(fps[i], threshold=threshold):
                predicted.add(pair)
                if threshold == 90.0:
                    rows[item.kind][0] += 1
            if threshold == 90.0:
                rows[item.kind][1] += 1
        if threshold == 90.0:
            for item_kind in dict.fromkeys(item.kind for item in items if item.kind != "base"):
                duplicate = next(it.duplicate for it in items if it.kind == item_kind)
                matched, total = rows[item_kind]
                label = "duplicate  " if duplicate else "not dup    "
                print(f"    {label}{item_kind:26s} matched {matched:2d}/{total}")
        precision, recall, tp, fp, fn = _pr(predicted, truth)
        print(f"  pairs at threshold {threshold:.0f}: precision {precision:.3f} recall "
              f"{recall:.3f} (tp {tp}, fp {fp}, fn {fn})")

    index = DuplicateIndex()
    found = find_duplicates(fps, index)
    truth_groups: dict[str, list[int]] = defaultdict(list)
    for i, item in enumerate(items):
        truth_groups[item.work].append(i)
    truth = _pairs_within(truth_groups)
    direct = {(min(m.paper_id, m.other_id), max(m.paper_id, m.other_id)) for m in found}
    closed = _pairs_within(_clusters(list(range(len(items))), list(direct)))
    for name, predicted in (("direct matches", direct), ("merged clusters", closed)):
        precision, recall, tp, fp, fn = _pr(predicted, truth)
        print(f"  pool of all {len(items)} records, {name}: precision {precision:.3f} "
              f"recall {recall:.3f} (tp {tp}, fp {fp}, fn {fn})")
    wrong = [m for m in found if (min(m.paper_id, m.other_id), max(m.paper_id, m.other_id))
             not in truth]
    for m in wrong[:10]:
        print(f"    false: {items[m.paper_id].kind} ~ {items[m.other_id].kind} "
              f"{m.kind} {m.score}: {m.reason}")
    print(f"  comparisons in the pool: {index.comparisons} "
          f"(all pairs {len(items) * (len(items) - 1) // 2})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--incoming", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    bench_quality()
    print()
    bench_speed(args.stored, args.incoming, args.seed)


if __name__ == "__main__":
    main()

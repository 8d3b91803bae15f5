"""How fast and how lean is EFetch parsing? Prints records/s and peak memory per parser.

    .venv/bin/python bench/bench_parse.py [--records 50000] [--entrez-records 5000]

Parsers over the same synthetic EFetch answer (written to bench/output/):
  iterparse      lxml iterparse, no field extraction: reading the XML alone
  fields         bench/lxml_fields.py, a single-pass iterparse pulling the fields as strings:
                 the floor tracker's parser is measured against
  iter_records   tracker.pubmed.parse, every PaperRecord field filled
  Bio.Entrez     Entrez.read on the first --entrez-records records, extrapolated
Each runs in its own subprocess so that its peak RSS (ru_maxrss) is its own. CPU seconds are
printed beside wall seconds: on a shared machine the wall clock also counts other people's work.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "bench" / "output"
sys.path.insert(0, str(ROOT / "bench"))

from ratios import ratio_line  # noqa: E402

GOAL_VS_FLOOR = 0.6  # records/s of the lxml floor's
GOAL_VS_ENTREZ = 3.0  # times the records/s of Bio.Entrez.read (earlier 3-7x)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--entrez-records", type=int, default=5_000)
    args = parser.parse_args()

    OUTPUT.mkdir(parents=True, exist_ok=True)
    full = OUTPUT / f"efetch_{args.records}.xml"
    small = OUTPUT / f"efetch_{args.entrez_records}.xml"
    started = time.perf_counter()
    generate(full, args.records)
    generate(small, args.entrez_records)
    print(f"generated {args.records:,} + {args.entrez_records:,} synthetic records in "
          f"{time.perf_counter() - started:.1f} s; answer size {full.stat().st_size / 1e6:.0f} MB")

    rows = [
        ("lxml field extractor (floor)", measure("fields", full)),
        ("lxml iterparse, no fields", measure("floor", full)),
        ("iter_records", measure("iter_records", full)),
        ("iter_records (small file)", measure("iter_records", small)),
        ("Bio.Entrez.read", measure("entrez", small)),
    ]
    floor_rate = rows[0][1]["rate"]
    floor_cpu_rate = rows[0][1]["records"] / rows[0][1]["cpu_seconds"]
    print(f"{'parser':28} {'records':>8} {'seconds':>8} {'records/s':>10} {'of floor':>8} "
          f"{'CPU s':>7} {'rec/CPU s':>10} {'of floor':>8} {'peak RSS MB':>11}")
    for name, result in rows:
        cpu_rate = result["records"] / result["cpu_seconds"]
        print(f"{name:28} {result['records']:>8,} {result['seconds']:>8.2f} "
              f"{result['rate']:>10,.0f} {result['rate'] / floor_rate:>8.0%} "
              f"{result['cpu_seconds']:>7.2f} {cpu_rate:>10,.0f} {cpu_rate / floor_cpu_rate:>8.0%} "
              f"{result['peak_mb']:>11.0f}")
    entrez = rows[4][1]
    print(f"Bio.Entrez.read extrapolated to {args.records:,} records: "
          f"{args.records / entrez['rate']:.0f} s, memory grows with the answer "
          f"(~{entrez['peak_mb']:.0f} MB for {entrez['records']:,} records)")
    ours, small_ours = rows[2][1], rows[3][1]
    ratio = ours["rate"] / floor_rate
    ratio_line("parse vs lxml field extractor", value=ours["rate"], anchor=floor_rate,
               unit="records/s",
               goal=f">= {GOAL_VS_FLOOR}x", met=ratio >= GOAL_VS_FLOOR,
               detail=f"{args.records:,} records, wall clock")
    cpu_ratio = (ours["records"] / ours["cpu_seconds"]) / floor_cpu_rate
    ratio_line("parse vs lxml field extractor, CPU",
               value=ours["records"] / ours["cpu_seconds"],
               anchor=floor_cpu_rate, unit="records/CPU s", goal=f">= {GOAL_VS_FLOOR}x",
               met=cpu_ratio >= GOAL_VS_FLOOR, detail=f"{args.records:,} records")
    ratio = small_ours["rate"] / entrez["rate"]
    ratio_line("parse vs Bio.Entrez.read", value=small_ours["rate"], anchor=entrez["rate"],
               unit="records/s", goal=f">= {GOAL_VS_ENTREZ:g}x", met=ratio >= GOAL_VS_ENTREZ,
               detail=f"{entrez['records']:,} records")
    # Memory: ours streams a fixed window of the answer, Entrez.read holds all of it. Entrez's
    # peak at the full size: the bare interpreter's (the floor process's), plus what it held
    # above that at the small size, scaled by the record count.
    base_mb = rows[1][1]["peak_mb"]
    entrez_full_mb = base_mb + (entrez["peak_mb"] - base_mb) * args.records / entrez["records"]
    ratio_line("parse peak memory vs Bio.Entrez.read", value=ours["peak_mb"],
               anchor=entrez_full_mb, unit="MB", goal="<= 1/100 (earlier 1/140)",
               met=ours["peak_mb"] / entrez_full_mb <= 0.01,
               detail=f"{args.records:,} records; Entrez's from {entrez['records']:,}, "
                      "scaled by the record count")


def generate(path: Path, count: int) -> None:
    if path.is_file():
        return
    from tracker.demo.synth import synthetic_records
    from tracker.pubmed.xmlwrite import write_articleset

    partial = path.with_suffix(".partial")
    with open(partial, "wb") as out:
        write_articleset(synthetic_records(count), out)
    partial.rename(path)


def measure(kind: str, path: Path) -> dict:
    """Run one parser in a fresh interpreter; it prints its own figures as JSON."""
    done = subprocess.run(
        [sys.executable, __file__, "--run", kind, str(path)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(kind: str, path: Path) -> None:
    from lxml import etree

    started, started_cpu = time.perf_counter(), time.process_time()
    if kind == "floor":
        events = etree.iterparse(
            str(path), events=("end",), tag=("PubmedArticle", "PubmedBookArticle"),
            no_network=True, resolve_entities=False, load_dtd=False, huge_tree=True,
        )
        count = 0
        for count, (_event, element) in enumerate(events, 1):  # noqa: B007 - count is used after
            element.clear(keep_tail=True)
            while element.getprevious() is not None:
                del element.getparent()[0]
    elif kind == "fields":
        from lxml_fields import iter_fields

        count = sum(1 for _ in iter_fields(path))
    elif kind == "iter_records":
        from tracker.pubmed.parse import iter_records

        count = sum(1 for _ in iter_records(path))
    elif kind == "entrez":
        from tracker.pubmed import entrez

        answer = entrez.read(path.read_bytes())
        count = len(answer["PubmedArticle"]) + len(answer["PubmedBookArticle"])
    else:
        raise SystemExit(f"unknown parser {kind}")
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - started_cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"records": count, "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "rate": count / seconds, "peak_mb": peak_mb}))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    if len(sys.argv) == 4 and sys.argv[1] == "--run":
        run(sys.argv[2], Path(sys.argv[3]))
    else:
        main()

"""Precision and recall of every therapy's query on the query test set (bench/query_cases.py).

    .venv/bin/python bench/bench_queries.py [--seeds DIR] [--extra]

Each therapy's full query (intervention AND the TRD clause) is sent as an ESearch to the local
E-utilities server holding the test records, so PubMed's query syntax is evaluated as the server
evaluates it; the records found then go through the therapy's post-filters. Printed per therapy:
precision and recall of the query alone and after the post-filters, and the VNS variant tags.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.query_cases import CASES, records  # noqa: E402
from tracker.baseline import load_baseline  # noqa: E402
from tracker.config import default_seeds_dir, load_settings  # noqa: E402
from tracker.evidence import LinkText, screen  # noqa: E402
from tracker.evidence.post_filters import title_therapies  # noqa: E402

WINDOW = (date(2025, 1, 1), date(2025, 6, 30))


@dataclass(frozen=True)
class Score:
    therapy: str
    relevant: int
    found: int  # by the query
    kept: int  # after the post-filters
    query_hits: int  # relevant among found
    kept_hits: int  # relevant among kept
    dropped: tuple[tuple[str, str], ...]  # (pmid, reason)
    tags: tuple[tuple[str, str], ...]  # (pmid, tag)

    @staticmethod
    def ratio(hits: int, total: int) -> float:
        return hits / total if total else 1.0

    @property
    def query_precision(self) -> float:
        return self.ratio(self.query_hits, self.found)

    @property
    def precision(self) -> float:
        return self.ratio(self.kept_hits, self.kept)

    @property
    def recall(self) -> float:
        return self.ratio(self.kept_hits, self.relevant)


def measure(baseline, eutils_url: str) -> list[Score]:
    """Search each therapy on the server at eutils_url, post-filter, score against the labels."""
    from tracker.pubmed.eutils import EutilsClient

    settings = load_settings(environ={}, eutils_url=eutils_url, email="bench@example.org",
                             requests_per_second=50.0)
    client = EutilsClient(settings)
    cases = {c.pmid: c for c in CASES}
    scores = []
    for therapy in baseline.therapies:
        found = set(client.search_ids(therapy.full_query, WINDOW).ids)
        relevant = {p for p, c in cases.items() if therapy.id in c.expected}
        kept, dropped, tags = set(), [], []
        for pmid in sorted(found):
            c = cases[pmid]
            text = LinkText(c.title, c.abstract, c.mesh + c.major)
            verdict = screen(therapy.id, text, title_therapies(c.title, baseline.therapies))
            if verdict and verdict.dropped:
                dropped.append((pmid, verdict.reason))
                continue
            kept.add(pmid)
            if verdict and verdict.tag:
                tags.append((pmid, verdict.tag))
        scores.append(Score(
            therapy=therapy.id, relevant=len(relevant), found=len(found), kept=len(kept),
            query_hits=len(found & relevant), kept_hits=len(kept & relevant),
            dropped=tuple(dropped), tags=tuple(tags),
        ))
    return scores


def main() -> None:
    from tracker.demo.server import EutilsServer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=default_seeds_dir())
    parser.add_argument("--extra", action="store_true",
                        help="also the optional extra therapies (seeds/extra_therapies.toml)")
    args = parser.parse_args()
    baseline = load_baseline(args.seeds, extra_therapies=args.extra)
    with EutilsServer(records(), today=WINDOW[1]) as server:
        scores = measure(baseline, server.url)
    print(f"{len(CASES)} test records; window {WINDOW[0]} – {WINDOW[1]}")
    print(f"{'therapy':27} {'relevant':>8} {'found':>6} {'query P':>8} {'kept':>5} "
          f"{'precision':>9} {'recall':>7}")
    for s in scores:
        print(f"{s.therapy:27} {s.relevant:8} {s.found:6} {s.query_precision:8.2f} {s.kept:5} "
              f"{s.precision:9.2f} {s.recall:7.2f}")
    for s in scores:
        for pmid, reason in s.dropped:
            print(f"  dropped {s.therapy}/{pmid}: {reason}")
        for pmid, tag in s.tags:
            print(f"  tagged  {s.therapy}/{pmid}: {tag}")
    worst = min(min(s.precision, s.recall) for s in scores)
    print(f"lowest precision or recall: {worst:.2f}")


if __name__ == "__main__":
    main()

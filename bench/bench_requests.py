"""How many HTTP requests, and how long, a backfill of N records costs at NCBI's 3 requests/s.

Runs the real client (search_ids + fetch by id, and fetch_search through the history server)
against the local E-utilities server with simulated network latency, and compares the requests
sent with the floor: one ESearch per create-date window that fits PubMed's 9,999 paging limit
plus ceil(N / batch_size) EFetches.

The `poll` strategy runs a whole `tracker poll` backfill of every therapy instead (search, fetch,
parse, classify, dedupe, store into a scratch SQLite file, snapshots), and compares its wall time
with the rate-limit floor, its requests / 3 per second: storing should hide behind fetching.

    .venv/bin/python bench/bench_requests.py                 # N = 1,000, 10,000, 50,000
    .venv/bin/python bench/bench_requests.py --sizes 500,2000 --latency 0.05
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.baseline import load_baseline  # noqa: E402
from tracker.config import Settings, default_seeds_dir  # noqa: E402
from tracker.demo.server import EutilsServer  # noqa: E402
from tracker.demo.synth import synthetic_records  # noqa: E402
from tracker.pubmed.eutils import MAX_IDS, EutilsClient  # noqa: E402
from tracker.pubmed.transport import Throttle, Transport  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ratios import ratio_line  # noqa: E402

GOAL_REQUESTS = 1.1  # requests sent / the fewest that can fetch the records
GOAL_WALL = 1.2  # a poll's wall time / its requests at 3 per second

EVERYTHING = '"1900/01/01"[crdt] : "3000/12/31"[crdt]'  # matches every synthetic record
START = date(2025, 3, 1)
WINDOW = (START, START + timedelta(days=364))  # synthetic records are created within a year
TODAY = WINDOW[1] + timedelta(days=1)


def serve(n: int, latency: float, conn) -> None:
    """The server side, in its own process: the client's parsing threads cannot delay it."""
    records = list(synthetic_records(n, start_date=START))
    with EutilsServer(records, latency=latency, today=TODAY) as server:
        conn.send(server.url)
        conn.recv()  # the client is done
        conn.send([(r.time, r.endpoint) for r in server.requests])


def run(n: int, strategy: str, latency: float, batch_size: int) -> dict:
    parent, child = multiprocessing.Pipe()
    process = multiprocessing.Process(target=serve, args=(n, latency, child), daemon=True)
    process.start()
    url = parent.recv()
    settings = Settings(eutils_url=url, email="bench@example.org",
                        batch_size=batch_size, backoff_base=0.5, backoff_max=5.0)
    transport = Transport(settings, throttle=Throttle())
    client = EutilsClient(settings, transport)
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        clock_start = time.monotonic()  # the server logs arrivals on this clock
        if strategy == "poll":
            got = poll_everything(client, f"sqlite:///{scratch}/bench.db", batch_size)
            setup = _setup_seconds.pop()
            started += setup
            clock_start += setup
        elif strategy == "ids":
            result = client.search_ids(EVERYTHING, WINDOW)
            got = sum(1 for _ in client.fetch(result.ids))
        else:
            got = sum(1 for _ in client.fetch_search(EVERYTHING, WINDOW))
        wall = time.perf_counter() - started
    parent.send("done")
    log = parent.recv()
    process.join(timeout=10)
    searches = sum(1 for _t, endpoint in log if endpoint == "esearch.fcgi")
    fetches = sum(1 for _t, endpoint in log if endpoint == "efetch.fcgi")
    floor = math.ceil(n / MAX_IDS) + math.ceil(n / batch_size)
    if strategy == "poll":  # one ESearch per therapy, then every record fetched once
        floor = len(load_baseline(default_seeds_dir()).targets) + math.ceil(got / batch_size)
    efetch_times = [t - clock_start for t, endpoint in log if endpoint == "efetch.fcgi"]
    return {
        "n": n, "strategy": strategy, "records": got, "missing": len(client.missing),
        "esearch": searches, "efetch": fetches, "requests": len(log), "floor": floor,
        "retries": transport.stats.retries, "wall": wall,
        "paced": (len(log) - 1) / settings.rate_limit,
        "rate_floor": len(log) / settings.rate_limit,
        "phases": (f"searches {min(efetch_times):.1f} s, EFetches until {max(efetch_times):.1f} s"
                   if efetch_times else ""),
        "busiest": _max_in_window(sorted(t for t, _e in log)),
    }


_setup_seconds: list[float] = []  # time poll_everything spent before its first request


def poll_everything(client: EutilsClient, url: str, batch_size: int) -> int:
    """A first poll of every therapy into a new database; returns the papers it fetched."""
    from tracker.ingest import poll
    from tracker.store import Database

    started = time.perf_counter()
    db = Database(url)
    db.migrate()
    baseline = load_baseline(default_seeds_dir())
    _setup_seconds.append(time.perf_counter() - started)  # migrations are not backfill time
    summary = poll(db, client, baseline, since=START, today=TODAY, batch_size=batch_size)
    db.dispose()
    return summary.fetched


def _max_in_window(times: list[float]) -> int:
    best, left = 0, 0
    for right, t in enumerate(times):
        while t - times[left] >= 1.0:
            left += 1
        best = max(best, right - left + 1)
    return best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000",
                        help="comma-separated record counts (default: 1000,10000,50000)")
    parser.add_argument("--latency", type=float, default=0.1,
                        help="seconds the server waits before each answer (default 0.1)")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--strategy", choices=("ids", "history", "both", "poll"), default="both",
                        help="both: ids and history (the client alone); poll: a whole first poll "
                             "stored into SQLite, against the rate-limit floor")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    strategies = ("ids", "history") if args.strategy == "both" else (args.strategy,)

    header = (f"{'N':>7} {'strategy':>8} {'records':>8} {'missing':>7} {'ESearch':>7} "
              f"{'EFetch':>6} {'requests':>8} {'floor':>6} {'retries':>7} {'wall s':>7} "
              f"{'paced s':>7} {'max/1s':>6} {'wall/rate':>9}")
    print(f"latency {args.latency}s per request, batch {args.batch_size}, limit 3 requests/s; "
          "floor = ceil(N/9999) ESearch + ceil(N/batch) EFetch (for poll: one search per "
          "therapy); paced = (requests-1)/3; wall/rate = wall time / (requests / 3 per second)")
    print(header)
    print("-" * len(header))
    for n in sizes:
        for strategy in strategies:
            row = run(n, strategy, args.latency, args.batch_size)
            print(f"{row['n']:>7} {row['strategy']:>8} {row['records']:>8} {row['missing']:>7} "
                  f"{row['esearch']:>7} {row['efetch']:>6} {row['requests']:>8} "
                  f"{row['floor']:>6} {row['retries']:>7} "
                  f"{row['wall']:>7.1f} {row['paced']:>7.1f} {row['busiest']:>6} "
                  f"{row['wall'] / row['rate_floor']:>8.2f}x", flush=True)
            if strategy == "poll":
                print(f"{'':>17}{row['phases']}, done at {row['wall']:.1f} s", flush=True)
            ratio = row["requests"] / row["floor"]
            ratio_line(f"{strategy} backfill of {n:,} records: requests vs floor",
                       value=row["requests"], anchor=row["floor"], unit="requests",
                       goal=f"<= {GOAL_REQUESTS:g}x", met=ratio <= GOAL_REQUESTS,
                       detail=f"{row['esearch']} ESearch + {row['efetch']} EFetch")
            if strategy == "poll":
                floor_seconds = row["rate_floor"]
                ratio_line(f"poll backfill of {n:,} records: wall time vs rate-limit floor",
                           value=row["wall"], anchor=floor_seconds, unit="s",
                           goal=f"<= {GOAL_WALL:g}x",
                           met=row["wall"] / floor_seconds <= GOAL_WALL,
                           detail=f"{row['requests']} requests at 3/s; fetched, parsed, "
                                  "classified, deduplicated and stored into SQLite")


if __name__ == "__main__":
    main()

"""Real `tracker` processes killed with SIGKILL, and run side by side: after a rerun nothing is
lost, nothing is stored twice, and the database opens."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tracker.demo.server import EutilsServer
from tracker.store import Database, Paper, Run, Therapy, TherapyPaper, Watermark

from eutils_faults import hang
from records_factory import make_record

RECORDS = 40  # 8 EFetch batches of 5


@pytest.fixture
def slow_server():
    records = [make_record(str(90001000 + n), f"Ketamine infusion study {n} in treatment-"
                           "resistant depression", date(2025, 3, 1 + n % 28))
               for n in range(RECORDS)]
    server = EutilsServer(records, latency=0.15, today=date(2025, 6, 30)).start()
    yield server
    server.stop()


@pytest.fixture
def environment(tmp_path, slow_server):
    config = tmp_path / "tracker.toml"
    config.write_text("[pubmed]\nbatch_size = 5\nrequests_per_second = 50\n"
                      "backoff_base = 0.01\nbackoff_max = 0.05\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACKER_", "NCBI_"))}
    env.update(TRACKER_CONFIG=str(config), TRACKER_EUTILS_URL=slow_server.url,
               TRACKER_DATABASE_URL=f"sqlite:///{tmp_path / 'tracker.db'}",
               NCBI_EMAIL="tests@example.org")
    return env


def start(env: dict, cwd: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from tracker.cli import main; main()", *args],
        env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def tracker(env: dict, cwd: Path, *args: str, timeout: float = 120) -> tuple[int, str, str]:
    process = start(env, cwd, *args)
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


def stored(env: dict) -> dict[str, int]:
    database = Database(env["TRACKER_DATABASE_URL"])
    try:
        with database.session() as session:
            return {
                "papers": session.scalar(select(func.count()).select_from(Paper)),
                "distinct_pmids": session.scalar(select(func.count(func.distinct(Paper.pmid)))),
                "ketamine_links": session.scalar(select(func.count()).select_from(TherapyPaper)
                                                 .where(TherapyPaper.therapy_id == "ketamine")),
                "running": session.scalar(select(func.count()).select_from(Run)
                                          .where(Run.status == "running")),
                "therapies": session.scalar(select(func.count()).select_from(Therapy)),
                "watermark": session.scalar(select(Watermark.polled_through)
                                            .where(Watermark.therapy_id == "ketamine")),
            }
    finally:
        database.dispose()


def efetches(server: EutilsServer) -> int:
    return sum(1 for r in list(server.requests) if r.endpoint == "efetch.fcgi")


POLL = ("poll", "--therapy", "ketamine", "--until", "2025-06-30")


@pytest.mark.parametrize("after_batches", [0, 2, 5])
def test_poll_killed_mid_run_then_rerun_loses_nothing(environment, slow_server, tmp_path,
                                                      after_batches):
    assert tracker(environment, tmp_path, "init", "--skip-references")[0] == 0
    process = start(environment, tmp_path, *POLL)
    if after_batches == 0:  # killed in its search phase
        wait_until(lambda: any(r.endpoint == "esearch.fcgi" for r in list(slow_server.requests)))
    else:
        wait_until(lambda: efetches(slow_server) >= after_batches)
    kill(process)

    code, out, err = tracker(environment, tmp_path, "status")
    assert code == 0, err
    assert "interrupted" in out  # every run has a record, and a killed one is not `running`
    killed = stored(environment)
    assert killed["papers"] < RECORDS and killed["watermark"] is None

    code, out, err = tracker(environment, tmp_path, *POLL)
    assert code == 0, err
    assert "run lock taken over from poll" in err  # the dead holder's lock, logged
    after = stored(environment)
    assert after["papers"] == after["distinct_pmids"] == after["ketamine_links"] == RECORDS
    assert after["running"] == 0 and after["watermark"] == date(2025, 6, 30)


@pytest.mark.parametrize("delay", [0.0, 0.01, 0.05, 0.2])
def test_init_killed_at_any_moment_leaves_a_database_init_can_finish(environment, tmp_path,
                                                                     delay):
    database_file = tmp_path / "tracker.db"
    process = start(environment, tmp_path, "init", "--skip-references")
    wait_until(lambda: database_file.exists() or process.poll() is not None)
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        # killed, or done in the instant between the check and the signal (init is quick)
        assert process.returncode in (-signal.SIGKILL, 0)
    code, _, err = tracker(environment, tmp_path, "init", "--skip-references")
    assert code == 0, err
    code, _, err = tracker(environment, tmp_path, "therapies")
    assert code == 0, err
    assert stored(environment)["therapies"] == 15 + 6  # the therapies and the pathways


def test_a_failing_migration_leaves_the_old_schema(environment, tmp_path):
    """Deterministic: a table in the way makes the first migration fail half-way through."""
    database_file = tmp_path / "tracker.db"
    with sqlite3.connect(database_file) as connection:
        connection.execute("CREATE TABLE watermarks (x INTEGER)")
    code, _, err = tracker(environment, tmp_path, "init", "--skip-references")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    with sqlite3.connect(database_file) as connection:
        tables = {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"watermarks"}  # nothing the migration created before it failed


def test_two_polls_at_once_one_refused_with_one_line(environment, slow_server, tmp_path):
    assert tracker(environment, tmp_path, "init", "--skip-references")[0] == 0
    slow_server.inject("efetch.fcgi", hang(8), times=1)  # still running when the second starts
    first = start(environment, tmp_path, *POLL)
    wait_until(lambda: efetches(slow_server) > 0)
    code, out, _ = tracker(environment, tmp_path, "status")
    assert code == 0 and "running" in out and "interrupted" not in out  # alive: still running
    code, _, err = tracker(environment, tmp_path, *POLL, "--wait", "0")
    assert code == 5, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"poll (pid {first.pid}" in err
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    after = stored(environment)
    assert after["papers"] == after["ketamine_links"] == RECORDS


def test_two_polls_at_once_the_second_waits_then_adds_nothing(environment, slow_server,
                                                              tmp_path):
    assert tracker(environment, tmp_path, "init", "--skip-references")[0] == 0
    slow_server.inject("efetch.fcgi", hang(4), times=1)
    first = start(environment, tmp_path, *POLL)
    wait_until(lambda: efetches(slow_server) > 0)
    second = start(environment, tmp_path, *POLL, "--wait", "120")
    results = [p.communicate(timeout=180) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, results
    assert "Traceback" not in results[1][1]
    assert "0 new papers" in results[1][0]  # it ran after the first, and found all stored
    after = stored(environment)
    assert after["papers"] == after["distinct_pmids"] == after["ketamine_links"] == RECORDS

"""What SQLite's single writer hides: two writers storing the same new paper at once, two
`tracker poll` processes started together."""

import os
import subprocess
import sys
import threading
import time
from datetime import date, datetime

from sqlalchemy import func, select

from tracker.ingest.papers import link_therapies, sync_therapies, upsert_records
from tracker.store import Database, Paper, Run, TherapyPaper, lock_is_live

from records_factory import make_record

NOW = datetime(2025, 6, 30, 12, 0)


def test_two_writers_store_the_same_new_paper_once(db, baseline):
    record = make_record("90000501", "Ketamine for treatment-resistant depression",
                         date(2025, 6, 2))
    with db.session() as session:
        sync_therapies(session, baseline)

    def store(session):
        result = upsert_records(session, [record], run_id=None, now=NOW)
        paper_id = result.ids[record.pmid]
        link_therapies(session, [("ketamine", paper_id)], run_id=None, now=NOW)
        return result, paper_id

    second: dict = {}

    def second_writer():
        try:
            with db.session() as session:
                second["result"], second["id"] = store(session)
        except Exception as exc:  # reported below: the point is that there is none
            second["error"] = exc

    with db.session() as first_session:
        first, first_id = store(first_session)  # inserted, not yet committed
        thread = threading.Thread(target=second_writer)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the second writer should wait for the first transaction"
    thread.join(timeout=30)

    assert "error" not in second, second.get("error")
    assert first.new == {record.pmid: first_id}
    assert second["result"].new == {} and second["result"].unchanged == {record.pmid: first_id}
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Paper)) == 1
        assert session.scalar(select(func.count()).select_from(TherapyPaper)) == 1


def test_two_poll_processes_one_runs_one_is_told_who_holds_the_lock(db_url, eutils_server,
                                                                      tmp_path):
    """The run lock across processes (an advisory lock on PostgreSQL): a second `tracker poll`
    gives up naming the running one, a third waits for it and then finds nothing new."""
    fast = tmp_path / "fast.toml"
    fast.write_text("[pubmed]\nbackoff_base = 0.01\nbackoff_max = 0.05\n"
                    "requests_per_second = 50\n")
    env = {**os.environ, "TRACKER_CONFIG": str(fast), "TRACKER_DATABASE_URL": db_url,
           "TRACKER_EUTILS_URL": eutils_server.url, "NCBI_EMAIL": "tests@example.org"}
    tracker = [sys.executable, "-c", "from tracker.cli import main; main()"]
    window = ["--since", "2025-06-01", "--until", "2025-06-30"]
    subprocess.run([*tracker, "init", "--skip-references"], env=env, check=True,
                   capture_output=True)
    eutils_server.add_records([
        make_record(f"9000060{n}", f"Ketamine and esketamine in treatment-resistant depression "
                    f"cohort {n}", date(2025, 6, 10 + n)) for n in range(5)
    ])
    eutils_server.latency = 1.0  # the first poll is slow until the other two have started

    first = subprocess.Popen([*tracker, "poll", *window], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    database = Database(db_url)
    deadline = time.monotonic() + 30
    while not lock_is_live(database):
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.05)
    refused = subprocess.run([*tracker, "poll", *window, "--wait", "0"], env=env,
                             capture_output=True, text=True)
    waiting = subprocess.Popen([*tracker, "poll", *window, "--wait", "120"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert first.poll() is None, "the first poll should still be running"
    eutils_server.latency = 0
    first_out, first_err = first.communicate(timeout=120)
    waiting_out, waiting_err = waiting.communicate(timeout=120)

    assert first.returncode == 0, first_err
    assert refused.returncode == 5
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith("tracker: locked:")
    assert f"poll (pid {first.pid} " in refused.stderr
    assert waiting.returncode == 0, waiting_err
    assert "5 new papers" in first_out and "0 new papers" in waiting_out
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Paper)) == 5
        runs = session.execute(select(Run.status).where(Run.kind == "poll")).scalars().all()
    assert runs == ["ok", "ok"]
    database.dispose()

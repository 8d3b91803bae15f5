"""The run lock: one writing run at a time; a dead holder is taken over, and that is logged."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest

from tracker.errors import LockedError, StoreError
from tracker.store import Database, Run, RunLock, lock_is_live, run_lock
from tracker.store.locks import STALE_AFTER, utc_now


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped) on this host."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def plant_holder(db: Database, *, pid: int, host: str, heartbeat: datetime) -> None:
    with db.session() as session:
        session.add(RunLock(name="run", owner=uuid.uuid4().hex, host=host, pid=pid,
                            purpose="poll", acquired_at=heartbeat, heartbeat_at=heartbeat))


def test_second_run_is_refused_with_the_holder_named(db):
    with run_lock(db, "poll") as held:
        assert lock_is_live(db)
        with pytest.raises(LockedError) as caught, run_lock(db, "refresh"):
            pass
    message = str(caught.value)
    assert "poll" in message and f"pid {os.getpid()}" in message
    assert socket.gethostname() in message and "since" in message and "--wait" in message
    assert caught.value.exit_code == 5
    assert held.holder.purpose == "poll"
    assert not lock_is_live(db)
    with run_lock(db, "refresh"):  # released: free again
        pass


def test_waiting_run_gets_the_lock_when_the_holder_finishes(db):
    taken, release = threading.Event(), threading.Event()

    def holder():
        with run_lock(db, "poll"):
            taken.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    taken.wait(5)
    threading.Timer(0.5, release.set).start()
    started = time.monotonic()
    with run_lock(db, "refresh", wait=10) as held:
        assert held.took_over is None
    assert 0.4 < time.monotonic() - started < 5
    thread.join()


def test_waiting_gives_up_after_the_wait(db):
    with run_lock(db, "poll"):
        started = time.monotonic()
        with pytest.raises(LockedError, match="after waiting 0.6s"), run_lock(db, "x", wait=0.6):
            pass
        assert time.monotonic() - started >= 0.6


def test_holder_whose_process_died_is_taken_over_and_logged(db, caplog):
    plant_holder(db, pid=dead_pid(), host=socket.gethostname(), heartbeat=utc_now())
    with db.session() as session:
        session.add(Run(kind="poll", started_at=datetime(2025, 6, 1), status="running"))
    with caplog.at_level(logging.WARNING, logger="tracker.store.locks"), \
            run_lock(db, "poll") as held:
        assert held.took_over is not None and held.took_over.purpose == "poll"
        assert held.interrupted_runs == 1
    assert "taken over" in caplog.text
    with db.session() as session:
        assert session.get(Run, 1).status == "interrupted"


@pytest.mark.backends("sqlite")  # PostgreSQL: the advisory lock, not the row, says who holds it
def test_holder_on_another_host_is_taken_over_only_when_its_heartbeat_stopped(db):
    plant_holder(db, pid=1, host="elsewhere", heartbeat=utc_now())
    with pytest.raises(LockedError, match="elsewhere"), run_lock(db, "poll"):
        pass
    with db.session() as session:
        session.get(RunLock, "run").heartbeat_at = utc_now() - STALE_AFTER - timedelta(seconds=1)
    with run_lock(db, "poll") as held:
        assert held.took_over.host == "elsewhere"


def test_lock_row_is_removed_when_the_block_raises(db):
    with pytest.raises(RuntimeError), run_lock(db, "poll"):
        raise RuntimeError("boom")
    with db.session() as session:
        assert session.get(RunLock, "run") is None


@pytest.fixture
def pg_db(postgres_server):
    url = postgres_server.create_database()
    database = Database(url)
    database.migrate()
    yield database
    database.dispose()
    postgres_server.drop_database(url)


def test_postgres_advisory_lock_names_the_holder_and_frees_on_exit(pg_db):
    other = Database(pg_db.url)
    try:
        with run_lock(pg_db, "poll"):
            assert lock_is_live(other)
            with pytest.raises(LockedError, match=f"poll \\(pid {os.getpid()}"), \
                    run_lock(other, "refresh", wait=0.3):
                pass
        assert not lock_is_live(other)
        with run_lock(other, "refresh") as held:
            assert held.took_over is None
    finally:
        other.dispose()


def test_postgres_lock_of_a_killed_process_is_free_and_takeover_logged(pg_db, caplog):
    script = (
        "import sys, time\n"
        "from tracker.store import Database, run_lock\n"
        "with run_lock(Database(sys.argv[1]), 'poll'):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script, pg_db.url], stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(LockedError), run_lock(pg_db, "refresh"):
            pass
    finally:
        child.kill()
        child.wait()
    with caplog.at_level(logging.WARNING, logger="tracker.store.locks"), \
            run_lock(pg_db, "refresh", wait=5) as held:
        assert held.took_over is not None and held.took_over.pid == child.pid
    assert "taken over" in caplog.text


def test_lock_on_a_database_not_yet_created_creates_nothing(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'absent.db'}")
    with pytest.raises(StoreError, match="tracker init"), run_lock(database, "poll"):
        pass
    assert not (tmp_path / "absent.db").exists()

"""The run lock: one writing run (poll, refresh, init, reclassify, scheduled jobs) at a time.

Two runs writing at once would both read "known PMIDs" before either commits. Reports and other
read-only commands never take the lock.

SQLite: a row in `run_locks` naming the owner (token, host, pid, purpose), kept fresh by a
heartbeat thread. A holder whose process is gone from this host, or whose heartbeat stopped, is
taken over, and the takeover is logged. PostgreSQL: a session advisory lock on a dedicated
connection, released by the server if the holder dies; the row only names the holder.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, inspect, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from tracker.clock import local_stamp, utc_now
from tracker.errors import LockedError, StoreError
from tracker.store.database import Database
from tracker.store.models import Run, RunLock

log = logging.getLogger(__name__)

LOCK_NAME = "run"
ADVISORY_KEY = 0x7472645F72756E  # "trd_run": the one advisory lock key the tracker uses
HEARTBEAT_SECONDS = 5.0
STALE_AFTER = timedelta(seconds=60)  # a heartbeat this old means the holder is gone
RETRY_SECONDS = 0.25


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) the lock."""

    owner: str
    purpose: str
    pid: int
    host: str
    since: datetime  # UTC
    heartbeat_at: datetime  # UTC

    def describe(self) -> str:
        return (f"{self.purpose} (pid {self.pid} on {self.host}, "
                f"since {local_stamp(self.since)})")


@dataclass
class HeldLock:
    """The lock this process holds; `took_over` names the dead holder it replaced, if any."""

    holder: LockHolder
    took_over: LockHolder | None = None
    interrupted_runs: int = 0  # runs left `running` by a dead holder, now marked interrupted




def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def holder_is_dead(holder: LockHolder, *, now: datetime, host: str) -> bool:
    """Dead if its process is gone from this host, or its heartbeat stopped (any host)."""
    if holder.host == host and not process_alive(holder.pid):
        return True
    return now - holder.heartbeat_at > STALE_AFTER


@contextmanager
def run_lock(db: Database, purpose: str, *, wait: float = 0.0) -> Iterator[HeldLock]:
    """Hold the database's run lock for the block; raise LockedError naming the holder if it
    is still held after `wait` seconds."""
    if db.engine.dialect.name == "postgresql":
        with _advisory_lock(db, purpose, wait) as held:
            yield held
    else:
        with _row_lock(db, purpose, wait) as held:
            yield held
            db.refresh_statistics()  # after a run that went through: its papers are counted


def _no_database(db: Database) -> bool:
    """An SQLite file that does not exist yet: looking inside would create it."""
    return db.sqlite_file is not None and not db.sqlite_file.exists()


def current_holder(db: Database) -> LockHolder | None:
    """The recorded holder, live or not (None when nobody is recorded or the table is absent)."""
    try:
        if _no_database(db) or not inspect(db.engine).has_table(RunLock.__tablename__):
            return None
        with db.session() as session:
            row = session.get(RunLock, LOCK_NAME)
            return _holder(row) if row else None
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the run lock: {str(exc).splitlines()[0]}") from None


def lock_is_live(db: Database) -> bool:
    """Whether some run holds the lock now; read-only, for `tracker status`."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            return bool(connection.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                     "AND ((classid::bigint << 32) | objid::bigint) = :key AND granted"),
                {"key": ADVISORY_KEY},
            ).scalar())
    holder = current_holder(db)
    return holder is not None and not holder_is_dead(holder, now=utc_now(),
                                                     host=socket.gethostname())


def _holder(row: RunLock) -> LockHolder:
    return LockHolder(owner=row.owner, purpose=row.purpose, pid=row.pid, host=row.host,
                      since=row.acquired_at, heartbeat_at=row.heartbeat_at)


def _new_holder(purpose: str) -> LockHolder:
    now = utc_now()
    return LockHolder(owner=uuid.uuid4().hex, purpose=purpose, pid=os.getpid(),
                      host=socket.gethostname(), since=now, heartbeat_at=now)


def _locked_error(holder: LockHolder | None, wait: float) -> LockedError:
    who = holder.describe() if holder else "another run"
    waited = f" after waiting {wait:g}s" if wait else ""
    return LockedError(f"the database is busy{waited}: {who} is running; wait for it to "
                       "finish or rerun with --wait SECONDS")


def _mark_interrupted(db: Database) -> int:
    """Holding the lock means no other run is alive: any run still `running` was killed."""
    with db.session() as session:
        result = session.execute(
            update(Run).where(Run.status == "running")
            .values(status="interrupted", error="the process running it stopped")
        )
        count = result.rowcount or 0
    if count:
        log.warning("%d run(s) left running by a stopped process marked interrupted", count)
    return count


# --- SQLite: a lock row with a heartbeat ---


def _try_row(db: Database, holder: LockHolder) -> tuple[bool, LockHolder | None]:
    """One attempt: (acquired, the holder that was taken over or that blocks us)."""
    values = dict(name=LOCK_NAME, owner=holder.owner, host=holder.host, pid=holder.pid,
                  purpose=holder.purpose, acquired_at=holder.since,
                  heartbeat_at=holder.heartbeat_at)
    with db.session() as session:
        inserted = session.execute(
            sqlite_insert(RunLock).values(**values).on_conflict_do_nothing()
        ).rowcount
        if inserted:
            return True, None
        row = session.get(RunLock, LOCK_NAME)
        if row is None:
            return False, None  # released in between: try again
        current = _holder(row)
        if not holder_is_dead(current, now=utc_now(), host=holder.host):
            return False, current
        taken = session.execute(  # compare-and-swap: only if the dead owner still holds it
            update(RunLock).where(RunLock.name == LOCK_NAME, RunLock.owner == current.owner)
            .values(**values)
        ).rowcount
        return bool(taken), current if taken else None


@contextmanager
def _row_lock(db: Database, purpose: str, wait: float) -> Iterator[HeldLock]:
    if _no_database(db) or not inspect(db.engine).has_table(RunLock.__tablename__):
        raise StoreError(f"database {db.display_url} has no run lock table: run `tracker init`")
    holder = _new_holder(purpose)
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        acquired, other = _try_row(db, holder)
        if acquired:
            break
        if time.monotonic() >= deadline:
            raise _locked_error(other, wait)
        time.sleep(RETRY_SECONDS)
    held = HeldLock(holder=holder, took_over=other)
    if other is not None:
        log.warning("run lock taken over from %s, which is no longer running", other.describe())
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(db, holder.owner, stop),
                            name="run-lock-heartbeat", daemon=True)
    beat.start()
    try:
        held.interrupted_runs = _mark_interrupted(db)
        yield held
    finally:
        stop.set()
        beat.join()
        with db.session() as session:
            session.execute(delete(RunLock).where(RunLock.owner == holder.owner))


def _heartbeat(db: Database, owner: str, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            with db.session() as session:
                kept = session.execute(
                    update(RunLock).where(RunLock.owner == owner).values(heartbeat_at=utc_now())
                ).rowcount
            if not kept:
                log.error("run lock lost: another process took it over")
                return
        except SQLAlchemyError as exc:  # a busy database: try again at the next beat
            log.warning("run lock heartbeat failed: %s", str(exc).splitlines()[0])


# --- PostgreSQL: a session advisory lock on a dedicated connection ---


@contextmanager
def _advisory_lock(db: Database, purpose: str, wait: float) -> Iterator[HeldLock]:
    holder = _new_holder(purpose)
    connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while not connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                     {"key": ADVISORY_KEY}).scalar():
            if time.monotonic() >= deadline:
                raise _locked_error(current_holder(db), wait)
            time.sleep(RETRY_SECONDS)
        try:
            previous = _record_pg_holder(db, holder)
            held = HeldLock(holder=holder)
            if previous is not None:  # a live holder removes its row; this one died
                held.took_over = previous
                log.warning("run lock taken over from %s, which is no longer running",
                            previous.describe())
            if inspect(db.engine).has_table(Run.__tablename__):
                held.interrupted_runs = _mark_interrupted(db)
            yield held
        finally:
            if inspect(db.engine).has_table(RunLock.__tablename__):
                with db.session() as session:
                    session.execute(delete(RunLock).where(RunLock.owner == holder.owner))
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
    finally:
        connection.close()


def _record_pg_holder(db: Database, holder: LockHolder) -> LockHolder | None:
    """Name ourselves as the holder; returns the row a dead holder left behind, if any."""
    if not inspect(db.engine).has_table(RunLock.__tablename__):
        return None
    values = dict(name=LOCK_NAME, owner=holder.owner, host=holder.host, pid=holder.pid,
                  purpose=holder.purpose, acquired_at=holder.since,
                  heartbeat_at=holder.heartbeat_at)
    with db.session() as session:
        row = session.get(RunLock, LOCK_NAME)
        previous = _holder(row) if row else None
        statement = pg_insert(RunLock).values(**values)
        session.execute(statement.on_conflict_do_update(
            index_elements=[RunLock.name],
            set_={k: statement.excluded[k] for k in values if k != "name"},
        ))
    return previous


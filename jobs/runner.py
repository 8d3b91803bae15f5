"""Running the jobs: each firing claimed once in the database, under the run lock.

However many `tracker schedule` processes share a database, a job's firing is claimed by a
unique (job, scheduled time) row in job_runs, so it runs once; the run lock keeps a job from
writing while a manual `tracker poll` (or another job) does.

APScheduler stores only the job's name in its SQLAlchemy job store (no settings, no secrets);
the process that runs the scheduler sets the context the jobs read.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from jobs.schedule import Job, zone
from jobs.tasks import TASKS, JobContext
from tracker.clock import utc_now
from tracker.errors import TrackerError
from tracker.store import JobRun, run_lock
from tracker.text import one_line

log = logging.getLogger(__name__)
JOBS_TABLE = "apscheduler_jobs"
_context: JobContext | None = None  # set by serve(); read by fire() in the scheduler's threads


def this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def latest_fire_time(job: Job, timezone: str, now: datetime) -> datetime:
    """The latest time at or before `now` the job's trigger fires: the firing being run."""
    trigger = job.trigger(timezone)
    moment = trigger.get_next_fire_time(None, now - timedelta(days=366))
    latest = moment
    while moment is not None and moment <= now:
        latest = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(microseconds=1))
    return latest or now


def claim(ctx: JobContext, name: str, scheduled_for: datetime) -> int | None:
    """Record the firing as started; None when another scheduler already has it."""
    try:
        with ctx.db.session() as session:
            row = JobRun(job=name, scheduled_for=scheduled_for,
                         started_at=utc_now(), status="running",
                         host=this_process())
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        return None


def finish(ctx: JobContext, run_id: int, status: str, detail: str) -> None:
    with ctx.db.session() as session:
        row = session.get(JobRun, run_id)
        row.status, row.detail = status, detail
        row.finished_at = utc_now()


def execute(ctx: JobContext, job: Job, scheduled_for: datetime, *,
            raise_errors: bool = False) -> tuple[str, str]:
    """Run one firing of a job: claim it, take the lock, run the task, record the outcome."""
    run_id = claim(ctx, job.name, scheduled_for)
    if run_id is None:
        log.info("job %s at %s already claimed by another scheduler", job.name, scheduled_for)
        return "skipped", "already run by another scheduler"
    today = datetime.now(zone(ctx.settings.timezone)).date()
    try:
        with run_lock(ctx.db, f"job {job.name}", wait=ctx.lock_wait):
            detail = TASKS[job.task](ctx, job.args, today)
    except TrackerError as exc:
        finish(ctx, run_id, "failed", one_line(str(exc)))
        log.error("job %s failed: %s", job.name, one_line(str(exc)))
        if raise_errors:
            raise
        return "failed", one_line(str(exc))
    except Exception as exc:
        finish(ctx, run_id, "failed", one_line(f"{exc.__class__.__name__}: {exc}"))
        log.exception("job %s failed", job.name)
        if raise_errors:
            raise
        return "failed", one_line(str(exc))
    finish(ctx, run_id, "ok", detail)
    log.info("job %s ok: %s", job.name, detail)
    return "ok", detail


def fire(name: str) -> None:
    """The function APScheduler calls (by reference, with the job's name only)."""
    ctx = _context
    if ctx is None or name not in ctx.jobs:
        log.error("job %s fired without a schedule entry; ignored", name)
        return
    job = ctx.jobs[name]
    scheduled_for = latest_fire_time(job, ctx.settings.timezone, datetime.now(UTC))
    execute(ctx, job, scheduled_for)


def mark_interrupted(ctx: JobContext) -> list[str]:
    """This process's unfinished job runs, recorded as interrupted; their names."""
    with ctx.db.session() as session:
        names = list(session.scalars(select(JobRun.job).where(
            JobRun.status == "running", JobRun.host == this_process())))
        session.execute(
            update(JobRun).where(JobRun.status == "running", JobRun.host == this_process())
            .values(status="interrupted", finished_at=utc_now(),
                    detail="stopped by a signal; the next run continues from the last "
                           "committed watermark")
        )
    return names


def build_scheduler(ctx: JobContext, jobs: list[Job], misfire_grace: int) -> BackgroundScheduler:
    """A scheduler on the database's job store holding exactly the schedule's jobs."""
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=ctx.db.engine, tablename=JOBS_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "misfire_grace_time": misfire_grace,
                      "max_instances": 1},
        timezone=zone(ctx.settings.timezone),
    )
    scheduler.start(paused=True)
    wanted = {job.name: job for job in jobs}
    for stored in scheduler.get_jobs():
        if stored.id not in wanted:
            scheduler.remove_job(stored.id)
    for job in jobs:
        trigger = job.trigger(ctx.settings.timezone)
        stored = scheduler.get_job(job.name)
        if stored is not None and str(stored.trigger) == str(trigger) and \
                stored.misfire_grace_time == misfire_grace:
            continue  # keep its stored next run time: a run missed while down still happens
        scheduler.add_job("jobs.runner:fire", trigger=trigger, args=[job.name], id=job.name,
                          name=job.name, replace_existing=True)
    return scheduler


def serve(ctx: JobContext, jobs: list[Job], stop: threading.Event, *,
          misfire_grace: int = 3600, on_start=None) -> list[str]:
    """Run the jobs until `stop` is set; returns the jobs interrupted by stopping."""
    global _context
    ctx.jobs = {job.name: job for job in jobs}
    _context = ctx
    scheduler = build_scheduler(ctx, jobs, misfire_grace)
    scheduler.resume()
    if on_start:
        on_start(scheduler)
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=False)
    return mark_interrupted(ctx)

"""`tracker schedule` runs the scheduled jobs; `tracker jobs list|run` shows and runs them."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from datetime import UTC, datetime

import click

from tracker.cli.app import App, err, out, pass_app

EXIT_SIGNALLED = 143  # stopped by SIGTERM/SIGINT while a job was running (128 + 15)


def job_context(app: App, lock_wait: float):
    from jobs.schedule import load_schedule
    from jobs.tasks import JobContext

    jobs = load_schedule(app.settings.schedule_file, app.settings.timezone)
    ctx = JobContext(settings=app.settings, baseline=app.baseline, db=app.db,
                     jobs={job.name: job for job in jobs}, lock_wait=lock_wait)
    return ctx, jobs


@click.command()
@click.option("--misfire-grace", type=click.IntRange(1, 7 * 86400), default=3600,
              show_default=True, metavar="SECONDS",
              help="A firing missed (the process was down or busy) still runs this late.")
@click.option("--lock-wait", type=click.FloatRange(0, 86400), default=600, show_default=True,
              metavar="SECONDS", help="How long a job waits for another run's lock.")
@pass_app
def schedule(app: App, misfire_grace: int, lock_wait: float) -> None:
    """Run the scheduled jobs in the foreground until SIGTERM or Ctrl-C.

    The schedule is jobs/schedule.toml (or [jobs] schedule in tracker.toml), in the [jobs]
    timezone. Jobs are kept in the database's APScheduler job store, missed firings are
    coalesced into one, each job runs one instance at a time, and every job takes the run lock,
    so several `tracker schedule` processes on one database run each firing once.
    """
    from jobs.runner import serve

    ctx, jobs = job_context(app, lock_wait)
    app.db.require_current()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    stop = threading.Event()

    def on_signal(signum, _frame):
        err.print(f"tracker schedule: {signal.Signals(signum).name} received, stopping")
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def started(scheduler) -> None:
        for job in scheduler.get_jobs():
            err.print(f"job {job.id}: next run {job.next_run_time:%Y-%m-%d %H:%M:%S %Z}",
                      markup=False)

    interrupted = serve(ctx, jobs, stop, misfire_grace=misfire_grace, on_start=started)
    if interrupted:
        err.print(f"tracker schedule: interrupted {', '.join(interrupted)}; committed work is "
                  "kept and the next run continues from the last watermark", markup=False)
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(EXIT_SIGNALLED)  # the job's thread is mid-transaction: the database rolls it back
    err.print("tracker schedule: stopped")


@click.group("jobs")
def jobs_group() -> None:
    """The scheduled jobs: what runs when, how the last run went, and running one now."""


@jobs_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="A table for people, JSON for scripts.")
@pass_app
def list_jobs(app: App, fmt: str) -> None:
    """Each job's trigger, last run (with its status) and next run."""
    from sqlalchemy import select

    from jobs.schedule import zone
    from tracker.store import JobRun

    ctx, jobs = job_context(app, 0)
    app.db.require_current()
    tz = zone(app.settings.timezone)
    now = datetime.now(tz)
    rows = []
    with app.db.session() as session:
        for job in jobs:
            last = session.scalars(select(JobRun).where(JobRun.job == job.name)
                                   .order_by(JobRun.started_at.desc()).limit(1)).first()
            upcoming = job.trigger(app.settings.timezone).get_next_fire_time(None, now)
            rows.append({
                "name": job.name, "task": job.task, "cron": job.cron, "args": job.args,
                "timezone": app.settings.timezone,
                "last_run": (last.started_at.astimezone(tz).isoformat(timespec="seconds")
                             if last else None),
                "last_status": last.status if last else None,
                "last_detail": last.detail if last else None,
                "next_run": upcoming.isoformat(timespec="seconds") if upcoming else None,
            })
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    from rich.table import Table

    table = Table("job", "task", "trigger", "last run", "status", "next run",
                  title=f"Scheduled jobs ({app.settings.timezone})")
    for column in table.columns:
        column.overflow = "fold"
    table.columns[0].no_wrap = True  # a job's name is never cut
    table.columns[0].min_width = max((len(row["name"]) for row in rows), default=3)
    for row in rows:
        table.add_row(row["name"], row["task"], row["cron"], short_time(row["last_run"], "never"),
                      row["last_status"] or "—", short_time(row["next_run"], "—"))
    out.print(table, markup=False)


def short_time(iso: str | None, missing: str) -> str:
    """A table's time: to the minute, in the schedule's time zone (named in the title)."""
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M") if iso else missing


@jobs_group.command("run")
@click.argument("name")
@click.option("--wait", type=click.FloatRange(0, 86400), default=300, show_default=True,
              metavar="SECONDS", help="How long to wait for another run's lock.")
@pass_app
def run_job(app: App, name: str, wait: float) -> None:
    """Run the job NAME now, through the same lock and records as a scheduled firing."""
    from jobs.runner import execute
    from tracker.errors import ConfigError

    ctx, jobs = job_context(app, wait)
    if name not in ctx.jobs:
        raise ConfigError(f"no job {name!r} in the schedule (jobs: {', '.join(ctx.jobs)})")
    app.db.require_current()
    status, detail = execute(ctx, ctx.jobs[name], datetime.now(UTC), raise_errors=True)
    out.print(f"job {name}: {status}: {detail}", markup=False)

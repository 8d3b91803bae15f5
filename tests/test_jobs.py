"""Scheduled jobs: the schedule as data, `tracker schedule` for real (two processes at once),
stopping on SIGTERM, and `tracker jobs list|run` through the run lock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tracker.demo.server import EutilsServer
from tracker.digest import last_complete_period
from tracker.store import Database, Delivery, JobRun, Run, run_lock

from cli_run import run
from records_factory import RCT, make_record
from smtp_server import SmtpServer


def rows(db_url, model):
    database = Database(db_url)
    try:
        with database.session() as session:
            return list(session.scalars(select(model)))
    finally:
        database.dispose()


@pytest.fixture
def live_server():
    """An E-utilities server whose today is the real today, as a scheduled poll's is."""
    server = EutilsServer().start()
    yield server
    server.stop()


@pytest.fixture
def env(monkeypatch, tmp_path, live_server, db_url):
    fast = tmp_path / "fast.toml"
    fast.write_text("[pubmed]\nbackoff_base = 0.01\nbackoff_max = 0.05\nrequests_per_second = 50\n"
                    "timeout = 10\n")
    monkeypatch.setenv("TRACKER_CONFIG", str(fast))
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_EUTILS_URL", live_server.url)
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    monkeypatch.setenv("TRACKER_SMTP_FROM", "digest@tracker.example.org")
    return live_server


def write_schedule(path, jobs: dict[str, tuple[str, datetime, dict]]):
    lines = []
    for name, (task, at, args) in jobs.items():
        lines += [f"[job.{name}]", f'task = "{task}"',
                  f'cron = "{at.second} {at.minute} {at.hour} * * *"']
        if args:
            lines.append("args = { " + ", ".join(f'{k} = "{v}"' for k, v in args.items()) + " }")
    path.write_text("\n".join(lines) + "\n")
    return path


def start_scheduler(*extra):
    return subprocess.Popen(
        [sys.executable, "-c", "from tracker.cli import main; main()", "schedule", *extra],
        env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize(("text", "message"), [
    ('[job.poll]\ncron = "0 6 * *"\n', "job 'poll': cron '0 6 * *' needs 5 fields"),
    ('[job.poll]\ncron = "0 26 * * *"\n', "job 'poll':"),
    ('[job.nightly]\ncron = "0 6 * * *"\n', "job 'nightly': unknown task 'nightly'"),
    ('[job.digest]\ncron = "0 7 * * mon"\nargs = { period = "year" }\n', "'year'"),
    ('[job.poll]\ncron = "0 6 * * *"\nevery = 3\n', "unknown key(s) every"),
    ('[jobs.poll]\ncron = "0 6 * * *"\n', "unknown table(s) jobs"),
])
def test_malformed_schedule_names_file_job_and_reason(capsys, env, tmp_path, monkeypatch, text,
                                                       message):
    assert run(capsys, "init", "--skip-references")[0] == 0
    path = tmp_path / "schedule.toml"
    path.write_text(text)
    monkeypatch.setenv("TRACKER_SCHEDULE", str(path))
    code, _, err = run(capsys, "jobs", "list")
    assert code == 1
    assert str(path) in err and message in err and len(err.strip().splitlines()) == 1


def test_schedule_and_time_zone_from_tracker_toml(capsys, env, tmp_path, monkeypatch):
    assert run(capsys, "init", "--skip-references")[0] == 0
    mine = tmp_path / "mine.toml"
    mine.write_text('[job.nightly-poll]\ntask = "poll"\ncron = "30 2 * * *"\n')
    config = tmp_path / "tracker.toml"
    config.write_text(f'[jobs]\nschedule = "{mine}"\ntimezone = "Europe/Paris"\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    code, out, err = run(capsys, "jobs", "list", "--format", "json")
    assert code == 0, err
    (job,) = json.loads(out)
    assert job["name"] == "nightly-poll" and job["timezone"] == "Europe/Paris"
    assert job["next_run"].endswith(("+01:00", "+02:00")) and "T02:30:00" in job["next_run"]
    assert job["last_run"] is None


def test_two_schedulers_run_poll_and_digest_once_each(capsys, env, tmp_path, monkeypatch,
                                                      db_url):
    since, until = last_complete_period(date.today(), "week")
    env.add_records([
        make_record("90000601", "Psilocybin versus placebo in treatment-resistant depression",
                    since + timedelta(days=1), types=(RCT,)),
        make_record("90000602", "Psilocybin in TRD: a cohort", since + timedelta(days=2)),
    ])
    assert run(capsys, "init", "--skip-references")[0] == 0
    assert run(capsys, "subscribers", "add", "ana@example.org", "--therapy", "psilocybin")[0] == 0
    with SmtpServer() as smtp:
        monkeypatch.setenv("TRACKER_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("TRACKER_SMTP_PORT", str(smtp.port))
        first = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=20)  # after start-up
        schedule = write_schedule(tmp_path / "schedule.toml", {
            "poll": ("poll", first, {}),
            "digest": ("digest", first + timedelta(seconds=6), {"period": "week"}),
        })
        monkeypatch.setenv("TRACKER_SCHEDULE", str(schedule))
        schedulers = [start_scheduler("--lock-wait", "60"), start_scheduler("--lock-wait", "60")]
        outputs = []
        try:
            def finished():
                runs = rows(db_url, JobRun)
                done = {r.job for r in runs if r.status not in ("running",)}
                return runs if {"poll", "digest"} <= done else None

            try:
                wait_for(finished, 90, "the poll and digest jobs")
                time.sleep(1.5)  # a second firing, were there one, would show by now
            finally:
                for process in schedulers:
                    process.send_signal(signal.SIGTERM)
                outputs = [process.communicate(timeout=30) for process in schedulers]
        except AssertionError as exc:
            raise AssertionError(f"{exc}: {outputs}") from None
        assert [p.returncode for p in schedulers] == [0, 0], outputs
        runs = rows(db_url, JobRun)
        assert sorted((r.job, r.status) for r in runs) == [("digest", "ok"), ("poll", "ok")], \
            [(r.job, r.status, r.detail) for r in runs]
        assert len([r for r in rows(db_url, Run) if r.kind == "poll"]) == 1
        assert len(smtp.accepted) == 1
        body = smtp.accepted[0].get_body(("plain",)).get_content()
        assert "90000601" in body and "90000602" in body
        assert [d.status for d in rows(db_url, Delivery)] == ["sent"]

    code, out, _ = run(capsys, "jobs", "list")
    assert code == 0 and "ok" in out


def test_sigterm_during_a_job_records_it_interrupted(capsys, env, tmp_path, monkeypatch,
                                                     db_url):
    env.latency = 1.0  # every E-utilities answer takes a second: the poll is still running
    assert run(capsys, "init", "--skip-references")[0] == 0
    at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=15)  # after start-up
    schedule = write_schedule(tmp_path / "schedule.toml", {"poll": ("poll", at, {})})
    monkeypatch.setenv("TRACKER_SCHEDULE", str(schedule))
    process = start_scheduler()
    try:
        wait_for(lambda: [r for r in rows(db_url, JobRun) if r.status == "running"], 60,
                 "the poll job to start")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    assert "interrupted poll" in stderr
    (job_run,) = rows(db_url, JobRun)
    assert job_run.status == "interrupted"

    env.latency = 0.0
    code, out, err = run(capsys, "jobs", "run", "poll")
    assert code == 0, err
    assert "job poll: ok" in out


def test_manual_run_goes_through_the_lock(capsys, env, db_url):
    assert run(capsys, "init", "--skip-references")[0] == 0
    database = Database(db_url)
    try:
        with run_lock(database, "poll"):
            code, _, err = run(capsys, "jobs", "run", "poll", "--wait", "0")
    finally:
        database.dispose()
    assert code == 5 and len(err.strip().splitlines()) == 1
    (job_run,) = rows(db_url, JobRun)
    assert job_run.status == "failed" and "database is busy" in job_run.detail
    assert rows(db_url, Run) == [] or all(r.kind != "poll" for r in rows(db_url, Run))


def test_feed_job_runs_by_name(capsys, env, tmp_path, monkeypatch, db_url):
    assert run(capsys, "init", "--skip-references")[0] == 0
    schedule = tmp_path / "schedule.toml"
    schedule.write_text(f'[job.feeds]\ntask = "feed"\ncron = "0 8 * * *"\n'
                        f'args = {{ out = "{tmp_path / "feeds"}", days = 30 }}\n')
    monkeypatch.setenv("TRACKER_SCHEDULE", str(schedule))
    code, out, err = run(capsys, "jobs", "run", "feeds")
    assert code == 0, err
    assert "job feeds: ok" in out
    assert (tmp_path / "feeds" / "all.xml").exists()
    (job_run,) = rows(db_url, JobRun)
    assert (job_run.job, job_run.status) == ("feeds", "ok")

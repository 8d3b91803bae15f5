"""The schedule as data: which jobs run when, read from a TOML file a user edits.

A malformed schedule is refused whole, naming the file, the job and the reason.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

from tracker.errors import ConfigError

DEFAULT_SCHEDULE = Path(__file__).resolve().parent / "schedule.toml"
TASK_ARGS: dict[str, dict[str, type]] = {  # each task's arguments and their types
    "poll": {"therapies": list},
    "refresh": {},
    "digest": {"period": str},
    "feed": {"out": str, "days": int},
    "retrain": {"min_per_level": int},
}
JOB_KEYS = {"task", "cron", "args"}
CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")


@dataclass(frozen=True)
class Job:
    name: str
    task: str
    cron: str
    args: dict = field(default_factory=dict)

    def trigger(self, timezone: str) -> CronTrigger:
        return cron_trigger(self.cron, timezone)


def zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone {timezone!r} is not a time zone name "
                          "(examples: UTC, Europe/London, America/New_York)") from None


def cron_trigger(cron: str, timezone: str) -> CronTrigger:
    """Five crontab fields, or six with the second first."""
    fields = cron.split()
    if len(fields) == 5:
        values = dict(zip(CRON_FIELDS, fields, strict=True))
    elif len(fields) == 6:
        values = dict(zip(("second", *CRON_FIELDS), fields, strict=True))
    else:
        raise ValueError(f"cron {cron!r} needs 5 fields (minute hour day month day-of-week), "
                         "or 6 with the second first")
    return CronTrigger(timezone=zone(timezone), **values)


def check_args(task: str, args: dict) -> None:
    allowed = TASK_ARGS[task]
    for key, value in args.items():
        if key not in allowed:
            known = ", ".join(allowed) or "none"
            raise ValueError(f"unknown argument {key!r} for a {task} job (known: {known})")
        if not isinstance(value, allowed[key]) or isinstance(value, bool):
            raise ValueError(f"argument {key!r} must be a {allowed[key].__name__}")
    if task == "digest" and args.get("period", "week") not in ("week", "month"):
        raise ValueError(f"period {args['period']!r} must be 'week' or 'month'")
    if task == "poll" and not all(isinstance(t, str) for t in args.get("therapies", [])):
        raise ValueError("therapies must be a list of therapy ids")
    if task == "feed" and args.get("days", 90) < 1:
        raise ValueError("days must be 1 or more")


def parse_schedule(data: dict, source: str, timezone: str) -> list[Job]:
    unknown = set(data) - {"job"}
    if unknown:
        raise ConfigError(f"{source}: unknown table(s) {', '.join(sorted(unknown))}; "
                          "jobs go under [job.NAME]")
    jobs = []
    for name, table in (data.get("job") or {}).items():
        try:
            if not isinstance(table, dict):
                raise ValueError("must be a table, like [job.NAME]")
            extra = set(table) - JOB_KEYS
            if extra:
                raise ValueError(f"unknown key(s) {', '.join(sorted(extra))} "
                                 f"(known: {', '.join(sorted(JOB_KEYS))})")
            task = table.get("task", name)
            if task not in TASK_ARGS:
                raise ValueError(f"unknown task {task!r} (known: {', '.join(TASK_ARGS)})")
            cron = table.get("cron")
            if not isinstance(cron, str):
                raise ValueError('needs cron = "minute hour day month day-of-week"')
            args = table.get("args", {})
            if not isinstance(args, dict):
                raise ValueError("args must be a table, like args = { period = \"week\" }")
            check_args(task, args)
            cron_trigger(cron, timezone)  # refuses fields APScheduler cannot read
        except ValueError as exc:
            raise ConfigError(f"{source}: job {name!r}: {exc}") from None
        jobs.append(Job(name=name, task=task, cron=cron, args=dict(args)))
    if not jobs:
        raise ConfigError(f"{source}: no jobs; add a [job.NAME] table")
    return jobs


def load_schedule(path: Path | None, timezone: str) -> list[Job]:
    """The jobs of the schedule file (default: jobs/schedule.toml beside this module)."""
    path = path or DEFAULT_SCHEDULE
    zone(timezone)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"schedule file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return parse_schedule(data, str(path), timezone)

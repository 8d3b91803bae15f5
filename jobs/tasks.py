"""What each scheduled task does: the same library calls as `tracker poll`, `refresh`,
`digest send`, `feed` and `classifier train`, with the job's arguments. Each returns a one-line
summary. After papers come in, the review queue's flags are brought in step, so the queue and the
digest's count of waiting papers are current without anyone opening the queue first."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from tracker.baseline import Baseline
from tracker.clock import utc_now
from tracker.config import Settings
from tracker.errors import ConfigError, IncompleteRunError, MailError
from tracker.store import Database


@dataclass
class JobContext:
    """What a job needs, built once by the process that runs the jobs."""

    settings: Settings
    baseline: Baseline
    db: Database
    jobs: dict = field(default_factory=dict)  # name -> jobs.schedule.Job
    lock_wait: float = 600.0  # seconds a job waits for another run's lock

    def client(self):
        from tracker.pubmed.eutils import EutilsClient

        if self.settings.talks_to_ncbi and not self.settings.email:
            raise ConfigError("NCBI asks every client for a contact e-mail: set NCBI_EMAIL or "
                              "[pubmed] email in tracker.toml")
        return EutilsClient(self.settings)


def poll(ctx: JobContext, args: dict, today: date) -> str:
    from tracker.ingest import poll as run_poll

    for therapy_id in args.get("therapies", []):
        ctx.baseline.therapy(therapy_id)
    summary = run_poll(ctx.db, ctx.client(), ctx.baseline,
                       therapy_ids=args.get("therapies") or None, today=today,
                       batch_size=ctx.settings.batch_size, period=ctx.settings.period)
    sync_queue(ctx)
    line = (f"run {summary.run_id} {summary.status}: {summary.fetched} fetched, "
            f"{summary.new_papers} new papers")
    if summary.status == "incomplete":
        raise IncompleteRunError(line + "; the next poll asks again for what PubMed left out")
    return line


def refresh(ctx: JobContext, args: dict, today: date) -> str:
    from tracker.ingest import refresh as run_refresh

    summary = run_refresh(ctx.db, ctx.client(), ctx.baseline, today=today,
                          period=ctx.settings.period)
    sync_queue(ctx)
    return " ".join(summary.describe().split())


def digest(ctx: JobContext, args: dict, today: date) -> str:
    from tracker.digest import SmtpSender, send_digests

    sync_queue(ctx)
    results = send_digests(ctx.db, ctx.baseline, sender_address=ctx.settings.smtp_from,
                           send=SmtpSender(ctx.settings).send, today=today,
                           period=args.get("period"))
    counts = Counter(r.status for r in results)
    line = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no subscribers"
    if counts["failed"]:
        raise MailError(f"{line}; failed deliveries are retried on the next run")
    return line


def feed(ctx: JobContext, args: dict, today: date) -> str:
    from tracker.feed import build_feeds, feed_entries, write_feeds

    since = today - timedelta(days=args.get("days", 90) - 1)
    now = utc_now()
    with ctx.db.session() as session:
        entries = feed_entries(session, ctx.baseline, since=since, until=today,
                               period=ctx.settings.period, generated_at=now)
    out = Path(args["out"]) if "out" in args else ctx.settings.reports_dir / "feeds"
    paths = write_feeds(build_feeds(ctx.baseline, entries, generated_at=now), out)
    return f"{len(paths)} feeds, {len(entries)} entries in {out}"


def retrain(ctx: JobContext, args: dict, today: date) -> str:
    """Fit the level model on the store's indexed papers, then apply it to every paper."""
    from tracker.evidence import reclassify_all, train_and_save

    now = utc_now()
    report = train_and_save(ctx.db, now=now, min_per_level=args.get("min_per_level", 20))
    with ctx.db.session() as session:
        counts = reclassify_all(session, now=now)
    sync_queue(ctx)
    return (f"level model {report.version} trained on {report.training_size} papers; "
            f"{counts['papers']} papers reclassified, {counts['changed']} changed level")


def sync_queue(ctx: JobContext) -> None:
    from tracker.review import sync_from_settings

    with ctx.db.session() as session:
        sync_from_settings(session, ctx.baseline, ctx.settings, utc_now())


TASKS = {"poll": poll, "refresh": refresh, "digest": digest, "feed": feed, "retrain": retrain}

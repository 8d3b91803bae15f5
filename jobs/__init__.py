"""Scheduled jobs (APScheduler): poll, refresh and the weekly digest.

Not built yet: the open issues cover the pipeline the jobs will call (tracker.ingest.poll,
tracker.ingest.refresh, tracker.report.build_report). Until then, run those from cron with
`tracker poll` and `tracker refresh`.
"""

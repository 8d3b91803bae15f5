"""Scheduled jobs (APScheduler): poll, refresh and the weekly digest.

Not built yet: the open issues cover the pipeline the jobs will call (tracker.poll.poll,
tracker.refresh.refresh, tracker.report). Until then, run those from cron with `tracker poll` and
`tracker refresh`.
"""

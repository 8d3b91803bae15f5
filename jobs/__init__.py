"""Scheduled jobs (APScheduler 3): poll, refresh, the digest and the feeds, on a schedule a user
edits without code.

    schedule.toml   the default schedule (cron triggers and arguments, per job)
    schedule.py     load_schedule: the file read and checked, a Job per entry
    tasks.py        what each task calls in the library (the same calls as the CLI commands)
    runner.py       each firing claimed once in job_runs and run under the run lock;
                    serve(): the scheduler on the database's job store, until told to stop
"""

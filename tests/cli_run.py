"""The `tracker` command run in-process, as a user types it: exit code, stdout, stderr."""

from __future__ import annotations

from tracker.cli import main
from tracker.store import Database


def run(capsys, *argv):
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def initialised(capsys, monkeypatch, db_url) -> Database:
    """`tracker init` on the test's database, as the CLI's commands will find it; the caller
    disposes of the Database returned."""
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    code, _, err = run(capsys, "init", "--skip-references")
    assert code == 0, err
    return Database(db_url)

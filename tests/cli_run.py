"""The `tracker` command run in-process, as a user types it: exit code, stdout, stderr."""

from __future__ import annotations

from tracker.cli import main


def run(capsys, *argv):
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err

"""Running the `tracker` command in-process, as a user would from a shell."""

from tracker.cli import main


def run(capsys, *argv):
    """Run `tracker argv...`; return (exit code, stdout, stderr)."""
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err

"""`tracker --help` starts fast: the CLI loads the database, chart and model libraries only when a
command uses them (bench/bench_startup.py measures the time; these tests pin the behaviour)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cli_run import run

HEAVY = ("sqlalchemy", "alembic", "matplotlib", "sklearn", "flask", "apscheduler", "lxml")


def modules_loaded_by(code: str) -> set[str]:
    """The top-level modules a fresh interpreter has loaded after running code."""
    script = (f"import json, sys\n{code}\n"
              "print(json.dumps(sorted({name.split('.')[0] for name in sys.modules})))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_cli_loads_no_heavy_library():
    loaded = modules_loaded_by("import tracker.cli")
    assert "click" in loaded  # the probe sees what the import brought in
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


@pytest.mark.parametrize("argv", [["--help"], ["queue", "list", "--help"],
                                  ["classifier", "train", "--help"], ["report", "--help"]])
def test_help_loads_no_heavy_library(argv):
    loaded = modules_loaded_by(
        "from tracker.cli import main\n"
        f"try:\n    main({argv!r})\nexcept SystemExit as exc:\n    assert not exc.code\n")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_library_is_loaded_when_a_command_needs_it():
    loaded = modules_loaded_by(
        "from tracker.cli.app import App\n"
        "App(None, 'sqlite:///:memory:').db")
    assert "sqlalchemy" in loaded


def test_an_unknown_review_reason_is_a_usage_error(capsys):
    code, out, err = run(capsys, "queue", "list", "--reason", "bogus")
    assert code == 2
    assert "'bogus' is not a reason code" in err
    assert "new_rct" in err  # says what to write instead
    assert out == ""

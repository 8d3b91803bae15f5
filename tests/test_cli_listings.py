"""Listings as people and scripts read them: whole ids, --format json|csv, aliases, pipes."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from datetime import date

import pytest

from cli_run import run
from records_factory import make_record

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")




@pytest.fixture
def env(cli_env):
    """The CLI pointed at the local E-utilities server (conftest's cli_env)."""
    return cli_env


@pytest.fixture
def polled(capsys, env):
    env.add_records([
        make_record("90000801", "Ketamine in treatment-resistant depression", date(2025, 3, 10),
                    doi="10.1/x"),
        make_record("90000802", "Ketamine in treatment-resistant depression.", date(2025, 3, 11),
                    doi="10.1/X"),
    ])
    assert run(capsys, "init", "--skip-references")[0] == 0
    assert run(capsys, "poll", "--therapy", "ketamine", "--until", "2025-06-30")[0] == 0
    return env


def test_ids_are_whole_in_an_80_column_terminal(polled):
    drawn = run_in_terminal(["therapies"], {**os.environ, "COLUMNS": "80", "TERM": "xterm"})
    lines = [ANSI.sub("", line) for line in drawn.splitlines()]
    assert max(map(len, lines)) <= 80
    table = "\n".join(lines)
    for therapy_id in ("focused_ultrasound", "neurofeedback", "pharmacogenomics", "esketamine"):
        assert f" {therapy_id} " in table, therapy_id


@pytest.mark.parametrize("argv", [
    ("therapies",), ("status",), ("references",), ("duplicates", "list"),
])
def test_listings_give_json_and_csv_for_scripts(capsys, polled, argv):
    code, out, err = run(capsys, *argv, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    code, out, err = run(capsys, *argv, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    if argv == ("therapies",):
        assert [t["id"] for t in data][:2] == ["rtms", "vns"]
        ketamine = next(t for t in data if t["id"] == "ketamine")
        assert ketamine["papers"] >= 1 and ketamine["polled_through"] == "2025-06-30"
        assert "TMS" in data[0]["aliases"]
        assert next(r for r in rows if r["id"] == "ketamine")["papers"] == str(ketamine["papers"])
        assert next(r for r in rows if r["id"] == "vns")["polled_through"] == ""  # never polled
    elif argv == ("status",):
        assert data["runs"][0]["kind"] == "poll" and data["runs"][0]["new_papers"] >= 1
        assert {"therapy": "vns", "polled_through": None} in data["watermarks"]
        assert rows[0]["status"] == data["runs"][0]["status"]
    elif argv == ("references",):
        assert len(data) == len(rows) == 10
        assert {r["key"] for r in rows} == {r["key"] for r in data}
    else:
        assert len(data) == len(rows) == 1
        assert {data[0]["pmid"], data[0]["other_pmid"]} == {"90000801", "90000802"}
        assert rows[0]["title"].startswith("Ketamine in treatment-resistant depression")


def test_therapy_aliases_in_any_case_and_suggestions(capsys, polled):
    for alias in ("rTMS", "TMS", "tms", "Spravato"):
        code, out, err = run(capsys, "poll", "--therapy", alias, "--dry-run",
                             "--until", "2025-06-30")
        assert code == 0, (alias, err)
        expected = "esketamine" if alias == "Spravato" else "rtms"
        assert expected in out
    code, _, err = run(capsys, "report", "--therapy", "ketamin", "--output", "-")
    assert code != 0
    assert len(err.strip().splitlines()) == 1
    assert "did you mean ketamine" in err


def test_piped_output_keeps_long_lines_whole(polled, tmp_path):
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-c", "from tracker.cli import main; main()", "references"],
        capture_output=True, text=True, env=env, check=True,
    )
    line = next(x for x in done.stdout.splitlines() if "match none of the tracked" in x)
    assert line.endswith("ricci-2025#5")  # one line, not wrapped at 80 columns
    assert len(line) > 80


def test_demo_leaves_a_config_to_explore_it(capsys, tmp_path, monkeypatch):
    workdir = tmp_path / "demo-output"
    code, out, err = run(capsys, "demo", "--workdir", str(workdir))
    assert code == 0, err
    assert f"cd {workdir} && tracker therapies" in out
    monkeypatch.chdir(workdir)
    code, out, err = run(capsys, "therapies", "--format", "json")
    assert code == 0, err
    assert sum(t["papers"] for t in json.loads(out)) > 0


def run_in_terminal(argv: list[str], env: dict) -> str:
    """Run `tracker argv` with a pseudo-terminal as stdout and stderr; return what it drew."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", "from tracker.cli import main; main()", *argv],
        stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=60)
    os.close(leader)
    assert process.returncode == 0, b"".join(chunks)
    return b"".join(chunks).decode(errors="replace")


def test_dry_run_shows_no_fetch_bar(capsys, polled, tmp_path):
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    drawn = run_in_terminal(["poll", "--dry-run", "--therapy", "vns", "--until", "2025-06-30"],
                            env)
    assert "vns" in drawn and "Fetching new records" not in drawn
    drawn = run_in_terminal(["poll", "--therapy", "vns", "--until", "2025-06-30"], env)
    assert "Fetching new records" in drawn  # the bar a real poll shows, in the same terminal

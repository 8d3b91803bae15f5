"""Every bad input through the real CLI: one line on stderr, its exit code, no traceback, and
not a row changed (nor a file created)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.cli import main
from tracker.config import default_seeds_dir
from tracker.store import Base, Database, run_lock

from eutils_faults import error_in_body
from records_factory import make_record


@dataclass
class Case:
    argv: list[str]
    code: int
    says: str  # a fragment the stderr line must contain (case-insensitive)
    files: dict[str, bytes] = field(default_factory=dict)  # created under tmp_path first
    env: dict[str, str] = field(default_factory=dict)  # {tmp} is replaced by tmp_path
    fresh: bool = False  # run in a folder with no database: no file may appear
    setup: str | None = None  # a named extra arrangement, see arrange()


LONG_NAME = "r" * 300 + ".html"
LATIN1_SEEDS = "latin1-seeds"

CASES = {
    "report into a missing folder under a file": Case(
        ["report", "--output", "{tmp}/plain-file/no/such/r.html"], 1, "plain-file",
        files={"plain-file": b"x"}),
    "report under a file": Case(
        ["report", "--output", "{tmp}/plain-file/r.html"], 1, "plain-file",
        files={"plain-file": b"x"}),
    "report unwritable (a file system that refuses)": Case(
        ["report", "--output", "/proc/version/r.html"], 1, "cannot write"),
    "report 300-character file name": Case(
        ["report", "--output", "{tmp}/" + LONG_NAME], 1, "name too long"),
    "TRACKER_REPORTS_DIR is a file": Case(
        ["report"], 1, "cannot write", files={"reports-file": b"x"},
        env={"TRACKER_REPORTS_DIR": "{tmp}/reports-file"}),
    "demo workdir unwritable": Case(
        ["demo", "--workdir", "{tmp}/plain-file/demo"], 1, "plain-file",
        files={"plain-file": b"x"}),
    "report since year 1": Case(["report", "--since", "0001-01-01"], 2, "outside"),
    "report until 9999-12-31": Case(["report", "--until", "9999-12-31"], 2, "outside"),
    "report since after until": Case(
        ["report", "--since", "2025-06-02", "--until", "2025-06-01"], 1, "after"),
    "non-UTF-8 therapies.toml": Case(
        ["therapies"], 1, "utf-8", setup=LATIN1_SEEDS,
        env={"TRACKER_SEEDS_DIR": "{tmp}/" + LATIN1_SEEDS}),
    "duplicates confirm a huge id": Case(
        ["duplicates", "confirm", "99999999999999999999999"], 2, "link_id"),
    "status a huge number of runs": Case(
        ["status", "--runs", "99999999999999999999999"], 2, "--runs"),
    "max_retries 2.7": Case(
        ["poll"], 1, "max_retries", files={"bad.toml": b"[pubmed]\nmax_retries = 2.7\n"},
        env={"TRACKER_CONFIG": "{tmp}/bad.toml"}),
    "max_retries huge": Case(
        ["poll"], 1, "max_retries",
        files={"bad.toml": b"[pubmed]\nmax_retries = 99999999999999999\n"},
        env={"TRACKER_CONFIG": "{tmp}/bad.toml"}),
    "timeout zero": Case(
        ["poll"], 1, "timeout", files={"bad.toml": b"[pubmed]\ntimeout = 0\n"},
        env={"TRACKER_CONFIG": "{tmp}/bad.toml"}),
    "tracker.toml is a directory": Case(
        ["status"], 1, "not a file", setup="config-directory", env={"TRACKER_CONFIG": ""}),
    "therapies before init": Case(["therapies"], 1, "tracker init", fresh=True),
    "status before init": Case(["status"], 1, "tracker init", fresh=True),
    "poll before init": Case(["poll"], 1, "tracker init", fresh=True),
    "query citing a history entry #N": Case(
        ["poll", "--therapy", "ketamine", "--until", "2025-06-30"], 1, "history",
        setup="history-reference"),
    "unknown therapy": Case(["poll", "--therapy", "nosuch"], 1, "nosuch"),
    "malformed date": Case(["poll", "--since", "2025-13-01"], 2, "yyyy-mm-dd"),
    "poll while another run holds the lock": Case(
        ["poll", "--therapy", "ketamine", "--wait", "0"], 5, "--wait", setup="locked"),
    "negative wait": Case(["poll", "--wait", "-1"], 2, "--wait"),
}


@pytest.fixture
def env(cli_env):
    """The CLI pointed at the local E-utilities server (conftest's cli_env)."""
    return cli_env


def row_counts(url: str) -> dict[str, int]:
    database = Database(url)
    try:
        with database.session() as session:
            return {table.name: session.scalar(select(func.count()).select_from(table))
                    for table in Base.metadata.sorted_tables}
    finally:
        database.dispose()


def call(capsys, argv) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_and_changes_nothing(name, env, capsys, monkeypatch, tmp_path,
                                                    db_url):
    case = CASES[name]
    if not case.fresh:  # a database with papers in it
        env.add_records([make_record("90000901", "Ketamine in treatment-resistant depression",
                                     date(2025, 3, 1))])
        assert call(capsys, ["init", "--skip-references"])[0] == 0
        assert call(capsys, ["poll", "--therapy", "ketamine", "--until", "2025-06-30"])[0] == 0
    for relative, content in case.files.items():
        (tmp_path / relative).write_bytes(content)
    for variable, value in case.env.items():
        if value:
            monkeypatch.setenv(variable, value.replace("{tmp}", str(tmp_path)))
        else:
            monkeypatch.delenv(variable)
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    if case.fresh:
        fresh_db = workdir / "fresh.db"
        monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{fresh_db}")
    before = None if case.fresh else row_counts(db_url)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in case.argv]

    with arrange(case.setup, tmp_path, workdir, env, db_url):
        code, _, err = call(capsys, argv)

    lines = err.strip().splitlines()
    assert code == case.code, err
    assert len(lines) == 1, err
    assert case.says.lower() in lines[0].lower(), err
    assert lines[0].startswith("tracker: ") and "Traceback" not in err
    if case.fresh:
        assert list(workdir.iterdir()) == []  # not even an empty database file
    else:
        assert row_counts(db_url) == before


class arrange:  # noqa: N801 - used as a context manager, named for what it does
    """The extra arrangement a case names, undone afterwards."""

    def __init__(self, setup, tmp_path, workdir, server, db_url):
        self.setup, self.tmp_path, self.workdir = setup, tmp_path, workdir
        self.server, self.db_url, self.stack = server, db_url, None

    def __enter__(self):
        from contextlib import ExitStack

        self.stack = ExitStack()
        if self.setup == LATIN1_SEEDS:
            seeds = self.tmp_path / LATIN1_SEEDS
            shutil.copytree(default_seeds_dir(), seeds)
            text = (seeds / "therapies.toml").read_text(encoding="utf-8")
            (seeds / "therapies.toml").write_bytes(
                text.replace("Ketamine", "K\u00e9tamine", 1).encode("latin-1", "replace"))
        elif self.setup == "config-directory":
            (self.workdir / "tracker.toml").mkdir()
        elif self.setup == "history-reference":
            self.server.inject("esearch.fcgi", error_in_body("Unable to obtain query #3"),
                               times=100)
        elif self.setup == "locked":
            database = Database(self.db_url)
            self.stack.callback(database.dispose)
            self.stack.enter_context(run_lock(database, "refresh"))
        return self

    def __exit__(self, *exc_info):
        self.stack.close()
        if self.setup == "config-directory":
            (self.workdir / "tracker.toml").rmdir()

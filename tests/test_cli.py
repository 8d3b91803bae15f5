"""The `tracker` command as a user meets it: help, errors on one line, init, poll, status."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.cli import cli, main
from tracker.store.database import Database
from tracker.store.models import Paper, Reference, Run, Therapy

from records_factory import make_record


def run(capsys, *argv):
    """Run `tracker argv...`; return (exit code, stdout, stderr)."""
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def env(monkeypatch, tmp_path, eutils_server, db_url):
    fast = tmp_path / "fast.toml"  # quick retries against the local server
    fast.write_text("[pubmed]\nbackoff_base = 0.01\nbackoff_max = 0.05\n"
                    "requests_per_second = 50\n")
    monkeypatch.setenv("TRACKER_CONFIG", str(fast))
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_EUTILS_URL", eutils_server.url)
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    return eutils_server


def counts(db_url):
    database = Database(db_url)
    try:
        with database.session() as session:
            return {
                model.__name__: session.scalar(select(func.count()).select_from(model))
                for model in (Paper, Run, Therapy, Reference)
            }
    finally:
        database.dispose()


def all_commands(group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if hasattr(command, "commands"):
            yield from all_commands(command, (*prefix, name))


def test_every_command_explains_itself(capsys):
    for path, command in all_commands(cli):
        assert command.help and len(command.help) > 20, path
        code, out, _ = run(capsys, *path, "--help")
        assert code == 0 and "Usage:" in out, path


def test_a_command_collects_young_objects_in_larger_rounds(capsys):
    """tracker.heap: the process's young collections are spaced out from the entry point on."""
    import gc

    from tracker.heap import YOUNG_OBJECTS

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, *before[1:])
        assert run(capsys, "--help")[0] == 0
        assert gc.get_threshold() == (YOUNG_OBJECTS, *before[1:])
    finally:
        gc.set_threshold(*before)


def test_init_twice_changes_nothing(capsys, env, db_url):
    code, out, err = run(capsys, "init", "--skip-references")
    assert code == 0, err
    first = counts(db_url)
    assert first["Therapy"] == 15 + 6 and first["Reference"] == 10  # therapies and pathways
    code, out, _ = run(capsys, "init", "--skip-references")
    assert code == 0 and "0 rows added or updated" in out
    assert counts(db_url) == first


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("poll", "--therapy", "ect"), "unknown therapy 'ect'"),
        (("poll", "--since", "2025-13-01"), "is not a date"),
        (("report", "--since", "yesterday"), "is not a date"),
        (("poll", "--since", "2025-07-01", "--until", "2025-06-01"), "is after"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(capsys, env, db_url, argv, message):
    run(capsys, "init", "--skip-references")
    before = counts(db_url)
    code, out, err = run(capsys, *argv)
    assert code != 0
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert counts(db_url) == before


def test_broken_config_file(capsys, tmp_path, env):
    (tmp_path / "broken.toml").write_text("[pubmed]\nbatch_size = -1\n")
    code, _, err = run(capsys, "--config", str(tmp_path / "broken.toml"), "config")
    assert code == 1 and "batch_size" in err and len(err.strip().splitlines()) == 1


def test_commands_before_init_say_what_to_do(capsys, env):
    code, _, err = run(capsys, "status")
    assert code == 1 and "run `tracker init`" in err


def test_rejected_query_writes_nothing(capsys, tmp_path, env, db_url):
    seeds = tmp_path / "seeds"
    import shutil

    from tracker.config import default_seeds_dir

    shutil.copytree(default_seeds_dir(), seeds)
    text = (seeds / "therapies.toml").read_text()
    (seeds / "therapies.toml").write_text(text.replace("arketamine[tiab]", "arketamine[badtag]"))
    env_vars = ("--config", str(tmp_path / "t.toml"))
    (tmp_path / "t.toml").write_text(f'[paths]\nseeds = "{seeds}"\n')
    run(capsys, *env_vars, "init", "--skip-references")
    before = counts(db_url)
    code, _, err = run(capsys, *env_vars, "poll", "--therapy", "ketamine")
    assert code == 1 and "badtag" in err.lower() and len(err.strip().splitlines()) == 1
    assert counts(db_url) == before


def test_poll_status_and_config(capsys, env, db_url):
    env.add_records([make_record("90000301", "Psilocybin for treatment-resistant depression",
                                 date(2025, 3, 10))])
    assert run(capsys, "init", "--skip-references")[0] == 0
    code, out, err = run(capsys, "poll", "--therapy", "psilocybin", "--until", "2025-06-30")
    assert code == 0, err
    assert "1 new papers" in out
    code, out, _ = run(capsys, "status")
    assert code == 0 and "poll" in out and "2025-06-30" in out
    code, out, _ = run(capsys, "therapies")
    assert code == 0 and "psilocybin" in out
    code, out, _ = run(capsys, "config")
    assert code == 0 and env.url in out


def test_titles_in_tables_are_not_read_as_markup(capsys, env, db_url):
    title = "[bold red]Ketamine[/] in treatment-resistant depression [link=http://x]click[/link]"
    env.add_records([
        make_record("90000801", title, date(2025, 3, 10), doi="10.1/x"),
        make_record("90000802", title + ".", date(2025, 3, 11), doi="10.1/X"),
    ])
    run(capsys, "init", "--skip-references")
    assert run(capsys, "poll", "--therapy", "ketamine", "--until", "2025-06-30")[0] == 0
    code, out, _ = run(capsys, "duplicates", "list")
    assert code == 0
    assert "[bold" in out and "[link=" in out  # shown literally, not rendered as markup


def test_broken_xml_from_the_server_is_one_line_and_stores_nothing(capsys, env, db_url):
    from eutils_faults import malformed_xml

    env.add_records([make_record("90000311", "Psilocybin for treatment-resistant depression",
                                 date(2025, 3, 10))])
    run(capsys, "init", "--skip-references")
    env.inject("efetch.fcgi", malformed_xml(), times=100)
    code, _, err = run(capsys, "poll", "--therapy", "psilocybin", "--until", "2025-06-30")
    assert code == 3 and len(err.strip().splitlines()) == 1
    assert "malformed" in err.lower() or "xml" in err.lower()
    after = counts(db_url)
    assert after["Paper"] == 0 and after["Run"] == 1  # only the failed run is recorded
    code, out, _ = run(capsys, "status")
    assert "failed" in out and "never" in out  # and the watermark did not move


def test_ncbi_needs_a_contact_email(capsys, monkeypatch, db_url):
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    code, _, err = run(capsys, "init")
    assert code == 1 and "NCBI_EMAIL" in err and len(err.strip().splitlines()) == 1
    assert not Database(db_url).current_revision()  # refused before touching the database


def test_reclassify_needs_no_network(capsys, env, db_url):
    env.add_records([make_record("90000321", "Psilocybin versus placebo in treatment-resistant "
                                 "depression: a randomized controlled trial", date(2025, 3, 10),
                                 status="Publisher")])
    run(capsys, "init", "--skip-references")
    assert run(capsys, "poll", "--therapy", "psilocybin", "--until", "2025-06-30")[0] == 0
    env.stop()  # PubMed is gone: reclassification works from the stored records alone
    code, out, err = run(capsys, "reclassify")
    assert code == 0, err
    assert "Reclassified 1 papers; 0 changed level" in out
    database = Database(db_url)
    with database.session() as session:
        paper = session.scalars(select(Paper)).one()
        assert (paper.level, paper.level_source) == ("rct", "text")
    database.dispose()

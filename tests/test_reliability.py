"""Issue 9 through the CLI: untrusted text stays inert, error lines carry no markup, a future
window end never becomes a watermark, and an incomplete run has its own exit code."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from tracker.demo.server import Reply
from tracker.pubmed.parse import iter_records
from tracker.pubmed.xmlwrite import articleset_xml
from tracker.records import doi_url, normal_doi
from tracker.store import Database, Paper, Run, Watermark

from cli_run import run
from eutils_faults import always, fewer_records
from records_factory import make_record

HOSTILE_TITLE = "Ketamine \u009b2J\u202eevil\u202c in treatment-resistant depression"
HOSTILE_DOI = "10.1000/x\n[click](javascript:alert(6))"
UNSAFE = ("\u009b", "\u202e", "\x1b")




@pytest.fixture
def env(monkeypatch, tmp_path, eutils_server, db_url):
    fast = tmp_path / "fast.toml"
    fast.write_text("[pubmed]\nbackoff_base = 0.01\nbackoff_max = 0.05\nmax_retries = 1\n"
                    "requests_per_second = 50\n")
    monkeypatch.setenv("TRACKER_CONFIG", str(fast))
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_EUTILS_URL", eutils_server.url)
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    return eutils_server


def stored(db_url, *columns):
    database = Database(db_url)
    try:
        with database.session() as session:
            return session.execute(select(*columns)).all()
    finally:
        database.dispose()


# --- DOIs -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "normal"), [
    ("10.1000/abc", "10.1000/abc"),
    ("https://doi.org/10.1000/abc", "10.1000/abc"),
    ("http://dx.doi.org/10.1000/abc", "10.1000/abc"),
    ("doi: 10.1000/abc", "10.1000/abc"),
    ("  10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O ",
     "10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O"),
    (HOSTILE_DOI, None),
    ("10.1000/a b", None),
    ("not a doi", None),
    ("10.1000/a\u202eb", None),
])
def test_a_doi_has_one_normal_form_or_is_none(raw, normal):
    assert normal_doi(raw) == normal


def test_doi_links_are_never_doubled_and_never_markup():
    assert doi_url("https://doi.org/10.1000/abc") == "https://doi.org/10.1000/abc"
    assert doi_url("10.1000/a<b>[c]") == "https://doi.org/10.1000/a%3Cb%3E%5Bc%5D"


def test_parse_drops_a_doi_that_is_not_one_with_a_warning(caplog):
    good = make_record("90000951", "A", date(2025, 3, 1), doi="https://doi.org/10.1000/ok")
    bad = make_record("90000952", "B", date(2025, 3, 1), doi=HOSTILE_DOI)
    with caplog.at_level(logging.WARNING, logger="tracker.pubmed.parse"):
        parsed = {r.pmid: r for r in iter_records(articleset_xml([good, bad]))}
    assert parsed["90000951"].doi == "10.1000/ok"
    assert parsed["90000952"].doi is None
    assert "90000952" in caplog.text and "dropped" in caplog.text


# --- untrusted text through every output -------------------------------------------------------

def test_hostile_title_and_doi_stay_inert_in_every_output(capsys, env):
    env.add_records([
        make_record("90000961", HOSTILE_TITLE, date(2025, 3, 10), doi=HOSTILE_DOI),
        make_record("90000962", HOSTILE_TITLE, date(2025, 3, 11), doi="10.1000/fine"),
    ])
    assert run(capsys, "init", "--skip-references")[0] == 0
    assert run(capsys, "poll", "--therapy", "ketamine", "--until", "2025-06-30")[0] == 0
    outputs = {}
    for fmt in ("txt", "md", "csv", "json", "ris", "html"):
        code, out, err = run(capsys, "report", "--since", "2025-03-01", "--until", "2025-03-31",
                             "--format", fmt, "--output", "-")
        assert code == 0, err
        outputs[fmt] = out
    code, outputs["duplicates"], _ = run(capsys, "duplicates", "list")
    assert code == 0 and "90000961" in outputs["duplicates"]
    for name, text in outputs.items():
        for character in UNSAFE:
            assert character not in text, (name, character)
        assert "javascript:" not in text, name
    for name in ("txt", "md", "csv", "json", "ris"):
        assert "<U+202E>" in outputs[name], name
    assert "https://doi.org/10.1000/fine" in outputs["md"]
    json.loads(outputs["json"])  # still valid JSON


def test_html_error_page_becomes_status_and_title_without_markup_or_escapes(capsys, env,
                                                                           db_url):
    env.add_records([make_record("90000971", "Ketamine in treatment-resistant depression",
                                 date(2025, 3, 10))])
    assert run(capsys, "init", "--skip-references")[0] == 0
    page = (b"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\"><html><head>"
            b"<title>502 Proxy Error \x1b[2J\x1b]0;pwned\x07</title></head><body><h1>Proxy "
            b"Error</h1></body></html>")
    env.inject("efetch.fcgi", always(Reply(502, page, {}, "text/html")), times=100)
    code, _, err = run(capsys, "poll", "--therapy", "ketamine", "--until", "2025-06-30")
    assert code == 3, err
    line = err.strip()
    assert len(line.splitlines()) == 1
    assert "HTTP 502" in line and "Proxy Error" in line
    assert "<" not in line.replace("<U+", "") and "DOCTYPE" not in line and "\x1b" not in line
    assert line.endswith("recorded as failed)")  # the same wording as the ESearch path
    [(error,)] = stored(db_url, Run.error)
    assert "\x1b" not in error and "DOCTYPE" not in error
    code, out, _ = run(capsys, "status")
    assert code == 0 and "\x1b" not in out and "DOCTYPE" not in out and "failed" in out


# --- watermarks never in the future -------------------------------------------------------------

def test_future_until_is_clamped_to_today_and_said(capsys, env, db_url):
    assert run(capsys, "init", "--skip-references")[0] == 0
    code, out, err = run(capsys, "poll", "--therapy", "lsd", "--until", "2099-01-01")
    assert code == 0, err
    assert "2099-01-01 is after today" in err
    [(mark,)] = stored(db_url, Watermark.polled_through)
    assert mark == date.today()


def test_init_repairs_a_future_watermark(capsys, env, db_url):
    assert run(capsys, "init", "--skip-references")[0] == 0
    database = Database(db_url)
    started = datetime.now() - timedelta(days=3)
    with database.session() as session:
        run_row = Run(kind="poll", started_at=started, finished_at=started, status="ok")
        session.add(run_row)
        session.flush()
        session.add(Watermark(therapy_id="lsd", polled_through=date(2099, 1, 1),
                              updated_at=started, run_id=run_row.id))
    database.dispose()
    code, _, err = run(capsys, "init", "--skip-references")
    assert code == 0, err
    assert "repaired" in err and "lsd" in err and "2099-01-01" in err
    [(mark,)] = stored(db_url, Watermark.polled_through)
    assert mark == started.date()
    code, _, err = run(capsys, "init", "--skip-references")
    assert "repaired" not in err  # once is enough


# --- exit codes a scheduler can act on ----------------------------------------------------------

def test_incomplete_poll_exits_4_and_keeps_the_window(capsys, env, db_url):
    env.add_records([make_record(str(90000980 + n), f"Ketamine trial {n} in treatment-resistant "
                                 "depression", date(2025, 3, 10 + n)) for n in range(3)])
    assert run(capsys, "init", "--skip-references")[0] == 0
    env.inject("efetch.fcgi", fewer_records(drop=1), times=100)
    code, out, err = run(capsys, "poll", "--therapy", "ketamine", "--until", "2025-06-30")
    assert code == 4, err
    assert len(err.strip().splitlines()) == 1 and "incomplete" in err
    assert "not returned by PubMed" in out
    assert stored(db_url, Watermark.polled_through) == []
    assert len(stored(db_url, Paper.pmid)) == 2


def test_incomplete_refresh_exits_4(capsys, env, db_url):
    env.add_records([make_record(str(90000990 + n), f"Ketamine trial {n} in treatment-resistant "
                                 "depression", date(2025, 3, 10 + n), status="Publisher")
                     for n in range(3)])
    assert run(capsys, "init", "--skip-references")[0] == 0
    assert run(capsys, "poll", "--therapy", "ketamine", "--until", "2025-06-30")[0] == 0
    env.inject("efetch.fcgi", fewer_records(drop=1), times=100)
    code, out, err = run(capsys, "refresh", "--since", "2025-06-01", "--until", "2025-06-30")
    assert code == 4, err
    assert len(err.strip().splitlines()) == 1 and "incomplete" in err
    assert "did not return" in out

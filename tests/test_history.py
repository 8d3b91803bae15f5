"""The whole history: `tracker init` backfills each therapy's PubMed history (past the 9,999
paging limit), `--no-history` is remembered, a therapy added later is backfilled on its first
poll, and "first" events are only claimed of PubMed when the history was searched."""

import json
import re
import shutil
from datetime import date, timedelta

from tracker.config import default_seeds_dir
from tracker.evidence import load_snapshots
from tracker.store.database import Database

from cli_run import run
from records_factory import RCT, make_record

ECT = '''
[[therapy]]
id = "ect"
name = "Electroconvulsive therapy"
category = "neuromodulation"
status = "approved"
aliases = ["ECT"]
query = \'\'\'"Electroconvulsive Therapy"[mh] OR electroconvulsive[tiab]\'\'\'
'''


def snapshot_events(db_url: str, therapy_id: str) -> list[str]:
    database = Database(db_url)
    with database.session() as session:
        found = load_snapshots(session, [therapy_id], date(2025, 1, 1), date(2025, 12, 31))
    database.dispose()
    return [e["text"] for s in found.get(therapy_id, []) for e in s.events]


def report_json(capsys, *argv):
    code, out, err = run(capsys, "report", "--format", "json", "--output", "-", *argv)
    assert code == 0, err
    return json.loads(out)


def word(number: int) -> str:
    """A made-up word per number, so thousands of titles are not near-duplicates."""
    letters = ""
    for _ in range(5):
        number, digit = divmod(number, 26)
        letters += "bcdfghjklmnpqrstvwxzaeiouy"[digit]
    return letters


def psilocybin(pmid: str, created: date, **kw):
    n = int(pmid)
    return make_record(pmid, f"Psilocybin and {word(n)} {word(n * 7 + 3)}", created,
                       author=word(n * 13).title(), **kw)  # the abstract names TRD


def test_init_backfills_a_history_past_the_paging_limit(capsys, cli_env):
    start = date(1995, 1, 2)
    cli_env.add_records([psilocybin(str(91000000 + i), start + timedelta(days=i))
                         for i in range(10_150)])
    code, out, err = run(capsys, "init")
    assert code == 0, err
    out = " ".join(out.split())  # the console wraps long lines
    assert ("History: 15 therapies and 6 pathways searched back to the start of PubMed: "
            "10150 records found, "
            "10150 new papers stored") in out
    requests = int(re.search(r"stored, (\d+) requests", out).group(1))
    searches = [r for r in cli_env.requests if r.endpoint == "esearch.fcgi"
                and "psilocin" in r.params.get("term", "").lower()]
    assert len(searches) >= 3  # one count past 9,999, then the split windows
    # one search per therapy and pathway, 200 records per EFetch
    assert requests <= 15 + 6 + len(searches) + 51
    data = report_json(capsys, "--therapy", "psilocybin", "--period", "year", "--until",
                       "2000-06-30")
    assert data["coverage"]["complete"] is True
    assert data["therapies"][0]["history_complete"] is True
    assert data["therapies"][0]["totals"]["new"] == 366  # every day of 2000 has one
    code, out, _ = run(capsys, "init")  # a second init has nothing left to backfill
    assert "already searched" in out


def test_no_history_is_remembered_and_firsts_say_since_tracking_began(capsys, cli_env,
                                                                      db_url):
    cli_env.add_records([psilocybin("90001001", date(2015, 3, 2), types=(RCT,)),
                         psilocybin("90001002", date(2025, 6, 10), types=(RCT,))])
    assert run(capsys, "init", "--no-history")[0] == 0
    code, out, err = run(capsys, "poll", "--therapy", "psilocybin", "--until", "2025-06-30")
    assert code == 0, err
    assert "2025-01-28 – 2025-06-30" in out  # from the baseline, not the start of PubMed
    data = report_json(capsys, "--therapy", "psilocybin", "--period", "month")
    (therapy,) = data["therapies"]
    assert therapy["history_complete"] is False
    assert therapy["events"] == ["Psilocybin has its first randomised controlled trial since "
                                 "tracking began."]
    code, out, _ = run(capsys, "report", "--therapy", "psilocybin", "--period", "month",
                       "--format", "txt", "--output", "-")
    assert "History before tracking began not searched for Psilocybin" in out
    code, out, _ = run(capsys, "report", "--therapy", "psilocybin", "--period", "month",
                       "--format", "html", "--output", "-")
    assert "tracking began (<code>tracker init</code> backfills it)" in out
    assert "Psilocybin has its first randomised controlled trial since tracking began." in (
        snapshot_events(db_url, "psilocybin"))

    assert run(capsys, "init")[0] == 0  # without --no-history: the history is backfilled
    data = report_json(capsys, "--therapy", "psilocybin", "--period", "month")
    (therapy,) = data["therapies"]
    assert therapy["history_complete"] is True
    assert therapy["events"] == []  # 2015 had the first RCT
    assert therapy["totals"]["at_baseline"] == 1


def test_a_therapy_added_later_is_backfilled_on_its_first_poll(capsys, cli_env, tmp_path,
                                                             monkeypatch):
    seeds = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir(), seeds)
    config = tmp_path / "tracker.toml"
    config.write_text(f'[paths]\nseeds = "{seeds}"\n[pubmed]\nbackoff_base = 0.01\n'
                      'backoff_max = 0.05\nrequests_per_second = 50\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    cli_env.add_records([
        make_record("90001101", "Electroconvulsive therapy in treatment-resistant depression",
                    date(2001, 4, 2), types=(RCT,)),
    ])
    assert run(capsys, "init")[0] == 0
    with (seeds / "therapies.toml").open("a") as handle:
        handle.write(ECT)
    code, out, err = run(capsys, "poll", "--therapy", "ect", "--until", "2025-06-30")
    assert code == 0, err
    assert "ect" in out and "whole history to 2025-06-30: 1 found, 1 new papers" in out
    data = report_json(capsys, "--therapy", "ect", "--period", "month", "--until", "2025-06-30")
    assert data["therapies"][0]["history_complete"] is True
    assert data["therapies"][0]["totals"]["cumulative"] == 1

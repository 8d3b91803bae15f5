"""Searching the review queue (`tracker queue list --search`, the web page's `q`): title, PMID,
first author and DOI, in any case, Unicode-safe, with %, _ and \\ taken literally; the same
answers on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from datetime import date

import pytest

from tracker.config import load_settings
from tracker.ingest.papers import link_therapies, upsert_records
from tracker.pubmed.xmlwrite import article_xml
from tracker.review import add_reviewer
from tracker.store import Watermark
from tracker.web import create_app

from cli_run import initialised, run
from records_factory import RCT, make_record
from review_data import NOW

TITLES = {
    "90000301": "KETAMINE infusions for treatment-resistant depression: a randomised trial",
    "90000302": "Ketamine versus midazolam in treatment-resistant depression: a randomised trial",
    "90000303": "ÉLECTROconvulsive therapy against ketamine: a randomised trial",
    "90000304": "Electroconvulsive therapy in older adults with treatment-resistant depression",
    "90000305": "Response of 50% or more after rTMS: a randomised trial",
    "90000306": "Rates after 500 sessions of rTMS: a randomised trial",
    "90000307": "The response_rate of psilocybin: a randomised trial",
    "90000308": "The responseXrate of psilocybin: a randomised trial",
    "90000309": "Back\\slash in a title: psilocybin, a randomised trial",
}
AUTHORS = {"90000304": "Lefèvre", "90000306": "Okafor"}
DOIS = {"90000302": "10.1000/ABC-Ketamine.2025"}


def stored(pmid: str):
    made = make_record(pmid, TITLES[pmid], date(2025, 3, 4), types=(RCT,),
                       author=AUTHORS.get(pmid, "Smith"), doi=DOIS.get(pmid))
    return replace(made, raw_xml=article_xml(made))


@pytest.fixture
def database(monkeypatch, db_url, capsys):
    """An initialised database whose queue holds the papers above, each flagged a new RCT."""
    db = initialised(capsys, monkeypatch, db_url)
    with db.session() as session:
        ids = upsert_records(session, [stored(p) for p in TITLES], run_id=None, now=NOW).ids
        link_therapies(session, [("ketamine", ids[p]) for p in TITLES], run_id=None, now=NOW)
        session.add(Watermark(therapy_id="ketamine", polled_through=date(2025, 3, 9),
                              updated_at=NOW))
    yield db
    db.dispose()


def searched(capsys, text: str) -> set[str]:
    code, out, err = run(capsys, "queue", "list", "--status", "all", "--format", "json",
                         "--search", text)
    assert code == 0, err
    return {row["pmid"] for row in json.loads(out)}


@pytest.mark.parametrize("text, expected", [
    ("ketamine", {"90000301", "90000302", "90000303"}),
    ("KETAMINE", {"90000301", "90000302", "90000303"}),
    ("kEtAmInE infusions", {"90000301"}),
    ("électroconvulsive", {"90000303"}),  # non-ASCII case folded on both backends
    ("ÉLECTRO", {"90000303"}),
    ("e\u0301lectro", {"90000303"}),  # é written as e + combining accent
    ("electroconvulsive", {"90000304"}),  # accents count: e is not é
    ("50%", {"90000305"}),  # % is a character, not "anything"
    ("response_rate", {"90000307"}),  # _ is a character, not "any one"
    ("back\\slash", {"90000309"}),
    ("9000030", set(TITLES)),  # PMID
    ("lefÈvre", {"90000304"}),  # first author
    ("10.1000/abc-ketamine", {"90000302"}),  # DOI
    ("okafor", {"90000306"}),
    ("no such words", set()),
])
def test_queue_search_is_case_insensitive_and_literal(capsys, database, text, expected):
    assert searched(capsys, text) == expected


def test_search_combines_with_the_other_filters_and_every_format(capsys, database):
    code, out, err = run(capsys, "queue", "list", "--search", "ketamine", "--format", "csv")
    assert code == 0, err
    assert sorted(line.split(",")[0] for line in out.splitlines()[1:]) == [
        "90000301", "90000302", "90000303"]
    code, out, err = run(capsys, "queue", "list", "--search", "ketamine", "--status", "decided")
    assert code == 0 and "The queue is empty (decided)." in out, err
    code, _, err = run(capsys, "queue", "decide", "90000301", "include", "--reviewer", "alice")
    assert code == 0, err
    assert searched(capsys, "KETAMINE") == {"90000301", "90000302", "90000303"}
    code, out, err = run(capsys, "queue", "list", "--search", "ketamine", "--format", "json")
    assert code == 0, err
    assert {row["pmid"] for row in json.loads(out)} == {"90000302", "90000303"}  # open only


def test_the_web_queue_searches_with_q_and_shows_it_escaped(database, db_url, baseline):
    settings = load_settings(environ={}, database_url=db_url,
                             secret_key="test-secret-0123456789abcdef")
    with database.session() as session:
        add_reviewer(session, "alice", "correct horse battery", NOW)
    app = create_app(settings, baseline, database)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    response = client.post("/login", data={"name": "alice", "password": "correct horse battery",
                                           "csrf_token": token})
    assert response.status_code == 302

    def listed(query: str) -> tuple[set[str], str]:
        page = client.get("/", query_string={"q": query, "status": "all"})
        assert page.status_code == 200
        return set(re.findall(r'data-pmid="(\d+)"', page.text)), page.text

    assert listed("KETAMINE")[0] == {"90000301", "90000302", "90000303"}
    assert listed("électroCONVULSIVE")[0] == {"90000303"}
    assert listed("50%")[0] == {"90000305"}
    assert listed("response_rate")[0] == {"90000307"}
    found, page = listed('"><script>alert(1)</script>')
    assert found == set() and "<script>alert(1)</script>" not in page
    box = re.search(r'id="filter-q" value="([^"]*)"', page).group(1)  # quotes escaped too
    assert html.unescape(box) == '"><script>alert(1)</script>' != box
    assert len(listed("")[0]) == len(TITLES)

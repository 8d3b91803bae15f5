"""One way of counting: `tracker therapies` and the report count through the same rule, and a
possible duplicate pair counts once until a reviewer decides."""

import json
import re
from datetime import date

from sqlalchemy import select

from tracker.records import PublicationType
from tracker.store.database import Database
from tracker.store.models import DuplicateLink

from cli_run import run
from records_factory import RCT, make_record

TITLE = ("Accelerated intermittent theta burst stimulation for treatment-resistant depression: "
         "a randomized sham-controlled trial")
RETRACTED = PublicationType("D016441", "Retracted Publication")
RETRACTION = PublicationType("D016440", "Retraction of Publication")


def therapy_row(out: str, therapy_id: str) -> str:
    return next(line for line in out.splitlines() if re.search(rf"\b{therapy_id}\b", line))


def test_therapies_and_report_count_alike_and_a_possible_pair_counts_once(capsys, cli_env,
                                                                          db_url):
    cli_env.add_records([
        make_record("90000701", TITLE, date(2025, 6, 10), author="Lindqvist", types=(RCT,)),
        make_record("90000702", TITLE.replace("randomized", "randomised").replace(":", " -"),
                    date(2025, 6, 12), author="Lindqvist"),
        make_record("90000703", "rTMS for treatment-resistant depression: an open trial",
                    date(2025, 6, 14), types=(RETRACTED,)),
        make_record("90000704", "Retraction: rTMS for treatment-resistant depression",
                    date(2025, 6, 20), types=(RETRACTION,)),
    ])
    assert run(capsys, "init", "--skip-references")[0] == 0
    assert run(capsys, "poll", "--therapy", "rtms", "--until", "2025-06-30")[0] == 0

    code, out, err = run(capsys, "therapies")
    assert code == 0, err
    assert "tracked / counted" in out
    assert "4 / 1" in therapy_row(out, "rtms")
    code, out, err = run(capsys, "report", "--therapy", "rtms", "--period", "month",
                         "--format", "json", "--output", "-")
    rtms = json.loads(out)["therapies"][0]
    assert rtms["totals"]["cumulative"] == 1 and rtms["totals"]["new"] == 1
    listed = {p["pmid"]: p for p in rtms["highlights"]}
    listed |= {p["pmid"]: p for ps in rtms["papers_by_level"].values() for p in ps}
    assert listed["90000702"]["possible_duplicate_of"] == "90000701"
    assert listed["90000701"]["possible_duplicate_of"] is None
    code, out, _ = run(capsys, "report", "--therapy", "rtms", "--period", "month",
                       "--format", "txt", "--output", "-")
    assert "Possible duplicate of PMID 90000701: not counted" in out

    database = Database(db_url)
    with database.session() as session:
        link_id = session.scalar(select(DuplicateLink.id))
    database.dispose()
    assert run(capsys, "duplicates", "reject", str(link_id))[0] == 0
    code, out, _ = run(capsys, "therapies")
    assert "4 / 2" in therapy_row(out, "rtms")  # two papers after all
    code, out, _ = run(capsys, "report", "--therapy", "rtms", "--period", "month",
                       "--format", "json", "--output", "-")
    assert json.loads(out)["therapies"][0]["totals"]["cumulative"] == 2

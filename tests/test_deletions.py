"""Deleted PMIDs: PubMed just stops returning them. A refresh finds them with a few large [uid]
ESearches, marks them deleted, stops counting them and lists them under notices."""

import json
from datetime import date

from tracker.ingest.deletions import still_in_pubmed
from tracker.pubmed.eutils import EutilsClient

from cli_run import run
from records_factory import RCT, make_record


def uid_searches(server) -> list:
    return [r for r in server.requests
            if r.endpoint == "esearch.fcgi" and "[uid]" in r.params.get("term", "")]


def test_refresh_marks_a_pmid_pubmed_no_longer_returns(capsys, cli_env):
    cli_env.add_records([
        make_record("90000901", "rTMS for treatment-resistant depression: a randomized trial",
                    date(2025, 6, 3), types=(RCT,)),
        make_record("90000902", "rTMS and sleep in treatment-resistant depression",
                    date(2025, 6, 5)),
    ])
    assert run(capsys, "init", "--skip-references")[0] == 0
    assert run(capsys, "poll", "--therapy", "rtms", "--until", "2025-06-30")[0] == 0
    cli_env.delete_records(["90000902"])

    code, out, err = run(capsys, "refresh", "--since", "2025-06-29", "--until", "2025-06-30")
    assert code == 0, err
    assert "Checked 2 stored PMID(s) still exist: 1 removed from PubMed (90000902)." in out
    today = date.today().isoformat()  # the day the tracker saw it gone: the notice's date
    code, out, err = run(capsys, "report", "--therapy", "rtms", "--since", "2025-06-01",
                         "--until", today, "--format", "json", "--output", "-")
    rtms = json.loads(out)["therapies"][0]
    assert rtms["totals"]["cumulative"] == 1
    (removed,) = [n for n in rtms["notices"] if n["kind"] == "removed"]
    assert removed["paper_pmid"] == "90000902" and removed["label"] == "Removed from PubMed"
    code, out, _ = run(capsys, "report", "--therapy", "rtms", "--since", "2025-06-01",
                       "--until", today, "--format", "txt", "--output", "-")
    assert "Removed from PubMed" in out and "90000902" in out
    code, out, _ = run(capsys, "therapies")
    assert "2 / 1" in out

    # a second refresh finds nothing more to remove, and the paper is not marked twice
    code, out, _ = run(capsys, "refresh", "--since", "2025-06-29", "--until", "2025-06-30")
    assert "Checked 1 stored PMID(s) still exist: 0 removed from PubMed." in out


def test_existence_is_checked_in_large_chunks(eutils_server, settings):
    eutils_server.add_records([
        make_record(f"9000{n:04d}", "Ketamine in treatment-resistant depression",
                    date(2025, 3, 1)) for n in (1, 2500, 4000)
    ])
    asked = [f"9000{n:04d}" for n in range(1, 4501)]  # 4,500 PMIDs, three of them still there
    found = still_in_pubmed(EutilsClient(settings), asked)
    assert found == {"90000001", "90002500", "90004000"}
    assert len(uid_searches(eutils_server)) == 3  # 2,000 per request, POSTed
    assert all(r.method == "POST" for r in uid_searches(eutils_server))

"""`tracker feed`: Atom per therapy and for all, stable entry ids, untrusted titles escaped."""

from __future__ import annotations

from datetime import date

from lxml import etree

from cli_run import run
from records_factory import RCT, make_record

ATOM = "{http://www.w3.org/2005/Atom}"




def entries(path):
    root = etree.parse(str(path)).getroot()
    assert root.tag == f"{ATOM}feed"
    return [
        {"id": e.findtext(f"{ATOM}id"), "title": e.findtext(f"{ATOM}title"),
         "link": (e.find(f"{ATOM}link").get("href") if e.find(f"{ATOM}link") is not None
                  else None)}
        for e in root.iter(f"{ATOM}entry")
    ]


def test_feeds_per_therapy_and_for_all(capsys, monkeypatch, tmp_path, eutils_server, db_url):
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_EUTILS_URL", eutils_server.url)
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    eutils_server.add_records([
        make_record("90000501", "Psilocybin versus placebo in treatment-resistant depression",
                    date(2025, 6, 24), types=(RCT,)),
        make_record("90000502", "Esketamine <img src=x onerror=alert(1)> in TRD",
                    date(2025, 6, 25)),
    ])
    assert run(capsys, "init", "--skip-references")[0] == 0
    code, _, err = run(capsys, "poll", "--therapy", "psilocybin", "--therapy", "esketamine",
                       "--until", "2025-06-30")
    assert code == 0, err
    out_dir = tmp_path / "feeds"
    argv = ("feed", "--since", "2025-06-01", "--until", "2025-06-30", "--out", str(out_dir),
            "--base-url", "https://tracker.example.org/feeds")
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert (out_dir / "all.xml").exists() and (out_dir / "rtms.xml").exists()

    psilocybin = entries(out_dir / "psilocybin.xml")
    ids = [e["id"] for e in psilocybin]
    assert "tag:trd-tracker,2025:paper/90000501" in ids
    assert all("90000502" not in i for i in ids)  # another therapy's paper
    rct = next(e for e in psilocybin if e["id"].endswith("paper/90000501"))
    assert rct["title"] == ("[Randomised controlled trial] Psilocybin versus placebo in "
                            "treatment-resistant depression")
    assert rct["link"] == "https://pubmed.ncbi.nlm.nih.gov/90000501/"
    assert any(":event/psilocybin/2025-06-23/first_rct" in i for i in ids)  # an evidence event

    everything = entries(out_dir / "all.xml")
    hostile = next(e for e in everything if e["id"].endswith("paper/90000502"))
    assert "<img src=x onerror=alert(1)>" in hostile["title"]  # text, not markup
    raw = (out_dir / "all.xml").read_text()
    assert "<img" not in raw

    # rebuilding gives the same ids: a reader shows nothing twice
    assert run(capsys, *argv)[0] == 0
    assert [e["id"] for e in entries(out_dir / "all.xml")] == [e["id"] for e in everything]


def test_feed_bad_window_is_one_line(capsys, monkeypatch, tmp_path, db_url):
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    code, _, err = run(capsys, "feed", "--since", "2025-07-01", "--until", "2025-06-01")
    assert code == 1 and "is after" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "tracker.db").exists()

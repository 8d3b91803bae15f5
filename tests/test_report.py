"""The evidence report: what it counts, what it lists apart, and how each format shows it."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from tracker.demo.run import mark_demo_papers
from tracker.errors import ConfigError, UnknownTherapyError
from tracker.ingest.papers import link_therapies, sync_therapies, upsert_records
from tracker.records import (
    AbstractSection,
    Author,
    CommentCorrection,
    PaperRecord,
    PartialDate,
    PublicationType,
)
from tracker.report import formats as render
from tracker.report.build import build_report
from tracker.store.models import NoticeLink, Paper
from tracker.store.models import Reference as ReferenceRow

from cli_run import run
from records_factory import mark_searched

NOW = datetime(2025, 6, 2, 9, 30)
SINCE, UNTIL = date(2025, 5, 19), date(2025, 5, 25)
RCT = PublicationType("D016449", "Randomized Controlled Trial")
META = PublicationType("D017418", "Meta-Analysis")
ARTICLE = PublicationType("D016428", "Journal Article")
RETRACTED = PublicationType("D016441", "Retracted Publication")
RETRACTION = PublicationType("D016440", "Retraction of Publication")
XSS_TITLE = "Theta burst <script>alert(1)</script> and <img src=x onerror=alert(2)> in TRD"


def record(pmid: str, title: str, types, created: date, **extra) -> PaperRecord:
    values = dict(
        pmid=pmid, title=title, publication_types=tuple(types), entrez_date=created,
        status="MEDLINE", authors=(Author("Moreau", "Lea", "L"), Author("Okafor", "Ben", "B")),
        journal="Journal of Affective Disorders", journal_abbrev="J Affect Disord",
        pub_date=PartialDate(created.year, created.month), doi=f"10.5555/trd.{pmid}",
        abstract=(AbstractSection("We enrolled 84 patients.", "METHODS", "METHODS"),),
        raw_xml=f"<PubmedArticle>{pmid}</PubmedArticle>".encode(),
    )
    values.update(extra)
    return PaperRecord(**values)


def store(db, baseline, items):
    """items: (PaperRecord, therapy ids); returns PMID -> paper id."""
    with db.session() as session:
        sync_therapies(session, baseline)
        result = upsert_records(session, [r for r, _ in items], run_id=None, now=NOW)
        link_therapies(
            session, [(t, result.ids[r.pmid]) for r, therapies in items for t in therapies],
            run_id=None, now=NOW,
        )
        mark_searched(session, [t.id for t in baseline.therapies], date(2025, 1, 28), NOW.date())
        return result.ids


@pytest.fixture
def papers(db, baseline):
    """A week with one of everything the report must tell apart."""
    ids = store(db, baseline, [
        # in the period, counted
        (record("41000001", XSS_TITLE, [RCT, ARTICLE], date(2025, 5, 19),
                databanks=(("ClinicalTrials.gov", "NCT01234567"),)), ["rtms"]),
        (record("41000002", "Ketamine infusions: a meta-analysis", [META], date(2025, 5, 25)),
         ["ketamine", "esketamine"]),
        (record("41000003", "A cohort of patients after rTMS", [ARTICLE], date(2025, 5, 21)),
         ["rtms"]),
        # period boundaries: the day before and the day after
        (record("41000004", "rTMS trial from the week before", [RCT], date(2025, 5, 18)),
         ["rtms"]),
        (record("41000005", "rTMS trial from the week after", [RCT], date(2025, 5, 26)),
         ["rtms"]),
        # before the baseline date (2025-01-28)
        (record("41000006", "An old rTMS meta-analysis", [META], date(2024, 11, 5)), ["rtms"]),
        # in the period, but not to be counted
        (record("41000007", "Duplicate of the cohort", [ARTICLE], date(2025, 5, 22)), ["rtms"]),
        (record("41000008", "Off-topic rTMS paper about tinnitus", [RCT], date(2025, 5, 20)),
         ["rtms"]),
        (record("41000009", "Retracted rTMS trial", [RCT, RETRACTED], date(2025, 5, 20),
                comments_corrections=(CommentCorrection("RetractionIn", "41000010"),)),
         ["rtms"]),
        (record("41000010", "Retraction: Retracted rTMS trial", [RETRACTION], date(2025, 5, 23),
                comments_corrections=(CommentCorrection("RetractionOf", "41000009"),)),
         ["rtms"]),
        (record("41000011", "Deleted record", [RCT], date(2025, 5, 22)), ["rtms"]),
        # a baseline reference, retracted long before the period
        (record("41000012", "Myelin disorders and stem cells", [ARTICLE, RETRACTED],
                date(2016, 9, 1)), []),
    ])
    with db.session() as session:
        duplicate = session.get(Paper, ids["41000007"])
        duplicate.canonical_id = ids["41000003"]
        excluded = session.get(Paper, ids["41000008"])
        excluded.inclusion, excluded.exclusion_reason = "excluded", "about tinnitus, not TRD"
        excluded.decided_at = NOW
        session.get(Paper, ids["41000011"]).deleted = True
        session.add(ReferenceRow(
            key="ricci-2025#1", document="ricci-2025", number=1, citation="Aydinli 2016",
            title="Myelin disorders and stem cells", first_author="Aydinli FI",
            journal="Turk J Biol", year=2016, pmid="41000012", resolution="resolved",
            matches=[], cited_for=[],
        ))
        session.add(NoticeLink(paper_pmid="41000012", notice_pmid="41000099", kind="retraction",
                               source="test", found_at=datetime(2023, 1, 5)))
    return ids


def make(db, baseline, **options):
    options.setdefault("since", SINCE)
    options.setdefault("until", UNTIL)
    with db.session() as session:
        return build_report(session, baseline, generated_at=NOW, **options)


def section(report, therapy_id):
    return next(t for t in report.therapies if t.id == therapy_id)


def test_counts_only_canonical_included_unretracted_papers_in_the_period(db, baseline, papers):
    report = make(db, baseline)
    rtms = section(report, "rtms")
    assert rtms.new_by_level["rct"] == 1  # the XSS-titled trial; not the retracted/deleted/excluded
    assert rtms.new_by_level["observational"] + rtms.new_by_level["unclassified"] == 1
    assert rtms.new_total == 2
    assert {p.pmid for p in rtms.highlights} == {"41000001"}
    listed = {p.pmid for g in rtms.others for p in g.papers} | {p.pmid for p in rtms.highlights}
    assert listed == {"41000001", "41000003"}
    assert section(report, "ketamine").new_by_level["systematic_review"] == 1
    assert section(report, "esketamine").new_total == 1
    assert section(report, "vns").new_total == 0


def test_previous_period_cumulative_and_baseline_changes(db, baseline, papers):
    rtms = section(make(db, baseline), "rtms")
    assert rtms.previous_by_level["rct"] == 1  # 2025-05-18, the day before
    assert rtms.change_vs_previous == 1
    assert rtms.at_baseline_by_level["systematic_review"] == 1  # the 2024 meta-analysis
    assert rtms.at_baseline_total == 1
    assert rtms.cumulative_total == 4  # baseline SR, week-before RCT, this week's two
    assert rtms.change_since_baseline == 3
    assert rtms.cumulative_by_level["rct"] == 2  # the week-after trial is not yet counted


def test_window_boundaries_are_inclusive(db, baseline, papers):
    rtms = section(make(db, baseline, since=date(2025, 5, 18), until=date(2025, 5, 26)), "rtms")
    assert rtms.new_by_level["rct"] == 3
    assert section(make(db, baseline, since=UNTIL, until=UNTIL), "rtms").new_total == 0


def test_excluded_listed_apart_with_reason(db, baseline, papers):
    report = make(db, baseline)
    assert [(p.pmid, p.exclusion_reason) for p in report.excluded] == [
        ("41000008", "about tinnitus, not TRD")
    ]
    for fmt in ("html", "md", "txt"):
        assert "about tinnitus, not TRD" in render.render(report, fmt)


def test_retraction_is_a_notice_and_an_event(db, baseline, papers):
    rtms = section(make(db, baseline), "rtms")
    retractions = [n for n in rtms.notices if n.kind == "retraction"]
    assert [(n.paper_pmid, n.notice_pmid) for n in retractions] == [("41000009", "41000010")]
    assert rtms.retracted == 1
    assert any("1 paper on" in e and "retracted" in e for e in rtms.events)
    html = render.render(make(db, baseline), "html")
    assert "https://pubmed.ncbi.nlm.nih.gov/41000010/" in html


def test_baseline_reference_retraction_always_reported(db, baseline, papers):
    report = make(db, baseline)
    ref = next(r for r in report.references if r.key == "ricci-2025#1")
    assert ref.retracted and ref.pmid == "41000012"
    assert ref.notices == ("Retraction (PMID 41000099)",)
    assert any("ricci-2025#1" in a for a in report.alerts)
    text = render.render(report, "txt")
    assert "!! Baseline reference ricci-2025#1" in text


def test_references_say_plainly_when_they_do_not_match(db, baseline, papers):
    report = make(db, baseline)
    ricci = [r for r in report.references if r.document == "ricci-2025"]
    assert len(ricci) == 5
    assert all(r.verdict == "no_match" for r in ricci)
    unresolved = next(r for r in ricci if r.number == 2)
    assert unresolved.pmid is None
    assert "Repetitive transcranial magnetic stimulation" in unresolved.verdict_text
    html = render.render(report, "html")
    assert "does not match any tracked therapy" in html
    assert "PMID unresolved" in html


def test_demo_banner_only_with_demo_papers(db, baseline, papers):
    assert make(db, baseline).demo is False
    assert "DEMO DATA" not in render.render(make(db, baseline), "html")
    store(db, baseline, [(record("90000001", "Demo trial", [RCT], date(2025, 5, 20)), ["vns"])])
    assert make(db, baseline).demo is False  # a PMID range does not make a paper demo data
    with db.session() as session:
        mark_demo_papers(session)  # what the demo does to the papers it wrote
    report = make(db, baseline)
    assert report.demo is True
    for fmt in ("html", "md", "txt"):
        assert "DEMO DATA" in render.render(report, fmt)
    assert json.loads(render.render(report, "json"))["demo"] is True


def test_html_escapes_titles_and_embeds_the_chart(db, baseline, papers):
    html = render.render(make(db, baseline), "html")
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert 'src="data:image/svg+xml;base64,' in html  # SVG charts, allowed by img-src data:
    assert "http://" not in html.replace("http://www.w3.org", "")  # no external assets
    assert '<link rel="stylesheet"' not in html and "<script" not in html
    assert "https://pubmed.ncbi.nlm.nih.gov/41000001/" in html
    assert "https://doi.org/10.5555/trd.41000001" in html
    assert "NCT01234567" in html


def test_markdown_escapes_untrusted_text(db, baseline, papers):
    md = render.render(make(db, baseline), "md")
    assert not re.search(r"(?<!\\)<(script|img)", md)  # every "<" of paper text is escaped
    assert r"\<script\>alert(1)\</script\>" in md
    assert r"\<img src=x onerror=alert(2)\>" in md
    assert "PMID [41000001](https://pubmed.ncbi.nlm.nih.gov/41000001/)" in md
    assert "| [Repetitive transcranial magnetic stimulation](#rtms) |" in md


def test_markdown_escape_function():
    assert render.md("a*b_c [x](y) <b> #1 | 2\nnext") == (
        r"a\*b\_c \[x\](y) \<b\> #1 \| 2 next"
    )
    # plain prose stays plain: brackets, exclamation marks, ampersands are not syntax there
    assert render.md("Efficacy (n = 84): 50% & more!") == "Efficacy (n = 84): 50% & more!"
    assert render.md("#1 &amp; ~x~") == r"\#1 \&amp; \~x\~"


def test_text_report_has_counts_and_links(db, baseline, papers):
    text = render.render(make(db, baseline), "txt")
    assert "new: 2 (+1 vs previous period): 1 RCT" in text
    assert "https://pubmed.ncbi.nlm.nih.gov/41000003/" in text
    assert "Level from publication type" in text
    assert "41000007" not in text and "41000011" not in text


def test_json_follows_the_documented_schema(db, baseline, papers):
    data = json.loads(render.render(make(db, baseline), "json"))
    assert data["schema_version"] == "1"
    assert data["period"] == {
        "since": "2025-05-19", "until": "2025-05-25", "unit": "week", "label": "2025-W21",
        "step": "week", "previous_since": "2025-05-12", "previous_until": "2025-05-18",
    }
    assert data["coverage"] == {"complete": True, "polled_through": "2025-06-02", "gaps": []}
    assert [d["published"] for d in data["baseline"]["documents"]] == ["2025-01-28", "2025-02-28"]
    rtms = next(t for t in data["therapies"] if t["id"] == "rtms")
    assert rtms["totals"]["new"] == 2
    assert rtms["counts"]["change_vs_previous"]["rct"] == 0
    assert rtms["highlights"][0]["pmid"] == "41000001"
    assert rtms["highlights"][0]["title"] == XSS_TITLE  # JSON carries the raw text
    assert rtms["highlights"][0]["level"]["source"] == "publication_type"
    assert rtms["trend"][-1]["date"] == "2025-05-25"
    assert rtms["trend"][-1]["cumulative"]["rct"] == 2
    assert [p["pmid"] for p in data["excluded"]] == ["41000008"]
    assert len(data["references"]) == 10
    assert [lv["value"] for lv in data["levels"]][:2] == ["systematic_review", "rct"]


def test_ris_and_csv_exports_hold_the_period_papers_once(db, baseline, papers):
    report = make(db, baseline)
    ris = render.export(report, "ris")
    assert ris.count("TY  - JOUR") == 3  # the meta-analysis is in two therapies, listed once
    assert ris.count("ER  - ") == 3
    assert "AN  - 41000002" in ris and "DO  - 10.5555/trd.41000002" in ris
    assert "AU  - Moreau L" in ris and "41000009" not in ris
    rows = list(csv.DictReader(io.StringIO(render.export(report, "csv"))))
    assert [r["pmid"] for r in rows] == ["41000002", "41000001", "41000003"]
    assert rows[0]["therapies"] == "esketamine ketamine"
    assert rows[1]["trial_ids"] == "NCT01234567"


def test_csv_neutralises_formulas():
    assert render.cell("=HYPERLINK(\"http://x\")").startswith("'=")
    assert render.cell("+1") == "'+1" and render.cell("plain") == "plain"


def test_therapy_filter_and_bad_options(db, baseline, papers):
    report = make(db, baseline, therapy_ids=["ketamine"])
    assert [t.id for t in report.therapies] == ["ketamine"]
    with pytest.raises(UnknownTherapyError):
        make(db, baseline, therapy_ids=["homeopathy"])
    with pytest.raises(ConfigError):
        make(db, baseline, since=UNTIL, until=SINCE)
    with pytest.raises(ConfigError):
        make(db, baseline, period="fortnight")
    with pytest.raises(ConfigError):
        render.render(report, "pdf")


def test_monthly_trend_points_end_on_until(db, baseline, papers):
    rtms = section(make(db, baseline, period="month"), "rtms")
    days = [p.day for p in rtms.trend]
    assert days[0] == date(2024, 11, 5) and days[-1] == UNTIL
    assert date(2025, 1, 31) in days and date(2025, 4, 30) in days
    counts = [sum(p.by_level.values()) for p in rtms.trend]
    assert counts == sorted(counts) and counts[-1] == rtms.cumulative_total


def test_write_uses_the_dated_default_name(db, baseline, papers, tmp_path):
    report = make(db, baseline)
    reports = tmp_path / "reports" / "nested"
    for fmt in render.FORMATS:
        path = render.write(report, fmt, None, reports)
        assert path == reports / f"trd-report_2025-05-19_2025-05-25.{fmt}"
        assert path.stat().st_size > 100
    chosen = render.write(report, "md", tmp_path / "out" / "mine.md", reports)
    assert chosen.read_text(encoding="utf-8").startswith("# Treatment-resistant depression")


def test_merged_duplicate_links_move_to_the_canonical_paper(db, baseline, papers):
    ids = store(db, baseline, [
        (record("41000020", "Focused ultrasound RCT", [RCT], date(2025, 5, 20)), []),
        (record("41000021", "Focused ultrasound RCT (duplicate)", [RCT], date(2025, 5, 20)),
         ["focused_ultrasound"]),
    ])
    with db.session() as session:
        session.get(Paper, ids["41000021"]).canonical_id = ids["41000020"]
        assert session.scalar(select(Paper.canonical_id).where(Paper.pmid == "41000020")) is None
    fus = section(make(db, baseline), "focused_ultrasound")
    assert [p.pmid for p in fus.highlights] == ["41000020"]
    assert fus.events == ("Focused ultrasound has its first randomised controlled trial since "
                          "tracking began.",)  # the test store holds no history


def test_pathway_axis_counts_what_its_own_query_found(db, baseline):
    """A pathway counts the papers its query found, each once, and names the therapies whose
    papers also appear there; a pathway never polled is "not polled", not 0."""
    from datetime import date, datetime

    from tracker.ingest.papers import link_therapies, sync_therapies, upsert_records
    from tracker.report.build import build_report
    from tracker.report.formats import render, report_to_dict
    from tracker.store import Watermark

    import records_factory as rf

    now = datetime(2025, 7, 1)
    with db.session() as session:
        sync_therapies(session, baseline)
        result = upsert_records(session, [
            rf.make_record("90001001", "Esketamine and ketamine in refractory depression",
                           date(2025, 6, 10), types=(rf.RCT,)),
        ], run_id=None, now=now)
        paper_id = result.new["90001001"]
        link_therapies(session, [("ketamine", paper_id), ("esketamine", paper_id),
                                 ("pathway:glutamatergic", paper_id)], run_id=None, now=now)
        session.add(Watermark(therapy_id="pathway:glutamatergic",
                              polled_through=date(2025, 6, 30), updated_at=now))
        report = build_report(session, baseline, since=date(2025, 6, 1), until=date(2025, 6, 30),
                              generated_at=now)
    glutamatergic = next(p for p in report.pathways if p.id == "glutamatergic")
    assert glutamatergic.new_by_level["rct"] == 1 and glutamatergic.cumulative == 1
    assert set(glutamatergic.shared) == {("Intravenous ketamine", 1), ("Esketamine nasal spray", 1)}
    hpa = next(p for p in report.pathways if p.id == "hpa_axis")
    assert not hpa.polled
    as_json = report_to_dict(report)
    by_id = {p["id"]: p for p in as_json["pathways"]}
    assert by_id["glutamatergic"]["new"] == 1
    assert by_id["hpa_axis"]["new"] is None and by_id["hpa_axis"]["polled_through"] is None
    for fmt in ("html", "md", "txt"):
        text = render(report, fmt)
        assert "Glutamatergic signalling" in text and "not polled" in text


def chart_svgs(html: str) -> list[str]:
    import base64

    return [base64.b64decode(uri).decode() for uri in
            re.findall(r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)]


def test_html_has_contents_charts_per_therapy_and_plain_provenance(db, baseline, papers):
    html = render.render(make(db, baseline), "html")
    contents = html[html.index('<nav class="toc"'):html.index("</nav>")]
    assert '<a href="#t-rtms">Repetitive transcranial magnetic stimulation</a>' in contents
    assert "2 new" in contents and '<a href="#trend">' in contents
    # one chart per drawn therapy in the overview, the same one again beside its section
    svgs = chart_svgs(html)
    drawn = {"rtms", "ketamine", "esketamine"}
    assert html.count('<figure class="chart" data-therapy=') == len(svgs) == 2 * len(drawn)
    assert all("<text" in svg and "<script" not in svg for svg in svgs)
    # dates under every chart, not only under the last one
    assert all("2025" in "".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)) for svg in svgs)
    # provenance in one short line, the detail on demand; MeSH by name, never a bare UI
    assert '<summary>Level from publication type, confidence 0.98</summary>' in html
    assert "Randomized Controlled Trial" in html
    assert not re.search(r"\bD0\d{5}\b", html)
    # changes carry no value judgement
    assert "#1b7f3b" not in html and 'class="delta up"' not in html.split("<style>")[0]
    css = html[html.index("<style>"):html.index("</style>")]
    assert ".delta.up" not in css and ".delta.down" not in css


def test_shared_chart_scale_gives_every_chart_the_same_axis(db, baseline, papers):
    report = make(db, baseline)

    def y_ticks(html):
        return {tuple(re.findall(r"<text[^>]*>(\d+)</text>", svg)) for svg in chart_svgs(html)}

    assert len(y_ticks(render.render(report, "html", chart_scale="shared"))) == 1
    assert len(y_ticks(render.render(report, "html", chart_scale="own"))) > 1
    with pytest.raises(ConfigError):
        render.render(report, "html", chart_scale="log")


def test_one_therapy_report_lists_only_its_references(db, baseline, papers):
    report = make(db, baseline, therapy_ids=["rtms"])
    assert report.references
    assert all("rtms" in {*r.matches, *r.cited_for} for r in report.references)
    assert len(make(db, baseline).references) == 10


def test_a_long_report_lists_the_most_recent_papers_of_each_level_and_says_what_it_left_out(
        db, db_url, baseline, capsys, monkeypatch):
    """`--max-listed N` keeps the pages people read short; counts, JSON and exports still hold
    every paper."""
    cohorts = [(record(str(42000000 + n), f"Cohort study {n} of rTMS", [ARTICLE],
                       date(2025, 5, 1 + n)), ["rtms"]) for n in range(7)]
    trials = [(record(str(42000100 + n), f"rTMS trial {n}", [RCT], date(2025, 5, 10 + n)),
               ["rtms"]) for n in range(3)]
    store(db, baseline, [*cohorts, *trials])
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    window = ["--since", "2025-05-01", "--until", "2025-05-31", "--therapy", "rtms",
              "--output", "-"]

    code, out, err = run(capsys, "report", *window, "--format", "txt", "--max-listed", "2")
    assert code == 0, err
    listed = re.findall(r"pubmed\.ncbi\.nlm\.nih\.gov/(42\d{6})/", out)
    assert sorted(set(listed)) == ["42000005", "42000006", "42000101", "42000102"]
    assert ("Not listed here, earlier papers by level: Randomised controlled trial 1; "
            "Observational study 5.") in re.sub(r"\s+", " ", out)
    assert "--max-listed 0" in out
    assert re.search(r"^Generated: [-\d]+ [:\d]+ UTC$", out, re.M)  # a line of its own

    code, out, err = run(capsys, "report", *window, "--format", "md", "--max-listed", "0")
    assert code == 0, err
    assert len(set(re.findall(r"42\d{6}", out))) == 10 and "Not listed here" not in out
    assert re.search(r"^- \*\*Generated:\*\* [-\d]+ [:\d]+ UTC$", out, re.M)

    code, out, err = run(capsys, "report", *window, "--format", "json", "--max-listed", "2")
    assert code == 0, err
    (rtms,) = json.loads(out)["therapies"]
    assert rtms["totals"]["new"] == 10
    assert len([p for p in rtms["highlights"]]) == 3  # scripts get every paper

    code, out, err = run(capsys, "report", *window, "--format", "html", "--max-listed", "2")
    assert code == 0, err
    assert ("Not listed here, earlier papers by level: Randomised controlled trial 1; "
            "Observational study 5.") in out
    assert out.count('<article class="paper">') == 4
    # the command in the sentence is set as code, its backticks gone
    assert "; <code>tracker report --max-listed 0</code> lists them all" in out
    assert "`" not in out[out.index("Not listed here"):]

    code, out, err = run(capsys, "report", *window, "--format", "md", "--max-listed", "2")
    assert code == 0, err
    assert "; `tracker report --max-listed 0` lists them all" in out  # a code span, unescaped

    code, _, err = run(capsys, "report", *window, "--max-listed", "-1")
    assert code == 2 and "--max-listed" in err


def test_the_list_limit_can_be_set_once_for_an_install(db, db_url, baseline, capsys, monkeypatch,
                                                       tmp_path):
    store(db, baseline, [(record(str(42000200 + n), f"rTMS cohort {n}", [ARTICLE],
                                 date(2025, 5, 1 + n)), ["rtms"]) for n in range(4)])
    config = tmp_path / "tracker.toml"
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    window = ["report", "--since", "2025-05-01", "--until", "2025-05-31", "--format", "txt",
              "--therapy", "rtms", "--output", "-"]
    config.write_text("[report]\nmax_listed = 3\n")
    code, out, err = run(capsys, *window)
    assert code == 0, err
    assert len(set(re.findall(r"nih\.gov/(42\d{6})/", out))) == 3
    assert "Observational study 1." in re.sub(r"\s+", " ", out)
    code, out, _ = run(capsys, *window, "--max-listed", "0")  # the option wins
    assert len(set(re.findall(r"nih\.gov/(42\d{6})/", out))) == 4

    config.write_text("[report]\nmax_listed = -1\n")
    code, out, err = run(capsys, *window)
    assert code == 1 and "max_listed -1 must be between 0" in err and not out
    assert len(err.strip().splitlines()) == 1


def test_a_long_history_is_charted_at_the_screens_resolution(db, db_url, baseline, capsys,
                                                              monkeypatch):
    """Weekly steps since the 1990s are more than a chart's pixels: outside the report's window
    each sub-pixel slice of the axis keeps its last step, so the page stays light and the last
    count and the window's steps stay exact."""
    from base64 import b64decode
    from itertools import pairwise

    from tracker.report.build import TrendPoint
    from tracker.report.charts import COLUMNS, steps

    start = date(1990, 1, 1)
    trend = [TrendPoint(start + timedelta(days=7 * i), {"rct": i}) for i in range(1900)]
    window = (trend[-3].day, trend[-1].day)
    kept = steps(trend, window)
    assert len(kept) <= COLUMNS + 4 and kept[0] == trend[0] and kept[-1] == trend[-1]
    assert all(a.day < b.day for a, b in pairwise(kept)) and all(p in kept for p in trend[-3:])
    assert steps(trend[:400], window) == trend[:400]  # few steps: all of them

    store(db, baseline, [(record(str(43000000 + n), f"rTMS study {n}", [RCT],
                                 start + timedelta(days=7 * n)), ["rtms"]) for n in range(1900)])
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    code, out, err = run(capsys, "report", "--since", "2025-05-19", "--until", "2025-05-25",
                         "--therapy", "rtms", "--format", "html", "--output", "-")
    assert code == 0, err
    svg = b64decode(re.search(r'data:image/svg\+xml;base64,([^"]+)"', out).group(1)).decode()
    longest = max(len(re.findall(r"[ML] ", d)) for d in re.findall(r'<path d="([^"]+)"', svg))
    assert 2 * COLUMNS <= longest <= 4 * (COLUMNS + 10)  # not 4 vertices for each of 1,900


def test_compiled_templates_are_reused_and_a_cache_that_cannot_be_written_is_skipped(
        db, baseline, papers, tmp_path):
    """The report's templates are compiled once and kept between runs; a cache folder that
    cannot be written costs the compile, never the report."""
    from tracker.report.charts import trend_charts

    report = make(db, baseline)
    charts = trend_charts(report)

    def page(env) -> str:
        return env.get_template("report.html.j2").render(report=report, charts=charts)

    compiled = []

    def counting_compiles(env):
        compile_ = env.compile
        env.compile = lambda *args, **kw: (compiled.append(args[1]), compile_(*args, **kw))[1]
        return env

    expected = page(render.environment())
    folder = tmp_path / "templates"
    folder.mkdir()
    assert page(counting_compiles(render.environment(render.TemplateCache(str(folder))))) \
        == expected
    assert "report.html.j2" in compiled and list(folder.glob("__jinja2_*.cache"))
    compiled.clear()
    assert page(counting_compiles(render.environment(render.TemplateCache(str(folder))))) \
        == expected
    assert compiled == []  # loaded, not compiled again
    missing = render.TemplateCache(str(tmp_path / "gone"))
    assert page(render.environment(missing)) == expected

"""The HTML report as a reader sees it: rendered by headless Chromium, at desktop and phone width.

Needs Debian's chromium at /usr/bin/chromium (apt-get install chromium); Playwright drives it.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from playwright.sync_api import sync_playwright

from tracker.ingest.papers import link_therapies, sync_therapies, upsert_records
from tracker.records import Author, PaperRecord, PartialDate, PublicationType
from tracker.report import formats as render
from tracker.report.build import build_report

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
NOW = datetime(2025, 6, 2, 9, 30)
HOSTILE = 'Deep TMS <script>alert("xss")</script><img src=x onerror="alert(\'img\')"> trial'


@pytest.fixture
def report_file(db, baseline, tmp_path):
    records = [
        PaperRecord(
            pmid="42000001", title=HOSTILE, entrez_date=date(2025, 5, 20),
            publication_types=(PublicationType("D016449", "Randomized Controlled Trial"),),
            authors=(Author("Nakamura", "Aiko", "A"),), journal="Brain Stimul",
            pub_date=PartialDate(2025, 5), doi="10.5555/x.1", raw_xml=b"<a>1</a>",
        ),
        PaperRecord(
            pmid="42000002", title="Esketamine versus quetiapine: a meta-analysis",
            entrez_date=date(2025, 5, 22),
            publication_types=(PublicationType("D017418", "Meta-Analysis"),),
            journal="Lancet Psychiatry", pub_date=PartialDate(2025, 5), raw_xml=b"<a>2</a>",
        ),
    ]
    with db.session() as session:
        sync_therapies(session, baseline)
        ids = upsert_records(session, records, run_id=None, now=NOW).ids
        link_therapies(session, [("rtms", ids["42000001"]), ("esketamine", ids["42000002"])],
                       run_id=None, now=NOW)
    with db.session() as session:
        report = build_report(session, baseline, since=date(2025, 5, 19), until=date(2025, 5, 25),
                              generated_at=NOW)
    return render.write(report, "html", None, tmp_path / "reports")


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def open_page(browser, path, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, dialogs, requests


def test_reader_sees_rows_chart_and_literal_titles(browser, report_file, tmp_path):
    page, dialogs, requests = open_page(browser, report_file, 1200)
    rows = page.locator("table.overview tbody tr")
    assert rows.count() == 15
    rtms = page.locator('table.overview tr[data-therapy="rtms"]')
    assert "Repetitive transcranial magnetic stimulation" in rtms.inner_text()
    assert "1 RCT" in rtms.inner_text()
    chart = page.locator("img.chart")
    assert chart.evaluate("img => img.complete && img.naturalWidth") > 0
    text = page.locator("body").inner_text()
    assert HOSTILE in text  # shown as the literal title, not interpreted
    assert page.locator("script").count() == 0
    assert page.locator("main img").count() == 1  # only the chart: the title's <img> is text
    assert dialogs == []
    assert all(url.startswith(("file:", "data:")) for url in requests)  # nothing fetched
    shot = tmp_path / "report-desktop.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()


def test_phone_width_has_no_sideways_scroll(browser, report_file, tmp_path):
    page, dialogs, _ = open_page(browser, report_file, 375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    # the overview's rows stack, each value labelled, instead of a wide table
    assert page.locator("table.overview thead").evaluate("e => getComputedStyle(e).display") == (
        "none"
    )
    cell = page.locator('table.overview tr[data-therapy="rtms"] td[data-label="New"]')
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") == '"New"'
    assert cell.inner_text().strip() == "1"
    assert page.locator("img.chart").evaluate("img => img.naturalWidth") > 0
    assert dialogs == []
    shot = tmp_path / "report-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()


def test_pathway_rows_fit_a_phone_and_say_not_polled(browser, report_file):
    page, _, _ = open_page(browser, report_file, 375)
    rows = page.locator("table.pathways tbody tr")
    assert rows.count() == 6
    assert "not polled" in rows.first.inner_text()  # no pathway was polled: not a 0
    wrap = page.locator("table.pathways").locator("xpath=..")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth")
    page.close()

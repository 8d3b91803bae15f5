"""The HTML report as a reader sees it: rendered by headless Chromium, at desktop and phone width.

Needs Debian's chromium at /usr/bin/chromium (apt-get install chromium); Playwright drives it.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tracker.ingest.papers import link_therapies, sync_therapies, upsert_records
from tracker.records import Author, PaperRecord, PartialDate, PublicationType
from tracker.report import formats as render
from tracker.report.build import build_report

from records_factory import mark_searched

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
NOW = datetime(2025, 6, 2, 9, 30)
HOSTILE = 'Deep TMS <script>alert("xss")</script><img src=x onerror="alert(\'img\')"> trial'


@pytest.fixture
def report(db, baseline):
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
        mark_searched(session, [t.id for t in baseline.therapies], date(2025, 1, 28), NOW.date())
    with db.session() as session:
        return build_report(session, baseline, since=date(2025, 5, 19), until=date(2025, 5, 25),
                            generated_at=NOW)


@pytest.fixture
def report_file(report, tmp_path):
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


SHOTS = Path("/tmp/shots-polish")
OVERFLOWING = """() => [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .filter(e => !e.closest('.table-wrap') || e.closest('.table-wrap').scrollWidth >
                 e.closest('.table-wrap').clientWidth + 1)
    .map(e => e.tagName + '.' + e.className)"""


def screenshot(page, tmp_path, name):
    """Full-page screenshots to look at: in the test's folder, and in SHOTS when it exists."""
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if SHOTS.is_dir():
        shutil.copy(shot, SHOTS / name)


def test_reader_sees_rows_charts_and_literal_titles(browser, report_file, tmp_path):
    page, dialogs, requests = open_page(browser, report_file, 1280)
    rows = page.locator("table.overview tbody tr")
    assert rows.count() == 15
    rtms = page.locator('table.overview tr[data-therapy="rtms"]')
    assert "Repetitive transcranial magnetic stimulation" in rtms.inner_text()
    assert "1 RCT" in rtms.inner_text()
    charts = page.locator("main figure.chart img")
    assert charts.count() == 4  # two therapies drawn: the overview grid and beside each section
    for index in range(charts.count()):
        assert charts.nth(index).evaluate("img => img.complete && img.naturalWidth") > 0
    caption = page.locator('.charts figure[data-therapy="rtms"] figcaption').inner_text()
    assert caption == "Repetitive transcranial magnetic stimulation"  # the full name
    text = page.locator("body").inner_text()
    assert HOSTILE in text  # shown as the literal title, not interpreted
    assert page.locator("script").count() == 0
    assert page.locator("main img").count() == 4  # only the charts: the title's <img> is text
    # the contents lead to every therapy; provenance opens on demand
    page.locator('nav.toc a[href="#t-rtms"]').click()
    assert page.evaluate("location.hash") == "#t-rtms"
    why = page.locator('details.why').first
    assert not why.evaluate("d => d.open")
    why.locator("summary").click()
    assert "Randomized Controlled Trial" in why.inner_text()
    assert dialogs == []
    assert all(url.startswith(("file:", "data:")) for url in requests)  # nothing fetched
    assert page.evaluate(OVERFLOWING) == []
    screenshot(page, tmp_path, "report-1280.png")
    page.close()


def test_phone_width_nothing_overflows(browser, report_file, tmp_path):
    page, dialogs, _ = open_page(browser, report_file, 375)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert page.evaluate(OVERFLOWING) == []
    # every wide table reflows into cards, each value labelled, instead of scrolling sideways
    for table in ("table.overview", "table.profile:not(.pathways)", "table.pathways"):
        head = page.locator(f"{table} thead")
        assert head.evaluate("e => getComputedStyle(e).display") == "none", table
    cell = page.locator('table.overview tr[data-therapy="rtms"] td[data-label="New"]')
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") == '"New"'
    assert cell.inner_text().strip() == "1"
    # the charts scale to the screen, their text no smaller than when drawn
    for index in range(page.locator("figure.chart img").count()):
        width = page.locator("figure.chart img").nth(index).evaluate(
            "img => img.getBoundingClientRect().width")
        assert 250 <= width <= 375
    assert dialogs == []
    screenshot(page, tmp_path, "report-375.png")
    page.close()


def test_pathway_rows_fit_a_phone_and_say_not_polled(browser, report_file):
    page, _, _ = open_page(browser, report_file, 375)
    rows = page.locator("table.pathways tbody tr")
    assert rows.count() == 6
    assert "not polled" in rows.first.inner_text()  # no pathway was polled: not a 0
    wrap = page.locator("table.pathways").locator("xpath=..")
    assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth")
    page.close()


def test_chart_labels_of_large_counts_stay_inside_the_drawing(browser, report, tmp_path):
    """A therapy with thousands of papers: its y labels ("10,000") are measured in Chromium
    and lie wholly inside the chart, as do the dates under it."""
    import re
    from base64 import b64decode
    from dataclasses import replace

    from tracker.report.build import TrendPoint
    from tracker.report.charts import trend_charts

    big = replace(report.therapies[0], trend=(
        TrendPoint(date(2016, 1, 4), {"rct": 10}), TrendPoint(date(2021, 6, 7), {"rct": 5300}),
        TrendPoint(date(2025, 5, 25), {"rct": 12000})))
    chart = trend_charts(replace(report, therapies=(big,))).charts[0]
    svg = tmp_path / "chart.svg"
    svg.write_bytes(b64decode(chart.uri.split(",", 1)[1]))
    assert "10,000" in re.findall(r"<text[^>]*>([^<]*)</text>", svg.read_text())
    page = browser.new_page(viewport={"width": 600, "height": 400})
    page.goto(svg.as_uri())
    boxes = page.evaluate("""() => {
        const root = document.documentElement.viewBox.baseVal;
        return [...document.querySelectorAll('text')].map(t => {
            const b = t.getBBox();
            return [t.textContent, b.x, b.x + b.width, root.width];
        });
    }""")
    page.close()
    assert boxes and all(left >= 0 and right <= width for _, left, right, width in boxes), boxes

"""The review page end to end: `tracker serve` in a subprocess, driven by headless Chromium.

A reviewer logs in, filters, decides by keyboard and sees the queue shrink and the decision in
`tracker queue show`; requests without a login or without the CSRF token are refused; paper text
that carries markup shows as text. Screenshots of the queue and a paper at 1280 and 375 px are
saved under the test's output folder (or $REVIEW_SHOTS_DIR).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from tracker.ingest.papers import link_therapies, stored_pmids
from tracker.pubmed.xmlwrite import article_xml
from tracker.store.database import Database

from records_factory import RCT, make_record
from review_data import NOW, PAIN_TRIAL, TRD_TRIAL, fill

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]
TRACKER = [str(Path(sys.executable).parent / "tracker")]  # the installed command
HOSTILE_PMID = "90000120"
HOSTILE = 'Ketamine <script>alert("xss")</script><img src=x onerror="alert(1)"> in pain'
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path, db_url):
    """An initialised database with a small queue, a reviewer, and `tracker serve` on it."""
    env = {**os.environ, "TRACKER_DATABASE_URL": db_url,
           "TRACKER_SECRET_KEY": "test-secret-0123456789abcdef",
           "TRACKER_CONFIG": str(tmp_path / "tracker.toml")}
    (tmp_path / "tracker.toml").write_text(
        '[review]\nexclusion_reasons = ["wrong population", "wrong intervention", "other"]\n')
    subprocess.run([*TRACKER, "init", "--skip-references"], env=env, check=True,
                   capture_output=True, cwd=tmp_path)
    hostile = make_record(HOSTILE_PMID, HOSTILE, date(2025, 3, 8), types=(RCT,),
                          abstract="Patients with chronic pain received ketamine. <b>bold</b>")
    database = Database(db_url)
    fill(database, extra=[replace(hostile, raw_xml=article_xml(hostile))])
    with database.session() as session:
        ids = stored_pmids(session, [HOSTILE_PMID])
        link_therapies(session, [("ketamine", ids[HOSTILE_PMID])], run_id=None, now=NOW)
    database.dispose()
    added = subprocess.run([*TRACKER, "users", "add", "alice", "--password-stdin"], env=env,
                           input=PASSWORD + "\n", text=True, capture_output=True, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    port = free_port()
    server = subprocess.Popen([*TRACKER, "serve", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(base + "/login", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        server.kill()
        pytest.fail("tracker serve did not start: " + (server.stdout.read() or ""))
    yield base, env, tmp_path
    server.terminate()
    server.wait(timeout=10)


def queue_show(env, cwd, pmid) -> str:
    shown = subprocess.run([*TRACKER, "queue", "show", pmid], env=env, capture_output=True,
                           text=True, cwd=cwd)
    assert shown.returncode == 0, shown.stderr
    return shown.stdout


def test_nothing_without_login_or_csrf_token(served):
    base, env, cwd = served
    for path in ("/", f"/paper/{PAIN_TRIAL}", "/report"):
        answer = requests.get(base + path, allow_redirects=False, timeout=5)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], path
        assert "arthroplasty" not in answer.text
    refused = requests.post(f"{base}/paper/{PAIN_TRIAL}/decide", allow_redirects=False,
                            data={"decision": "include"}, timeout=5)
    assert refused.status_code in (302, 400)

    browser_like = requests.Session()
    login_page = browser_like.get(base + "/login", timeout=5).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    no_token = browser_like.post(base + "/login", data={"name": "alice", "password": PASSWORD},
                                 allow_redirects=False, timeout=5)
    assert no_token.status_code == 400
    wrong = browser_like.post(base + "/login", timeout=5, allow_redirects=False,
                              data={"name": "alice", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 401
    logged_in = browser_like.post(base + "/login", allow_redirects=False, timeout=5,
                                  data={"name": "alice", "password": PASSWORD,
                                        "csrf_token": token})
    assert logged_in.status_code == 302
    without = browser_like.post(f"{base}/paper/{PAIN_TRIAL}/decide", allow_redirects=False,
                                data={"decision": "include"}, timeout=5)
    assert without.status_code == 400 and "security token" in without.text
    assert "Status: open" in queue_show(env, cwd, PAIN_TRIAL)
    page = browser_like.get(base + "/", timeout=5)
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_reviewer_filters_decides_by_keyboard_and_sees_the_queue_shrink(served, tmp_path):
    base, env, cwd = served
    shots = Path(os.environ.get("REVIEW_SHOTS_DIR") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(base + "/")
        expect(page).to_have_url(re.compile(r"/login"))
        page.fill("input[name=name]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit].primary")
        expect(page.locator("h1")).to_have_text("Review queue")
        waiting = int(page.get_by_test_id("waiting").inner_text())

        # the hostile title is text, and nothing ran
        hostile = page.locator(f'li[data-pmid="{HOSTILE_PMID}"] a.title')
        expect(hostile).to_have_text(HOSTILE)
        assert page.locator("#queue img").count() == 0 and dialogs == []
        page.screenshot(path=str(shots / "queue-1280.png"), full_page=True)

        # filter: ketamine papers flagged for doubtful relevance
        page.select_option("#filter-therapy", "ketamine")
        page.select_option("#filter-reason", "doubtful_relevance")
        page.click("#filters button[type=submit]")
        listed = page.locator("#queue .item")
        expect(listed).to_have_count(2)
        assert sorted(listed.evaluate_all("els => els.map(e => e.dataset.pmid)")) == [
            PAIN_TRIAL, HOSTILE_PMID]

        # keyboard: j moves down, k back, Enter opens
        page.keyboard.press("j")
        expect(page.locator("#queue .item.current")).to_have_count(1)
        page.keyboard.press("k")
        first = page.locator("#queue .item.current").get_attribute("data-pmid")
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(rf"/paper/{first}\?"))
        expect(page.locator("#status")).to_have_text("open")
        page.screenshot(path=str(shots / "paper-1280.png"), full_page=True)

        # e then 1: excluded for the first configured reason; the next paper opens
        page.keyboard.press("e")
        page.keyboard.press("1")
        second = HOSTILE_PMID if first == PAIN_TRIAL else PAIN_TRIAL
        expect(page).to_have_url(re.compile(rf"/paper/{second}\?"))
        expect(page.locator(".flash")).to_have_text(f"PMID {first}: excluded.")
        # i: included; the filtered queue is now empty, so the queue page shows
        page.keyboard.press("i")
        expect(page.locator("h1")).to_have_text("Review queue")
        expect(page.locator("#queue .item")).to_have_count(0)
        page.goto(base + "/")
        expect(page.get_by_test_id("waiting")).to_have_text(str(waiting - 2))
        assert dialogs == []

        # phone width: no sideways scrolling on the queue or a paper
        phone = browser.new_page(viewport={"width": 375, "height": 800})
        phone.context.add_cookies(page.context.cookies())
        for name, path in (("queue", "/"), ("paper", f"/paper/{TRD_TRIAL}")):
            phone.goto(base + path)
            assert phone.evaluate("document.documentElement.scrollWidth") <= 375, name
            phone.screenshot(path=str(shots / f"{name}-375.png"), full_page=True)
        page.goto(f"{base}/paper/{first}")
        page.screenshot(path=str(shots / "decided-paper-1280.png"), full_page=True)
        expect(page.locator("#history")).to_contain_text("decided exclude by alice")
        page.keyboard.press("u")  # undo, then decide again by keyboard
        expect(page.locator("#status")).to_have_text("open")
        expect(page.locator("#history")).to_contain_text("undid exclude by alice")
        page.keyboard.press("e")
        page.keyboard.press("1")
        expect(page.locator(".flash")).to_have_text(f"PMID {first}: excluded.")
        page.goto(f"{base}/paper/{first}")
        expect(page.locator("#status")).to_have_text("excluded")

        # the report for a chosen period, from the same app, without the excluded paper
        page.goto(f"{base}/report?since=2025-03-03&until=2025-03-09&therapy=ketamine")
        expect(page.locator("#excluded")).to_be_visible()
        expect(page.locator("#screening")).to_be_visible()
        browser.close()

    shown = queue_show(env, cwd, first)
    assert "Decision: exclude by alice" in shown and "wrong population" in shown
    assert "Decision: include by alice" in queue_show(env, cwd, second)
    for name in ("queue-1280", "paper-1280", "queue-375", "paper-375"):
        assert (shots / f"{name}.png").stat().st_size > 5000


def test_atom_feeds_are_served_to_readers_without_login(served):
    """A feed reader or a chat integration cannot log in: the feeds are open, and hold no
    review decisions; an unknown feed is a 404, a malformed day a 400."""
    from xml.etree import ElementTree

    base, _, _ = served
    answer = requests.get(f"{base}/feeds/ketamine.xml", timeout=10,
                          params={"since": "2025-01-01", "until": "2025-06-30"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/atom+xml")
    atom = "{http://www.w3.org/2005/Atom}"
    root = ElementTree.fromstring(answer.content)
    titles = [e.findtext(f"{atom}title") for e in root.iter(f"{atom}entry")]
    assert any(HOSTILE in title for title in titles)  # the title as text, escaped by the XML
    assert root.find(f"{atom}link[@rel='self']").get("href") == f"{base}/feeds/ketamine.xml"
    assert requests.get(f"{base}/feeds/nonsense.xml", timeout=5).status_code == 404
    assert requests.get(f"{base}/feeds/all.xml", params={"since": "June"},
                        timeout=5).status_code == 400


def test_failed_sign_ins_are_throttled_but_successful_ones_are_not(served):
    base, _, _ = served
    browser_like = requests.Session()

    def sign_in(password: str) -> requests.Response:
        page = browser_like.get(base + "/login", timeout=5).text  # a sign-in renews the token
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return browser_like.post(base + "/login", allow_redirects=False, timeout=5,
                                 data={"name": "alice", "password": password,
                                       "csrf_token": token})

    for _ in range(3):  # good sign-ins never count against the limit
        assert sign_in(PASSWORD).status_code == 302
    assert [sign_in(f"guess{n}").status_code for n in range(5)] == [401] * 5
    refused = sign_in("guess6")
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.text and "guess6" not in refused.text
    assert sign_in(PASSWORD).status_code == 429  # the address waits, whatever it sends


def test_the_report_page_lists_as_many_papers_as_asked(served):
    """The report page keeps the CLI's list limit (`?max_listed=N`, 0 lists all) and says what
    it leaves out; a limit that is not a number is a 400."""
    base, _, _ = served
    session = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      session.get(base + "/login", timeout=5).text).group(1)
    assert session.post(base + "/login", allow_redirects=False, timeout=5, data={
        "name": "alice", "password": PASSWORD, "csrf_token": token}).status_code == 302
    week = f"{base}/report?since=2025-03-03&until=2025-03-09&therapy=esketamine"
    everything = session.get(week + "&max_listed=0", timeout=30)
    assert everything.status_code == 200 and "Not listed here" not in everything.text
    listed = everything.text.count('<article class="paper">')
    one = session.get(week + "&max_listed=1", timeout=30)
    assert one.status_code == 200 and "Not listed here, earlier papers by level" in one.text
    assert one.text.count('<article class="paper">') < listed
    assert session.get(week + "&max_listed=many", timeout=5).status_code == 400

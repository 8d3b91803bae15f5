"""The digest e-mail end to end: subscribers, a real SMTP server on loopback, exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.records import CommentCorrection, PublicationType
from tracker.store import Database, Delivery, Subscriber

from cli_run import run
from records_factory import META, RCT, make_record
from smtp_server import SmtpServer

RETRACTION_NOTICE = PublicationType("D016440", "Retraction of Publication")
TODAY = "2025-06-30"  # a Monday: the digest covers Monday 23 to Sunday 29 June 2025
HOSTILE = "Psilocybin <script>alert(1)</script> \u009b31mred\u009b0m \u202efor TRD"




@pytest.fixture
def env(monkeypatch, tmp_path, eutils_server, db_url):
    fast = tmp_path / "fast.toml"
    fast.write_text("[pubmed]\nbackoff_base = 0.01\nbackoff_max = 0.05\nrequests_per_second = 50\n"
                    "timeout = 5\n")
    monkeypatch.setenv("TRACKER_CONFIG", str(fast))
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_EUTILS_URL", eutils_server.url)
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    monkeypatch.setenv("TRACKER_SMTP_FROM", "digest@tracker.example.org")
    eutils_server.add_records([
        make_record("90000401", "Psilocybin versus placebo in treatment-resistant depression",
                    date(2025, 6, 24), types=(RCT,), doi="10.1000/trd.401"),
        make_record("90000402", "Psilocybin for depression: a meta-analysis", date(2025, 6, 25),
                    types=(META,)),
        make_record("90000403", HOSTILE, date(2025, 6, 26), doi="10.1000/<b>x</b>"),
        make_record("90000404", "Psilocybin in TRD: an early cohort", date(2025, 6, 10)),
        make_record("90000405", "Retraction: Psilocybin in TRD: an early cohort",
                    date(2025, 6, 27), types=(RETRACTION_NOTICE,),
                    comments_corrections=(CommentCorrection("RetractionOf", "90000404"),)),
    ])
    return eutils_server


@pytest.fixture
def smtp(monkeypatch):
    with SmtpServer() as server:
        monkeypatch.setenv("TRACKER_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("TRACKER_SMTP_PORT", str(server.port))
        yield server


@pytest.fixture
def polled(capsys, env, db_url):
    assert run(capsys, "init", "--skip-references")[0] == 0
    code, _, err = run(capsys, "poll", "--therapy", "psilocybin", "--until", "2025-06-30")
    assert code == 0, err
    return db_url


def deliveries(db_url):
    database = Database(db_url)
    try:
        with database.session() as session:
            return [(d.subscriber_email, d.status, d.attempts, d.message_id)
                    for d in session.scalars(select(Delivery))]
    finally:
        database.dispose()


def subscriber_count(db_url):
    database = Database(db_url)
    try:
        with database.session() as session:
            return session.scalar(select(func.count()).select_from(Subscriber))
    finally:
        database.dispose()


def test_subscribers_add_list_remove(capsys, polled):
    code, out, err = run(capsys, "subscribers", "add", "Ana@Example.ORG", "--therapy",
                         "psilocybin", "--frequency", "monthly", "--max-items", "5",
                         "--format", "text", "--send-if-empty")
    assert code == 0, err
    assert "Added Ana@example.org" in out
    code, out, _ = run(capsys, "subscribers", "list", "--format", "json")
    assert code == 0
    assert '"frequency": "monthly"' in out and '"send_if_empty": true' in out
    code, out, _ = run(capsys, "subscribers", "list")
    assert "Ana@example.org" in out and "psilocybin" in out
    assert run(capsys, "subscribers", "remove", "Ana@example.org")[0] == 0
    assert subscriber_count(polled) == 0


@pytest.mark.parametrize(("argv", "message"), [
    (("subscribers", "add", "not-an-address"), "is not an e-mail address"),
    (("subscribers", "add", "a@b.org\nBcc: x@evil.org"), "is not an e-mail address"),
    (("subscribers", "add", "a@example.org", "--therapy", "ect"), "unknown therapy 'ect'"),
    (("subscribers", "add", "a@example.org", "--max-items", "0"), "max-items 0"),
    (("subscribers", "remove", "nobody@example.org"), "no subscriber"),
    (("digest", "send", "--dry-run"), "--out DIR"),
])
def test_bad_subscriber_input_is_one_line_and_stores_nothing(capsys, polled, argv, message):
    code, _, err = run(capsys, *argv)
    assert code != 0
    assert message in err and len(err.strip().splitlines()) == 1
    assert subscriber_count(polled) == 0


def test_bad_address_before_init_creates_no_database(capsys, env, tmp_path, db_url):
    code, _, err = run(capsys, "subscribers", "add", "nope")
    assert code != 0 and "is not an e-mail address" in err
    assert not (tmp_path / "tracker.db").exists()


def test_digest_reaches_a_real_smtp_server_once(capsys, polled, smtp):
    assert run(capsys, "subscribers", "add", "ana@example.org", "--therapy", "psilocybin",
               "--max-items", "2")[0] == 0
    code, out, err = run(capsys, "digest", "send", "--today", TODAY)
    assert code == 0, err
    assert "sent" in out
    assert len(smtp.accepted) == 1
    message = smtp.accepted[0]

    # headers
    assert message["To"] == "ana@example.org"
    assert message["From"] == "digest@tracker.example.org"
    assert message["Date"] and message["Message-ID"].strip().endswith("@tracker.example.org>")
    assert "unsubscribe" in message["List-Unsubscribe"]
    assert "2025-06-23" in message["Subject"]

    # structure: text and HTML alternatives; the chart travels with the HTML by CID
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    related = [p for p in message.iter_parts() if p.get_content_type() == "multipart/related"]
    assert len(related) == 1
    image = next(p for p in related[0].iter_parts() if p.get_content_type() == "image/png")
    cid = image["Content-ID"].strip().strip("<>")
    assert f'src="cid:{cid}"' in html
    assert image.get_content().startswith(b"\x89PNG")

    # content: strongest first, capped at max-items, the rest counted
    for part in (text, html):
        assert "Data complete through" in part
        assert "90000402" in part and "90000401" in part  # meta-analysis and RCT
        assert "1 more in the full report" in part
        notices = part.index("RETRACTIONS AND OTHER NOTICES" if part is text
                             else "Retractions and other notices")
        assert "90000404" not in part[:notices]  # created before the period: no new paper
        assert "90000404" in part[notices:] and "90000405" in part[notices:]
    assert html.index("90000402") < html.index("90000401")  # the meta-analysis ranks first
    assert "https://doi.org/10.1000/trd.401" in html
    assert "<style" not in html and 'style="' in html

    # the review queue's state for the subscriber's therapy: the new RCT and meta-analysis wait
    code, listed, _ = run(capsys, "queue", "list", "--therapy", "psilocybin", "--format", "json")
    waiting = len(json.loads(listed))
    assert code == 0 and waiting >= 2
    assert f"{waiting} paper(s) waiting for a decision" in text
    assert f"{waiting} papers waiting for a decision" in html

    # the delivery is recorded as sent, with the message's id
    assert deliveries(polled) == [("ana@example.org", "sent", 1, message["Message-ID"].strip())]

    # a rerun sends nothing
    code, out, _ = run(capsys, "digest", "send", "--today", TODAY)
    assert code == 0 and "already-sent" in out
    assert len(smtp.accepted) == 1


def test_untrusted_titles_are_escaped_and_stripped(capsys, polled, smtp):
    run(capsys, "subscribers", "add", "ana@example.org", "--therapy", "psilocybin")
    assert run(capsys, "digest", "send", "--today", TODAY)[0] == 0
    message = smtp.accepted[0]
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<script>" not in html, html[html.index("<script>") - 300:html.index("<script>") + 100]
    assert "&lt;script&gt;" in html, html[html.index("90000403") - 900:html.index("90000403") + 100]
    assert "<b>x</b>" not in html
    for part in (html, text):
        assert "\u009b" not in part and "\u202e" not in part


def test_a_refusing_server_then_an_accepting_one_delivers_once(capsys, polled, smtp):
    run(capsys, "subscribers", "add", "ana@example.org", "--therapy", "psilocybin")
    smtp.mailbox.refuse = 1
    code, out, _ = run(capsys, "digest", "send", "--today", TODAY)
    assert code == 7
    assert "451" in out and "failed" in out
    assert [d[1] for d in deliveries(polled)] == ["failed"]
    code, out, _ = run(capsys, "status")
    assert "ana@example.org" in out and "failed" in out

    code, out, err = run(capsys, "digest", "send", "--today", TODAY)
    assert code == 0, err
    (email, status, attempts, message_id), = deliveries(polled)
    assert (status, attempts) == ("sent", 2)
    assert len(smtp.accepted) == 1 and smtp.accepted[0]["Message-ID"].strip() == message_id
    assert run(capsys, "digest", "send", "--today", TODAY)[0] == 0
    assert len(smtp.accepted) == 1


def test_killed_between_the_smtp_answer_and_the_commit_still_one(capsys, polled, smtp, tmp_path):
    run(capsys, "subscribers", "add", "ana@example.org", "--therapy", "psilocybin")
    sender = subprocess.Popen(
        [sys.executable, "-c", "from tracker.cli import main; main()",
         "digest", "send", "--today", TODAY],
        env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    smtp.mailbox.kill_pid = sender.pid
    sender.communicate(timeout=120)
    assert sender.returncode == -9  # killed while waiting for the server's answer
    assert len(smtp.accepted) == 1
    assert [d[1] for d in deliveries(polled)] == ["sending"]

    code, out, _ = run(capsys, "digest", "send", "--today", TODAY)
    assert code == 0 and "unconfirmed" in out
    assert len(smtp.accepted) == 1
    assert run(capsys, "digest", "send", "--today", TODAY)[0] == 0
    assert len(smtp.accepted) == 1
    code, out, _ = run(capsys, "status")
    assert "unconfirmed" in out

    # the administrator checked the mail log: resending keeps the same Message-ID
    code, out, _ = run(capsys, "digest", "send", "--today", TODAY, "--resend-unconfirmed")
    assert code == 0
    assert len(smtp.accepted) == 2
    assert smtp.accepted[0]["Message-ID"].strip() == smtp.accepted[1]["Message-ID"].strip()


def test_empty_period_respects_send_if_empty(capsys, polled, smtp):
    run(capsys, "subscribers", "add", "quiet@example.org", "--therapy", "rtms")
    run(capsys, "subscribers", "add", "always@example.org", "--therapy", "rtms",
        "--send-if-empty", "--format", "text")
    code, out, err = run(capsys, "digest", "send", "--today", TODAY)
    assert code == 0, err
    assert [m["To"] for m in smtp.accepted] == ["always@example.org"]
    message = smtp.accepted[0]
    assert message.get_content_type() == "text/plain"
    assert "No new papers" in message.get_content()
    assert "not polled" in message.get_content()  # rtms was never polled: a gap, not "0 new"
    assert sorted(d[1] for d in deliveries(polled)) == ["empty", "sent"]


def test_dry_run_writes_eml_and_sends_nothing(capsys, polled, smtp, tmp_path):
    run(capsys, "subscribers", "add", "ana@example.org", "--therapy", "psilocybin")
    code, out, err = run(capsys, "digest", "send", "--today", TODAY, "--dry-run",
                         "--out", str(tmp_path / "drafts"))
    assert code == 0, err
    files = list((tmp_path / "drafts").glob("*.eml"))
    assert len(files) == 1 and b"Message-ID:" in files[0].read_bytes()
    assert smtp.accepted == [] and deliveries(polled) == []


def test_preview_writes_the_html_part(capsys, polled, tmp_path):
    code, out, err = run(capsys, "digest", "preview", "--today", TODAY, "--output",
                         str(tmp_path / "p.html"))
    assert code == 0, err
    html = (tmp_path / "p.html").read_text()
    assert "TRD evidence digest" in html and "data:image/png;base64," in html


def test_login_failure_never_shows_the_password(capsys, polled, monkeypatch):
    with SmtpServer(user="digest", password="right-horse") as server:
        monkeypatch.setenv("TRACKER_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("TRACKER_SMTP_PORT", str(server.port))
        monkeypatch.setenv("TRACKER_SMTP_USER", "digest")
        monkeypatch.setenv("TRACKER_SMTP_PASSWORD", "wrong-battery-staple")
        run(capsys, "subscribers", "add", "ana@example.org", "--therapy", "psilocybin")
        code, out, err = run(capsys, "digest", "send", "--today", TODAY)
        assert code == 7 and "535" in out
        assert "wrong-battery-staple" not in out + err
        code, out, err = run(capsys, "config")
        assert "wrong-battery-staple" not in out + err
        monkeypatch.setenv("TRACKER_SMTP_PASSWORD", "right-horse")
        code, out, err = run(capsys, "digest", "send", "--today", TODAY)
        assert code == 0, out + err
        assert len(server.accepted) == 1


def test_html_part_reads_at_phone_and_desktop_width(capsys, polled, smtp, tmp_path):
    """The HTML part as a mail client's browser engine shows it: no sideways scroll at 375 px,
    the chart displayed from its CID part, no script run from a title."""
    from playwright.sync_api import sync_playwright

    run(capsys, "subscribers", "add", "ana@example.org", "--therapy", "psilocybin")
    assert run(capsys, "digest", "send", "--today", TODAY)[0] == 0
    message = smtp.accepted[0]
    html = message.get_body(("html",)).get_content()
    image = next(p for p in message.walk() if p.get_content_type() == "image/png")
    page_file = tmp_path / "digest.html"
    cid = image["Content-ID"].strip().strip("<>")
    (tmp_path / "chart.png").write_bytes(image.get_content())
    page_file.write_text(html.replace(f"cid:{cid}", "chart.png"))  # what a mail client does
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update"])
        dialogs = []
        try:
            for width in (1280, 375):
                page = browser.new_page(viewport={"width": width, "height": 800})
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.goto(page_file.as_uri())
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                chart = page.locator("img").first
                assert chart.evaluate("img => img.naturalWidth") > 0
                assert chart.evaluate("img => img.getBoundingClientRect().width") <= width
                assert HOSTILE.split(" \u009b")[0] in page.inner_text("body")
                assert dialogs == []
                page.close()
        finally:
            browser.close()

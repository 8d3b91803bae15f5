"""The digest as an e-mail: multipart/alternative text and HTML, the chart inline by CID."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from tracker.digest.chart import trend_png
from tracker.digest.content import Digest
from tracker.digest.render import render_html, render_text, subject


def new_message_id(sender: str) -> str:
    """A globally unique Message-ID in the sender's domain, decided before sending."""
    domain = sender.rsplit("@", 1)[-1].strip("<> ") or "trd-tracker.invalid"
    return make_msgid(idstring="digest", domain=domain)


def chart_png(digest: Digest) -> bytes:
    """The trend chart of the therapies with news (all of them when none has): small enough
    to read on a phone."""
    active = {t.id for t in digest.active_therapies}
    sections = tuple(s for s in digest.report.therapies if s.id in active)
    return trend_png(replace(digest.report, therapies=sections or digest.report.therapies))


def build_message(digest: Digest, *, sender: str, message_id: str, fmt: str,
                  now: datetime) -> EmailMessage:
    """The whole message; a text-only subscriber gets the plain text part alone."""
    message = EmailMessage()
    message["Subject"] = subject(digest)
    message["From"] = sender
    message["To"] = digest.email
    message["Date"] = format_datetime(now.astimezone())
    message["Message-ID"] = message_id
    message["List-Unsubscribe"] = f"<mailto:{sender}?subject=unsubscribe>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_text(digest), cte="quoted-printable")
    if fmt == "html":
        chart_cid = make_msgid(idstring="chart", domain=message_id.rsplit("@", 1)[-1].strip(">"))
        html = render_html(digest, chart_cid=chart_cid[1:-1])
        message.add_alternative(html, subtype="html", cte="quoted-printable")
        html_part = message.get_payload()[1]
        html_part.add_related(chart_png(digest), maintype="image", subtype="png",
                              cid=chart_cid, filename="evidence-trend.png",
                              disposition="inline")
    return message

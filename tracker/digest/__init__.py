"""The digest: subscribers, what each one's e-mail says, and sending it exactly once.

    subscribers.py   add, list and remove subscribers; their filters, frequency and format
    content.py       build_digest: one subscriber's period, from the report's data
    render.py        text and HTML from Jinja2 templates (styles inline for mail clients)
    message.py       the multipart message: text, HTML, the trend chart inline by CID
    smtp.py          SmtpSender: plain, STARTTLS or SSL, with login
    deliver.py       send_digests: decide, send, record; exactly once per subscriber and period
"""

from tracker.digest.content import Coverage, Digest, build_digest, last_complete_period
from tracker.digest.deliver import DeliveryResult, attention, digest_for, send_digests
from tracker.digest.message import build_message, new_message_id
from tracker.digest.render import render_html, render_text
from tracker.digest.smtp import SmtpSender
from tracker.digest.subscribers import (
    FORMATS,
    FREQUENCIES,
    SubscriberInfo,
    add_subscriber,
    find,
    list_subscribers,
    normalise_address,
    remove_subscriber,
)

__all__ = [
    "FORMATS",
    "FREQUENCIES",
    "Coverage",
    "DeliveryResult",
    "Digest",
    "SmtpSender",
    "SubscriberInfo",
    "add_subscriber",
    "attention",
    "build_digest",
    "build_message",
    "digest_for",
    "find",
    "last_complete_period",
    "list_subscribers",
    "new_message_id",
    "normalise_address",
    "remove_subscriber",
    "render_html",
    "render_text",
    "send_digests",
]

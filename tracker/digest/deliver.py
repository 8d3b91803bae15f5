"""Sending each subscriber's digest exactly once per period.

The order that makes "exactly once" hold:
  1. In one transaction: find the subscriber's delivery for the period; if there is none (or the
     last attempt failed), build the message and record the delivery as "sending" with its
     Message-ID. A unique key (subscriber, period) means only one run can make this decision.
  2. Hand the message to the SMTP server.
  3. In a second transaction: record "sent", or "failed" with the reason (retried next run,
     with the same Message-ID, and shown in `tracker status`).
A run that dies between 2 and 3 leaves "sending" behind. The next run cannot know whether the
server took the message, so it marks the delivery "unconfirmed" and sends nothing: the
Message-ID lets the administrator look the message up in the mail server's log, and
`tracker digest send --resend-unconfirmed` sends it again (same Message-ID) if it never left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.baseline import Baseline
from tracker.clock import utc_now
from tracker.digest.content import Digest, build_digest, last_complete_period
from tracker.digest.message import build_message, new_message_id
from tracker.digest.subscribers import PERIOD_OF, SubscriberInfo, list_subscribers
from tracker.errors import MailError
from tracker.store import Database, Delivery

FREQUENCY_OF = {period: frequency for frequency, period in PERIOD_OF.items()}
DONE = ("sent", "empty")


@dataclass(frozen=True)
class DeliveryResult:
    email: str
    since: date
    until: date
    status: str  # sent, failed, empty, already-sent, unconfirmed, dry-run, in-progress
    message_id: str | None = None
    error: str | None = None
    path: Path | None = None

    def to_dict(self) -> dict:
        return {
            "email": self.email, "since": self.since.isoformat(), "until": self.until.isoformat(),
            "status": self.status, "message_id": self.message_id, "error": self.error,
            "path": str(self.path) if self.path else None,
        }


def digest_for(session, baseline: Baseline, subscriber: SubscriberInfo, since: date,
               until: date, now: datetime) -> Digest:
    return build_digest(
        session, baseline, email=subscriber.email, therapy_ids=subscriber.therapies,
        frequency=subscriber.frequency, period=subscriber.period, since=since, until=until,
        max_items=subscriber.max_items, generated_at=now,
    )


def send_digests(
    db: Database, baseline: Baseline, *, sender_address: str,
    send: Callable[[EmailMessage], None] | None, today: date, period: str | None = None,
    dry_run: bool = False, out_dir: Path | None = None, resend_unconfirmed: bool = False,
    now: Callable[[], datetime] = utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> list[DeliveryResult]:
    """Every due digest for the subscribers of `period` (None: every frequency); progress(done,
    total) is called after each subscriber."""
    with db.session() as session:
        subscribers = list_subscribers(session, FREQUENCY_OF[period] if period else None)
    results = []
    for subscriber in subscribers:
        since, until = last_complete_period(today, subscriber.period)
        if dry_run:
            results.append(write_draft(db, baseline, subscriber, since, until, sender_address,
                                       out_dir, now()))
        else:
            results.append(deliver(db, baseline, subscriber, since, until, sender_address, send,
                                   resend_unconfirmed, now))
        if progress:
            progress(len(results), len(subscribers))
    return results


def write_draft(db, baseline, subscriber, since, until, sender_address, out_dir: Path,
                now: datetime) -> DeliveryResult:
    """A dry run: the message that would go out, as an .eml file; nothing recorded or sent."""
    with db.session() as session:
        digest = digest_for(session, baseline, subscriber, since, until, now)
        session.rollback()
    message_id = new_message_id(sender_address)
    if digest.is_empty and not subscriber.send_if_empty:
        return DeliveryResult(subscriber.email, since, until, "empty", message_id)
    message = build_message(digest, sender=sender_address, message_id=message_id,
                            fmt=subscriber.format, now=now)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"digest-{since}-{safe_name(subscriber.email)}.eml"
    path.write_bytes(message.as_bytes())
    return DeliveryResult(subscriber.email, since, until, "dry-run", message_id, path=path)


def safe_name(email: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in email.replace("@", "_at_"))


def deliver(db: Database, baseline: Baseline, subscriber: SubscriberInfo, since: date,
            until: date, sender_address: str, send, resend_unconfirmed: bool,
            now: Callable[[], datetime]) -> DeliveryResult:
    """Decide, send, record: one subscriber's digest for one period, at most once."""
    try:
        with db.session() as session:
            row = session.scalars(select(Delivery).where(
                Delivery.subscriber_email == subscriber.email,
                Delivery.period_start == since, Delivery.period_end == until,
            ).with_for_update()).first()
            if row is not None and row.status in DONE:
                return DeliveryResult(subscriber.email, since, until, "already-sent",
                                      row.message_id)
            if row is not None and row.status == "sending":
                row.status = "unconfirmed"
                row.error = ("a run stopped while sending: the SMTP server may have this "
                             "message; look its Message-ID up in the mail log, then "
                             "`tracker digest send --resend-unconfirmed` if it never left")
                return DeliveryResult(subscriber.email, since, until, "unconfirmed",
                                      row.message_id, row.error)
            if row is not None and row.status == "unconfirmed" and not resend_unconfirmed:
                return DeliveryResult(subscriber.email, since, until, "unconfirmed",
                                      row.message_id, row.error)
            stamp = now()
            digest = digest_for(session, baseline, subscriber, since, until, stamp)
            if row is None:
                row = Delivery(subscriber_email=subscriber.email, period_start=since,
                               period_end=until, attempts=0, decided_at=stamp,
                               message_id=new_message_id(sender_address))
                session.add(row)
            if digest.is_empty and not subscriber.send_if_empty:
                row.status, row.error = "empty", None
                return DeliveryResult(subscriber.email, since, until, "empty", row.message_id)
            message = build_message(digest, sender=sender_address, message_id=row.message_id,
                                    fmt=subscriber.format, now=stamp)
            row.status, row.attempts, row.decided_at = "sending", row.attempts + 1, stamp
            message_id = row.message_id
    except IntegrityError:  # another run decided this delivery at the same moment
        return DeliveryResult(subscriber.email, since, until, "in-progress")
    try:
        send(message)
    except MailError as exc:
        with db.session() as session:
            row = session.scalars(select(Delivery).where(Delivery.message_id == message_id)).one()
            row.status, row.error = "failed", str(exc)
        return DeliveryResult(subscriber.email, since, until, "failed", message_id, str(exc))
    with db.session() as session:
        row = session.scalars(select(Delivery).where(Delivery.message_id == message_id)).one()
        row.status, row.error, row.sent_at = "sent", None, now()
    return DeliveryResult(subscriber.email, since, until, "sent", message_id)


def attention(db: Database) -> list[Delivery]:
    """Deliveries a person should know about: failed (will retry) or unconfirmed."""
    with db.session() as session:
        return list(session.scalars(
            select(Delivery).where(Delivery.status.in_(("failed", "unconfirmed", "sending")))
            .order_by(Delivery.period_start, Delivery.subscriber_email)
        ))

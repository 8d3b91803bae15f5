"""Subscribers: who gets the digest, for which therapies, how often and in what form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.baseline import Baseline
from tracker.errors import ConfigError
from tracker.store import Subscriber

FORMATS = ("html", "text")
FREQUENCIES = ("weekly", "monthly")
PERIOD_OF = {"weekly": "week", "monthly": "month"}
MAX_ITEMS_LIMIT = 1000
# deliberately plain: one @, no spaces or control characters, a dotted domain
ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


@dataclass(frozen=True)
class SubscriberInfo:
    email: str
    therapies: tuple[str, ...]  # empty: every therapy
    format: str
    frequency: str
    max_items: int
    send_if_empty: bool

    @property
    def period(self) -> str:
        return PERIOD_OF[self.frequency]

    def to_dict(self) -> dict:
        return {
            "email": self.email, "therapies": list(self.therapies), "format": self.format,
            "frequency": self.frequency, "max_items": self.max_items,
            "send_if_empty": self.send_if_empty,
        }


def normalise_address(email: str) -> str:
    """The address as stored: trimmed, domain in lower case; refuses anything malformed."""
    address = email.strip()
    if len(address) > 254 or not ADDRESS.match(address) or ".." in address:
        shown = address.encode("unicode_escape").decode("ascii")[:80]
        raise ConfigError(f"{shown!r} is not an e-mail address (example: name@example.org)")
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def info(row: Subscriber) -> SubscriberInfo:
    return SubscriberInfo(
        email=row.email, therapies=tuple(row.therapies or ()), format=row.format,
        frequency=row.frequency, max_items=row.max_items, send_if_empty=row.send_if_empty,
    )


def check_subscription(baseline: Baseline, therapies, fmt: str, frequency: str,
                       max_items: int) -> None:
    """Everything about a subscription that can be wrong, checked before anything is stored."""
    for therapy_id in therapies:
        baseline.therapy(therapy_id)  # raises UnknownTherapyError with the known ids
    if fmt not in FORMATS:
        raise ConfigError(f"format {fmt!r} must be one of {', '.join(FORMATS)}")
    if frequency not in FREQUENCIES:
        raise ConfigError(f"frequency {frequency!r} must be one of {', '.join(FREQUENCIES)}")
    if not 1 <= max_items <= MAX_ITEMS_LIMIT:
        raise ConfigError(f"max-items {max_items} must be between 1 and {MAX_ITEMS_LIMIT}")


def add_subscriber(
    session: Session, baseline: Baseline, email: str, *, therapies=(), fmt: str = "html",
    frequency: str = "weekly", max_items: int = 20, send_if_empty: bool = False,
    now: datetime,
) -> tuple[SubscriberInfo, bool]:
    """Add a subscriber, or update the one with this address; returns (it, whether new)."""
    address = normalise_address(email)
    therapies = list(dict.fromkeys(therapies))
    check_subscription(baseline, therapies, fmt, frequency, max_items)
    row = find(session, address)
    created = row is None
    if created:
        row = Subscriber(email=address, created_at=now)
        session.add(row)
    row.therapies, row.format, row.frequency = therapies, fmt, frequency
    row.max_items, row.send_if_empty = max_items, send_if_empty
    session.flush()
    return info(row), created


def find(session: Session, email: str) -> Subscriber | None:
    """The subscriber with this address, whatever the case of its domain."""
    address = email.strip()
    if "@" in address:
        local, domain = address.rsplit("@", 1)
        address = f"{local}@{domain.lower()}"
    return session.scalars(select(Subscriber).where(Subscriber.email == address)).first()


def remove_subscriber(session: Session, email: str) -> None:
    row = find(session, email)
    if row is None:
        raise ConfigError(f"no subscriber {email.strip()!r}: `tracker subscribers list` shows them")
    session.delete(row)


def list_subscribers(session: Session, frequency: str | None = None) -> list[SubscriberInfo]:
    query = select(Subscriber).order_by(Subscriber.email)
    if frequency is not None:
        query = query.where(Subscriber.frequency == frequency)
    return [info(row) for row in session.scalars(query)]

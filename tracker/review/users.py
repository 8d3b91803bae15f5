"""Reviewers: a name and an argon2 hash of the password, nothing else."""

from __future__ import annotations

import re
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import TrackerError
from tracker.store import Reviewer

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
MIN_PASSWORD = 8
_hasher = PasswordHasher()


def add_reviewer(session: Session, name: str, password: str, now: datetime) -> Reviewer:
    """Create a reviewer, or set a new password for an existing one."""
    if not NAME.match(name):
        raise TrackerError(f"reviewer name {name!r}: use letters, digits, . _ @ - (up to 100)")
    if len(password) < MIN_PASSWORD:
        raise TrackerError(f"password too short: use at least {MIN_PASSWORD} characters")
    reviewer = session.scalar(select(Reviewer).where(Reviewer.name == name))
    hashed = _hasher.hash(password)
    if reviewer is None:
        reviewer = Reviewer(name=name, password_hash=hashed, created_at=now)
        session.add(reviewer)
    else:
        reviewer.password_hash = hashed
    session.flush()
    return reviewer


def check_password(session: Session, name: str, password: str) -> bool:
    """True when the name exists and the password matches its hash."""
    reviewer = session.scalar(select(Reviewer).where(Reviewer.name == name))
    if reviewer is None:
        _hasher.hash(password)  # the same work either way, so timing does not reveal names
        return False
    try:
        return _hasher.verify(reviewer.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False

"""Settings kept in the database itself (store_flags), read and written by key."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tracker.store.models import StoreFlag


def get_flag(session: Session, key: str, default: str | None = None) -> str | None:
    row = session.get(StoreFlag, key)
    return row.value if row is not None else default


def set_flag(session: Session, key: str, value: str) -> bool:
    """Set a flag; returns whether anything changed."""
    row = session.get(StoreFlag, key)
    if row is None:
        session.add(StoreFlag(key=key, value=value))
        return True
    if row.value == value:
        return False
    row.value = value
    return True

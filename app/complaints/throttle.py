"""Throttling of the public kiosk and status pages per address, kept in the database.

The kiosk PC is one address, used by one visitor after another: the submit limit is set so a
queue of real visitors never reaches it, while a script flooding the form is stopped at once.
A status look-up counts only when the number is unknown, so guessing numbers is slow but a
visitor checking their own number again is never blocked. Limits can be changed in app config.
"""
from datetime import timedelta

from flask import current_app

from app.complaints.models import KioskAttempt
from app.frame.dates import utc_now

WINDOW_MINUTES = 10
LIMITS = {"submit": 6, "status_miss": 10}  # per address per window
KEEP_DAYS = 2


def _limit(kind: str) -> int:
    return int(current_app.config.get(f"KIOSK_LIMIT_{kind.upper()}", LIMITS[kind]))


def minutes_blocked(address: str, kind: str) -> int:
    """0 when the address may go on; else the whole minutes until it may."""
    since = utc_now() - timedelta(minutes=WINDOW_MINUTES)
    query = (KioskAttempt.select(KioskAttempt.at)
             .where(KioskAttempt.address == address, KioskAttempt.kind == kind, KioskAttempt.at >= since)
             .order_by(KioskAttempt.at))
    limit = _limit(kind)
    if query.count() < limit:
        return 0
    oldest = query.first().at
    remaining = oldest + timedelta(minutes=WINDOW_MINUTES) - utc_now()
    return max(1, int(remaining.total_seconds() // 60) + 1)


def note(address: str, kind: str) -> None:
    """Count one attempt; old rows are dropped on the way so the table stays small."""
    now = utc_now()
    KioskAttempt.create(address=address, kind=kind, at=now)
    KioskAttempt.delete().where(KioskAttempt.address == address, KioskAttempt.kind == kind,
                                KioskAttempt.at < now - timedelta(days=KEEP_DAYS)).execute()

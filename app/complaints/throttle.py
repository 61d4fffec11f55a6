"""Throttling of the public kiosk and status pages, through the one frame throttle.

Keyed per kiosk session and per form (app/frame/kiosk_session.py), not per address: the kiosk
PC is one address used by one visitor after another, so one visitor's flood must not block the
queue behind him. The submit limit is set so a real visitor never reaches it; a status look-up
counts only when the number is unknown, and a real number is always answered (kiosk_views).
Limits can be changed in app config.
"""
from datetime import timedelta

from flask import current_app

from app.frame import throttle
from app.frame.kiosk_session import throttle_keys

WINDOW = timedelta(minutes=10)
LIMITS = {"submit": 6, "status_miss": 10}  # per kiosk session per window


def _limit(kind: str) -> int:
    return int(current_app.config.get(f"KIOSK_LIMIT_{kind.upper()}", LIMITS[kind]))


def minutes_blocked(kind: str) -> int:
    """0 when this visitor may go on; else the whole minutes until they may."""
    seconds = max(throttle.seconds_to_wait(f"kios_{kind}", key, free=_limit(kind) * factor, window=WINDOW)
                  for key, factor in throttle_keys())
    return (seconds + 59) // 60


def note(kind: str) -> None:
    for key, _ in throttle_keys():
        throttle.hit(f"kios_{kind}", key)

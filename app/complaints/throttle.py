"""Throttling of the public kiosk and status pages per address, through the one frame throttle.

The kiosk PC is one address, used by one visitor after another: the submit limit is set so a
queue of real visitors never reaches it, while a script flooding the form is stopped at once.
A status look-up counts only when the number is unknown, so guessing numbers is slow but a
visitor checking their own number again is never blocked. Limits can be changed in app config.
(Issue 15 re-keys these per kiosk session: change `key` below, nothing else.)
"""
from datetime import timedelta

from flask import current_app

from app.frame import throttle

WINDOW = timedelta(minutes=10)
LIMITS = {"submit": 6, "status_miss": 10}  # per address per window


def _limit(kind: str) -> int:
    return int(current_app.config.get(f"KIOSK_LIMIT_{kind.upper()}", LIMITS[kind]))


def minutes_blocked(address: str, kind: str) -> int:
    """0 when the address may go on; else the whole minutes until it may."""
    seconds = throttle.seconds_to_wait(f"kios_{kind}", address, free=_limit(kind), window=WINDOW)
    return (seconds + 59) // 60


def note(address: str, kind: str) -> None:
    throttle.hit(f"kios_{kind}", address)

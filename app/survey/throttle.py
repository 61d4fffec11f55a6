"""Kiosk flood control for walk-in surveys (answers without a code), through the one frame
throttle, keyed per kiosk session like the complaint kiosk (app/frame/kiosk_session.py).
Answers with a one-time code need no limit: each code is accepted once."""
from datetime import timedelta

from flask import current_app

from app.frame import throttle
from app.frame.kiosk_session import throttle_keys

SCOPE = "survei"


def survey_wait_seconds() -> int:
    """Seconds until this kiosk may store another walk-in survey (0: now), for the 429's Retry-After."""
    window = timedelta(minutes=current_app.config["SURVEY_WINDOW_MINUTES"])
    free = current_app.config["SURVEY_MAX_PER_SESSION"]
    return max(throttle.seconds_to_wait(SCOPE, key, free=free * factor, window=window)
               for key, factor in throttle_keys())


def note_survey() -> None:
    """Counted inside the transaction that stores the response: a refused flood stores nothing."""
    for key, _ in throttle_keys():
        throttle.hit(SCOPE, key)

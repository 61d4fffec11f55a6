"""Kiosk flood control: at most N surveys per network address in a sliding window, through the
one frame throttle (issue 15 re-keys it per kiosk session: change the key here only)."""
from datetime import timedelta

from flask import current_app

from app.frame import throttle

SCOPE = "survei"


def surveys_blocked(address: str) -> bool:
    window = timedelta(minutes=current_app.config["SURVEY_WINDOW_MINUTES"])
    return bool(throttle.seconds_to_wait(SCOPE, address, free=current_app.config["SURVEY_MAX_PER_ADDRESS"],
                                         window=window))


def note_survey(address: str) -> None:
    """Counted inside the transaction that stores the response: a refused flood stores nothing."""
    throttle.hit(SCOPE, address)

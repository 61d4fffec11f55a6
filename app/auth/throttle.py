"""Failed logins are throttled per account and per address, in a sliding window.

Kept in the database so a restart does not reset the count.
"""
from datetime import timedelta

from flask import current_app

from app.auth.models import LoginAttempt
from app.frame.dates import utc_now


def _failures_since(since, **where) -> int:
    query = LoginAttempt.select().where(LoginAttempt.at >= since, LoginAttempt.succeeded == False)  # noqa: E712
    for field, value in where.items():
        query = query.where(getattr(LoginAttempt, field) == value)
    return query.count()


def minutes_blocked(username: str, address: str) -> int:
    """0 when a login may be tried; else how many minutes until it may."""
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    since = utc_now() - window
    too_many = (_failures_since(since, username=username.lower()) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
                or _failures_since(since, address=address) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"])
    if not too_many:
        return 0
    oldest = (LoginAttempt.select(LoginAttempt.at)
              .where(LoginAttempt.at >= since, LoginAttempt.succeeded == False,  # noqa: E712
                     (LoginAttempt.username == username.lower()) | (LoginAttempt.address == address))
              .order_by(LoginAttempt.at).first())
    remaining = (oldest.at + window - utc_now()) if oldest else window
    return max(1, int(remaining.total_seconds() // 60) + 1)


def note_attempt(username: str, address: str, succeeded: bool) -> None:
    LoginAttempt.create(username=username.lower(), address=address, at=utc_now(), succeeded=succeeded)

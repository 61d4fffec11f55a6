"""Failed logins are throttled per account and per address, in a sliding window.

Kept in the database so a restart does not reset the count. One throttle for both logins: the
kecamatan passes its LoginAttempt model, the internet-facing center its CenterLoginAttempt
(same columns, its own database).
"""
from datetime import timedelta

from flask import current_app

from app.frame.dates import utc_now


def _failures_since(model, since, **where) -> int:
    query = model.select().where(model.at >= since, model.succeeded == False)  # noqa: E712
    for field, value in where.items():
        query = query.where(getattr(model, field) == value)
    return query.count()


def minutes_blocked(model, username: str, address: str) -> int:
    """0 when a login may be tried; else how many minutes until it may."""
    config = current_app.config
    window = timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    since = utc_now() - window
    too_many = (_failures_since(model, since, username=username.lower()) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
                or _failures_since(model, since, address=address) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"])
    if not too_many:
        return 0
    oldest = (model.select(model.at)
              .where(model.at >= since, model.succeeded == False,  # noqa: E712
                     (model.username == username.lower()) | (model.address == address))
              .order_by(model.at).first())
    remaining = (oldest.at + window - utc_now()) if oldest else window
    return max(1, int(remaining.total_seconds() // 60) + 1)


def note_attempt(model, username: str, address: str, succeeded: bool) -> None:
    model.create(username=username.lower(), address=address, at=utc_now(), succeeded=succeeded)

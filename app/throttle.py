"""The one throttle for every door: staff login, kiosk, survey, the center's login.

Attempts are rows in `throttle_hit` (scope, key, time), so a restart does not reset them. A door
picks its key: the login keys on account *and* address, so a stranger at another PC cannot lock
a clerk out; the kiosk keys on the kiosk session or address.

    wait = throttle.seconds_to_wait("masuk", key, free=5, window=timedelta(minutes=15), growing=True)
    if wait: answer 429 with throttle.in_words(wait)
    ... throttle.hit("masuk", key)   # a failed attempt (or, for a flood limit, any attempt)
    ... throttle.clear("masuk", key) # a success forgives the earlier failures

`growing=True`: after `free` attempts each further one waits twice as long (2 s, 4 s, ...,
capped at the window): guessing is slowed to nothing, a user who mistyped waits seconds.
Otherwise a sliding window: at most `free` attempts per window.
"""
from datetime import timedelta

from peewee import AutoField, CharField
from playhouse.apsw_ext import DateTimeField

from app.dates import utc_now
from app.db import BaseModel

FIRST_DELAY_SECONDS = 2
KEEP = timedelta(days=2)


class ThrottleHit(BaseModel):
    id = AutoField()
    scope = CharField()
    key = CharField()
    at = DateTimeField()

    class Meta:
        table_name = "throttle_hit"
        indexes = ((("scope", "key", "at"), False),)


def _key(key: str) -> str:
    return key[:255]


def seconds_to_wait(scope: str, key: str, *, free: int, window: timedelta, growing: bool = False) -> int:
    """0 when the door may be tried now; else whole seconds until it may."""
    now = utc_now()
    hits = [row.at for row in ThrottleHit.select(ThrottleHit.at)
            .where(ThrottleHit.scope == scope, ThrottleHit.key == _key(key), ThrottleHit.at >= now - window)
            .order_by(ThrottleHit.at.desc())]
    if len(hits) < free:
        return 0
    if growing:
        delay = min(timedelta(seconds=FIRST_DELAY_SECONDS * 2 ** (len(hits) - free)), window)
        until = hits[0] + delay
    else:
        until = hits[free - 1] + window
    return max(0, int((until - now).total_seconds()) + (1 if until > now else 0))


def hit(scope: str, key: str) -> None:
    now = utc_now()
    ThrottleHit.create(scope=scope, key=_key(key), at=now)
    ThrottleHit.delete().where(ThrottleHit.scope == scope, ThrottleHit.key == _key(key),
                               ThrottleHit.at < now - KEEP).execute()


def clear(scope: str, key: str) -> None:
    ThrottleHit.delete().where(ThrottleHit.scope == scope, ThrottleHit.key == _key(key)).execute()


def in_words(seconds: int) -> str:
    """'12 detik' / '3 menit' for the Indonesian message."""
    return f"{seconds} detik" if seconds < 60 else f"{(seconds + 59) // 60} menit"

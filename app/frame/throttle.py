"""The one throttle for every door: staff login, kiosk, survey, the center's login, a password typed
again by a signed-in user (a new password, the regency's key fingerprint).

Attempts are rows in `throttle_hit` (scope, key, time), so a restart does not reset them. A door
picks its key: the login keys on account *and* address, so a stranger at another PC cannot lock
a clerk out; the kiosk keys on the kiosk session or address.

    wait = throttle.seconds_to_wait("masuk", key, free=5, window=timedelta(minutes=15), growing=True)
    if wait: answer 429 with throttle.in_words(wait) and the header throttle.retry_after(wait)
    ... throttle.hit("masuk", key)   # a failed attempt (or, for a flood limit, any attempt)
    ... throttle.clear("masuk", key) # a success forgives the earlier failures

`growing=True`: after `free` attempts each further one waits twice as long (2 s, 4 s, ...,
capped at the window): guessing is slowed to nothing, a user who mistyped waits seconds.
Otherwise a sliding window: at most `free` attempts per window.
"""
from datetime import timedelta

from peewee import AutoField, CharField, Model
from playhouse.apsw_ext import DateTimeField

from flask import current_app

from app.frame.dates import utc_now
from app.frame.db import database
from app.frame.passwords import verify_password

FIRST_DELAY_SECONDS = 2
KEEP = timedelta(days=2)


class ThrottleRecord(Model):
    """One attempt at a door. Each program has the table in its own database."""
    id = AutoField()
    scope = CharField()
    key = CharField()
    at = DateTimeField()

    class Meta:
        indexes = ((("scope", "key", "at"), False),)


class ThrottleHit(ThrottleRecord):
    """The kecamatan's table; the center registers its own as `app.extensions["throttle_model"]`."""

    class Meta:
        database = database
        table_name = "throttle_hit"
        legacy_table_names = False


def _model():
    return current_app.extensions.get("throttle_model", ThrottleHit)


def _key(key: str) -> str:
    return key[:255]


def seconds_to_wait(scope: str, key: str, *, free: int, window: timedelta, growing: bool = False) -> int:
    """0 when the door may be tried now; else whole seconds until it may."""
    now, hits_table = utc_now(), _model()
    hits = [row.at for row in hits_table.select(hits_table.at)
            .where(hits_table.scope == scope, hits_table.key == _key(key), hits_table.at >= now - window)
            .order_by(hits_table.at.desc())]
    if len(hits) < free:
        return 0
    if growing:
        delay = min(timedelta(seconds=FIRST_DELAY_SECONDS * 2 ** (len(hits) - free)), window)
        until = hits[0] + delay
    else:
        until = hits[free - 1] + window
    return max(0, int((until - now).total_seconds()) + (1 if until > now else 0))


def hit(scope: str, key: str) -> None:
    now, hits_table = utc_now(), _model()
    hits_table.create(scope=scope, key=_key(key), at=now)
    hits_table.delete().where(hits_table.scope == scope, hits_table.key == _key(key),
                              hits_table.at < now - KEEP).execute()


def clear(scope: str, key: str) -> None:
    hits_table = _model()
    hits_table.delete().where(hits_table.scope == scope, hits_table.key == _key(key)).execute()


def in_words(seconds: int) -> str:
    """'12 detik' / '3 menit' for the Indonesian message."""
    return f"{seconds} detik" if seconds < 60 else f"{(seconds + 59) // 60} menit"


def retry_after(seconds: int) -> dict:
    """The header of every 429: when a browser, a script or a proxy may try again (RFC 9110)."""
    return {"Retry-After": str(max(1, int(seconds)))}


# --- sign-in: the kecamatan's login and the internet-facing center's use the same rule -------

LOGIN_SCOPE = "masuk"
LOGIN_ADDRESS_SCOPE = "masuk_alamat"


def _login_limits():
    config = current_app.config
    return (timedelta(minutes=config["LOGIN_WINDOW_MINUTES"]), config["LOGIN_MAX_FAILURES_PER_ACCOUNT"],
            config["LOGIN_MAX_FAILURES_PER_ADDRESS"])


def _account_has_failed(username: str, address: str, window: timedelta) -> bool:
    hits_table = _model()
    return hits_table.select().where(hits_table.scope == LOGIN_SCOPE, hits_table.key == _key(f"{username}|{address}"),
                                     hits_table.at >= utc_now() - window).exists()


def login_wait(username: str, address: str, *, password_correct: bool) -> int:
    """Seconds before this name may try again from this address (LOGIN_* in the app's config).

    Per account *and* address: a stranger at another PC slows only their own guesses. The
    address-wide limit catches one stranger trying many names at the office's shared address;
    it never delays a correct password for an account that has not itself failed there, so the
    office's own users are not locked out by someone else. Called after the password check
    (the same work whatever the name), so the answer tells nothing more than a refusal."""
    window, per_account, per_address = _login_limits()
    account_wait = seconds_to_wait(LOGIN_SCOPE, f"{username}|{address}", free=per_account, window=window,
                                   growing=True)
    if account_wait or (password_correct and not _account_has_failed(username, address, window)):
        return account_wait
    return seconds_to_wait(LOGIN_ADDRESS_SCOPE, address, free=per_address, window=window, growing=True)


def login_refused_while_waiting(username: str, address: str, password_correct: bool) -> None:
    """A wrong guess made while the address waits still counts against its account, so a
    stranger gets one guess per account past the address limit, not unlimited ones."""
    window, _, _ = _login_limits()
    if not password_correct and not _account_has_failed(username, address, window):
        hit(LOGIN_SCOPE, f"{username}|{address}")


def login_attempted(username: str, address: str, succeeded: bool) -> None:
    """Record a login attempt (inside the caller's transaction): a success forgives the account."""
    if succeeded:
        clear(LOGIN_SCOPE, f"{username}|{address}")
    else:
        hit(LOGIN_SCOPE, f"{username}|{address}")
        hit(LOGIN_ADDRESS_SCOPE, address)


# --- a password typed again by a signed-in user (a new password, the regency's key) ------------
# A PC left signed in must not let whoever sits at it guess the password without limit: the same
# growing wait as sign-in, keyed on the account alone (the guesser is at the account's own session),
# with the sign-in's limits. While it waits the password is not even checked: a right one is refused too.

PASSWORD_AGAIN_SCOPE = "sandi_ulang"


def password_again(account, typed: str, purpose: str, record) -> tuple[bool, int]:
    """(right, seconds to wait) for the password `account` typed again to confirm an act ("mengganti
    kata sandi"). A wrong one counts (an empty field is no guess); a right one forgives. A wrong one
    and a refusal are on the trail: `record(action=..., summary=...)` is the program's audit function
    with the account named, called in the throttle's transaction."""
    window, per_account, _ = _login_limits()
    key, hits_table = account.username, _model()
    with hits_table._meta.database.atomic():
        wait = seconds_to_wait(PASSWORD_AGAIN_SCOPE, key, free=per_account, window=window, growing=True)
        if wait:
            record(action="sandi_ditahan", summary=f"Kata sandi untuk {purpose} ditolak tanpa diperiksa: terlalu "
                                                   f"banyak kata sandi salah, ditahan {in_words(wait)}")
            return False, wait
        if not typed:
            return False, 0
        right = verify_password(account.password_hash, typed)  # the request's size limit bounds it
        if right:
            clear(PASSWORD_AGAIN_SCOPE, key)
        else:
            hit(PASSWORD_AGAIN_SCOPE, key)
            record(action="sandi_salah", summary=f"Kata sandi salah diketik untuk {purpose}")
    return right, 0


def password_again_refused(wait: int) -> str:
    """The Indonesian answer while the wait lasts (with a 429 and retry_after(wait))."""
    return (f"Terlalu banyak kata sandi salah. Coba lagi dalam {in_words(wait)}; bila Anda lupa kata sandi, "
            "minta admin lain meresetnya.")

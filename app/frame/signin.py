"""Loading the signed-in account for each request, for every program of the frame, from a
session kept on the server.

Each program names its account model in `app.extensions["account_model"]` (the kecamatan's
User, the center's Operator) and its session table in `app.extensions["session_model"]` (a
`SessionRecord` in its own database). The cookie holds only a random token: logout, a password
change or a disabled account end the server's record, so a copied cookie stops working; a
session ends after the idle limit (`app.extensions["idle_minutes"]()`, else SESSION_IDLE_MINUTES,
30 by default) and after SESSION_MAX_HOURS in any case, whatever the cookie says.
"""
import hashlib
import itertools
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace

from flask import current_app, g, has_request_context, request, session
from peewee import JOIN, AutoField, CharField, IntegerField, Model
from playhouse.apsw_ext import DateTimeField

from app.frame import statements, throttle
from app.frame.dates import utc_now
from app.frame.passwords import dummy_hash, hash_password, verify_password

log = logging.getLogger(__name__)
SESSION_TOKEN = "sid"
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most once a minute
# A session's last page when the disk refused to write it (issue 94): a page is worth more than that write,
# and the idle limit must not end a session for want of it. In this process only, until a write succeeds.
_seen_unwritten: dict[int, object] = {}
# Sessions begun while the disk was full (issue 94): a full disk must not keep the office out (its admin signs
# in to free space). Kept in this process by token hash, with negative ids, until they end or it stops.
_unwritten_sessions: dict[str, SimpleNamespace] = {}
_unwritten_ids = itertools.count(1)


class SessionRecord(Model):
    """A signed-in browser; only the hash of the cookie's token is stored. Each program subclasses
    it in its own database (table "staff_session")."""
    id = AutoField()
    token_hash = CharField(unique=True)
    user_id = IntegerField(index=True)
    address = CharField(default="")
    created_at = DateTimeField()
    last_seen_at = DateTimeField()
    ended_at = DateTimeField(null=True)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _sessions():
    return current_app.extensions["session_model"]


def idle_limit() -> timedelta:
    minutes = current_app.config.get("SESSION_IDLE_MINUTES", 30)
    setting = current_app.extensions.get("idle_minutes")
    if setting:
        try:
            minutes = int(setting() or minutes)
        except (KeyError, TypeError, ValueError):
            pass
    return timedelta(minutes=max(1, minutes))


def load_current_user() -> None:
    g.user = None
    from app.frame import audit
    audit.write_kept_rows()  # a sign-in's trail rows a full disk refused, once it has room (none: nothing done)
    token = session.get(SESSION_TOKEN)
    if not token or not isinstance(token, str):
        return
    now, sessions, accounts = utc_now(), _sessions(), current_app.extensions["account_model"]
    # One query on every request: the session with its account (None when the account is gone).
    found = statements.rows(_session_with_account, sessions, accounts, _hash(token))
    row = found[0] if found else _unwritten_session(_hash(token), accounts)
    user = row.account if row else None
    last_seen = max(row.last_seen_at, _seen_unwritten.get(row.id, row.last_seen_at)) if row else None
    expired = (row is None or row.ended_at is not None or user is None or not user.is_active
               or now - last_seen > idle_limit()
               or now - row.created_at > timedelta(hours=current_app.config.get("SESSION_MAX_HOURS", 10)))
    if expired:
        if row is not None and row.id < 0:
            _unwritten_sessions.pop(row.token_hash, None)
        elif row is not None and row.ended_at is None:
            _unless_the_disk_is_full(sessions.update(ended_at=now).where(sessions.id == row.id))  # expired anyway
        session.clear()
        g.session_expired = True
        return
    if row.id < 0:
        row.last_seen_at = now
    elif now - last_seen >= TOUCH_EVERY:
        if _unless_the_disk_is_full(sessions.update(last_seen_at=now).where(sessions.id == row.id)):
            _seen_unwritten.pop(row.id, None)
        else:
            _seen_unwritten[row.id] = now
    g.user = user
    g.staff_session_id = row.id


def _unwritten_session(token_hash: str, accounts):
    """A session begun on a full disk, with its account as a stored one has it (None when it is gone)."""
    kept = _unwritten_sessions.get(token_hash)
    if kept is not None:
        kept.account = accounts.get_or_none(accounts.id == kept.user_id)
    return kept


def _unless_the_disk_is_full(query) -> bool:
    """Run a write a page makes only by the way; False when the disk is full (the page is served anyway)."""
    from app.frame.errors import is_disk_full, note_disk_full
    try:
        query.execute()
    except Exception as error:
        if not is_disk_full(error):
            raise
        note_disk_full()
        return False
    return True


def _session_with_account(sessions, accounts, token_hash: str):  # its SQL built once (app/frame/statements.py)
    return (sessions.select(sessions, accounts)
            .join(accounts, JOIN.LEFT_OUTER, on=(sessions.user_id == accounts.id), attr="account")
            .where(sessions.token_hash == token_hash).limit(1))


def start_session(user) -> str:
    """Record a new server session for `user`; returns the token the cookie will carry."""
    token = secrets.token_urlsafe(32)
    now = utc_now()
    address = (request.remote_addr or "") if has_request_context() else ""
    try:
        _sessions().create(token_hash=_hash(token), user_id=user.id, address=address, created_at=now, last_seen_at=now)
    except Exception as error:
        from app.frame.errors import is_disk_full, note_disk_full
        if not is_disk_full(error):
            raise
        note_disk_full()
        _unwritten_sessions[_hash(token)] = SimpleNamespace(
            id=-next(_unwritten_ids), token_hash=_hash(token), user_id=user.id, address=address, created_at=now,
            last_seen_at=now, ended_at=None)
        log.warning("session of account %s kept in memory: the disk is full", user.id)
    return token


def sign_in(user) -> None:
    session.clear()  # a fresh cookie (and a new token) against fixation
    session[SESSION_TOKEN] = start_session(user)


def end_sessions(user) -> None:
    """End the user's sessions on every PC (password changed or reset, account disabled)."""
    sessions = _sessions()
    sessions.update(ended_at=utc_now()).where(sessions.user_id == user.id, sessions.ended_at.is_null()).execute()
    for token_hash, kept in list(_unwritten_sessions.items()):
        if kept.user_id == user.id:
            _unwritten_sessions.pop(token_hash, None)


def set_password(account, password: str, must_change: bool) -> None:
    """A new password for `account` (kecamatan User or center Operator), saved, and its sessions ended on
    every PC; the caller holds the transaction and writes its own audit row."""
    account.password_hash = hash_password(password)
    account.must_change_password = must_change
    account.password_changed_at = utc_now()
    account.save()
    end_sessions(account)


def sign_out() -> None:
    if g.get("staff_session_id", 0) < 0:
        _unwritten_sessions.pop(_hash(session.get(SESSION_TOKEN, "")), None)
    elif g.get("staff_session_id"):
        sessions = _sessions()
        sessions.update(ended_at=utc_now()).where(sessions.id == g.staff_session_id).execute()
    session.clear()


# --- the sign-in form: one path for every program (the kecamatan, the desa mode, the center) ---

USERNAME_LONGEST = 64
PASSWORD_LONGEST = 1024  # far above any password a person sets (128); a longer one is not hashed


@dataclass
class SignInAttempt:
    username: str
    account: object | None  # the account of that name, whether or not the password was right
    ok: bool = False  # right password of an active account: the caller signs it in
    wait: int = 0  # seconds the throttle asks to wait (answer 429)
    problem: str | None = None  # a form that cannot be right, in Indonesian (answer 422)
    problem_field: str = "password"  # the field `problem` is about (the error summary links to it)


def check_sign_in(form, record=None) -> SignInAttempt:
    """Check a sign-in form against the program's accounts: the same password-hash work for a known
    name, an unknown one and a disabled account, so timing lists no account; the length cap; the
    throttle. `record(attempt)` writes the program's audit row in the throttle's transaction."""
    username = (form.get("username") or "").strip().lower()[:USERNAME_LONGEST]
    password = form.get("password") or ""
    if not username:  # nothing to check, hash or count: the form was sent half empty
        return SignInAttempt(username, None, problem="Isi nama pengguna.", problem_field="username")
    if not password:
        return SignInAttempt(username, None, problem="Isi kata sandi.")
    if len(password) > PASSWORD_LONGEST:
        return SignInAttempt(username, None, problem=f"Kata sandi terlalu panjang (paling panjang "
                                                     f"{PASSWORD_LONGEST} karakter).")
    accounts = current_app.extensions["account_model"]
    account = accounts.get_or_none(accounts.username == username)
    attempt = SignInAttempt(username, account)
    attempt.ok = (verify_password(account.password_hash if account else dummy_hash(), password)
                  and bool(account and account.is_active))
    address = request.remote_addr or ""
    attempt.wait = throttle.login_wait(username, address, password_correct=attempt.ok)
    try:
        with accounts._meta.database.atomic():
            if attempt.wait:
                throttle.login_refused_while_waiting(username, address, attempt.ok)
            else:
                throttle.login_attempted(username, address, attempt.ok)
                if record:
                    record(attempt)
    except Exception as error:
        from app.frame.errors import is_disk_full, note_disk_full
        if not is_disk_full(error):
            raise
        note_disk_full()
        if record:
            _kept_for_the_trail(record, attempt, accounts._meta.database)
        return _not_recorded(attempt, address)
    return attempt


def _kept_for_the_trail(record, attempt: SignInAttempt, database) -> None:
    """The attempt's trail rows, as `record` makes them, kept until the disk has room (audit.write_kept_rows);
    anything else `record` writes is rolled back (a sign-in's moment on the account is worth no more)."""
    from app.frame import audit
    from app.frame.errors import is_disk_full
    try:
        with database.atomic() as transaction, audit.kept_until_room():
            record(attempt)
            transaction.rollback()
    except Exception as error:
        if not is_disk_full(error):
            raise


# Wrong passwords the disk could not count (issue 94): counted here instead, with sign-in's limits, so a full
# disk gives a guesser no more tries than the throttle would. {key: [moments]}, keys "name|address" and "|address".
_uncounted_failures: dict[str, list] = {}
MAX_UNCOUNTED_KEYS = 10_000


def _not_recorded(attempt: SignInAttempt, address: str) -> SignInAttempt:
    """An attempt on a full disk: its trail row and throttle count not written. A right password signs in
    (start_session keeps the session in memory) unless the wrong ones counted here reached the limit."""
    config, now = current_app.config, utc_now()
    window = timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])
    keys = (f"{attempt.username}|{address}", f"|{address}")
    recent = {key: [at for at in _uncounted_failures.get(key, []) if now - at < window] for key in keys}
    account, everyone = recent[keys[0]], recent[keys[1]]
    # As throttle.login_wait: the account's own failures make any attempt wait; the address's, any but a right
    # password of an account that has not failed there (the office's own users are not locked out).
    over = len(account) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] or (
        len(everyone) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"] and not (attempt.ok and not account))
    if not attempt.ok:
        account.append(now)
        everyone.append(now)
    if over:
        attempt.ok, attempt.wait = False, attempt.wait or int(window.total_seconds())
    if len(_uncounted_failures) > MAX_UNCOUNTED_KEYS:
        _uncounted_failures.clear()
    _uncounted_failures.update(recent)
    log.warning("sign-in attempt for %r not in the trail: the disk is full", attempt.username)
    return attempt

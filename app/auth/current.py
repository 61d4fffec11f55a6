"""Loading the signed-in user for each request, from a session kept on the server.

The cookie holds only a random token. Logout and a password change end the server's record, so
a copied cookie stops working; an idle session ends after `session_idle_minutes` (a setting,
30 by default) and any session after SESSION_MAX_HOURS, whatever the cookie says.
"""
import hashlib
import os
import secrets
from datetime import timedelta

from flask import current_app, g, has_request_context, request, session

from app.auth.models import StaffSession, User
from app.dates import utc_now

SESSION_TOKEN = "sid"
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most once a minute


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit() -> timedelta:
    from app.settings import store  # the admin sets it on the settings page
    minutes = current_app.config["SESSION_IDLE_MINUTES"]
    if "LOKET_SESSION_IDLE_MINUTES" not in os.environ:  # the environment wins over the admin's setting
        try:
            minutes = int(store.get("session_idle_minutes") or minutes)
        except (KeyError, TypeError, ValueError):
            pass
    return timedelta(minutes=max(1, minutes))


def load_current_user() -> None:
    g.user = None
    token = session.get(SESSION_TOKEN)
    if not token or not isinstance(token, str):
        return
    now = utc_now()
    row = StaffSession.get_or_none(StaffSession.token_hash == _hash(token))
    user = User.get_or_none(User.id == row.user_id) if row else None
    expired = (row is None or row.ended_at is not None or user is None or not user.is_active
               or now - row.last_seen_at > idle_limit()
               or now - row.created_at > timedelta(hours=current_app.config["SESSION_MAX_HOURS"]))
    if expired:
        if row is not None and row.ended_at is None:
            StaffSession.update(ended_at=now).where(StaffSession.id == row.id).execute()
        session.clear()
        g.session_expired = True
        return
    if now - row.last_seen_at >= TOUCH_EVERY:
        StaffSession.update(last_seen_at=now).where(StaffSession.id == row.id).execute()
    g.user = user
    g.staff_session_id = row.id


def start_session(user: User) -> str:
    """Record a new server session for `user`; returns the token the cookie will carry."""
    token = secrets.token_urlsafe(32)
    now = utc_now()
    address = (request.remote_addr or "") if has_request_context() else ""
    StaffSession.create(token_hash=_hash(token), user_id=user.id, address=address, created_at=now, last_seen_at=now)
    return token


def sign_in(user: User) -> None:
    session.clear()  # a fresh cookie (and a new token) against fixation
    session[SESSION_TOKEN] = start_session(user)


def end_sessions(user: User, keep_current: bool = False) -> None:
    """End the user's sessions on every PC (password changed, account disabled)."""
    query = StaffSession.update(ended_at=utc_now()).where(StaffSession.user_id == user.id,
                                                          StaffSession.ended_at.is_null())
    if keep_current and g.get("staff_session_id"):
        query = query.where(StaffSession.id != g.staff_session_id)
    query.execute()


def sign_out() -> None:
    if g.get("staff_session_id"):
        StaffSession.update(ended_at=utc_now()).where(StaffSession.id == g.staff_session_id).execute()
    session.clear()

"""Loading the signed-in user for each request."""
import hashlib

from flask import g, session

from app.auth.models import User

SESSION_USER = "user_id"
SESSION_STAMP = "auth_stamp"  # invalidates sessions when the password changes


def auth_stamp(user: User) -> str:
    """Changes whenever the password does (new salt), so older sessions stop working."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def load_current_user() -> None:
    g.user = None
    user_id = session.get(SESSION_USER)
    if user_id is None:
        return
    user = User.get_or_none(User.id == user_id)
    if user is None or not user.is_active or session.get(SESSION_STAMP) != auth_stamp(user):
        session.clear()
        g.session_expired = True
        return
    g.user = user


def sign_in(user: User) -> None:
    session.clear()  # a fresh session id against fixation
    session.permanent = True
    session[SESSION_USER] = user.id
    session[SESSION_STAMP] = auth_stamp(user)


def sign_out() -> None:
    session.clear()

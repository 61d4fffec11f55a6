"""Loading the signed-in account for each request, for every program of the frame.

Each program names its account model in `app.extensions["account_model"]` (the kecamatan's
User, the center's Operator); both carry the fields of app.frame.accounts.Account.
"""
import hashlib

from flask import current_app, g, session

SESSION_USER = "user_id"
SESSION_STAMP = "auth_stamp"  # invalidates sessions when the password changes


def auth_stamp(user) -> str:
    """Changes whenever the password does (new salt), so older sessions stop working."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def load_current_user() -> None:
    g.user = None
    user_id = session.get(SESSION_USER)
    if user_id is None:
        return
    model = current_app.extensions["account_model"]
    user = model.get_or_none(model.id == user_id)
    if user is None or not user.is_active or session.get(SESSION_STAMP) != auth_stamp(user):
        session.clear()
        g.session_expired = True
        return
    g.user = user


def sign_in(user) -> None:
    session.clear()  # a fresh session id against fixation
    session.permanent = True
    session[SESSION_USER] = user.id
    session[SESSION_STAMP] = auth_stamp(user)


def sign_out() -> None:
    session.clear()

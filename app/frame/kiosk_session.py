"""Who is at the kiosk: one kiosk session per visitor, kept in the signed session cookie.

The kiosk PC is one network address for every visitor, so its flood limits key on the kiosk
session and the form (one throttle scope per form), not on the address: one visitor who
floods a form is stopped without stopping the queue behind him. A visitor's session ends when
the screen returns to its start ("Selesai", or the countdown). A script that drops its cookie
gets a new session each time; the address keeps a much higher backstop limit for that.
"""
import secrets

from flask import request, session

SESSION_KEY = "kiosk_session"
ADDRESS_BACKSTOP_FACTOR = 10  # the address may do what ten visitors do before it waits


def kiosk_session() -> str:
    """This visitor's kiosk session id (made on first use)."""
    if SESSION_KEY not in session:
        session[SESSION_KEY] = secrets.token_hex(12)
    return session[SESSION_KEY]


def next_visitor() -> None:
    """The screen went back to its start: the next person starts with fresh limits."""
    session.pop(SESSION_KEY, None)


def throttle_keys() -> list[tuple[str, int]]:
    """(key, limit factor) pairs a kiosk form counts against: its session, and the address backstop."""
    return [(f"sesi:{kiosk_session()}", 1), (f"alamat:{request.remote_addr or ''}", ADDRESS_BACKSTOP_FACTOR)]

"""The short maintenance state of a restore: while the database is swapped, every other request
gets a calm "sedang pemulihan" page (503, Retry-After) instead of an error."""
import threading
from contextlib import contextmanager

from flask import render_template, request

_restoring = threading.Event()
_one_at_a_time = threading.Lock()


def active() -> bool:
    return _restoring.is_set()


@contextmanager
def window():
    """Hold the app in maintenance for the duration; False when another restore already runs."""
    if not _one_at_a_time.acquire(blocking=False):
        yield False
        return
    _restoring.set()
    try:
        yield True
    finally:
        _restoring.clear()
        _one_at_a_time.release()


def request_gate():
    if active() and request.endpoint not in ("static", "core.htmx_js"):
        return render_template("backups/maintenance.html"), 503, {"Retry-After": "10"}
    return None

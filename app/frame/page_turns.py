"""Pages take turns through the interpreter, so a busy office stays quick.

Python runs one thread at a time (the GIL). With waitress's eight threads all working on pages at
once, they hand the interpreter back and forth (every SQLite call releases it): each page costs
more CPU and every page waits behind every other. With eight users clicking without pause, one
page at a time costs less CPU per page and brings every page's p95 under 100 ms (figures in
docs/benchmarks.md, issue 16).

So at most `slots` requests run the app at once; the others wait their turn (the threads stay,
so uploads and slow clients are still read and written beside them). Two kinds of request do not
take a turn: views marked `@long_running` (exports, backups, a restore, talking to the center),
which would hold every page up for seconds, and a request that has waited `patience` seconds,
which goes ahead anyway: a slow view nobody marked slows the others down, it never stops them.
"""
import threading
from collections import deque

from flask import request

TURN = "loket.page_turn"  # in request.environ: this request holds a turn and gives it back at teardown


def long_running(view):
    """Mark a view that may take seconds: it runs beside the turns, never holding the pages up."""
    view.long_running = True
    return view


class Turns:
    """`slots` turns, handed first come, first served: a turn given back goes straight to the request
    that has waited longest (a semaphore lets a newcomer take it first, and the unlucky wait on)."""

    def __init__(self, slots: int):
        self._lock, self._free, self._waiting = threading.Lock(), slots, deque()

    def take(self, patience: float) -> bool:
        """True: this request holds a turn (give it back); False: it waited `patience` s and goes ahead."""
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return True
            handed = threading.Lock()
            handed.acquire()
            self._waiting.append(handed)
        if handed.acquire(timeout=patience):
            return True
        with self._lock:
            if handed in self._waiting:
                self._waiting.remove(handed)
                return False
        return True  # the turn was handed over just as the patience ran out

    def give_back(self) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1


def install_page_turns(app, slots: int, patience: float) -> None:
    """slots 0: no turns, every waitress thread runs the app at once (as before; for comparison)."""
    if slots <= 0:
        return
    turns = app.extensions["page_turns"] = Turns(slots)

    def take_turn():
        view = app.view_functions.get(request.endpoint)
        if getattr(view, "long_running", False):
            return
        request.environ[TURN] = turns.take(patience)

    def give_back(exc):
        if request.environ.pop(TURN, False):
            turns.give_back()

    # First before anything else (the CSRF check, the connection, the user), last at teardown.
    app.before_request_funcs.setdefault(None, []).insert(0, take_turn)
    app.teardown_request_funcs.setdefault(None, []).insert(0, give_back)

"""Figures computed from many rows, kept until the database changes.

The indicators and the live recap read the per-day tallies and a few thousand rows on every view
(15-18 ms at 1M applications and 200k complaints): under eight busy users that was most of the
server's time, and every page waited behind it. A kept result is used again only while the
database's write stamp (app/frame/db.py: changed by every commit, this process's or another's) is
the one it was computed under, so nothing shown is older than the last write. Keep only what
the callers do not change: the same object is handed to every reader.
"""
import threading
from collections import OrderedDict

from app.frame.db import database

KEPT_AT_MOST = 32  # a few quarters and years per role: small dicts and lists

_lock = threading.Lock()
_kept: OrderedDict = OrderedDict()


def kept(name: str, key: tuple, compute, stamp=None):
    """compute(), or the result kept for (name, key) under the current write stamp. A program whose
    database has no write stamp (the center on PostgreSQL) passes its own: a value that changes with
    every write the result depends on."""
    if stamp is None:
        stamp = database.obj.write_stamp() if hasattr(database.obj, "write_stamp") else None
    if stamp is None:
        return compute()
    full_key = (name, key, stamp)  # the stamp names the database too: a restore opens a new one
    with _lock:
        if full_key in _kept:
            _kept.move_to_end(full_key)
            return _kept[full_key]
    value = compute()  # read under the stamp taken before it: a write meanwhile makes it unreachable
    with _lock:
        _kept[full_key] = value
        while len(_kept) > KEPT_AT_MOST:
            _kept.popitem(last=False)
    return value

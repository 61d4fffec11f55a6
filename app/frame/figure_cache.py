"""Figures computed from many rows, kept until what they are computed from changes.

The indicators and the live recap read the per-day tallies and a few thousand rows on every view
(15-18 ms at 1M applications and 200k complaints): under eight busy users that was most of the
server's time, and every page waited behind it. Two stamps say when a kept result may be used again:
- `kept(...)`: the database's write stamp (app/frame/db.py: changed by every commit, this process's
  or another's), so nothing shown is older than the last write of any kind;
- `kept_figure(...)`: the figures' version (table figure_version), which triggers set to a new
  random value whenever a row a figure reads is written (the tallies, targets, calendar, settings,
  complaints, survey responses: schema/kecamatan *_figures_version.sql). An audit row, a sign-in or
  an application view leaves it alone, so the heavy pages are not computed again after them (issue
  32). Random, not a counter: a restored backup carries the version of the state it holds, and a
  state that went on differently never shares one.
Keep only what the callers do not change: the same object is handed to every reader.
"""
import threading
from collections import OrderedDict

from peewee import BigIntegerField, IntegerField, OperationalError

from app.frame.db import BaseModel, database

KEPT_AT_MOST = 32  # a few quarters and years per role: small dicts and lists

_lock = threading.Lock()
_kept: OrderedDict = OrderedDict()


class FigureVersion(BaseModel):
    """One row: changed by triggers on every table a kept figure reads."""
    id = IntegerField(primary_key=True)
    n = BigIntegerField()

    class Meta:
        table_name = "figure_version"


def figures_stamp() -> tuple | None:
    """(this database, its figures' version), or None inside a transaction (its writes may yet be
    rolled back) and where the database has no figure_version table (the center: its own stamp)."""
    db = database.obj
    if not hasattr(db, "write_stamp") or (not db.is_closed() and db.connection().in_transaction):
        return None
    try:
        row = db.execute_sql('SELECT "n" FROM "figure_version" WHERE "id" = 1').fetchone()
    except OperationalError:  # a database not migrated yet (first start, a check before migrating)
        return None
    return (db.serial, row[0]) if row else None


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


def kept_figure(name: str, key: tuple, compute):
    """compute(), or the result kept for (name, key) under the figures' version: for figures read
    only from the tables whose writes change the version (tests/figures/test_figure_version.py)."""
    stamp = figures_stamp()
    if stamp is None:
        return compute()
    return kept(name, key, compute, ("figures", *stamp))

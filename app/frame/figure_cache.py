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
- `kept_figure(..., quarters=[...])`: the versions of the figures' parts (table figure_part,
  schema/kecamatan/0026_figures_by_quarter.sql): the base part, which what every quarter reads
  changes (settings, calendar, targets, categories, recaps), and one part per local quarter, which
  the writes counted in that quarter change. A complaint recorded today changes this quarter's part
  only, so a figure of earlier quarters stays kept, and a figure over eight quarters computes again
  only the one that changed when each quarter is kept as its own part.
Keep only what the callers do not change: the same object is handed to every reader.
"""
import contextvars
import json
import threading
from collections import OrderedDict

from peewee import BigIntegerField, IntegerField, OperationalError, TextField

from app.frame.db import BaseModel, database

KEPT_AT_MOST = 160  # a few pages per role and a part per quarter shown: small dicts and lists

_lock = threading.Lock()
_kept: OrderedDict = OrderedDict()
# The parts' versions a kept_figure read, while it computes: the parts kept inside it (a page's
# quarters) take them from here, not from a second read (issue 73: a view reads each thing once).
_parts_read: contextvars.ContextVar = contextvars.ContextVar("figure_parts_read", default=None)


class FigureVersion(BaseModel):
    """One row: changed by triggers on every table a kept figure reads."""
    id = IntegerField(primary_key=True)
    n = BigIntegerField()

    class Meta:
        table_name = "figure_version"


class FigurePart(BaseModel):
    """A row per part: '' the base, 'YYYY-Q' a local quarter (schema 0026_figures_by_quarter.sql)."""
    part = TextField(primary_key=True)
    n = BigIntegerField()

    class Meta:
        table_name = "figure_part"
        without_rowid = True


def figures_stamp() -> tuple | None:
    """(this database, its figures' version), or None inside a transaction (its writes may yet be
    rolled back) and where the database has no figure_version table (the center: its own stamp)."""
    db = _readable()
    if db is None:
        return None
    try:
        row = db.execute_sql('SELECT "n" FROM "figure_version" WHERE "id" = 1').fetchone()
    except OperationalError:  # a database not migrated yet (first start, a check before migrating)
        return None
    return (db.serial, row[0]) if row else None


def _readable():
    """The database, when a stamp may be read now: not inside a transaction (its writes may yet be
    rolled back), and not where the database has no figures' version (the center: its own stamp)."""
    db = database.obj
    if not hasattr(db, "write_stamp") or (not db.is_closed() and db.connection().in_transaction):
        return None
    return db


def quarter_part(quarter) -> str:
    """A quarter's part name, as the triggers write it ('2025-1')."""
    return f"{quarter.year}-{quarter.number}"


def parts_stamp(quarters) -> tuple | None:
    """(this database, the base part's version, each quarter's part's version), or None where
    figures_stamp would be None. A part no write has touched since the upgrade reads as None."""
    db = _readable()
    if db is None:
        return None
    names = ["", *map(quarter_part, quarters)]
    read = _parts_read.get()
    if read is not None and read[0] == db.serial and read[1].keys() >= set(names):
        return (db.serial, *((name, read[1][name]) for name in names))
    try:
        found = dict(db.execute_sql('SELECT "part", "n" FROM "figure_part" WHERE "part" IN '
                                    '(SELECT value FROM json_each(?))', (json.dumps(names),)).fetchall())
    except OperationalError:  # a database not migrated yet
        return None
    return (db.serial, *((name, found.get(name)) for name in names))


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


def kept_quarters(name: str, keys: dict, compute_many) -> dict:
    """{quarter: figure}: each quarter's figure kept as its own part (kept_figure with `quarters=[q]`),
    the ones not kept computed together by compute_many(those quarters) -> {quarter: figure}: a
    full recompute of eight quarters reads each source once over their span, not once a quarter."""
    stamp = parts_stamp(list(keys))
    if stamp is None:
        return compute_many(list(keys))
    serial, base, *parts = stamp
    full_keys = {q: (name, keys[q], ("parts", serial, base, part)) for q, part in zip(keys, parts)}
    found = {}
    with _lock:
        for q, full_key in full_keys.items():
            if full_key in _kept:
                _kept.move_to_end(full_key)
                found[q] = _kept[full_key]
    missing = [q for q in keys if q not in found]
    if missing:
        computed = compute_many(missing)  # read under the stamp taken before it, as kept() does
        with _lock:
            for q in missing:
                _kept[full_keys[q]] = found[q] = computed[q]
            while len(_kept) > KEPT_AT_MOST:
                _kept.popitem(last=False)
    return {q: found[q] for q in keys}


def kept_figure(name: str, key: tuple, compute, quarters=None):
    """compute(), or the result kept for (name, key) under the figures' version: for figures read
    only from the tables whose writes change the version (tests/figures/test_figure_version.py).
    With `quarters`: under the base part's and those quarters' versions instead, for figures read
    only from the base tables and from the day-keyed rows of those local quarters
    (tests/figures/test_figure_parts.py)."""
    stamp = figures_stamp() if quarters is None else parts_stamp(quarters)
    if stamp is None:
        return compute()
    if quarters is None:
        return kept(name, key, compute, ("figures", *stamp))
    # Read before the computation, as kept() reads its stamp: a write meanwhile makes the parts unreachable.
    token = _parts_read.set((stamp[0], dict(stamp[1:])))
    try:
        return kept(name, key, compute, ("parts", *stamp))
    finally:
        _parts_read.reset(token)

"""Which tables and columns a computation reads: SQLite's authorizer on the app's connection while it
runs (tests of the heavy pages' kept figures: every row a kept figure reads must change its version)."""
from contextlib import contextmanager

import apsw

from app.frame.db import database


@contextmanager
def reads_into(seen: set[tuple[str, str]]):
    """Add (table, column) of every read on the app's connection to `seen` while inside; the column
    is "" for a read of the whole row. An authorizer already set (an outer figure computing its
    parts' inside it) is put back after."""
    connection = database.connection()

    def authorizer(operation, table, column, *_):
        if operation == apsw.SQLITE_READ and table and not table.startswith("sqlite_"):
            seen.add((table, column or ""))
        return apsw.SQLITE_OK
    previous = connection.authorizer
    connection.authorizer = authorizer  # re-prepares statements, so cached ones are seen too
    try:
        yield seen
    finally:
        connection.authorizer = previous

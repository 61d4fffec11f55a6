"""This installation's identity in registration numbers (docs/sync-protocol.md, "Numbers").

Two parts, each unique by construction:
- the device code, issued by the printing center at enrolment from a per-kecamatan counter
  (before enrolment the PC uses LOKET_DEVICE_ID, which may not take the center's "P" form);
- the generation, raised by every restore to one more than any generation this PC or the
  restored backup has known. Numbers of generation g start at g * 1,000,000 + 1, so whichever
  backup is restored, the app never hands out a number it handed out before.

The generation is also kept in a small file beside the database (never inside a backup), so
restoring an older backup cannot wind it back.
"""
from pathlib import Path

from peewee import SQL, CharField, IntegerField

from app.frame.db import BaseModel

GENERATION_SPAN = 1_000_000  # numbers per generation and prefix; 60 a day fill it in 45 years
MARKER_NAME = "generasi-nomor.txt"
CENTER_DEVICE_PREFIX = "P"

CREATE = ('CREATE TABLE IF NOT EXISTS "installation" ("id" INTEGER NOT NULL PRIMARY KEY CHECK ("id" = 1), '
          '"device_code" VARCHAR(8), "generation" INTEGER NOT NULL DEFAULT 0, "token" VARCHAR(64))')


def _read_generation(connection) -> int:
    """Generation stored in an apsw connection's database (0 when the table is missing)."""
    try:
        row = connection.execute('SELECT "generation" FROM "installation" WHERE "id" = 1').fetchone()
    except Exception:  # an older backup without the table
        return 0
    return int(row[0]) if row else 0


def marker_generation(db_path: Path) -> int:
    try:
        return int((Path(db_path).parent / MARKER_NAME).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def write_marker(db_path: Path, generation: int) -> None:
    marker = Path(db_path).parent / MARKER_NAME
    partial = marker.with_name(marker.name + ".baru")
    partial.write_text(str(generation))
    partial.replace(marker)


def generation_before_restore(connection, db_path: Path) -> int:
    """The highest generation this PC has known (its live database and the marker file)."""
    return max(_read_generation(connection) if connection is not None else 0, marker_generation(db_path))


def reserve_before_restore(connection, db_path: Path) -> int:
    """Before the copy: the marker moves above everything known, so a kill mid-restore is safe
    (the next start lifts the database to the marker, catch_up_with_marker)."""
    known = generation_before_restore(connection, db_path) + 1
    write_marker(db_path, known)
    return known


def advance_after_restore(connection, db_path: Path, reserved: int) -> int:
    """Give the restored database a generation above everything known; returns it."""
    generation = max(reserved, _read_generation(connection) + 1)
    write_marker(db_path, generation)
    with connection:
        connection.execute(CREATE)
        connection.execute('INSERT INTO "installation" ("id", "device_code", "generation") VALUES (1, NULL, ?) '
                           'ON CONFLICT ("id") DO UPDATE SET "generation" = excluded."generation"', (generation,))
    return generation


def catch_up_with_marker(db, db_path: Path) -> None:
    """At start: a database below the marker (restore killed half-way, or a copied file) rises to it."""
    marker = marker_generation(db_path)
    if marker > identity(db)[1]:
        with db.atomic():
            db.execute_sql('UPDATE "installation" SET "generation" = ? WHERE "id" = 1', (marker,))


def identity(db) -> tuple[str | None, int]:
    """(device code issued by the center or None, generation) of the open peewee database."""
    row = db.execute_sql('SELECT "device_code", "generation" FROM "installation" WHERE "id" = 1').fetchone()
    return (row[0], int(row[1])) if row else (None, 0)


def token(db) -> str:
    """A random token naming this installation to the center at enrolment (made once, kept)."""
    import secrets
    row = db.execute_sql('SELECT "token" FROM "installation" WHERE "id" = 1').fetchone()
    if row and row[0]:
        return row[0]
    made = secrets.token_hex(16)
    with db.atomic():
        db.execute_sql('INSERT INTO "installation" ("id", "generation", "token") VALUES (1, 0, ?) '
                       'ON CONFLICT ("id") DO UPDATE SET "token" = excluded."token"', (made,))
    return made


def set_device_code(db, code: str) -> None:
    """Called in the enrolment's transaction: numbers from now on carry the center's code."""
    db.execute_sql('INSERT INTO "installation" ("id", "device_code", "generation") VALUES (1, ?, 0) '
                   'ON CONFLICT ("id") DO UPDATE SET "device_code" = excluded."device_code"', (code,))


class Installation(BaseModel):
    """The one row read by identity(); written by enrolment and restore (raw SQL, see above)."""
    id = IntegerField(primary_key=True)
    device_code = CharField(max_length=8, null=True)
    generation = IntegerField(constraints=[SQL("DEFAULT 0")])
    token = CharField(max_length=64, null=True)

    class Meta:
        table_name = "installation"

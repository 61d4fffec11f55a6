"""This installation's identity in registration numbers (docs/sync-protocol.md, "Numbers").

Two parts, each unique by construction:
- the device code, issued by the printing center at enrolment from a per-kecamatan counter
  (before enrolment the PC uses LOKET_DEVICE_ID, which may not take the center's "P" form);
- the generation, raised by every restore to one more than any generation this PC or the
  restored backup has known. Numbers of generation g start at g * 1,000,000 + 1, so whichever
  backup is restored, the app never hands out a number it handed out before.

The generation is also kept in a small file beside the database (never inside a backup), so
restoring an older backup cannot wind it back.

One live identity per PC (issue 24): the database names the machine that numbers with it (a hash
of a random id kept with the database key, outside the database and its backups). A database
restored from another PC's backup names that PC, so this one refuses to number (numbering_refusal)
until the admin chooses "this PC replaces PC P1" or "an additional PC" (app/sync_page/identity.py),
and a PC the center says was replaced refuses too. The refusal follows from what is stored, so a
restore cut at any step leaves the old data or a PC that refuses.
"""
import hashlib
import json
import secrets
from pathlib import Path

from peewee import SQL, CharField, IntegerField

from app.frame import store
from app.frame.db import BaseModel
from app.frame.private_files import write_private

GENERATION_SPAN = 1_000_000  # numbers per generation and prefix; 60 a day fill it in 45 years
MARKER_NAME = "generasi-nomor.txt"
CENTER_DEVICE_PREFIX = "P"
MACHINE_KEY = "mesin"  # in the data folder's key store (app/frame/keystore.py), never in a backup
RESTORE_PENDING = "pemulihan-mesin.txt"  # a restore began: a backup that names no machine is not ours
UNKNOWN_MACHINE = "tidak-diketahui"  # restored from a backup made before machines were named
REPLACED_MACHINE = "digantikan"  # the center said another PC took over this PC's device code
TAKEN_OVER = "taken_over"  # office setting: {"code", "restored_up_to"} of the center's "replaced" refusal
GIVEN_UP_NAME = "kode-digantikan.txt"  # beside the database, never in a backup: codes another PC took over
# Office settings of a PC tambahan (followed_elsewhere): {code: last sequence or None} of the codes the PC
# whose backup it holds follows, and the numbers among them its admin chose to send from here.
OTHER_PCS_CODES = "kode_pc_lain"
SENT_FROM_HERE = "kirim_dari_sini"
store.register_defaults(**{TAKEN_OVER: {}, OTHER_PCS_CODES: {}, SENT_FROM_HERE: []})

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
    write_private(Path(db_path).parent / MARKER_NAME, str(generation))


def generation_before_restore(connection, db_path: Path) -> int:
    """The highest generation this PC has known (its live database and the marker file)."""
    return max(_read_generation(connection) if connection is not None else 0, marker_generation(db_path))


def reserve_before_restore(connection, db_path: Path) -> int:
    """Before the copy: the marker moves above everything known, so a kill mid-restore is safe
    (the next start lifts the database to the marker, catch_up_with_marker)."""
    known = generation_before_restore(connection, db_path) + 1
    write_marker(db_path, known)
    write_private(Path(db_path).parent / RESTORE_PENDING, "1")
    return known


def advance_after_restore(connection, db_path: Path, reserved: int) -> int:
    """Give the restored database a generation above everything known; returns it."""
    generation = max(reserved, _read_generation(connection) + 1)
    write_marker(db_path, generation)
    with connection:
        connection.execute(CREATE)
        connection.execute('INSERT INTO "installation" ("id", "device_code", "generation") VALUES (1, NULL, ?) '
                           'ON CONFLICT ("id") DO UPDATE SET "generation" = excluded."generation"', (generation,))
    _settle_restore(lambda sql, args=(): connection.execute(sql, args).fetchall(), db_path)
    return generation


# --- the machine that numbers with this database (issue 24) ----------------------------------

_machine_ids: dict = {}


def machine_stamp(db_path: Path) -> str:
    """This PC's name for the data folder's numbering: a hash of a random id kept in the folder's
    key store (beside the database key), so neither the database nor a backup carries it."""
    from app.frame.keystore import KeyStore
    folder = Path(db_path).parent.resolve()
    if folder not in _machine_ids:
        keys = KeyStore(folder)
        machine = keys.get(MACHINE_KEY)
        if not machine:
            machine = secrets.token_hex(16)
            keys.put(MACHINE_KEY, machine)
        _machine_ids[folder] = hashlib.sha256(("machine:" + machine).encode()).hexdigest()
    return _machine_ids[folder]


def _settle_restore(run, db_path: Path) -> None:
    """After a restore's copy: a backup that names no machine (made before this version) is taken as
    another PC's. Waits while the restored database lacks the column (migrated right after)."""
    pending = Path(db_path).parent / RESTORE_PENDING
    if not pending.exists():
        return
    try:
        rows = run('SELECT "machine" FROM "installation" WHERE "id" = 1')
    except Exception:  # an older backup: its migration adds the column, then this runs again
        return
    if not rows or not rows[0][0]:
        run('INSERT INTO "installation" ("id", "generation", "machine") VALUES (1, 0, ?) '
            'ON CONFLICT ("id") DO UPDATE SET "machine" = excluded."machine"', (UNKNOWN_MACHINE,))
    pending.unlink(missing_ok=True)


def _peewee_run(db):
    def run(sql, args=()):
        return db.execute_sql(sql, args).fetchall()
    return run


def stored_machine(db) -> str | None:
    row = db.execute_sql('SELECT "machine" FROM "installation" WHERE "id" = 1').fetchone()
    return row[0] if row else None


def settle_at_start(db, db_path: Path) -> None:
    """At start, after migrations: finish a restore's bookkeeping; a database that names no machine
    (a new office, or the first start of this version) is this PC's."""
    with db.atomic():
        _settle_restore(_peewee_run(db), db_path)
        if not stored_machine(db):
            claim(db, db_path)


def claim(db, db_path: Path, device_code: str | None = None, generation: int | None = None) -> None:
    """This PC numbers with this database from now on (the admin's choice, or a new office); with
    the device code the center gave and a generation above every number it holds. Call inside the
    choice's transaction."""
    db.execute_sql('INSERT INTO "installation" ("id", "generation", "machine") VALUES (1, 0, ?) '
                   'ON CONFLICT ("id") DO UPDATE SET "machine" = excluded."machine"', (machine_stamp(db_path),))
    if device_code is not None:
        set_device_code(db, device_code)
    if generation is not None and generation > identity(db)[1]:
        db.execute_sql('UPDATE "installation" SET "generation" = ? WHERE "id" = 1', (generation,))
        write_marker(db_path, max(generation, marker_generation(db_path)))


def retire(db, restored_up_to=None) -> None:
    """The center said another PC took over this PC's device code: stop numbering (call in a transaction).
    `restored_up_to`, when the center knows it: the last sequence of this code the backup restored on
    the other PC held; this PC's numbers above it are in no other PC (app/sync_page/identity.py)."""
    db.execute_sql('UPDATE "installation" SET "machine" = ? WHERE "id" = 1', (REPLACED_MACHINE,))
    known = isinstance(restored_up_to, int) and not isinstance(restored_up_to, bool) and restored_up_to >= 0
    code = identity(db)[0]
    store.put(TAKEN_OVER, {"code": code, "restored_up_to": restored_up_to if known else None})
    if code:
        _note_given_up(Path(db.database), code, restored_up_to if known else None)


def _given_up_path(db_path: Path) -> Path:
    return Path(db_path).parent / GIVEN_UP_NAME


def given_up_codes(db_path: Path) -> dict:
    """The device codes another PC took over from this one ({code: restored_up_to or None}), as the
    center said (retire). Kept beside the database like the generation marker, so a restore of this
    PC's own backup from before the takeover cannot bring the code back: its numbers would meet the
    other PC's, whose generation this PC's restores can reach (issue 42)."""
    try:
        found = json.loads(_given_up_path(db_path).read_text())
    except (OSError, ValueError):
        return {}
    return {str(c): (v if isinstance(v, int) and not isinstance(v, bool) else None)
            for c, v in found.items()} if isinstance(found, dict) else {}


def _note_given_up(db_path: Path, code: str, restored_up_to) -> None:
    codes = given_up_codes(db_path)
    if code in codes and (restored_up_to is None or codes[code] == restored_up_to):
        return
    codes[code] = restored_up_to if restored_up_to is not None else codes.get(code)
    write_private(_given_up_path(db_path), json.dumps(codes, sort_keys=True))


def followed_elsewhere(db) -> dict:
    """The device codes whose numbers, held here, another PC follows: {code: the last sequence of it that
    PC holds, or None for all of them}. The codes of the PC whose backup this PC tambahan restored
    (follow_elsewhere: that PC, or the one that took over from this PC, holds the same applications), and
    a code another PC took over from this one up to the backup it restored (given_up_codes: above it the
    numbers are this PC's own). Never this PC's current code."""
    codes = {str(c): (v if isinstance(v, int) and not isinstance(v, bool) else None)
             for c, v in (store.get(OTHER_PCS_CODES) or {}).items()}
    codes.update(given_up_codes(Path(db.database)))
    if codes:
        codes.pop(identity(db)[0], None)
    return codes


def follow_elsewhere(codes: dict) -> None:
    """At the enrolment as a PC tambahan: these codes' numbers (up to each one's bound, None for all)
    are followed by another PC from now on. Call in the enrolment's transaction."""
    known = dict(store.get(OTHER_PCS_CODES) or {})
    known.update(codes)
    store.put(OTHER_PCS_CODES, known)


def sent_from_here() -> set[str]:
    """The numbers of codes another PC follows that this PC's admin chose to send from here ("Kirim dari
    PC ini"): this PC follows them from then on, later versions included."""
    return set(store.get(SENT_FROM_HERE) or [])


def send_from_here(number: str) -> None:
    """Call in the admin's transaction."""
    chosen = sent_from_here()
    if number not in chosen:
        store.put(SENT_FROM_HERE, sorted(chosen | {number}))


def taken_over() -> dict:
    """What the center's "replaced" refusal said ({"code", "restored_up_to"}), {} when it said nothing."""
    return store.get(TAKEN_OVER) or {}


def forget_takeover() -> None:
    """This PC is enrolled anew under its own code: the refusal's word is used up. Call in a transaction."""
    store.put(TAKEN_OVER, {})


def other_machine(db, db_path: Path | None = None) -> str | None:
    """None when this PC may number with the open database; else UNKNOWN_MACHINE, REPLACED_MACHINE
    or the stamp of the PC that made the restored backup."""
    db_path = Path(db_path or db.database)
    if (db_path.parent / RESTORE_PENDING).exists():
        with db.atomic():
            _settle_restore(_peewee_run(db), db_path)
    try:
        stored = stored_machine(db)
    except Exception:  # before this version's migration (a restore in progress)
        return UNKNOWN_MACHINE
    if not stored or stored == machine_stamp(db_path):
        # This PC's own database, but maybe restored from a backup made before another PC took its
        # code over (the center said so then): that code is no longer this PC's.
        given_up = given_up_codes(db_path) if stored else {}
        return REPLACED_MACHINE if given_up and identity(db)[0] in given_up else None
    return stored


def numbering_device() -> str:
    """The device code a PC numbers with before its enrolment: its configured one (LOKET_DEVICE_ID, "01")."""
    from flask import current_app, has_app_context
    return current_app.config.get("DEVICE_ID", "01") if has_app_context() else "01"


def numbering_refusal(db, db_path: Path | None = None) -> str | None:
    """Why this PC may not hand out numbers now (Indonesian), or None."""
    other = other_machine(db, db_path)
    if other is None:
        return None
    code = identity(db)[0] or numbering_device()
    if other == REPLACED_MACHINE:
        return (f"Pusat menyatakan komputer lain sudah menggantikan PC {code}; komputer ini tidak memberi nomor "
                "pendaftaran lagi. Admin dapat mendaftarkannya sebagai PC tambahan di halaman Sinkronisasi.")
    source = ("cadangan versi lama yang tidak menyebut komputer pembuatnya" if other == UNKNOWN_MACHINE
              else "cadangan komputer lain")
    return (f"Data di komputer ini dipulihkan dari {source} (PC {code}). Supaya satu nomor tidak dipakai "
            "dua komputer, nomor pendaftaran baru ditahan sampai admin memilih di halaman Sinkronisasi: "
            f"\u201cPC ini menggantikan PC {code}\u201d atau \u201cPC tambahan\u201d.")


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


def set_device_code(db, code: str, keep_former: bool = False) -> None:
    """Called in the enrolment's transaction: numbers from now on carry the center's code. With
    `keep_former` (this PC enrolled again and proved it held its previous key), the code it numbered
    with until now stays one of its own (own_codes)."""
    current = identity(db)[0]
    if keep_former and current and current != code:
        formers = [c for c in former_codes(db) if c != code]
        if current not in formers:
            formers.append(current)
        db.execute_sql('UPDATE "installation" SET "former_codes" = ? WHERE "id" = 1', (" ".join(formers),))
    db.execute_sql('INSERT INTO "installation" ("id", "device_code", "generation") VALUES (1, ?, 0) '
                   'ON CONFLICT ("id") DO UPDATE SET "device_code" = excluded."device_code"', (code,))


def former_codes(db) -> list[str]:
    """The device codes this PC numbered with before it enrolled again (oldest first)."""
    row = db.execute_sql('SELECT "former_codes" FROM "installation" WHERE "id" = 1').fetchone()
    return row[0].split() if row and row[0] else []


def forget_former_codes(db) -> None:
    """A PC tambahan holding another PC's backup: the codes that PC numbered with are not this one's."""
    db.execute_sql('UPDATE "installation" SET "former_codes" = \'\' WHERE "id" = 1')


def own_codes(db) -> set[str]:
    """The device codes of the numbers this PC made: the one the center issued it last and those it
    numbered with before a re-enrolment. Empty before the center issued one."""
    current = identity(db)[0]
    return {current, *former_codes(db)} if current else set()


class Installation(BaseModel):
    """The one row read by identity(); written by enrolment and restore (raw SQL, see above)."""
    id = IntegerField(primary_key=True)
    device_code = CharField(max_length=8, null=True)
    generation = IntegerField(constraints=[SQL("DEFAULT 0")])
    token = CharField(max_length=64, null=True)
    machine = CharField(max_length=64, null=True)  # machine_stamp() of the PC that numbers with it
    # former_codes(): the codes this PC numbered with before it enrolled again
    former_codes = CharField(max_length=255, default="", constraints=[SQL("DEFAULT ''")])

    class Meta:
        table_name = "installation"

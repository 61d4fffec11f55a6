"""Online, consistent, encrypted backups through apsw's backup API, and a restore that checks the file.

With WAL, one backup step over the whole file holds a read snapshot: clerks keep saving
while it runs, and the copy is the database as of one instant.

Every backup is encrypted with the office's recovery key (app.frame.keystore), not the database key:
on this PC the key is at hand, so a restore needs nothing more; on a new PC the admin types the
recovery key from the printout. The cipher (ChaCha20-Poly1305 per page, keyed from the recovery
key) is what proves a backup: every page carries a tag only the recovery key makes, and the check
reads every page before anything is replaced. So a plaintext file is never restored: it proves
nothing (anyone can decrypt a backup they hold the key of, edit it and present it as an "old"
one). A file that cannot be opened with any key we know, whose pages do not check out, or whose
schema differs from what the code builds is refused with one typed error (BackupError, an
Indonesian message), and the live database is not touched.
"""
import json
import logging
import os
import secrets
from datetime import datetime
from pathlib import Path

import apsw

from app.frame import installation
from app.frame.db import (apply_pragmas, connect, encrypt_plaintext_file, is_plaintext, keep_key_stored,
                          passphrase_pragmas)
from app.frame.keystore import RECOVERY_KEY, KeyStore, is_recovery_key, normalise_recovery_key
from app.frame.migrations import DESA_SCHEMA, SCHEMAS, code_level, schema_at_level, schema_of
from app.frame.private_files import (make_final, private_dir, private_file, remove_unfinished, sync_folder,
                                     write_private)

log = logging.getLogger(__name__)

AUTOMATIC_PREFIX = "otomatis-"
SAFETY_PREFIX = "sebelum-pulihkan-"  # the data as it was before a restore; kept as many as automatic ones
SUFFIX = ".sqlite3"
PARTIAL_SUFFIX = ".sebagian"


class BackupError(Exception):
    """Indonesian message for the admin; the live database is untouched.

    `needs_recovery_key` is True when typing the office's recovery key could help (a new PC, a
    backup made before the key was changed), so a form can ask for it."""

    def __init__(self, message: str, needs_recovery_key: bool = False):
        super().__init__(message)
        self.needs_recovery_key = needs_recovery_key


WRONG_KEY = ("Kunci pemulihan yang diketik tidak membuka cadangan ini. Periksa ketikannya; bila sudah benar, "
             "cadangan ini dari kantor lain, dibuat sebelum kunci pemulihan diganti, atau bukan cadangan sama sekali: "
             "ketik kunci pemulihan yang tercetak untuk cadangan itu. Data sekarang tidak diubah.")
# No key typed and none this PC knows opens it: most often a new PC; ask for the paper, do not accuse.
KEY_NEEDED = ("Cadangan ini dikunci dengan kunci pemulihan yang belum ada di komputer ini (PC baru, kunci diganti "
              "sejak cadangan dibuat, atau cadangan kantor lain). Ketik kunci pemulihan yang tercetak untuk "
              "kantor itu, lalu ulangi. Data sekarang tidak diubah.")
PLAINTEXT = ("Berkas ini tidak terenkripsi, jadi bukan cadangan Loket Kecamatan yang keasliannya dapat diperiksa "
             "dengan kunci pemulihan (cadangan yang dibuka di luar aplikasi, atau salinan dari versi lama). "
             "Pulihkan cadangan terenkripsi yang dibuat aplikasi. Data sekarang tidak diubah.")
# A write refused by the disk: full (ENOSPC, SQLITE_FULL) or not writable (a file-size limit, a
# stick pulled out). The words say what to do, never the error's class name.
BACKUP_DISK_FULL = ("Cadangan gagal dibuat: ruang disk penuh atau disk tidak dapat ditulis. Kosongkan ruang disk "
                    "(pindahkan cadangan lama ke flashdisk, hapus berkas yang tidak perlu) atau periksa disk "
                    "tujuannya, lalu buat cadangan lagi. Basis data tidak berubah.")
RESTORE_DISK_FULL = ("Pemulihan gagal: ruang disk penuh atau disk tidak dapat ditulis. Kosongkan ruang disk "
                     "(pindahkan cadangan lama ke flashdisk, hapus berkas yang tidak perlu), lalu ulangi pemulihan. "
                     "Data tidak berubah.")
TRUNCATED = ("Berkas cadangan terpotong atau rusak (mungkin belum selesai disalin dari flashdisk). "
             "Salin ulang berkasnya. Data sekarang tidak diubah.")


def recovery_key_problem(data_dir: Path) -> str | None:
    """Indonesian words for a recovery key that is missing or damaged, with the choices; None when fine."""
    store = KeyStore(data_dir)
    state = store.recovery_key_state()
    if state == "ada":
        return None
    out_of_reach = store.store_refusal(RECOVERY_KEY)
    if out_of_reach:
        return "Kunci pemulihan kantor tidak dapat dibaca. " + out_of_reach
    what = "tidak ditemukan" if state == "hilang" else "rusak (isinya bukan kunci pemulihan)"
    return (f"Kunci pemulihan kantor {what} di {store.where()}. Tidak ada kunci baru yang dibuat diam-diam: "
            "cadangan baru ditahan sampai admin memilih di Cadangan Data > Kunci Pemulihan: kembalikan berkas "
            "kunci dari salinannya, ketik kunci pemulihan yang tercetak, atau buat kunci baru lalu cetak.")


def _never_used(db_path: Path) -> bool:
    """No account yet: the office has not started for real, so no key can have been printed."""
    connection = connect(db_path, readonly=True)
    try:
        return connection.execute('SELECT 1 FROM "user" LIMIT 1').fetchone() is None
    except apsw.SQLError:  # no table yet
        return True
    except apsw.Error:  # cannot tell (a full or failing disk): never make a key then
        return False
    finally:
        connection.close()


def _recovery_key_for_new_backups(db_path: Path) -> str:
    store = KeyStore(Path(db_path).parent)
    if store.recovery_key_state() == "hilang" and _never_used(db_path):
        return store.recovery_key(create=True)  # the first key, as the first start makes it
    problem = recovery_key_problem(Path(db_path).parent)
    if problem:
        raise BackupError("Cadangan tidak dibuat. " + problem + " Data tidak berubah.")
    return KeyStore(Path(db_path).parent).recovery_key()


def settle_recovery_key(data_dir: Path, may_create: bool) -> str:
    """At start: the first start (or the upgrade that brings encryption) makes the office's recovery
    key; later, a missing or damaged one is reported, never replaced. Returns its state."""
    store = KeyStore(data_dir)
    state = store.recovery_key_state()
    if state == "hilang" and may_create:
        store.recovery_key(create=True)
        return "dibuat"
    if state != "ada":
        log.warning(recovery_key_problem(data_dir))
    return state


def backup_database(db_path: Path, destination: Path, passphrase: str | None = None) -> Path:
    """Copy the live database, encrypted with the recovery key (or `passphrase`: the key the
    admin typed, for a restore's safety copy), to `destination` (a temporary name, then renamed)."""
    db_path, destination = Path(db_path), Path(destination)
    if not db_path.is_file():
        raise BackupError(f"Belum ada basis data di {db_path.parent}: jalankan aplikasi sekali dahulu.")
    keep_key_stored(db_path)
    passphrase = passphrase or _recovery_key_for_new_backups(db_path)
    try:
        private_dir(destination.parent)
    except OSError as problem:
        raise BackupError(f"Folder cadangan {destination.parent} tidak dapat dibuat atau ditulis (mungkin ada "
                          "berkas dengan nama yang sama, atau disk tidak dapat ditulis). Periksa folder itu, lalu "
                          "buat cadangan lagi. Basis data tidak berubah.") from problem
    partial = destination.with_name(destination.name + PARTIAL_SUFFIX)
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT, 0o600))  # private from its first byte
    source = connect(db_path, readonly=True)
    try:
        target = apply_pragmas(apsw.Connection(str(partial)), passphrase_pragmas(passphrase))
        try:
            with target.backup("main", source, "main") as copy:
                copy.step(-1)
            target.execute("PRAGMA journal_mode = delete").fetchall()  # one self-contained file
        finally:
            target.close()
        make_final(partial, destination)  # on disk under its name before the admin reads "dibuat"
    except (apsw.FullError, apsw.IOError, OSError) as problem:
        partial.unlink(missing_ok=True)
        raise BackupError(BACKUP_DISK_FULL) from problem
    finally:
        source.close()
    return private_file(destination)


def _candidate_keys(data_dir: Path | None, recovery_key: str | None) -> list[str]:
    typed = [normalise_recovery_key(recovery_key)] if recovery_key and recovery_key.strip() else []
    known = KeyStore(data_dir).known_recovery_keys() if data_dir is not None else []
    return list(dict.fromkeys(typed + known))


def open_backup(path: Path, data_dir: Path | None = None, recovery_key: str | None = None) -> tuple[apsw.Connection, str | None]:
    """A read-only connection to the backup at `path` and the recovery key that opened it.
    Raises BackupError when no key we have or were given opens it, or the file is plaintext."""
    path = Path(path)
    if not path.is_file():
        raise BackupError("Berkas cadangan tidak ditemukan (mungkin sudah dipindahkan atau dihapus). Periksa nama "
                          "dan foldernya, atau pilih cadangan lain.")
    size = path.stat().st_size
    if size == 0 or size % 512:  # SQLite files are whole pages; a short copy is not
        raise BackupError(TRUNCATED)
    flags = apsw.SQLITE_OPEN_READONLY
    if is_plaintext(path):
        raise BackupError(PLAINTEXT)
    keys = _candidate_keys(data_dir, recovery_key)
    if not keys:
        raise BackupError("Cadangan ini terenkripsi. Di PC baru, ketik kunci pemulihan kantor (yang dicetak saat "
                          "pemasangan), lalu ulangi.", needs_recovery_key=True)
    for key in keys:
        connection = apsw.Connection(str(path), flags=flags)
        try:
            apply_pragmas(connection, passphrase_pragmas(key))
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return connection, key
        except apsw.NotADBError:
            connection.close()
        except apsw.Error:
            connection.close()
            raise BackupError(TRUNCATED) from None
    typed = bool(recovery_key and recovery_key.strip())
    raise BackupError(WRONG_KEY if typed else KEY_NEEDED, needs_recovery_key=True)


def _office_kind(connection) -> str | None:
    """"desa" for a desa PC's database (enrolled), "kecamatan" for a set-up office, else None."""
    try:
        rows = dict(connection.execute("SELECT key, value FROM setting WHERE key IN "
                                       "('kecamatan_code', 'desa_pc_desa_code')").fetchall())
        if json.loads(rows.get("desa_pc_desa_code", '""')):
            return "desa"
        return "kecamatan" if json.loads(rows.get("kecamatan_code", '""')) else None
    except (apsw.SQLError, ValueError):
        return None


WRONG_KIND = {"desa": "Ini cadangan komputer desa; di PC kecamatan hanya cadangan kantor kecamatan yang dipulihkan. "
                      "Pilih cadangan kantor kecamatan, atau pulihkan berkas ini di komputer desa itu. "
                      "Data sekarang tidak diubah.",
              "kecamatan": "Ini cadangan kantor kecamatan; di komputer desa hanya cadangan komputer desa yang "
                           "dipulihkan. Pilih cadangan komputer desa ini, atau pulihkan berkas ini di PC kecamatan. "
                           "Data sekarang tidak diubah."}


def check_backup_file(path: Path, data_dir: Path | None = None, recovery_key: str | None = None,
                      mode: str | None = None) -> int:
    """Raise BackupError unless `path` is a sound Loket Kecamatan database whose schema is exactly
    what the code builds at its level (tables, indexes, triggers) of its schema (the kecamatan's, or
    a desa PC's own), and, given `mode`, of that kind of PC (a kecamatan's backup on a desa PC would
    make it a second kecamatan); returns the level. A desa PC's backup made before it had its own
    tables follows the kecamatan's schema: restored on a desa PC, its start converts it."""
    connection, _ = open_backup(path, data_dir, recovery_key)
    try:
        application_id = connection.execute("PRAGMA application_id").fetchone()[0]
        directory = SCHEMAS.get(application_id)
        if directory is None:
            raise BackupError("Berkas ini bukan cadangan Loket Kecamatan (basis data aplikasi lain). Pilih berkas "
                              "cadangan yang dibuat aplikasi ini (dari folder cadangannya). Data sekarang tidak diubah.")
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(TRUNCATED)
        level = connection.execute("PRAGMA user_version").fetchone()[0]
        if level > code_level(directory):
            raise BackupError("Cadangan ini dari versi aplikasi yang lebih baru daripada yang terpasang di komputer ini. "
                              "Perbarui aplikasi di komputer ini dahulu, lalu ulangi pemulihan. Data sekarang tidak "
                              "diubah.")
        found, expected = schema_of(connection), schema_at_level(level, directory)
        kind = "desa" if directory == DESA_SCHEMA else _office_kind(connection)
    except apsw.Error:
        raise BackupError(TRUNCATED) from None
    finally:
        connection.close()
    if found != expected:
        differences = sorted({name for _, name, _, _ in found ^ expected})
        raise BackupError("Cadangan ditolak: susunan basis datanya telah diubah di luar aplikasi "
                          f"(berbeda pada: {', '.join(differences[:5])}). Pulihkan cadangan lain yang dibuat "
                          "aplikasi, misalnya cadangan otomatis dari folder cadangan. Data sekarang tidak diubah.")
    if mode and kind and kind != mode:
        raise BackupError(WRONG_KIND[kind])
    return level


RESTORE_NOTE = "pemulihan-berjalan.json"  # beside the database, never inside a backup


def restore_database(backup_path: Path, db_path: Path, safety_dir: Path, recovery_key: str | None = None,
                     keep: int = 7, mode: str | None = None) -> Path | None:
    """Replace the live database with a checked backup; the current one is saved first.

    The one API the restore flow uses (admin page, CLI); raises BackupError with an Indonesian
    message and then the live database is unchanged. Steps: check (every page, with the recovery
    key), safety copy, a note that a restore runs (record_restore writes its audit entry, or the
    next start does when the restore was cut short), the replace (replace_live_database), the key.

    `recovery_key` is what the admin typed (a new PC); when it opened the backup, it becomes this
    PC's recovery key, so the office's printout stays the one that matters."""
    backup_path, db_path = Path(backup_path), Path(db_path)
    data_dir = db_path.parent
    check_backup_file(backup_path, data_dir=data_dir, recovery_key=recovery_key, mode=mode)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    safety = None
    if db_path.exists() and db_path.stat().st_size:
        # This PC's recovery key lost: the office's key just typed (it opened the backup) locks the copy.
        typed = normalise_recovery_key(recovery_key) if recovery_key and recovery_key_problem(data_dir) else None
        try:
            safety = backup_database(db_path, Path(safety_dir) / f"{SAFETY_PREFIX}{stamp}{SUFFIX}", passphrase=typed)
        except BackupError as problem:  # the copy of today's data comes first: say it is the restore that stopped
            if str(problem) == BACKUP_DISK_FULL:
                raise BackupError(RESTORE_DISK_FULL) from problem
            raise
        prune_safety_copies(safety_dir, keep)  # the same retention as the automatic backups
    restore_id = secrets.token_hex(8)
    note = _write_restore_note(db_path, backup_path.name, safety.name if safety else None, "berjalan", restore_id)
    try:
        key = replace_live_database(backup_path, db_path, recovery_key)
    except BackupError:
        _drop_note(note)  # nothing changed: nothing to record
        raise
    _write_restore_note(db_path, backup_path.name, safety.name if safety else None, "selesai", restore_id)
    if recovery_key and normalise_recovery_key(recovery_key) == key:
        KeyStore(data_dir).adopt_recovery_key(key)
    return safety


def replace_live_database(backup_path: Path, db_path: Path, recovery_key: str | None = None) -> str:
    """The replace itself, on the checked backup: one SQLite transaction on the live file (apsw's
    backup API), so a power cut in the middle leaves the old data or the new, never a mix (the
    journal rolls an unfinished copy back at the next open). Returns the key that opened it."""
    source, key = open_backup(backup_path, db_path.parent, recovery_key)
    try:
        target = connect(db_path)
        target.setbusytimeout(15_000)  # a clerk's save in flight finishes first
        try:
            reserved = installation.reserve_before_restore(target, db_path)
            with target.backup("main", source, "main") as copy:
                copy.step(-1)
            # A fresh numbering generation: the restored data never hands out an old number again.
            installation.advance_after_restore(target, db_path, reserved)
        except apsw.BusyError:
            raise BackupError("Basis data sedang sibuk dipakai; tunggu sebentar lalu ulangi pemulihan. "
                              "Data tidak berubah.") from None
        except (apsw.FullError, apsw.IOError) as problem:
            raise BackupError(RESTORE_DISK_FULL) from problem
        finally:
            target.close()
    finally:
        source.close()
    return key


def _write_restore_note(db_path: Path, source: str, safety: str | None, state: str, restore_id: str) -> Path:
    note = Path(db_path).parent / RESTORE_NOTE
    write_private(note, json.dumps({"dari": source, "salinan": safety, "keadaan": state, "id": restore_id,
                                    "mulai": datetime.now().strftime("%d-%m-%Y %H:%M")}) + "\n")
    return note


def _drop_note(note: Path) -> None:
    """The note gone for good: a deletion still in the disk's cache comes back after a power cut."""
    note.unlink(missing_ok=True)
    sync_folder(note.parent)


RESTORE_ID = "nomor_pemulihan"  # the entry's `after` keeps the restore's id: one entry per restore


def _already_recorded(restore_id: str | None) -> bool:
    from app.frame.audit_event import AuditEvent
    if not restore_id:
        return False  # a note from before the ids: recorded as it says
    return AuditEvent.select().where(AuditEvent.action == "pulihkan", AuditEvent.entity == "cadangan",
                                     AuditEvent.after.contains(restore_id)).exists()


def record_restore(db_path: Path, user=None) -> str | None:
    """Write the audit entry of the last restore (in the restored database) and drop its note, in
    one step; None when no restore waits to be recorded, or its entry is already there (the note's
    id is in it: a cut brought back a note whose deletion was not yet on the disk). Called by the
    page, the CLI (through the start) and every start: a restore killed before its entry is recorded
    at the next start."""
    from app.frame import audit
    from app.frame.db import database
    note = Path(db_path).parent / RESTORE_NOTE
    try:
        facts = json.loads(note.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        facts = {}
    source, safety = facts.get("dari", "?"), facts.get("salinan") or "-"
    restore_id = str(facts.get("id") or "")[:32] or None
    if facts.get("keadaan") == "selesai":
        summary = f"Data dipulihkan dari {source}; data sebelumnya disimpan di {safety}"
    else:
        summary = (f"Pemulihan dari {source} (mulai {facts.get('mulai', '?')}) terhenti sebelum selesai: program "
                   f"dihentikan atau listrik padam. Data sebelum pemulihan disimpan di {safety}; periksa data, "
                   "bila perlu ulangi pemulihan")
    with database.atomic():
        if _already_recorded(restore_id):  # its entry was written, then a cut brought the note back
            summary = None
        else:
            audit.record("pulihkan", "cadangan", source, summary, user=user,
                         after={RESTORE_ID: restore_id} if restore_id else None)
    _drop_note(note)
    return summary


def take_back_printed_key(data_dir: Path, backup_dir: Path, typed: str) -> Path | None:
    """The admin types the printed recovery key after the key file was lost or damaged: it must be a
    recovery key and open this PC's newest backup that any key opens (the office's own key, not a
    guess). Becomes the current key; returns the backup that proved it (None: no backup here yet)."""
    key = normalise_recovery_key(typed)
    if not is_recovery_key(key):
        raise BackupError("Itu bukan kunci pemulihan: kunci tercetak terdiri dari 6 kelompok 5 huruf/angka, "
                          "misalnya ABCDE-FGHJK-… . Periksa ketikannya.")
    backups = list_backups(backup_dir)
    proof = None
    for path in backups:
        try:
            connection, _ = open_backup(path, recovery_key=key)
        except BackupError:
            continue
        connection.close()
        proof = path
        break
    if backups and proof is None:
        raise BackupError("Kunci ini tidak membuka satu pun cadangan di komputer ini: periksa ketikannya, atau "
                          "pakai kunci yang tercetak untuk kantor ini. Tidak ada yang diubah.")
    KeyStore(data_dir).adopt_recovery_key(key)
    return proof


def encrypt_plaintext_backups(directory: Path, db_path: Path) -> list[Path]:
    """Upgrade: backups written before encryption are encrypted in place, once (atomically each).
    Only at the upgrade itself (the live database still plaintext at that start): later, a plaintext
    file in the folder (a killed upload, a file put there) is refused at restore, never laundered."""
    passphrase = _recovery_key_for_new_backups(db_path)
    if not Path(directory).is_dir():
        return []
    done = []
    for path in sorted(Path(directory).glob(f"*{SUFFIX}")):
        if is_plaintext(path):
            encrypt_plaintext_file(path, passphrase_pragmas(passphrase))
            done.append(private_file(path))
    return done


def automatic_backup_name(day) -> str:
    return f"{AUTOMATIC_PREFIX}{day.isoformat()}{SUFFIX}"


def list_backups(directory: Path) -> list[Path]:
    if not Path(directory).is_dir():
        return []
    return sorted(Path(directory).glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)


def _prune(directory: Path, prefix: str, keep: int, made: Path | None = None) -> list[Path]:
    kept = sorted(Path(directory).glob(f"{prefix}*{SUFFIX}"), reverse=True)  # names carry the date
    # the copy just made is never the one removed: named by a clock set back, it sorts as the oldest
    removed = [path for path in kept[keep:] if made is None or path.name != made.name]
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


def prune_safety_copies(directory: Path, keep: int) -> list[Path]:
    """Copies made before a restore: the newest `keep`, like the automatic backups."""
    return _prune(directory, SAFETY_PREFIX, keep)


def remove_partial_files(directory: Path) -> list[Path]:
    """At start: backups and uploads cut short by a kill or a power cut (never complete, never listed),
    with the rollback journals SQLite left beside them."""
    return remove_unfinished(directory, (PARTIAL_SUFFIX,))


def ensure_daily_backup(db_path: Path, directory: Path, keep: int, today) -> Path | None:
    """Make today's automatic backup if it is missing; returns the new file or None."""
    target = Path(directory) / automatic_backup_name(today)
    if target.exists():
        return None
    made = backup_database(db_path, target)
    _prune(directory, AUTOMATIC_PREFIX, keep, made)
    return made

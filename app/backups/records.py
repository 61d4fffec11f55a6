"""The backups' changes made at the admin's pages: a manual backup, a download, a restore, the recovery
key's states. A file is written whole first (the backup, the upload, the key); its audit row follows in
one transaction with whatever the database keeps of it."""
import os
from pathlib import Path

from flask import current_app

from app.backups import health, maintenance, recovery
from app.backups.engine import (SUFFIX, BackupError, backup_database, check_backup_file, record_restore,
                                restore_database, take_back_printed_key)
from app.frame import audit, dates, store
from app.frame.audit_rule import act
from app.frame.db import database
from app.frame.programs import resolve
from app.frame.private_files import make_final, private_dir


def office_stamp() -> str:
    """A file name's time as the list beside it shows times: the office's zone, not the PC's (a
    PC left on UTC named a 09.00 WITA backup "010000")."""
    return f"{dates.to_local(dates.utc_now(), store.get('timezone')):%Y%m%d-%H%M%S}"


@act("cadangkan")
def make_manual_backup(config) -> Path:
    """The admin's "Buat cadangan sekarang"; raises BackupError with the admin's words."""
    made = backup_database(config["DATABASE_PATH"], config["BACKUP_DIR"] / f"manual-{office_stamp()}.sqlite3")
    with database.atomic():
        audit.record("cadangkan", "cadangan", made.name, f"Cadangan manual dibuat ({made.stat().st_size} bita)")
    health.note_daily_result(None)  # backups work again: a daily failure shown on the home page is over
    return made


@act("unduh")
def record_download(name: str) -> None:
    with database.atomic():
        audit.record("unduh", "cadangan", name, "Berkas cadangan diunduh")


def save_upload(upload, backup_dir) -> Path:
    """The uploaded file into the backup folder under a temporary name, renamed when complete."""
    folder = private_dir(backup_dir)
    target = folder / f"unggahan-{office_stamp()}{SUFFIX}"
    partial = target.with_name(target.name + ".sebagian")
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # private from the start
        upload.save(partial)
        make_final(partial, target)
    except OSError as problem:
        partial.unlink(missing_ok=True)
        raise BackupError("Berkas unggahan tidak dapat disimpan: ruang disk penuh atau folder cadangan tidak dapat "
                          "ditulis. Kosongkan ruang disk (pindahkan cadangan lama ke flashdisk), lalu unggah lagi. "
                          "Data tidak berubah.") from problem
    return target


@act("pulihkan")
def restore(source: Path, config, recovery_key: str | None, user) -> Path | None:
    """The data replaced by a backup: checked first, the current data saved (returned, None when there
    was none), the app in maintenance for the swap, then back. Raises BackupError; a bad file changes nothing."""
    check_backup_file(source, data_dir=Path(config["DATABASE_PATH"]).parent, recovery_key=recovery_key,
                      mode=config["MODE"])  # before anyone is held up
    with maintenance.window() as mine:
        if not mine:
            raise BackupError("Pemulihan lain sedang berjalan; tunggu sampai selesai.")
        safety = restore_database(source, config["DATABASE_PATH"], config["BACKUP_DIR"], recovery_key=recovery_key,
                                  keep=config["BACKUP_KEEP"], mode=config["MODE"])
        resolve(current_app.extensions["program"].migrate)(database)  # an older backup brought up to this version
        record_restore(config["DATABASE_PATH"], user=user)
    from app.frame import office_tls
    office_tls.serve_at_once(current_app)  # the restored office's CA, which the counters trust, from now on
    return safety


def restore_upload(upload, config, recovery_key: str | None, user) -> tuple[Path, Path | None]:
    """restore() from an uploaded file, kept among the backups; (the kept file, the safety copy)."""
    source = save_upload(upload, config["BACKUP_DIR"])
    try:
        return source, restore(source, config, recovery_key, user)
    except BackupError:
        source.unlink(missing_ok=True)  # a refused upload is not kept as if it were a backup
        raise


@act("isi")
def type_back_printed_key(config, typed: str) -> Path | None:
    """The printed key typed back after the key file was lost or damaged, checked against a backup (the
    one it opened, None when there is none yet); raises BackupError when it opens none."""
    proof = take_back_printed_key(Path(config["DATABASE_PATH"]).parent, config["BACKUP_DIR"], typed)
    with database.atomic():
        if proof is not None:  # typed from the paper and proven: the printout is the current key
            store.put(recovery.PRINTED_SETTING, recovery.fingerprint(recovery.current_key(config)))
        audit.record("isi", "kunci_pemulihan", "", "Kunci pemulihan tercetak diketik kembali"
                     + (f" (terbukti membuka {proof.name})" if proof else " (belum ada cadangan untuk memeriksanya)"))
    return proof


@act("konfirmasi")
def confirm_key_printed(config) -> None:
    with database.atomic():
        store.put(recovery.PRINTED_SETTING, recovery.fingerprint(recovery.current_key(config)))
        audit.record("konfirmasi", "kunci_pemulihan", "", "Admin menyatakan kunci pemulihan sudah dicetak dan disimpan")


@act("ganti")
def replace_recovery_key(config) -> None:
    recovery.keys_for(config).replace_recovery_key()
    with database.atomic():
        audit.record("ganti", "kunci_pemulihan", "", "Kunci pemulihan diganti; cadangan baru memakai kunci baru")

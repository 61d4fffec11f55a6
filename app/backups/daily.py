import logging

from app.backups import clock, health
from app.backups.engine import BackupError, ensure_daily_backup
from app.frame.db import keep_key_stored
from app.frame.dates import local_today
from app.frame import store

log = logging.getLogger(__name__)

UNFORESEEN = ("Cadangan otomatis gagal dibuat karena kesalahan yang tidak terduga. Bila membuat cadangan sekarang juga "
              "gagal, jalankan ulang aplikasi lalu coba sekali lagi.")


def daily_backup(app) -> None:
    """Hourly: today's automatic backup if missing. Its result is kept for the admin's home page
    (app/backups/health.py): a failure stays there until a backup succeeds, not only on a console."""
    config = app.config
    if keep_key_stored(config["DATABASE_PATH"]):  # hourly: a key file deleted under us is put back
        log.warning("database key was missing from its store; written back")
    zone = store.get("timezone")
    today = local_today(zone)
    held_after = clock.hold_daily_backup_after(clock.look(), zone)
    if held_after is not None and today > held_after:  # the clock jumped forward: no backup of a day not reached
        log.warning("daily backup held: the clock jumped forward (the home page says so)")
        return
    try:
        made = ensure_daily_backup(config["DATABASE_PATH"], config["BACKUP_DIR"], config["BACKUP_KEEP"], today)
    except BackupError as problem:
        log.error("daily backup failed: %s", problem)
        health.note_daily_result(str(problem))
        return
    except Exception:  # unforeseen: the traceback for the log, the words for the admin
        log.exception("daily backup failed")
        health.note_daily_result(UNFORESEEN)
        return
    if made:
        log.info("daily backup written to %s", made)
        health.note_daily_result(None)

import logging

from app.backups.engine import ensure_daily_backup
from app.frame.dates import local_today
from app.frame import store

log = logging.getLogger(__name__)


def daily_backup(app) -> None:
    config = app.config
    made = ensure_daily_backup(config["DATABASE_PATH"], config["BACKUP_DIR"], config["BACKUP_KEEP"],
                               local_today(store.get("timezone")))
    if made:
        log.info("daily backup written to %s", made)

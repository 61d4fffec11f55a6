"""When a pass starts: the scheduler's minute job (a probe every few minutes, the nightly full pass at
this PC's own minute) and the clerk's "Sinkronkan sekarang"."""
import hashlib
import logging
import threading
from datetime import datetime, timedelta

from app.frame import dates, store
from app.frame.dates import utc_now
from sync.client import engine
from sync.client.models import SyncLink
from sync.client.probe import probe

log = logging.getLogger(__name__)

store.register_defaults(sync_nightly_time="21:00", sync_probe_minutes=5)


# Every kecamatan of a regency keeps the same default night time: each PC starts its full pass
# up to this many minutes after it, at its own minute, so the center is not met by all at once.
NIGHTLY_SPREAD_MINUTES = 30


def nightly_offset_minutes(key_id: str) -> int:
    """This PC's minute within the regency's night (0..NIGHTLY_SPREAD_MINUTES-1): from its key,
    so the same every night and different from PC to PC."""
    return int.from_bytes(hashlib.sha256(key_id.encode()).digest()[:4], "big") % NIGHTLY_SPREAD_MINUTES


def nightly_due(link: SyncLink, nightly_time: str, now_local: datetime) -> bool:
    """The nightly full sync runs once per local day, at or after the configured time plus this
    PC's offset (nightly_offset_minutes; never past 23:59, so the night is not skipped)."""
    try:
        hour, minute = (int(part) for part in nightly_time.split(":"))
    except ValueError:
        hour, minute = 21, 0
    start = min(hour * 60 + minute + nightly_offset_minutes(link.key_id or ""), 23 * 60 + 59)
    return now_local.hour * 60 + now_local.minute >= start and link.last_full_sync_on != now_local.date().isoformat()


def scheduled_sync(app) -> None:
    """Background job (every minute): probe every few minutes; sync when the center answers. A pass a
    clerk's press left owed (engine.request_pass) and no pass has answered yet, because the process
    whose pass was running ended first (a server stopped, or the pass failed), runs at once."""
    link = engine.current_link()
    if link is None or engine.PROGRESS.running:
        return
    if engine.pass_owed(link):
        engine.sync_once(full=True, owe_if_running=True)
        return
    now = utc_now()
    minutes = int(store.get("sync_probe_minutes") or 5)
    if link.last_probe_at and now - link.last_probe_at < timedelta(minutes=minutes):
        return
    if not probe(link):
        return
    now_local = dates.to_local(now, store.get("timezone"))
    full = nightly_due(link, store.get("sync_nightly_time"), now_local)
    engine.sync_once(full=full)
    if full:
        with engine.write_transaction():
            SyncLink.update(last_full_sync_on=now_local.date().isoformat()).where(SyncLink.id == link.id).execute()


STARTED, OWED = "started", "owed"
MANUAL_SYNC_SAID = {
    STARTED: "Sinkronisasi dimulai.",
    OWED: "Sinkronisasi sedang berjalan; satu sinkronisasi lagi dijalankan sesudahnya.",
}


def start_manual_sync(app) -> str:
    """The "Sinkronkan sekarang" button: a full pass in a thread (STARTED); while a pass runs, one more
    full pass after it (OWED: the statuses the center made meanwhile come at once, not at the next
    scheduled pass). Presses while it is owed still owe one pass."""
    if not engine.begin_or_owe_pass():
        return OWED
    db = app.extensions["database"]

    def run():
        try:
            with app.app_context(), db.connection_context():
                # `running` stays True from the click until a pass ends, so the progress bar the
                # button's answer shows never reads "finished" before the pass has begun. A pass
                # another thread began meanwhile (the scheduler's) owes this one after it.
                report = engine.sync_once(full=True, owe_if_running=True)
                if report.error and not engine.pass_in_progress():
                    # The pass never started (not enrolled): say why and stop the bar.
                    engine.PROGRESS.running, engine.PROGRESS.ok = False, False
                    engine.PROGRESS.message = f"Terhenti: {report.error}"
        except Exception:
            log.exception("manual sync failed")
            engine.PROGRESS.running, engine.PROGRESS.ok = False, False
            engine.PROGRESS.message = "Terjadi kesalahan; lihat log aplikasi."

    threading.Thread(target=run, daemon=True, name="sync-manual").start()
    return STARTED

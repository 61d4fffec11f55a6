"""Enrolment, the probe, the scheduler's decision and the USB files at the kecamatan end."""
import logging
import threading
from datetime import datetime, timedelta

from app.frame.dates import utc_now
from app.frame import store
from sync import usb
from sync.client import engine, outbox
from sync.client.models import OutboxItem, SyncLink, SyncLog
from sync.client.transport import LinkDown, Refused, enrol as enrol_request

log = logging.getLogger(__name__)

store.register_defaults(sync_nightly_time="21:00", sync_probe_minutes=5)
LOCAL_OFFSET = {"WIB": 7, "WITA": 8, "WIT": 9}


def enrol(center_url: str, kecamatan_code: str, code: str, device_id: str) -> SyncLink:
    """Trade the center's one-time code for this PC's key and keep it (replacing an older one)."""
    answer = enrol_request(center_url, kecamatan_code, code, device_id)
    with engine.write_transaction():
        link = SyncLink.create(center_url=center_url.rstrip("/"), kecamatan_code=answer["kecamatan_code"],
                               key_id=answer["key_id"], secret=answer["secret"], enrolled_at=utc_now())
        SyncLog.create(at=utc_now(), kind="daftar",
                       summary=f"terdaftar di {answer.get('center_name', center_url)} sebagai {answer['key_id']}")
    return link


def probe(link: SyncLink) -> bool:
    """True only when the far end answered with our key (not a hotspot page or a dead link)."""
    try:
        engine.client_for(link, timeout=15).probe()
        ok, error = True, ""
    except (LinkDown, Refused) as problem:
        ok, error = False, str(problem)
    with engine.write_transaction():
        SyncLink.update(last_probe_at=utc_now(), last_probe_ok=int(ok),
                        **({} if ok else {"last_error": error})).where(SyncLink.id == link.id).execute()
    return ok


def local_now(now: datetime | None = None) -> datetime:
    zone = store.get("timezone") if store.DEFAULTS.get("timezone") else "WIB"
    return (now or utc_now()) + timedelta(hours=LOCAL_OFFSET.get(zone, 7))


def nightly_due(link: SyncLink, nightly_time: str, now_local: datetime) -> bool:
    """The nightly full sync runs once per local day, at or after the configured time."""
    try:
        hour, minute = (int(part) for part in nightly_time.split(":"))
    except ValueError:
        hour, minute = 21, 0
    return (now_local.hour, now_local.minute) >= (hour, minute) and link.last_full_sync_on != now_local.date().isoformat()


def scheduled_sync(app) -> None:
    """Background job (every minute): probe every few minutes; sync when the center answers."""
    link = engine.current_link()
    if link is None or engine.PROGRESS.running:
        return
    now = utc_now()
    minutes = int(store.get("sync_probe_minutes") or 5)
    if link.last_probe_at and now - link.last_probe_at < timedelta(minutes=minutes):
        return
    if not probe(link):
        return
    now_local = local_now(now)
    full = nightly_due(link, store.get("sync_nightly_time"), now_local)
    engine.sync_once(full=full)
    if full:
        with engine.write_transaction():
            SyncLink.update(last_full_sync_on=now_local.date().isoformat()).where(SyncLink.id == link.id).execute()


def start_manual_sync(app) -> bool:
    """The "Sinkronkan sekarang" button: a full pass in a thread; False if one is running."""
    if engine.PROGRESS.running:
        return False
    engine.PROGRESS.running, engine.PROGRESS.phase, engine.PROGRESS.message = True, "mulai", ""
    db = app.extensions["database"]

    def run():
        try:
            with app.app_context(), db.connection_context():
                # `running` stays True from the click until a pass ends, so the progress bar the
                # button's answer shows never reads "finished" before the pass has begun.
                report = engine.sync_once(full=True)
                if report.error and not engine.pass_in_progress():
                    # The pass never started (not enrolled): say why and stop the bar.
                    engine.PROGRESS.running, engine.PROGRESS.ok = False, False
                    engine.PROGRESS.message = f"Terhenti: {report.error}"
        except Exception:
            log.exception("manual sync failed")
            engine.PROGRESS.running, engine.PROGRESS.ok = False, False
            engine.PROGRESS.message = "Terjadi kesalahan; lihat log aplikasi."

    threading.Thread(target=run, daemon=True, name="sync-manual").start()
    return True


# --- USB -------------------------------------------------------------------------------------

def export_batch() -> tuple[bytes, int]:
    """Every pending application as a signed batch file; the outbox stays as it is."""
    link = engine.current_link()
    entries = []
    for item in outbox.due_items(utc_now(), ignore_delays=True):
        entry = engine._packet_entry(item)
        if entry:
            entries.append(entry)
    content = usb.write_batch_file(link.key_id, link.secret, entries)
    with engine.write_transaction():
        SyncLog.create(at=utc_now(), kind="usb", summary=f"berkas kiriman USB dibuat: {len(entries)} permohonan")
    return content, len(entries)


def import_status_file(content: bytes) -> int:
    """Apply a status file from the center (checked with our key); returns statuses applied."""
    link = engine.current_link()
    events = usb.read_status_file(content, link.key_id, link.secret)
    applied = 0
    for event in sorted(events, key=lambda e: e.get("seq", 0)):
        if isinstance(event.get("seq"), int) and engine.apply_event(link.id, event):
            applied += 1
    with engine.write_transaction():
        SyncLog.create(at=utc_now(), kind="usb", summary=f"berkas status USB diimpor: {applied} status baru")
    return applied


def failed_items(limit: int = 100) -> list[OutboxItem]:
    return list(OutboxItem.select().where((OutboxItem.state.in_(["conflict", "rejected"]))
                                          | ((OutboxItem.state == "pending") & (OutboxItem.attempts > 0)))
                .order_by(OutboxItem.id.desc()).limit(limit))

"""Enrolment, the probe, the scheduler's decision and the USB files at the kecamatan end."""
import hashlib
import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path

from app.frame import codes, installation
from app.frame.passwords import ALPHABET as ENROLMENT_ALPHABET
from app.frame.dates import utc_now
from app.frame.db import database
from app.frame import store
from sync import protocol, usb
from sync.client import engine, outbox, records
from sync.client.models import OutboxItem, SyncLink, SyncLog
from sync.client.link_down import LinkDown
from sync.client.transport import EnrolmentError, Refused, enrol as enrol_request

log = logging.getLogger(__name__)

store.register_defaults(sync_nightly_time="21:00", sync_probe_minutes=5)
LOCAL_OFFSET = {"WIB": 7, "WITA": 8, "WIT": 9}


def enrol(center_url: str, kecamatan_code: str, code: str, device_id: str, session=None,
          previous: tuple[str, str] | None = None) -> SyncLink:
    """Trade the center's one-time code for this PC's key and device code, and keep them.

    Raises transport.EnrolmentError (kind + Indonesian message). A retry with the same code
    after a lost answer gets the same key back (the installation token proves it is us). With
    kind "clock" the key IS stored: only the PC's clock needs fixing, not a new enrolment.
    `previous` (key id, secret): the key this PC held before, whose possession is proved
    (previous_key_proof).
    """
    token = installation.token(database)
    # As read out on the phone ("FEZV MXGS 22NW"): the center's own form of it (app/frame/codes.py).
    code = codes.compact(code, ENROLMENT_ALPHABET).lower()
    # A first enrolment: what this PC numbered until now under LOKET_DEVICE_ID, which another PC of the
    # office may have numbered under too (issue 61); the center says whether one did.
    first = previous is None and not installation.identity(database)[0]
    numbered = sum(each.renumber_before_enrolment(count_only=True) for each in _numbering_kinds()) if first else 0
    answer = enrol_request(center_url, kecamatan_code, code, device_id, installation=token, session=session,
                           previous=previous_key_proof(previous, kecamatan_code, code), numbered_before=numbered)
    with engine.write_transaction():
        link = SyncLink.get_or_none(SyncLink.key_id == answer["key_id"])
        if link is None:
            link = SyncLink.create(center_url=center_url.rstrip("/"), kecamatan_code=answer["kecamatan_code"],
                                   key_id=answer["key_id"], secret=answer["secret"], enrolled_at=utc_now())
        taken_over = answer.get("taken_over")
        if isinstance(taken_over, dict) and taken_over.get("device_code") == installation.identity(database)[0]:
            # Another PC took over the code this PC numbered with (it had not heard): as the refusal
            # would have, this PC stops numbering under it and learns where that PC's backup ended.
            engine.retire(taken_over.get("restored_up_to"))
        if isinstance(answer.get("device_code"), str) and answer["device_code"]:
            # From now on this PC's numbers carry the device code only the center hands out.
            # Enrolled again (the previous key proved): numbers made under the old code stay this PC's.
            installation.set_device_code(database, answer["device_code"][:8], keep_former=previous is not None)
            if first and numbered and answer.get("renumber_before_enrolment") is True:
                renumbered = sum(each.renumber_before_enrolment() for each in _numbering_kinds())
                SyncLog.create(at=utc_now(), kind="daftar", summary=(
                    f"{renumbered} nomor pendaftaran yang dibuat sebelum pendaftaran juga dipakai PC lain kantor ini "
                    f"(LOKET_DEVICE_ID {device_id}): diganti nomor seri {answer['device_code'][:8]}; berikan "
                    "bukti pendaftaran baru kepada pemohonnya")[:500])
        SyncLog.create(at=utc_now(), kind="daftar",
                       summary=f"terdaftar di {answer.get('center_name', center_url)} sebagai {answer['key_id']}"
                       f" (perangkat {answer.get('device_code', '-')})")
    if answer.get("clock_problem"):
        raise EnrolmentError("clock", "Pendaftaran berhasil, tetapi " + answer["clock_problem"])
    return link


def _numbering_kinds() -> list:
    """The plugged record kinds that number before enrolment (RecordKind.renumber_before_enrolment)."""
    return [each for each in records.kinds() if hasattr(each, "renumber_before_enrolment")]


def previous_key_proof(previous: tuple[str, str] | None, kecamatan_code: str, code: str) -> dict | None:
    """{key_id, proof} for the enrolment: this PC held the key `previous` (key id, secret), which the
    center may have revoked; with it the new key hears the statuses of what the old one sent. The
    proof is bound to this enrolment's one-time code, so the secret itself never travels."""
    if not previous:
        return None
    key_id, secret = previous
    return {"key_id": key_id, "proof": protocol.previous_key_proof(secret, kecamatan_code, code, key_id)}


def probe(link: SyncLink) -> bool:
    """True only when the far end answered with our key (not a hotspot page or a dead link)."""
    try:
        engine.client_for(link, timeout=15).probe()
        ok, error = True, ""
    except (LinkDown, Refused) as problem:
        ok, error = False, str(problem)
        engine.note_refusal(link, problem)
    with engine.write_transaction():
        SyncLink.update(last_probe_at=utc_now(), last_probe_ok=int(ok),
                        **({} if ok else {"last_error": error})).where(SyncLink.id == link.id).execute()
    return ok


def local_now(now: datetime | None = None) -> datetime:
    zone = store.get("timezone") if store.DEFAULTS.get("timezone") else "WIB"
    return (now or utc_now()) + timedelta(hours=LOCAL_OFFSET.get(zone, 7))


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
    now_local = local_now(now)
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


# --- USB -------------------------------------------------------------------------------------

def export_batches(folder: Path | None = None) -> tuple[list[tuple[str, bytes]], int]:
    """Every pending application, and every kind that travels by USB too (approved recap reports),
    as numbered, signed files within the center's limits.

    Returns [(file name, content)] in order and the number of applications; with `folder`,
    also writes them there (each through a temporary name, so a pulled stick never holds half
    a file under the real name). The outbox stays as it is: the center's answers (by network
    or through the status file) settle it, and importing a file twice stores nothing twice.
    """
    link = engine.current_link()
    entries = []
    # The relay's kinds go by the link only.
    items = [item for item in outbox.due_items(utc_now(), ignore_delays=True)
             if item.kind == records.DEFAULT_KIND or getattr(records.kind(item.kind), "by_usb", False)]
    for item, entry in zip(items, engine.packet_entries(items)):
        if entry and item.kind != records.DEFAULT_KIND:
            entry = (dict(entry[0], kind=item.kind), entry[1])  # the center's import stores it as its kind
        if entry:
            entries.append(entry)
    applications = sum(1 for header, _ in entries if "kind" not in header)
    set_id = f"{utc_now():%Y%m%d-%H%M%S}"
    contents = usb.write_batch_files(link.key_id, link.secret, entries, set_id)
    digits = link.kecamatan_code.replace(".", "")
    files = [(usb.batch_file_name(digits, set_id, i, len(contents)), content)
             for i, content in enumerate(contents, start=1)]
    if folder is not None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in files:
            partial = folder / (name + ".sebagian")
            partial.write_bytes(content)
            partial.replace(folder / name)
    with engine.write_transaction():
        SyncLog.create(at=utc_now(), kind="usb",
                       summary=f"berkas kiriman USB dibuat: {applications} permohonan"
                               + (f" dan {len(entries) - applications} laporan" if len(entries) > applications
                                  else "") + f" dalam {len(files)} berkas")
    return files, applications


STATUS_FILE_PAGE = 500  # statuses of a USB file applied in one transaction


def import_status_file(content: bytes) -> int:
    """Apply a status file from the center (checked with our key); returns statuses applied."""
    link = engine.current_link()
    events = usb.read_status_file(content, link.key_id, link.secret)
    report = engine.PassReport()
    events = sorted((e for e in events if isinstance(e, dict) and isinstance(e.get("seq"), int)),
                    key=lambda e: e["seq"])
    for start in range(0, len(events), STATUS_FILE_PAGE):  # each page with the cursor, as a pass's pull
        for outcome in engine.apply_events(link.id, events[start:start + STATUS_FILE_PAGE]):
            engine.count_outcome(report, outcome)
    applied = report.statuses
    with engine.write_transaction():
        SyncLog.create(at=utc_now(), kind="usb", summary=f"berkas status USB diimpor: {applied} status baru"
                       + (f", {report.unapplied} tidak diterapkan" if report.unapplied else ""))
    return applied


def _failed():
    return OutboxItem.select().where((OutboxItem.state.in_(["conflict", "rejected", "duplicate"]))
                                     | ((OutboxItem.state == "pending") & (OutboxItem.attempts > 0)))


def failed_items(limit: int = 100) -> list[OutboxItem]:
    return list(_failed().order_by(OutboxItem.id.desc()).limit(limit))


def failed_count(limit: int = 99) -> int:
    """How many failed, up to `limit`: the menu's badge, read on every page a sender opens."""
    return _failed().select(OutboxItem.id).limit(limit).count()

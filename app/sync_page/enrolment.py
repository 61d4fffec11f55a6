"""Enrolling this PC with the printing center from the sync page (and `run.py sync enrol`):
what went wrong said in Indonesian, and nothing kept unless the center proved it holds the key."""
from datetime import datetime

from sync.client import engine, records
from sync.client.models import RetiredKey, SyncLink, SyncLog
from sync.client import transport
from sync.client.link_down import LinkDown
from sync.client.transport import Refused
from sync.client.enrolment import EnrolmentError, check_center_and_clock, clean_center_url, enrol  # noqa: F401
from app.frame import audit
from app.frame.audit_rule import act
from app.frame.dates import utc_now


@act("daftar_pusat")
def enrol_this_pc(center_url: str, code: str, kecamatan_code: str, device_id: str, now: datetime | None = None) -> SyncLink:
    if not kecamatan_code:
        raise EnrolmentError("Kecamatan kantor belum dipilih: selesaikan Penyiapan Kantor dahulu.", "form")
    code = (code or "").strip()
    if not code or len(code) > 64:
        raise EnrolmentError("Isi kode pendaftaran sekali pakai dari admin pusat cetak.", "code")
    center_url = clean_center_url(center_url)
    check_center_and_clock(center_url, now or utc_now())
    try:
        # Typed errors with Indonesian messages (kind: wrong_code, expired, used, replaced, unreachable,
        # clock, unsigned); a retry after a lost answer gets the same key back.
        made = enrol(center_url, kecamatan_code, code, device_id, previous=_own_previous_key())
    except transport.EnrolmentError as problem:
        raise EnrolmentError(str(problem), "code" if problem.kind in ("wrong_code", "expired", "used", "replaced") else
                             "form" if problem.kind == "clock" else "center_url") from None
    try:
        engine.client_for(made, timeout=20).probe()  # the center signs its answer with the new key
    except (LinkDown, Refused):
        with engine.write_transaction():
            SyncLink.delete().where(SyncLink.id == made.id).execute()
            SyncLog.create(at=utc_now(), kind="daftar", summary="pendaftaran dibatalkan: jawaban pusat tidak bertanda tangan sah")
        raise EnrolmentError("Jawaban pusat tidak bertanda tangan sah dengan kunci baru, jadi pendaftaran dibatalkan. "
                             "Pastikan alamatnya alamat pusat cetak yang benar.") from None
    from app.sync_page import identity
    identity.after_enrolment(made)  # a PC holding another PC's backup: now an additional PC
    with engine.write_transaction():
        RetiredKey.delete().execute()  # its proof went with this enrolment
        audit.record("daftar_pusat", "sinkronisasi", made.key_id, f"terdaftar di {made.center_url}")
    _after_enrolment_phases(made)
    return made


def _own_previous_key() -> tuple[str, str] | None:
    """The key this PC held before (key id, secret): its link's (enrolling again without unlinking) or
    the one kept when the admin unlinked. None on a PC holding another PC's backup: what that PC
    sent is its own business (app/sync_page/identity.py). A PC another one took over (the center
    said so) proves its own old key: what it sent after the backup the other PC restored is in no
    other PC, and its statuses come to the new key (issue 42)."""
    from app.sync_page import identity
    held = identity.state()
    if held is not None and not held["replaced"]:
        return None
    current = SyncLink.select().where(SyncLink.role == "kecamatan").order_by(SyncLink.id.desc()).first()
    if current is not None:
        return current.key_id, current.secret
    retired = RetiredKey.select().order_by(RetiredKey.id.desc()).first()
    return (retired.key_id, retired.secret) if retired is not None else None


def _after_enrolment_phases(made: SyncLink) -> None:
    """What capabilities fetch from the center once enrolled (sync/client/records.plug_phase "enrolled": the
    kecamatan's F-1.07 key). The enrolment stands if the link fails now: each pass asks again."""
    client = engine.client_for(made, timeout=20)
    for phase in records.phases(made.role, "enrolled"):
        try:
            phase(client, made, engine.PassReport(), engine.Progress())
        except (LinkDown, Refused) as problem:
            with engine.write_transaction():
                SyncLog.create(at=utc_now(), kind="galat", summary=f"setelah pendaftaran: {problem}"[:500])


@act("putus_pusat")
def unlink_this_pc() -> int:
    """Forget this PC's link (the admin revokes it); applications stay in the outbox. Its key is kept
    (RetiredKey) until the next enrolment proves with it that this PC held it."""
    with engine.write_transaction():
        current = SyncLink.select().where(SyncLink.role == "kecamatan").order_by(SyncLink.id.desc()).first()
        if current is not None:
            RetiredKey.delete().execute()
            RetiredKey.create(key_id=current.key_id, secret=current.secret, retired_at=utc_now())
        removed = SyncLink.delete().execute()
        SyncLog.create(at=utc_now(), kind="daftar", summary="tautan dengan pusat diputus oleh admin")
        audit.record("putus_pusat", "sinkronisasi", "", "tautan dengan pusat cetak diputus")
    return removed

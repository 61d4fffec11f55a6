"""What a center event does to an application at the kecamatan (docs/sync-protocol.md, "Statuses").

Every event is either applied through `transition()` (the path a person uses) or kept as a
StatusIssue that the applicant's page and the sync page show: nothing is skipped silently.
An event names the content hash the center holds; it is never applied to an application whose
content differs (a number that meant two applicants: a restore, or two PCs on one device id).
Call inside the transaction that also moves the status cursor.
"""
import json

from app import audit
from app.dates import utc_now
from app.registration import numbering
from app.registration.models import Application, StatusEvent
from app.registration.records import current_prefix
from app.registration.status import ApplicationStatus as S
from app.registration.status import TransitionNotAllowed, transition
from sync import protocol
from sync.client.models import OutboxItem, StatusIssue

CENTER_TO_LOCAL = {"received": S.RECEIVED_BY_CENTER, "printed": S.PRINTED, "shipped": S.SHIPPED,
                   "rejected": S.REJECTED, "resend": S.RESEND_REQUESTED}
RENUMBER = "renumber"  # the center kept another applicant under this number: take a fresh one

APPLIED, UNAPPLIED, NOT_OURS = "applied", "unapplied", "not_ours"


def _issue(event: dict, problem: str) -> str:
    StatusIssue.create(seq=event["seq"], registration_number=str(event.get("id", ""))[:64],
                       version=event.get("version") if isinstance(event.get("version"), int) else 0,
                       status=str(event.get("status", ""))[:32], content_hash=str(event.get("hash") or "")[:64],
                       reason=str(event.get("reason") or "")[:500], problem=problem[:500], at=utc_now())
    return UNAPPLIED


def mark_sent(item: OutboxItem, application: Application | None) -> None:
    """The center holds this version: outbox done, and the application is 'terkirim'."""
    if item.state in ("pending", "conflict"):
        item.state = "acked"
        item.acked_at = utc_now()
        item.last_error = ""
        item.save()
    if application is not None and application.version == item.version and application.status == S.COMPLETE.value:
        transition(application, S.SENT, note="diterima server pusat")


def renumber(item: OutboxItem, application: Application, reason: str) -> str:
    """Give a conflicting application a fresh number from this PC's current prefix and queue it."""
    old = application.registration_number
    new = numbering.next_number(current_prefix())
    application.registration_number = new
    application.updated_at = utc_now()
    application.save()
    item.state = "renumbered"
    item.last_error = f"nomor diganti menjadi {new}: {reason}"[:500]
    item.save()
    record = json.loads(item.record_json)
    record["registration_number"] = new
    OutboxItem.create(application=application, registration_number=new, version=application.version,
                      content_hash=protocol.content_hash(record, item.photo_sha256),
                      record_json=json.dumps(record, ensure_ascii=False), photo_sha256=item.photo_sha256,
                      size=item.size, state="pending", attempts=0, last_error="", created_at=utc_now())
    note = f"Nomor pendaftaran diganti {old} → {new}: nomor lama sudah dipakai permohonan lain di pusat"
    StatusEvent.create(application=application, from_status=application.status, to_status=application.status,
                       at=utc_now(), user_id=None, username="sistem", note=note)
    audit.record("ubah_nomor", "permohonan_ktp", application.id, note,
                 before={"registration_number": old}, after={"registration_number": new})
    return new


def apply_center_event(event: dict) -> str:
    """APPLIED, or UNAPPLIED with a StatusIssue saying why."""
    status = event.get("status")
    number, version, digest = event.get("id"), event.get("version"), event.get("hash") or ""
    item = OutboxItem.get_or_none((OutboxItem.registration_number == number) & (OutboxItem.version == version))
    if item is None:
        return _issue(event, "Nomor/versi ini tidak ada di komputer ini (mungkin dari cadangan lain).")
    application = Application.get_or_none(Application.id == item.application_id)
    if application is None:
        return _issue(event, "Permohonan ini sudah tidak ada di komputer ini.")
    if digest and digest != item.content_hash:
        # The center holds other content under this number: nothing of it belongs to this applicant.
        if item.state == "renumbered" or application.registration_number != number:
            return NOT_OURS  # ours travels under its new number; these are the other applicant's
        already = (StatusIssue.select().where((StatusIssue.registration_number == number)
                                              & (StatusIssue.version == version)
                                              & StatusIssue.resolved_at.is_null()).exists())
        if item.state in ("pending", "acked"):
            item.state = "conflict"
            item.last_error = "pusat memegang isi lain untuk nomor ini; menunggu keputusan petugas pusat"
            item.save()
        if already:
            return UNAPPLIED  # shown once on the applicant's page; counted in the pass summary
        return _issue(event, "Konflik: pusat memegang data orang lain dengan nomor ini. Status tidak diterapkan; "
                             "petugas pusat memutuskan (nomor baru, terima versi ini, atau tolak).")
    _resolve_issues(number, version)
    if status == RENUMBER:
        if application.registration_number != number:
            return APPLIED  # renumbered already (a repeated status file)
        renumber(item, application, event.get("reason") or "bentrok di pusat")
        return APPLIED
    target = CENTER_TO_LOCAL.get(status)
    if target is None:
        return _issue(event, f"Status pusat tidak dikenal: {status!r}.")
    if application.version != version:
        return _issue(event, f"Status untuk versi {version}, padahal permohonan sudah versi {application.version}.")
    mark_sent(item, application)  # a status proves the center holds it, even if the answer was lost
    if application.status == target.value:
        return APPLIED
    try:
        transition(application, target, note=event.get("reason") or "status dari pusat")
    except TransitionNotAllowed as problem:
        return _issue(event, f"{problem} Periksa bersama pusat.")
    return APPLIED


def _resolve_issues(number: str, version: int) -> None:
    """An event about our own content arrived: earlier conflicts on this version are settled."""
    (StatusIssue.update(resolved_at=utc_now())
     .where((StatusIssue.registration_number == number) & (StatusIssue.version == version)
            & StatusIssue.resolved_at.is_null()).execute())


def open_issues(limit: int = 200) -> list[StatusIssue]:
    return list(StatusIssue.select().where(StatusIssue.resolved_at.is_null()).order_by(StatusIssue.id.desc())
                .limit(limit))


def open_issues_for(registration_numbers: list[str]) -> list[StatusIssue]:
    return list(StatusIssue.select().where(StatusIssue.registration_number.in_(registration_numbers)
                                           & StatusIssue.resolved_at.is_null()).order_by(StatusIssue.id))


def notices_for(application: Application) -> list[str]:
    """What the applicant's page says about the center: conflicts and events not applied, with what to do."""
    notices = []
    items = list(OutboxItem.select().where(OutboxItem.application == application.id))
    if any(i.state == "conflict" for i in items):
        notices.append(
            f"Konflik nomor di pusat: nomor {application.registration_number} sudah dipakai data lain di pusat "
            "(misalnya setelah memulihkan cadangan). Status dari pusat untuk nomor ini TIDAK diterapkan ke "
            "pemohon ini. Yang perlu dilakukan: hubungi petugas pusat agar memutuskan konflik ini; "
            "keputusannya datang sendiri pada sinkronisasi berikutnya.")
    for item in items:
        if item.state == "renumbered":
            notices.append(f"Nomor lama {item.registration_number} diganti karena bentrok di pusat; "
                           "berikan bukti pendaftaran baru kepada pemohon.")
    numbers = sorted({i.registration_number for i in items} | {application.registration_number})
    for issue in open_issues_for(numbers):
        if issue.problem.startswith("Konflik"):
            continue  # said above
        notices.append(f"Status “{issue.status}” dari pusat tidak dapat diterapkan: {issue.problem}")
    return notices

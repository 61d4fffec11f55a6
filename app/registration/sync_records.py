"""KTP-el applications as the records the sync outbox carries (plugged into sync/client/records.py).

A complete application enters the outbox in the transaction that made it complete; the
center's answers and status events move it through the one status path (registration.status).
"""
import json

from app.frame import audit, installation, statements
from app.frame.dates import utc_now
from app.frame import numbering
from app.frame.audit_rule import act
from app.registration.models import Application, ApplicationPhoto, StatusEvent
from app.registration.records import current_prefix, renumbers
from app.registration.register import NUMBER_CHANGED
from app.registration.status import ApplicationStatus as S
from app.registration.status import Moves, TransitionNotAllowed, add_transition_listener, transition
from app.registration.center_notices import center_notices
from app.registration.notices import add_detail_notice
from sync import protocol
from sync.client import center_words, outbox, records
from sync.client.models import OutboxItem

# What the center needs to print a card; the phone number stays at the kecamatan.
RECORD_FIELDS = protocol.APPLICATION_FIELDS
CENTER_TO_LOCAL = {"received": S.RECEIVED_BY_CENTER, "printed": S.PRINTED, "shipped": S.SHIPPED,
                   "rejected": S.REJECTED, "resend": S.RESEND_REQUESTED}


def record_of(application: Application) -> dict:
    record = {}
    for name in RECORD_FIELDS:
        value = getattr(application, name)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif name == "biometric_done":
            value = bool(value)
        record[name] = value
    return record


def photo_of(application: Application) -> bytes | None:
    jpeg = statements.scalar(_photo_jpeg, each_run=(application.id,))
    return bytes(jpeg) if jpeg is not None else None


def _photo_jpeg():  # its SQL built once (app/frame/statements.py): every checklist that completes a file
    return ApplicationPhoto.select(ApplicationPhoto.jpeg).where(ApplicationPhoto.application == statements.each_run(0))


def write_outbox(application: Application, from_status, to_status) -> None:
    """Transition listener: a complete application gets its outbox row in the same transaction."""
    if S(to_status) is not S.COMPLETE:
        return
    outbox.enqueue(application.id, application.registration_number, application.version,
                   record_of(application), photo_of(application) or b"")


def _status_target(event: dict, application: Application | None) -> S:
    """The counter's status for the center's event about `application` (looked up by its number);
    raises StatusNotApplied with the reason kept for a person."""
    target = CENTER_TO_LOCAL.get(event.get("status"))
    if target is None:
        raise records.StatusNotApplied(f"Status pusat tidak dikenal: {event.get('status')!r}.")
    if application is None:
        raise records.StatusNotApplied("Permohonan ini sudah tidak ada di komputer ini.")
    if application.version != event.get("version"):
        raise records.StatusNotApplied(
            f"Status untuk versi {event.get('version')}, padahal permohonan sudah versi {application.version}.")
    return target


class ApplicationRecords:
    name = records.DEFAULT_KIND  # "permohonan"
    path = ""  # /api/v1/manifest, /api/v1/packets, statuses by /api/v1/statuses
    photo_codecs = True

    def payloads(self, source_ids: list[int]) -> dict[int, bytes]:
        # An application without its photo (or gone, and its photo with it) is left out.
        return {source_id: bytes(jpeg) for source_id, jpeg in
                ApplicationPhoto.select(ApplicationPhoto.application, ApplicationPhoto.jpeg)
                .where(ApplicationPhoto.application.in_(source_ids)).tuples()}

    def rejected(self, source_id: int, version: int, reason: str) -> None:
        application = Application.get_or_none(Application.id == source_id)
        if application is not None and application.version == version:
            # Back to the counter's queue with the reason, by the one status path.
            if application.status == S.COMPLETE.value:
                transition(application, S.SENT, actor=records.BY_THE_CENTER, note="dikirim ke pusat")
            if application.status == S.SENT.value:
                transition(application, S.REJECTED, actor=records.BY_THE_CENTER,
                           note=center_words.labelled(reason) or "ditolak pusat")

    def settle_many(self, items) -> "_SettledTogether":
        return _SettledTogether(items)

    def renumber(self, source_id: int, record: dict, reason: str) -> tuple[str, dict]:
        why = "nomor lama sudah dipakai permohonan lain di pusat"
        if reason:  # the center's own words: the operator's note, or why it decided at once
            why += f" (keterangan pusat: {center_words.cleaned(reason)})"
        new = _new_number(Application.get_by_id(source_id), why[:400])
        return new, dict(record, registration_number=new)

    def renumber_before_enrolment(self, count_only: bool = False) -> int:
        """Applications numbered before this PC's first enrolment (a device part that is not a center
        code) whose versions never left the outbox: new numbers in the PC's new series, their waiting
        outbox rows following (sync/client/records.py)."""
        unsent = _unsent_before_enrolment()
        if count_only:
            return len(unsent)
        for application in unsent:
            old = application.registration_number
            new = _new_number(application, "nomor yang dibuat sebelum komputer ini didaftarkan ke pusat juga dipakai "
                                           "PC lain kantor ini; berikan bukti pendaftaran baru kepada pemohon")
            for item in OutboxItem.select().where((OutboxItem.kind == self.name) & (OutboxItem.source_id == application.id)
                                                  & (OutboxItem.registration_number == old)):
                record = dict(json.loads(item.record_json), registration_number=new)
                (OutboxItem.update(registration_number=new, record_json=json.dumps(record, ensure_ascii=False),
                                   content_hash=protocol.content_hash(record, item.photo_sha256))
                 .where(OutboxItem.id == item.id).execute())
        return len(unsent)


def _unsent_before_enrolment() -> list[Application]:
    """Applications under a number not of a center-issued device code (installation.CENTER_DEVICE_PREFIX),
    none of whose outbox rows is past "pending" (sent, answered, left to another PC), in number order."""
    found = []
    for application in Application.select().order_by(Application.registration_number, Application.id):
        match = protocol.REGISTRATION_NUMBER.match(application.registration_number or "")
        if match and not match.group(2).upper().startswith(installation.CENTER_DEVICE_PREFIX):
            found.append(application)
    if not found:
        return []
    travelled = {source_id for (source_id,) in OutboxItem.select(OutboxItem.source_id).where(
        (OutboxItem.kind == records.DEFAULT_KIND) & (OutboxItem.state != "pending")).tuples()}
    return [application for application in found if application.id not in travelled]


@act("ubah_nomor")
def _new_number(application: Application, why: str) -> str:
    """The application's next number in this PC's current series, on its timeline and in the audit trail."""
    old = application.registration_number
    new = numbering.next_number(current_prefix())
    application.registration_number = new
    application.updated_at = utc_now()
    application.save()
    note = f"{NUMBER_CHANGED.format(old=old, new=new)}: {why}"
    StatusEvent.create(application=application, from_status=application.status, to_status=application.status,
                       at=utc_now(), user_id=None, username=records.BY_THE_CENTER.username, note=note)
    audit.record("ubah_nomor", "permohonan_ktp", application.id, note, before={"registration_number": old},
                 after={"registration_number": new}, user=records.BY_THE_CENTER)
    renumbers.announce(application, old)
    return new


class _SettledTogether:
    """ApplicationRecords' part of a sync/client/settle.Settlement: the same decisions as its
    `acknowledged` and `apply_status`, on the applications read once, the moves written together."""

    def __init__(self, items):
        self.by_id: dict[int, Application | None] = {}
        self.by_number: dict[str, Application | None] = {}
        ids = sorted({item.source_id for item in items})
        for start in range(0, len(ids), 500):
            for application in Application.select().where(Application.id.in_(ids[start:start + 500])):
                self.by_id[application.id] = self.by_number[application.registration_number] = application
        self.moves = Moves(actor=records.BY_THE_CENTER)

    def _by_id(self, source_id: int) -> Application | None:
        if source_id not in self.by_id:
            self.by_id[source_id] = Application.get_or_none(Application.id == source_id)
        return self.by_id[source_id]

    def _by_number(self, number) -> Application | None:
        if number not in self.by_number:
            found = Application.get_or_none(Application.registration_number == number)
            self.by_number[number] = self.by_id.setdefault(found.id, found) if found else None
        return self.by_number[number]

    def acknowledged(self, source_id: int, version: int) -> None:
        application = self._by_id(source_id)
        if application is not None and application.version == version and application.status == S.COMPLETE.value:
            self.moves.move(application, S.SENT, note="diterima pusat cetak")

    def apply_status(self, event: dict, arrived) -> bool:
        application = self._by_number(event.get("id")) if event.get("status") in CENTER_TO_LOCAL else None
        target = _status_target(event, application)
        arrived()  # a status proves the center holds it, even if the acknowledgement was lost
        if application.status == target.value:
            return False  # already there (the counter marked it by hand)
        try:
            # The operator's words, said as the center's (a reason cannot pose as the office's instruction).
            self.moves.move(application, target, note=center_words.labelled(event.get("reason")) or "status dari pusat")
        except TransitionNotAllowed as problem:
            raise records.StatusNotApplied(str(problem)) from None
        return True

    def write(self) -> None:
        self.moves.write()


records.plug(ApplicationRecords())
add_transition_listener(write_outbox)
add_detail_notice(center_notices)

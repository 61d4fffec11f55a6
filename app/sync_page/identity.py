"""One live identity per PC (issue 24): what the admin chooses on a PC that holds another PC's
restored backup, or a PC the center says was replaced.

- "PC ini menggantikan PC P1": the center gives this PC a new key under P1 and refuses the old
  one from then on (sync/center/keys.py::replace_device); this PC numbers above every P1 number
  the center holds. Needs the center once; until then nothing is numbered (it holds offline).
- "PC tambahan": enrolment with a new one-time code, as any new PC (its own device code).
Every step is whole or nothing: until the last transaction, the PC still refuses to number, and a
repeated "replace" after a lost answer gets the same key back.
"""
import re

from flask import current_app

from app.frame import audit
from app.frame import installation, numbering, statements, store
from app.frame.audit_rule import act, nothing_done
from app.frame.numbering import RegistrationSequence
from app.frame.db import database
from app.frame.dates import utc_now
from app.registration.notices import add_detail_notice
from sync import protocol, public_status
from sync.client import engine, outbox, records
from sync.client.models import OutboxItem, SyncLink, SyncLog
from sync.client.link_down import LinkDown
from sync.client.transport import Refused


class IdentityError(Exception):
    """Indonesian message for the admin; nothing changed."""


def _db_path():
    return current_app.config["DATABASE_PATH"]


def state() -> dict | None:
    """None when this PC numbers normally; else what the sync page shows (the refusal and the choices)."""
    other = installation.other_machine(database, _db_path())
    if other is None:
        return None
    return {"message": installation.numbering_refusal(database, _db_path()),
            "code": installation.identity(database)[0] or installation.numbering_device(),
            "replaced": other == installation.REPLACED_MACHINE}


@act("ganti_pc")
def replace_other_pc() -> str:
    """"PC ini menggantikan PC <code>": returns the device code this PC now numbers with."""
    current = state()
    if current is None:
        raise IdentityError("Komputer ini sudah memberi nomor sendiri; tidak ada yang perlu dipilih.")
    if current["replaced"]:
        raise IdentityError("Pusat sudah menyatakan komputer lain menggantikan komputer ini. Daftarkan komputer ini "
                            "sebagai PC tambahan dengan kode pendaftaran baru dari admin pusat.")
    link = engine.current_link()
    _, generation = installation.identity(database)
    if link is None:  # never enrolled (LOKET_DEVICE_ID): no center to tell, only the numbers move on
        with engine.write_transaction():
            installation.claim(database, _db_path(), generation=generation + 1)
            audit.record("ganti_pc", "sinkronisasi", "", f"komputer ini menggantikan PC {current['code']} (belum terdaftar di pusat)")
        return current["code"]
    machine = installation.machine_stamp(_db_path())
    try:
        answer = engine.client_for(link, timeout=20).call_json("POST", protocol.API_PREFIX + "/replace", {
            "machine": machine, "restored_up_to": _restored_up_to(current["code"])})
    except LinkDown:
        raise IdentityError("Pusat tidak dapat dihubungi, jadi penggantian belum tercatat di pusat. Nomor pendaftaran "
                            "tetap ditahan. Sambungkan komputer ini ke internet (misalnya lewat ponsel) lalu ulangi; "
                            "untuk kantor tanpa internet lihat petunjuk Operasional.") from None
    except Refused as refusal:
        if refusal.code == "replaced":
            raise IdentityError(f"Pusat menyatakan PC {current['code']} sudah digantikan oleh komputer lain. Daftarkan "
                                "komputer ini sebagai PC tambahan dengan kode pendaftaran baru.") from None
        raise IdentityError(f"Pusat menolak penggantian: {refusal}") from None
    fields = ("key_id", "secret", "device_code")
    if not all(isinstance(answer.get(name), str) and answer[name] for name in fields) or not isinstance(
            answer.get("highest_sequence"), int):
        raise IdentityError("Jawaban pusat tidak lengkap; ulangi sebentar lagi.")
    above = answer["highest_sequence"] // installation.GENERATION_SPAN + 1
    with engine.write_transaction():
        SyncLink.update(key_id=answer["key_id"], secret=answer["secret"], last_error="").where(
            SyncLink.id == link.id).execute()
        installation.claim(database, _db_path(), device_code=answer["device_code"][:8],
                           generation=max(generation + 1, above))
        SyncLog.create(at=utc_now(), kind="daftar", summary=f"komputer ini menggantikan PC {answer['device_code']}; "
                       f"kunci lama {link.key_id} ditolak pusat, kunci baru {answer['key_id']}")
        audit.record("ganti_pc", "sinkronisasi", answer["key_id"],
                     f"komputer ini menggantikan PC {answer['device_code']} (kunci lama {link.key_id} dicabut pusat)")
    return answer["device_code"]


def _restored_up_to(code: str) -> int:
    """The last sequence of `code` this PC's restored backup holds (it numbers nothing until the
    choice): the replaced PC's numbers above it were made after the backup, and only it holds them."""
    prefix = numbering.number_prefix(store.get("kecamatan_code"), code)
    row = RegistrationSequence.get_or_none(RegistrationSequence.prefix == prefix)
    return row.last_value if row is not None else 0


@act("pc_tambahan")
def after_enrolment(made: SyncLink) -> bool:
    """After a successful enrolment on a PC that may not number ("PC tambahan"): this PC now numbers
    with the device code it just got, and the key of the PC whose backup it holds is forgotten.
    Returns True when it was such a PC."""
    other = installation.other_machine(database, _db_path())
    if other is None:
        return nothing_done(False)
    with engine.write_transaction():
        SyncLink.delete().where(SyncLink.id != made.id).execute()
        installation.claim(database, _db_path())
        installation.forget_former_codes(database)  # the other PC's, were it enrolled again before its backup
        code = installation.identity(database)[0]
        installation.follow_elsewhere(_codes_of_the_backup(code))
        kept, left = _leave_to_their_pc(installation.taken_over() if other == installation.REPLACED_MACHINE
                                        else {})
        installation.forget_takeover()
        audit.record("pc_tambahan", "sinkronisasi", made.key_id, f"komputer ini didaftarkan sebagai PC tambahan {code}"
                     + (f"; {kept} permohonan yang dicatat di sini sesudah cadangan tetap dikirim dari sini" if kept
                        else "")
                     + (f"; {left} kiriman milik PC lain tidak dikirim dari sini" if left else ""))
    return True


ELSEWHERE = outbox.ELSEWHERE  # an outbox state: the PC that numbered it sends it (and hears its statuses)
LEFT_REASON = outbox.LEFT_REASON
HELD_ELSEWHERE = "diterima pusat dari PC yang memberi nomornya; statusnya diikuti di PC itu"
FOLLOWED_ELSEWHERE = "statusnya diikuti di PC lain yang memegang nomor ini (PC itu memegang cadangan yang sama)"


def _codes_of_the_backup(code: str) -> dict:
    """At the enrolment as a PC tambahan: the device codes this database numbered with (its sequences)
    or its outbox carries, but the one the center just issued. The PC that made the backup (or the one
    that took over from this PC) follows their applications, and this PC never numbers under them
    again; a code taken over from this PC is followed there up to the backup it restored only
    (installation.given_up_codes, which the one test reads beside these)."""
    codes = set()
    for (prefix,) in RegistrationSequence.select(RegistrationSequence.prefix).tuples():
        found = COUNTER_PREFIX.match(prefix)
        if found:
            codes.add(found.group(1))
    for kind, key in (OutboxItem.select(OutboxItem.kind, OutboxItem.registration_number)
                      .where(OutboxItem.kind.in_([records.DEFAULT_KIND, public_status.KIND])).tuples()):
        found = protocol.REGISTRATION_NUMBER.match(public_status.number_of(key) or "" if kind == public_status.KIND
                                                   else key)
        if found:
            codes.add(found.group(2))
    given_up = installation.given_up_codes(_db_path())
    return {other: None for other in sorted(codes) if other != code and other not in given_up}


COUNTER_PREFIX = re.compile(rf"^\d{{6}}-({protocol.DEVICE_PART})$")  # a counter PC's sequence (numbering.number_prefix)


def _leave_to_their_pc(taken_over: dict) -> tuple[int, int]:
    """The restored backup's applications still waiting to go out are held by the other PC too,
    which is still in use and sends them itself: sent from here, their statuses would come here.
    On a PC the center said was taken over (`taken_over`, its refusal's word), the ones it numbered
    after the backup the other PC restored are in no other PC: they stay to be sent from here (under
    this PC's new key, which then hears their statuses). Which is which is the one test of every
    pass (outbox.followed_elsewhere). Returns (kept, left)."""
    _mark_followed_elsewhere()
    left = _leave_what_other_pcs_follow()
    kept = 0
    for (number,) in (OutboxItem.select(OutboxItem.registration_number)
                      .where((OutboxItem.state == "pending") & (OutboxItem.kind == records.DEFAULT_KIND)).tuples()):
        found = protocol.REGISTRATION_NUMBER.match(number)
        kept += bool(found and taken_over.get("code") and found.group(2) == taken_over["code"])
    return kept, left


def _leave_what_other_pcs_follow() -> int:
    """Every waiting row the one test gives to another PC (outbox.followed_elsewhere) leaves the queue
    for the "Menunggu dikirim PC lain" list, with its public record; returns the applications left."""
    held = outbox.followed_elsewhere()
    left = 0
    for item in OutboxItem.select().where(OutboxItem.state == "pending"):
        if held(item.kind, item.registration_number):
            _leave(item)
            left += item.kind == records.DEFAULT_KIND
    return left


def leave_what_other_pcs_follow(client, link, report, progress) -> None:
    """Before each pass of a PC tambahan: what waits to go out and another PC follows (numbered under
    the code of the PC whose backup it restored, or under the code another PC took over from it, up to
    the backup that PC restored) goes from there, and waits here on the "Menunggu dikirim PC lain" list
    with its button. A row made ready here enters the outbox so already (outbox.enqueue), and no pass
    sends one whenever it came to wait (outbox.due_items): this step lists one that came otherwise.
    Sent from here, the center would hold it under this PC's key, and the PC that holds its number
    would never hear its statuses (issue 42)."""
    if not installation.followed_elsewhere(database):
        return
    with engine.write_transaction():
        _leave_what_other_pcs_follow()
        _mark_followed_elsewhere()


def _mark_followed_elsewhere() -> None:
    """What this PC holds as delivered and another PC follows (the one test, outbox.followed_elsewhere:
    the PC that numbered it, or the one that took over this PC's code, holds the same backup): the center
    serves its statuses to that PC, so here it is no longer updated, and its page says where it is
    followed. Run at the enrolment and around each pass, so a copy acknowledged later (a conflict decided
    in its favour) is marked too; what this PC numbered after the backup the other PC restored stays its own."""
    codes = installation.followed_elsewhere(database)
    if not codes:
        return
    held = outbox.followed_elsewhere()
    counted = [kind.name for kind in records.kinds() if records.counted(kind.name)]
    under = None
    for code in codes:  # only the rows numbered under those codes are read: a PC may hold a year's work
        clause = OutboxItem.registration_number.contains(f"-{code}-")
        under = clause if under is None else under | clause
    followed = [item_id for item_id, kind, number in OutboxItem.select(
        OutboxItem.id, OutboxItem.kind, OutboxItem.registration_number).where(
        (OutboxItem.state == "acked") & OutboxItem.kind.in_(counted) & (OutboxItem.last_error == "") & under).tuples()
        if held(kind, number)]
    for start in range(0, len(followed), 1000):
        (OutboxItem.update(last_error=FOLLOWED_ELSEWHERE)
         .where(OutboxItem.id.in_(followed[start:start + 1000])).execute())


def _leave(item: OutboxItem) -> None:
    """Left to the PC that numbered it, with its public record: from here it would compete with that
    PC's newer one at the center."""
    public_key = public_status.wire_key(item.registration_number)
    (OutboxItem.update(state=ELSEWHERE, last_error=LEFT_REASON)
     .where(((OutboxItem.id == item.id) | (OutboxItem.registration_number == public_key))
            & (OutboxItem.state == "pending")).execute())


def left_to_their_pc(limit: int = 200) -> list[OutboxItem]:
    """The applications this PC left to the PC that numbered them and the center does not hold yet
    (each pass asks, confirm_left_to_their_pc): the sync page lists them, each with its button."""
    counted = [kind.name for kind in records.kinds() if records.counted(kind.name)]
    return list(OutboxItem.select().where((OutboxItem.state == ELSEWHERE) & OutboxItem.kind.in_(counted))
                .order_by(OutboxItem.id).limit(limit))


@act("kirim_dari_sini")
def send_from_here(item_id: int) -> OutboxItem | None:
    """The admin's button: the PC that numbered this application will not send it (broken, gone), so
    this PC does, under its own key, and hears its statuses. None when it is not waiting so."""
    with engine.write_transaction():
        item = OutboxItem.get_or_none((OutboxItem.id == item_id) & (OutboxItem.state == ELSEWHERE))
        if item is None:
            return nothing_done()
        installation.send_from_here(item.registration_number)  # its later versions go from here too
        public_key = public_status.wire_key(item.registration_number)
        (OutboxItem.update(state="pending", attempts=0, next_attempt_at=None, last_error="")
         .where(((OutboxItem.id == item.id) | (OutboxItem.registration_number == public_key))
                & (OutboxItem.state == ELSEWHERE)).execute())
        audit.record("kirim_dari_sini", "sinkronisasi", item.registration_number,
                     f"permohonan {item.registration_number} versi {item.version} dikirim dari PC ini, bukan oleh "
                     "PC yang memberi nomornya")
    return item


def confirm_left_to_their_pc(client, link, report, progress) -> None:
    """Each pass asks the center (by manifest, nothing sent) about what this PC left to the PC that
    numbered it: what it holds leaves the sync page's list; the rest stays there, with its button."""
    left = left_to_their_pc(limit=engine.MANIFEST_CHUNK)  # a long list: the next passes ask for the rest
    for kind in {item.kind for item in left}:
        items = [item for item in left if item.kind == kind]
        answer = engine.with_retries(lambda: client.manifest(engine.manifest_entries(items), records.kind(kind).path))  # noqa: B023  called in this iteration
        # "conflict": the center holds that number and version with other content, the other PC's
        # correction made before it sent it; that PC has delivered it either way.
        answer = answer if isinstance(answer, dict) else {}
        held = set()
        for name in ("have", "conflict"):
            entries = answer.get(name) if isinstance(answer.get(name), list) else []
            held.update((entry.get("id"), entry.get("version")) for entry in entries if isinstance(entry, dict))
        with engine.write_transaction():
            for item in items:
                if (item.registration_number, item.version) in held:
                    (OutboxItem.update(state="acked", acked_at=utc_now(), last_error=HELD_ELSEWHERE)
                     .where((OutboxItem.id == item.id) & (OutboxItem.state == ELSEWHERE)).execute())
    if installation.followed_elsewhere(database):  # what this pass acknowledged that another PC follows
        with engine.write_transaction():
            _mark_followed_elsewhere()


def left_notices(application) -> list[str]:
    """The applicant's page: why this PC does not send it, and where the admin's button is."""
    item = next(iter(statements.rows(_left_here, each_run=(application.id,))), None)
    if item is None:
        return []
    if item.last_error == FOLLOWED_ELSEWHERE:
        return [f"Status permohonan {item.registration_number} dari pusat diikuti di PC lain yang memegang nomor ini "
                "(PC yang memberi nomornya, atau yang menggantikan kode komputer ini; PC itu memegang cadangan yang "
                "sama); di komputer ini statusnya tidak diperbarui lagi."]
    if item.state == ELSEWHERE:
        return [f"Permohonan {item.registration_number} tidak dikirim dari komputer ini: PC yang memberi nomornya "
                "(yang memegang cadangan yang sama) mengirimnya setelah berkasnya lengkap di sana, dan pusat belum "
                "menerimanya. Bila berkas hanya dilengkapi di komputer ini, atau PC itu rusak atau tidak dipakai lagi, "
                "admin menekan “Kirim dari PC ini” di halaman Sinkronisasi."]
    return [f"Pusat sudah menerima permohonan {item.registration_number} dari PC yang memberi nomornya; "
            "statusnya diikuti di PC itu, bukan di komputer ini."]


def _left_here():  # its SQL built once (app/frame/statements.py): every application's page asks it (issue 73)
    return (OutboxItem.select().where((OutboxItem.kind == records.DEFAULT_KIND)
                                      & (OutboxItem.source_id == statements.each_run(0))
                                      & OutboxItem.state.in_([ELSEWHERE, "acked"])
                                      & OutboxItem.last_error.in_([LEFT_REASON, HELD_ELSEWHERE, FOLLOWED_ELSEWHERE]))
            .limit(1))


records.plug_phase("kecamatan", "before", leave_what_other_pcs_follow)
records.plug_phase("kecamatan", "after", confirm_left_to_their_pc)
add_detail_notice(left_notices)

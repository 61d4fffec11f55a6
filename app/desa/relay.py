"""The relay desa -> center -> kecamatan, and statuses back (docs/sync-protocol.md, "Relay").

Both ends run the generic sync client (sync/client/); this module plugs in what is the desa's:
- on a desa PC (`SyncLink.role == "desa"`): kind `pra`, its pre-registrations, sent to the center's
  /relay/pra endpoints, and the status feed /relay/statuses that tells it what the kecamatan did;
- at the kecamatan: kind `pra_status`, the statuses of relayed pre-registrations (accepted at the
  counter, refused on arrival, expired, and every step of the application they became), sent to
  /relay/status, and a phase that pulls relayed pre-registrations from /relay/inbox by cursor
  into the counter's queue (each page in the transaction that moves the cursor) and tells the
  center which desa keys the admin revoked.
"""
import json
import logging
import secrets
import time
from types import SimpleNamespace

from app.desa import qr
from app.desa import records as pre_records
from app.desa.models import PreRegistration
from app.desa.relay_records import (ACCEPTED, AT_CENTER, DUPLICATE, DUPLICATE_CLOSED, EXPIRED, PRA, PRA_STATUS,
                                    REFUSED, REFUSED_BY_CENTER, RENUMBERED, is_renumbered_note, relay_label,
                                    renumbered_note)
from app.frame import audit, dates, installation, store
from app.frame.db import database
from app.frame.application_status import ApplicationStatus
from app.frame.audit_rule import act, nothing_done
from sync import protocol
from sync.client import engine, outbox, records
from sync.client.link_down import LinkDown
from sync.client.models import OutboxItem, SyncLink, SyncLog
from sync.client.transport import ClockSkew, Refused, _json as transport_json

log = logging.getLogger(__name__)
INBOX_PAGE = 100
TICKET_VALID_SECONDS = 7 * 24 * 3600


# --- the desa PC: its pre-registrations go out, statuses come back ---------------------------------

class PreRegistrations:
    name, path, photo_codecs = PRA, "/relay/pra", False

    def payloads(self, source_ids: list[int]) -> dict[int, bytes]:
        return {source_id: bytes(photo or b"") for source_id, photo in
                PreRegistration.select(PreRegistration.id, PreRegistration.photo_jpeg)
                .where(PreRegistration.id.in_(source_ids)).tuples()}

    def acknowledged(self, source_id: int, version: int) -> None:
        if PreRegistration.update(relay_status=AT_CENTER, relay_at=dates.utc_now()).where(
                (PreRegistration.id == source_id) & (PreRegistration.relay_status == "")).execute():
            _relay_moved(source_id, "", AT_CENTER)

    def rejected(self, source_id: int, version: int, reason: str) -> None:
        pre = PreRegistration.get_or_none(PreRegistration.id == source_id)
        if pre is not None:
            PreRegistration.update(relay_status=REFUSED_BY_CENTER, relay_note=reason[:500],
                                   relay_at=dates.utc_now()).where(PreRegistration.id == source_id).execute()
            _relay_moved(source_id, pre.relay_status, REFUSED_BY_CENTER)

    def apply_status(self, event: dict, arrived) -> bool:
        pre = PreRegistration.get_or_none(PreRegistration.number == event.get("id"))
        if pre is None:
            raise records.StatusNotApplied("Pra-pendaftaran ini sudah tidak ada di komputer ini.")
        arrived()  # a status proves the center holds it, even if the acknowledgement was lost
        values = {"relay_status": str(event.get("status", ""))[:32], "relay_note": str(event.get("reason") or "")[:500],
                  "relay_at": dates.utc_now()}
        step = event.get("step")
        if isinstance(step, int) and not isinstance(step, bool):
            # Two status packets on the wire at once commit at the center in either order: a step
            # older than the one shown (dikirim after diserahkan) is read and passed over.
            if step <= pre.relay_step:
                return True
            values["relay_step"] = step
        number = str(event.get("application_number") or "")[:40]
        if number:
            values["relay_application_number"] = number
        if event.get("status") == RENUMBERED:
            # only the number changed, not the stage (at the counter at least: its acceptance came before)
            values["relay_status"] = pre.relay_status if pre.relay_status not in ("", AT_CENTER) else ACCEPTED
        renumbered = number and pre.relay_application_number and number != pre.relay_application_number
        if renumbered:
            # The kecamatan gave the application a new number (issue 72): the sentence stays on the page
            # and the /cek record through the steps that follow, until a step brings a note of its own.
            values["relay_note"] = renumbered_note(number)
            audit.record("ubah_nomor", "pra_pendaftaran", pre.id,
                         f"Pra-pendaftaran {pre.number}: nomor permohonan {pre.relay_application_number} diganti "
                         f"kecamatan menjadi {number}", before={"relay_application_number": pre.relay_application_number},
                         after={"relay_application_number": number}, user=records.BY_THE_CENTER)
        elif not values["relay_note"] and is_renumbered_note(pre.relay_note):
            values["relay_note"] = pre.relay_note
        if event.get("status") not in (REFUSED, EXPIRED):
            values["status"] = PreRegistration.ACCEPTED  # at the counter: no longer waiting at the desa
        PreRegistration.update(**values).where(PreRegistration.id == pre.id).execute()
        if not (renumbered and values["relay_status"] == pre.relay_status):  # a renumber's line says it all
            _relay_moved(pre.id, pre.relay_status, values["relay_status"])
        pre_records.announce_change(PreRegistration.get_by_id(pre.id))  # the phone page follows (issue 28)
        return True

    def renumber(self, source_id: int, record: dict, reason: str):
        raise records.StatusNotApplied("Nomor pra-pendaftaran tidak diganti oleh pusat.")


@act("status")
def _relay_moved(pre_id: int, before: str, after: str) -> None:
    """A move of a relayed form the center or the kecamatan decided, in the desa PC's trail (by the pass,
    no one at the desa acted): its number and statuses, never the kecamatan's note about the person."""
    number = PreRegistration.select(PreRegistration.number).where(PreRegistration.id == pre_id).scalar()
    was = relay_label(before) if before else "belum sampai di pusat"
    audit.record("status", "pra_pendaftaran", pre_id, f"Pra-pendaftaran {number}: {was} → {relay_label(after)}",
                 before={"relay_status": before}, after={"relay_status": after}, user=records.BY_THE_CENTER)


# --- the kecamatan: statuses of relayed pre-registrations go back ----------------------------------

class PreRegistrationStatuses:
    name, path, photo_codecs = PRA_STATUS, "/relay/status", False
    # A form's acceptance goes before the application made of it, so the acceptance that reaches the
    # center first is also the one whose application does: the other PC learns it lost before its
    # application leaves (settle_duplicate holds it back).
    first = True

    def payloads(self, source_ids: list[int]) -> dict[int, bytes]:
        return dict.fromkeys(source_ids, b"")

    def acknowledged(self, source_id: int, version: int) -> None:
        pass  # the center holds it; the desa reads it by its own cursor

    def rejected(self, source_id: int, version: int, reason: str) -> None:
        pass  # kept on the outbox row (sync page, "gagal"); nothing at the counter depends on it

    def superseded(self, source_id: int, version: int, answer: dict) -> None:
        """Another counter PC's acceptance of this form reached the center first: the center stored
        nothing of this status, and this PC's application of the form is the duplicate (unless the number
        the center names is this application's own former one: settle_duplicate)."""
        pre = PreRegistration.get_or_none(PreRegistration.id == source_id) if source_id else None
        if pre is not None:
            settle_duplicate(pre, answer.get("accepted_as"))

    def apply_status(self, event: dict, arrived) -> bool:
        raise records.StatusNotApplied("Status pra-pendaftaran tidak datang dari pusat.")

    def renumber(self, source_id: int, record: dict, reason: str):
        raise records.StatusNotApplied("Nomor pra-pendaftaran tidak diganti oleh pusat.")


def _queue_status(source_id: int, number: str, step: int, pra_version: int, pra_hash: str, status: str,
                  reason: str = "", application_number: str = "", renumbered_from: str = "") -> None:
    record = {"status": status, "label": relay_label(status), "reason": reason[:500],
              "application_number": application_number, "pra_version": pra_version, "pra_hash": pra_hash,
              "at": dates.utc_now().isoformat(timespec="seconds")}
    if renumbered_from:  # only on a renumber: every other status travels as before
        record["renumbered_from"] = renumbered_from
    outbox.enqueue(source_id, number, step, record, b"", kind=PRA_STATUS)


def send_status(pre: PreRegistration, status: str, reason: str = "", application_number: str = "") -> None:
    """At the kecamatan, in the caller's transaction: the desa will see this step of a relayed form
    (never of this PC's duplicate of a form another counter PC accepted first)."""
    if not pre.relay_hash or pre.relay_status in (status, DUPLICATE, DUPLICATE_CLOSED):
        return
    step = pre.relay_step + 1
    _queue_status(pre.id, pre.number, step, pre.relay_version, pre.relay_hash, status, reason, application_number)
    PreRegistration.update(relay_step=step, relay_status=status, relay_at=dates.utc_now(),
                           **({"relay_application_number": application_number} if application_number else {})
                           ).where(PreRegistration.id == pre.id).execute()
    pre.relay_step, pre.relay_status = step, status


def accepted(pre: PreRegistration, application) -> None:
    """The counter accepted a relayed form (app/desa/acceptance.accept)."""
    send_status(pre, ACCEPTED, application_number=application.registration_number)


def application_moved(application, from_status, to_status) -> None:
    """Transition listener: every step of an application that started as a relayed form reaches its desa."""
    pre = PreRegistration.get_or_none((PreRegistration.application == application.id) & (PreRegistration.relay_hash != ""))
    if pre is not None and pre.relay_status in (DUPLICATE, DUPLICATE_CLOSED):
        hold_duplicate(application.id, pre)  # completed after it was found a duplicate: it stays here
    elif pre is not None and ApplicationStatus(to_status) is not ApplicationStatus.RECEIVED:
        send_status(pre, ApplicationStatus(to_status).value, application_number=application.registration_number)


def application_renumbered(application, old_number: str) -> None:
    """Renumber listener at the kecamatan (issue 72): the center's decision on a conflict of this number gave
    an application made of a relayed form a new one. The step goes to the center's relay record, and from
    there to the desa PC (its page and the citizen's /cek) and to the kecamatan's other counter PCs; the
    stage shown stays the one the desa knows. A duplicate held here has nothing the desa follows."""
    pre = PreRegistration.get_or_none((PreRegistration.application == application.id) & (PreRegistration.relay_hash != ""))
    if pre is None or pre.relay_status in (DUPLICATE, DUPLICATE_CLOSED) or not pre.relay_step:
        return  # its acceptance has not been queued yet: it will carry the new number
    new, step = application.registration_number, pre.relay_step + 1
    _queue_status(pre.id, pre.number, step, pre.relay_version, pre.relay_hash, RENUMBERED,
                  f"nomor permohonan {old_number} diganti menjadi {new}", new, renumbered_from=old_number)
    PreRegistration.update(relay_step=step, relay_application_number=new, relay_at=dates.utc_now()).where(
        PreRegistration.id == pre.id).execute()


def _former_number(application, number: str) -> bool:
    """Did this PC send `application` under `number` before the center had it renumbered?"""
    return OutboxItem.select().where((OutboxItem.kind == records.DEFAULT_KIND) & (OutboxItem.source_id == application.id)
                                     & (OutboxItem.registration_number == number)).exists()


def send_expiries() -> int:
    """Relayed forms never brought to the counter in time: the desa sees "Kedaluwarsa"."""
    today = pre_records.today()
    expired = list(PreRegistration.select().where(
        (PreRegistration.relay_hash != "") & (PreRegistration.status == PreRegistration.WAITING)
        & (PreRegistration.expires_on < today) & (PreRegistration.relay_status != EXPIRED)))
    for pre in expired:
        before = pre.relay_status
        send_status(pre, EXPIRED, f"tidak dibawa ke kecamatan sampai {dates.format_date(pre.expires_on)}")
        if pre.relay_status != before:  # decided by the pass, by the rule of the form's days
            _relay_moved(pre.id, before, EXPIRED)
    return len(expired)


@act("ubah_nomor", "terima")
def accepted_elsewhere(number, settled: dict) -> None:
    """Another counter PC of the kecamatan accepted this relayed form: it leaves this PC's queue, and
    accepting it here again would make a second application (two cards for one person)."""
    application_number = settled.get("application_number")
    if settled.get("status") not in (ACCEPTED, RENUMBERED) or not isinstance(application_number, str) \
            or not application_number:
        return nothing_done()
    pre = PreRegistration.get_or_none(PreRegistration.number == number)
    if pre is not None and pre.application_id is not None:
        settle_duplicate(pre, application_number)  # accepted here too before this PC heard of it: that act
        return nothing_done()
    if pre is not None and pre.relay_application_number and pre.relay_status == ACCEPTED \
            and pre.relay_application_number != application_number[:40]:
        # Accepted at another counter PC, whose application the center then gave a new number (issue 72).
        note = f"diterima di loket lain: permohonan {application_number[:40]} (nomornya diganti)"
        PreRegistration.update(relay_application_number=application_number[:40], relay_at=dates.utc_now(),
                               relay_note=note).where(PreRegistration.id == pre.id).execute()
        audit.record("ubah_nomor", "pra_pendaftaran", pre.id,
                     f"Pra-pendaftaran {number}: nomor permohonan {pre.relay_application_number} (diterima di loket "
                     f"lain) diganti kecamatan menjadi {application_number[:40]}",
                     before={"relay_application_number": pre.relay_application_number},
                     after={"relay_application_number": application_number[:40]}, user=records.BY_THE_CENTER)
        return
    if pre is None or pre.status != PreRegistration.WAITING:
        return nothing_done()  # not here, or decided here
    application_number, now = application_number[:40], dates.utc_now()
    PreRegistration.update(status=PreRegistration.ACCEPTED, accepted_at=now, relay_status=ACCEPTED,
                           relay_application_number=application_number,
                           relay_note=f"diterima di loket lain: permohonan {application_number}",
                           relay_at=now).where(PreRegistration.id == pre.id).execute()
    audit.record("terima", "pra_pendaftaran", str(pre.id),
                 f"Pra-pendaftaran {number} sudah diterima di loket lain kecamatan ini (permohonan "
                 f"{application_number}); tidak lagi menunggu di loket ini")


def hold_duplicate(application_id: int, pre: PreRegistration) -> None:
    """The duplicate application's rows that have not left this PC stay here: sent, the center would
    print it if it came before the winner's application, or refuse it as a second card in the making."""
    state = "duplicate" if pre.relay_status == DUPLICATE else "closed"
    (OutboxItem.update(state=state, last_error=pre.relay_note[:500])
     .where((OutboxItem.kind == records.DEFAULT_KIND) & (OutboxItem.source_id == application_id)
            & (OutboxItem.state.in_(["pending", "duplicate"]))).execute())


@act("duplikat")
def settle_duplicate(pre: PreRegistration, winner) -> None:
    """Another counter PC's acceptance of this relayed form reached the center first (its application
    `winner` is the one being made): this PC's own application of it becomes one item for the clerk (its
    page: "Tandai sebagai duplikat / batalkan di PC ini"), held back, and the desa hears nothing of it."""
    if not isinstance(winner, str) or not winner:
        return nothing_done()
    winner = winner[:40]
    if pre.application_id is None:
        accepted_elsewhere(pre.number, {"status": ACCEPTED, "application_number": winner})  # that act, not this
        return nothing_done()
    own = pre.application.registration_number
    if own == winner or pre.relay_status in (DUPLICATE, DUPLICATE_CLOSED) or _former_number(pre.application, winner):
        # this PC's own acceptance won (under the number it has, or one the center had it give up), or known
        return nothing_done()
    note = (f"Formulir desa {pre.number} sudah diterima di loket lain kecamatan ini dengan nomor permohonan "
            f"{winner}; kartunya dibuat dari permohonan itu. Permohonan {own} di PC ini duplikat dan tidak "
            "dikirim ke pusat.")
    PreRegistration.update(relay_status=DUPLICATE, relay_note=note, relay_at=dates.utc_now()).where(
        PreRegistration.id == pre.id).execute()
    pre.relay_status, pre.relay_note = DUPLICATE, note
    hold_duplicate(pre.application_id, pre)
    audit.record("duplikat", "pra_pendaftaran", str(pre.id), note)


def relayed_with_revoked_key(header: dict) -> bool:
    """The center names the generation of the desa key that relayed the form (protocol: relay inbox).
    A form a lost laptop relayed after the admin revoked its key here, before this office's next
    pass told the center, is refused like its printed QR code would be (app/desa/qr.py)."""
    generation = header.get("key_generation")
    desa_code = header.get("desa_code")
    return (isinstance(generation, int) and isinstance(desa_code, str) and 0 < generation
            and generation < qr.generation_of(desa_code))


def receive(header: dict, photo: bytes) -> str:
    """One relayed pre-registration into the counter's queue (inside the inbox page's transaction).

    Returns "stored", "known" (already here: a repeated page, or the same form scanned from its QR
    earlier) or "refused" (the desa is told why by a status)."""
    number, version, digest, record = header.get("id"), header.get("version"), header.get("hash"), header.get("record")
    if isinstance(header.get("settled"), dict):
        # Decided already: here before this PC was restored from an older backup (the center holds the
        # outcome, no longer the form: nothing to queue), or at another counter PC of the kecamatan.
        accepted_elsewhere(number, header["settled"])
        return "known"
    if not (isinstance(number, str) and isinstance(version, int) and isinstance(digest, str) and isinstance(record, dict)):
        return "refused"  # nothing to answer to: the center checked these, so this cannot come from it
    existing = PreRegistration.get_or_none(PreRegistration.number == number)
    fields = record.get("f") if isinstance(record.get("f"), dict) else {}
    if existing is not None and existing.relay_hash:
        return "known"
    if existing is not None and existing.nik != fields.get("nik"):
        # The number is held here by another person's form (a QR that claimed it): refused, never merged.
        _refuse(number, version, digest, f"Nomor {number} sudah dipakai formulir lain di kecamatan. Formulir "
                "ditolak; isi ulang formulirnya di desa atau daftarkan pemohon di loket.")
        return "refused"
    if existing is not None:
        _tie_to_the_relay(existing, version, digest, record, photo)
        return "known"
    try:
        if protocol.content_hash(record, protocol.sha256_hex(photo)) != digest or record.get("n") != number:
            raise pre_records.Refused("Isi pra-pendaftaran rusak di jalan; kirim ulang dari desa.")
        if record.get("k") != store.get("kecamatan_code"):
            raise pre_records.Refused(f"Pra-pendaftaran ini untuk kecamatan lain ({str(record.get('k'))[:20]}).")
        if relayed_with_revoked_key(header):
            raise pre_records.Refused("Komputer desa yang mengirim formulir ini memakai kunci yang sudah dicabut di "
                                      "kecamatan (laptop hilang atau kode bocor). Formulir ditolak; bila pemohon "
                                      "datang, isi di loket. Desa perlu mendaftarkan ulang komputernya.")
        photo_object = SimpleNamespace(jpeg=photo, background=str(record.get("pb", ""))[:20]) if photo else None
        with database.atomic():  # a savepoint: a refusal leaves the page's other forms as they are
            # tied to the relay in its own insert: the form's `buat` line is that act's, not receive's
            pre_records.pre_registration_from_payload(record, source="relay", photo=photo_object,
                                                      relay={"relay_hash": digest, "relay_version": version})
    except (ValueError, TypeError, KeyError, AttributeError) as problem:
        # Refused (a ValueError) says why; any other data problem must not stop the relay for the forms
        # after it. Database errors are not caught: the page rolls back and the next pass tries again.
        if not isinstance(problem, pre_records.Refused):
            log.exception("relayed pre-registration %s could not be read", number)
            problem = "Pra-pendaftaran tidak dapat dibaca di kecamatan; isi ulang formulirnya di desa."
        _refuse(number, version, digest, str(problem))
        return "refused"
    return "stored"


@act("tolak")
def _refuse(number: str, version: int, digest: str, problem: str) -> None:
    """A relayed form refused at the counter: the desa hears why (a status), the trail holds it."""
    _queue_status(0, number, 1, version, digest, REFUSED, problem)
    audit.record("tolak", "pra_pendaftaran", "", f"Pra-pendaftaran {number} dari desa ditolak: {problem}")


@act("catat")
def _tie_to_the_relay(existing: PreRegistration, version: int, digest: str, record: dict, photo: bytes) -> None:
    """Scanned from its printed QR before the link brought it: one form, now tied to the relay, and the desa
    hears where it is (accepted, and its application's step): its line covers those statuses too."""
    values = {"relay_hash": digest, "relay_version": version}
    if photo and not existing.photo_jpeg and existing.status == PreRegistration.WAITING:
        values.update(photo_jpeg=photo, photo_background=str(record.get("pb", ""))[:20])
    PreRegistration.update(**values).where(PreRegistration.id == existing.id).execute()
    audit.record("catat", "pra_pendaftaran", existing.id, f"Pra-pendaftaran {existing.number} yang sudah dipindai "
                 "dari kode QR-nya tiba juga lewat pusat: satu formulir, kini terhubung ke kiriman desa")
    existing = PreRegistration.get_by_id(existing.id)
    if existing.application_id:
        accepted(existing, existing.application)
        status = existing.application.status
        if ApplicationStatus(status) is not ApplicationStatus.RECEIVED:
            send_status(existing, status, application_number=existing.application.registration_number)


def _cursor_past_the_rest(link, probed_seq) -> None:
    """An empty inbox page after the probe: every row of the kecamatan's relay feed up to the seq the
    probe gave (committed then: rows commit in seq order) is one the inbox does not bring (a refusal
    or an expiry another counter PC sent), so the cursor moves past them and the next pass's probe
    finds nothing waiting, instead of this PC asking the inbox on every pass."""
    if isinstance(probed_seq, int) and not isinstance(probed_seq, bool):
        with engine.write_transaction():
            SyncLink.update(relay_cursor=probed_seq).where(
                (SyncLink.id == link.id) & (SyncLink.relay_cursor < probed_seq)).execute()


def _inbox_request(cursor: int) -> tuple:
    """The inbox page after `cursor`, under a fresh nonce (its items are sealed over it)."""
    return ("GET", f"{protocol.API_PREFIX}/relay/inbox?after={int(cursor)}&limit={INBOX_PAGE}", b"",
            protocol.JSON_CONTENT_TYPE, protocol.new_nonce())


def pull_inbox(client, link, report, progress, first_page: tuple | None = None) -> None:
    """Relayed pre-registrations after our cursor, page by page; page and cursor commit together.
    `first_page`: (nonce, body) of the first page, asked for already (kecamatan_before_push)."""
    progress.phase = "pra-pendaftaran desa"
    while True:
        if first_page is not None:
            (nonce, body), first_page = first_page, None
        else:
            def page():
                request = _inbox_request(SyncLink.get_by_id(link.id).relay_cursor)
                return request[4], client.call(*request)
            nonce, body = engine.with_retries(page)
        try:
            items = protocol.decode_packet(body, (client.secret, nonce))
        except protocol.PacketError as problem:
            raise LinkDown(f"kiriman pra-pendaftaran dari pusat rusak: {problem}") from None
        if not items:
            _cursor_past_the_rest(link, client.probed.get("relay_seq"))
            return
        with engine.write_transaction():
            row = SyncLink.get_by_id(link.id)
            for header, photo in items:
                seq = header.get("seq")
                if not isinstance(seq, int) or seq <= row.relay_cursor:
                    continue  # a repeated page
                if receive(header, photo) == "stored":
                    report.relayed += 1
                row.relay_cursor = seq
            row.save()


def _desa_keys_request() -> tuple:
    """This PC's desa key generations, for the center (which answers with the ones it knows)."""
    generations = {code: int(number) for code, number in (store.get("desa_key_generations") or {}).items()}
    return ("POST", protocol.API_PREFIX + "/relay/desa-keys", protocol.canonical_json({"generations": generations}),
            protocol.JSON_CONTENT_TYPE, None)


def _take_desa_keys(body: bytes) -> None:
    answer = json.loads(body)
    if isinstance(answer, dict):  # an older center answers without the generations
        _take_generations(answer.get("generations"))


def _take_generations(known) -> None:
    """The generations the center knows (its exchange's answer, or its probe's), raised here."""
    if known:
        with engine.write_transaction():
            qr.raise_generations(known)


def _center_lacks_ours(known: dict) -> bool:
    """Does this PC hold a desa key generation above the center's (a revocation made here)?"""
    held = {code: number for code, number in known.items() if isinstance(number, int)}
    return any(int(number) > held.get(code, 0) for code, number in (store.get("desa_key_generations") or {}).items())


def _exchange_desa_keys(client) -> None:
    """This PC's desa key generations to the center, and the ones the center knows back."""
    _take_desa_keys(client.call(*_desa_keys_request()))


def bring_desa_keys_up_to_date() -> bool:
    """At the kecamatan, right before a desa PC code is made: the revocations the center knows (made at
    the kecamatan's other counter PCs, or here after the backup this PC was restored from) are asked for
    now, so the code does not carry a key generation the center refuses. Found by the office year: a PC
    holding a backup older than a revocation made codes the center refused until its next pass.
    False when the center could not be asked (offline, the code carries what this PC knows)."""
    link = engine.current_link()
    if link is None or link.role != "kecamatan":
        return False
    if installation.numbering_refusal(database):  # another PC's backup: it does not talk as that PC (sync_once)
        return False
    try:
        _exchange_desa_keys(engine.client_for(link, timeout=(5.0, 15.0)))
    except (LinkDown, Refused) as problem:
        log.info("desa key generations not refreshed before a desa PC code: %s", type(problem).__name__)
        return False
    return True


def fetch_f107_key(client, link, report, progress) -> None:
    """Until this counter PC holds its kecamatan's F-1.07 key (app/desa/qr.adopt_kecamatan_key): asked right
    after enrolment and on each pass, so a PC enrolled before the center handed it out gets it on its next
    one. A center too old to have it (404) leaves the PC its own key."""
    if store.get("f107_key_from_center"):
        return
    try:
        answer = engine.with_retries(lambda: client.call_json("GET", protocol.API_PREFIX + "/relay/f107-key"))
    except Refused as refusal:
        if refusal.status == 404:
            return
        raise
    try:
        with engine.write_transaction():
            qr.adopt_kecamatan_key(answer.get("key") if isinstance(answer, dict) else None)
    except ValueError:  # a signed answer, so never from a real center: this PC keeps its own key
        log.warning("the center's answer to /relay/f107-key holds no key; this PC keeps its own")


def kecamatan_before_push(client, link, report, progress) -> None:
    """The pass's probe first (otherwise written ahead of the first packet): besides the versions it
    says what the desa key exchange and the inbox would bring (sync/center/relay.waiting_for). The
    center's generations are taken from it: revocations made at the kecamatan's other counter PCs,
    whose laptops' forms this PC then refuses too. The exchange goes only when this PC holds a newer
    generation than the center (the admin's "Cabut kunci" here, which the center must learn so it
    refuses the older key), the inbox only when forms or acceptances wait past this PC's cursor; when
    both go, they go back to back, one round trip, the keys taken before the inbox's forms are read.
    A center that says nothing of them (older) gets both on every pass, as before. Then the inbox's
    further pages and the expiries. Most passes thus make two requests fewer (issue 45)."""
    line = getattr(client, "line", None)
    if line is not None:
        engine.with_retries(line.negotiate)
    known, relay_seq = client.probed.get("desa_key_generations"), client.probed.get("relay_seq")
    if isinstance(known, dict) and isinstance(relay_seq, int) and not isinstance(relay_seq, bool):
        _take_generations(known)
        send_keys = _center_lacks_ours(known)
        want_inbox = relay_seq > SyncLink.get_by_id(link.id).relay_cursor
    else:
        send_keys = want_inbox = True
    first_page = None
    if send_keys and want_inbox:
        def both():
            inbox = _inbox_request(SyncLink.get_by_id(link.id).relay_cursor)
            keys, page = client.call_all([_desa_keys_request(), inbox])
            return keys, (inbox[4], page)
        keys, first_page = engine.with_retries(both)
        _take_desa_keys(keys)
    elif send_keys:
        engine.with_retries(lambda: _exchange_desa_keys(client))
    if want_inbox:
        pull_inbox(client, link, report, progress, first_page)
    with engine.write_transaction():
        send_expiries()


def kecamatan_after_statuses(client, link, report, progress) -> None:
    """The center's statuses this pass applied (received, printed, shipped...) made the desa's next
    steps of relayed forms after the push had run: they go now, on the pass's connection, so the desa
    hears of a card printed at the center in its next pass, not one kecamatan pass later (issue 42)."""
    engine.push_kind(client, records.kind(PRA_STATUS), report, progress, line=getattr(client, "line", None))


# --- enrolment through the center ------------------------------------------------------------------

def ticket_for(desa_code: str, pc: str, generation: int) -> dict:
    """At the kecamatan: the center part of a desa enrolment code, signed with our own key (the
    center holds the same secret), or {} when this kecamatan is not linked to a center."""
    link = engine.current_link()
    if link is None or link.role != "kecamatan":
        return {}
    ticket = {"kid": link.key_id, "k": store.get("kecamatan_code"), "d": desa_code, "pc": pc, "g": generation,
              "j": secrets.token_hex(8), "e": int(time.time()) + TICKET_VALID_SECONDS}
    return {"c": link.center_url, "t": ticket, "s": protocol.sign_ticket(link.secret, ticket)}


class CenterEnrolmentRefused(ValueError):
    """str() is the Indonesian message for the desa admin; the desa enrolment itself is kept, unless
    `keep_enrolment` is False (the center knows the code's PC number from another PC: numbering with it
    would make numbers another PC holds)."""

    def __init__(self, message: str, keep_enrolment: bool = True):
        super().__init__(message)
        self.keep_enrolment = keep_enrolment


def enrol_with_center(center_url: str, payload: dict, session=None) -> SyncLink:
    """On a desa PC: trade the ticket of the kecamatan's code for this PC's own key at the center."""
    from sync.client.enrolment import EnrolmentError, check_center_and_clock, clean_center_url
    if not payload.get("t"):
        raise CenterEnrolmentRefused("Kode ini dibuat di kecamatan yang belum terhubung ke pusat cetak, jadi komputer "
                                     "ini belum bisa sinkron. Formulir tetap bisa dicetak dengan kode QR; minta kode "
                                     "baru setelah kecamatan terdaftar di pusat.")
    try:
        center_url = clean_center_url(center_url or payload.get("c", ""))
        check_center_and_clock(center_url, dates.utc_now())  # before the ticket is spent: a center, our clock right
    except EnrolmentError as problem:
        raise CenterEnrolmentRefused(str(problem)) from None
    import requests  # here, not at the office's start
    try:
        response = (session or requests).post(
            center_url + protocol.API_PREFIX + "/relay/enrol", timeout=30, allow_redirects=False,
            json={"ticket": payload["t"], "signature": payload.get("s", ""), "installation": installation.token(database)})
    except requests.RequestException:
        raise CenterEnrolmentRefused(f"Pusat tidak dapat dihubungi di {center_url}. Komputer ini sudah terdaftar untuk "
                                     "desanya; periksa sambungan internet lalu kirim kode yang sama lagi.") from None
    answer = transport_json(response.content)
    if response.status_code == 401 and answer.get("message"):
        raise CenterEnrolmentRefused(str(answer["message"])[:500], keep_enrolment=answer.get("error") != "pc_taken")
    if response.status_code != 201 or not all(isinstance(answer.get(k), str)
                                              for k in ("key_id", "secret", "kecamatan_code")):
        raise CenterEnrolmentRefused(f"Alamat {center_url} menjawab, tetapi bukan pusat cetak Loket Kecamatan "
                                     f"(HTTP {response.status_code}). Periksa alamat pusat.")
    with engine.write_transaction():
        old = engine.current_link()
        cursor = old.status_cursor if old is not None else 0
        SyncLink.delete().execute()  # one link per PC; a new key after a revocation replaces the old one
        made = SyncLink.create(center_url=center_url, kecamatan_code=answer["kecamatan_code"], key_id=answer["key_id"],
                               secret=answer["secret"], enrolled_at=dates.utc_now(), role="desa",
                               status_cursor=cursor)
        SyncLog.create(at=dates.utc_now(), kind="daftar",
                       summary=f"terdaftar di {answer.get('center_name', center_url)} sebagai {answer['key_id']} "
                               f"(desa {answer.get('desa_code', '')}, {answer.get('device_code', '')})")
    try:
        engine.client_for(made, timeout=20).probe()  # the center signs its answer with the new key
    except (LinkDown, Refused) as problem:
        with engine.write_transaction():
            SyncLink.delete().where(SyncLink.id == made.id).execute()
        if isinstance(problem, ClockSkew):
            raise CenterEnrolmentRefused(str(problem)) from None
        raise CenterEnrolmentRefused("Jawaban pusat tidak bertanda tangan sah dengan kunci baru, jadi pendaftaran ke "
                                     "pusat dibatalkan. Pastikan alamatnya alamat pusat cetak yang benar.") from None
    return made


@act("daftar_pusat")
def link_with_center(center_url: str, payload: dict) -> SyncLink:
    """On an enrolled desa PC, from its admin's page: enrol_with_center (which raises
    CenterEnrolmentRefused), audited; the link made."""
    made = enrol_with_center(center_url, payload)
    with database.atomic():
        audit.record("daftar_pusat", "sinkronisasi", made.key_id, f"komputer desa terhubung ke {made.center_url}")
    return made


def sync_state() -> dict:
    """What the desa's pages show about the link: last sync, what waits, the last problem."""
    link = engine.current_link()
    waiting = OutboxItem.select().where((OutboxItem.kind == PRA) & (OutboxItem.state == "pending")).count()
    last = engine.PROGRESS.report
    return {"link": link, "waiting": waiting, "progress": engine.PROGRESS, "words": in_words(last) if last else "",
            "owed": link is not None and engine.PROGRESS.running and engine.pass_owed(link)}


def in_words(report: engine.PassReport) -> str:
    """The pass as a village clerk reads it (a desa PC's page); the counters stay in the log."""
    if report.error:
        return f"belum berhasil ({report.error}); coba lagi nanti atau hubungi operator kecamatan"
    said = []
    if report.sent:
        said.append(f"{report.sent} pra-pendaftaran terkirim")
    if report.already:
        said.append(f"{report.already} sudah pernah terkirim sebelumnya")
    if report.statuses:
        said.append(f"{report.statuses} kabar dari kecamatan diterima")
    if report.rejected or report.conflicts or report.failed:
        said.append(f"{report.rejected + report.conflicts + report.failed} belum dapat diterima pusat; "
                    "hubungi operator kecamatan")
    return ", ".join(said) if said else "berhasil, tidak ada yang baru untuk dikirim atau diterima"


records.plug(PreRegistrations())
records.plug(PreRegistrationStatuses())
records.plug_feed("desa", "/relay/statuses")
records.plug_phase("kecamatan", "before", fetch_f107_key)
records.plug_phase("kecamatan", "enrolled", fetch_f107_key)
records.plug_phase("kecamatan", "before", kecamatan_before_push)
records.plug_phase("kecamatan", "after", kecamatan_after_statuses)


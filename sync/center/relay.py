"""The relay desa -> center -> kecamatan (docs/sync-protocol.md, "Relay"). The center only relays:
it keeps a desa's pre-registrations until their kecamatan pulls them by cursor, and the kecamatan's
statuses of them until the desa pulls them by cursor. It prints nothing.

Same signed protocol as the kecamatan's link (sync/center/api.py authenticates every route here
except /relay/enrol), same per-item answers (stored | duplicate | conflict | rejected), same
manifest. Which key may call what: a desa key only its own relay routes (and the probe), a
kecamatan key only the kecamatan's (`allowed`).
"""
import hashlib
import json
import re
import secrets
import time
from datetime import timedelta

from flask import current_app, g, jsonify, request
from peewee import JOIN, IntegrityError

from app.frame import statements
from app.frame.audit_rule import act, nothing_done
from app.frame.dates import local_today, utc_now
from app.frame.person_rules import EDITABLE_FIELDS, carried_form, validate_application
from app.frame.request_cycle import holds_bad_characters
from sync import protocol
from sync.center.audit import audit
from sync.center.db import center_database
from sync.center.keys import f107_key
from sync.center.keys import device_codes
from sync.center.models import (DeviceKey, Kecamatan, ReceivedApplication, RelayDesa, RelayItem, RelayStatus,
                                RelayTicket, StatusEvent)
from sync.center.records import RENUMBER, Outcome, desa_of, photo_check
from sync.center.retention import RELAY_ACCEPTED
from sync.center.routes import (MAX_CURSOR, api_blueprint, cursor_args, error_answer, json_body,
                                packet_results)
from sync.center.trail import no_ones_act

DESA_ROUTES = frozenset({"center_api.probe", "center_api.relay_pra_manifest", "center_api.relay_pra_packets",
                         "center_api.relay_statuses"})
# Both kinds of key: the probe, and the public status records (issue 28; a desa's key sends only its
# forms' kind `pra`, sync/center/public_status_records.record_problem).
SHARED_ROUTES = frozenset({"center_api.probe", "center_api.public_manifest", "center_api.public_packets",
                           "center_api.repository_file", "center_api.update_health",
                           "center_api.fleet_report"})  # releases reach desa PCs too; each reports its health
KECAMATAN_ROUTES = frozenset({"center_api.relay_inbox", "center_api.relay_status_manifest",
                              "center_api.relay_status_packets", "center_api.relay_desa_keys",
                              "center_api.relay_f107_key"})
MAX_RECORD_BYTES = 16 * 1024
INBOX_BYTES = 4 * 1024 * 1024  # one inbox page stays well under the 8 MB packet limit
STATUS_WORDS = re.compile(r"^[a-z_]{1,32}$")
RELAY_RENUMBERED = "nomor_diganti"  # app/desa/relay_records.RENUMBERED: a form's application given a new number
TICKET_RETRY_SECONDS = 15 * 60
WRONG_DEVICE = "kunci perangkat ini tidak boleh memakai alamat ini"


def allowed(endpoint: str, key: DeviceKey) -> bool:
    """A desa PC's key reaches the desa's relay routes only; a kecamatan's key everything else."""
    if key.desa_code:
        return endpoint in DESA_ROUTES or endpoint in SHARED_ROUTES
    return endpoint not in DESA_ROUTES or endpoint in SHARED_ROUTES


def _next_seq(kecamatan_id: int) -> int:
    """Bumping the kecamatan's relay counter locks its row until commit: rows commit in seq order."""
    Kecamatan.update(relay_seq=Kecamatan.relay_seq + 1).where(Kecamatan.id == kecamatan_id).execute()
    return Kecamatan.select(Kecamatan.relay_seq).where(Kecamatan.id == kecamatan_id).scalar()


def _store_whole(existing, create, number: str, version: int, digest: str, settled=None) -> Outcome:
    """One item in its own transaction; the same (number, version) again is duplicate or conflict.
    `settled()`, when given, is asked first inside the transaction: an Outcome ends it there."""
    for _ in range(2):  # a concurrent insert of the same version turns into "duplicate" on retry
        try:
            with no_ones_act("a desa's form or its status arriving: its trail is the desa's and the office's",
                             "relay_item", "relay_status", "kecamatan"), center_database.atomic():
                answer = settled() if settled else None
                if answer is not None:
                    return answer
                row = existing()
                if row is not None:
                    if row.content_hash == digest:
                        return Outcome(number, version, "duplicate")
                    return Outcome(number, version, "conflict",
                                   "nomor dan versi ini sudah diterima dengan isi berbeda")
                create()
                return Outcome(number, version, "stored")
        except IntegrityError:
            continue
    return Outcome(number, version, "duplicate")


def _header_basics(header: dict, photo: bytes):
    """(refusal, number, version, hash, record) for the parts every relay item shares."""
    number = header.get("id") if isinstance(header.get("id"), str) else ""
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= 10000:
        return Outcome(number[:64], None, "rejected", "versi tidak sah"), None, None, None, None
    if not protocol.PRE_REGISTRATION_NUMBER.fullmatch(number):  # "$" would let "…000001\n" through
        return Outcome(number[:64], version, "rejected", "nomor pra-pendaftaran tidak sah"), None, None, None, None
    digest, record = header.get("hash"), header.get("record")
    if not isinstance(digest, str) or not protocol.HEX64.fullmatch(digest) or not isinstance(record, dict):
        return Outcome(number, version, "rejected", "kepala item tidak lengkap"), None, None, None, None
    if len(protocol.canonical_json(record)) > MAX_RECORD_BYTES:
        return Outcome(number, version, "rejected", "isian terlalu panjang"), None, None, None, None
    if holds_bad_characters(record):
        return (Outcome(number, version, "rejected", "isian berisi karakter tidak sah (NUL atau pengatur arah teks)"),
                None, None, None, None)
    if protocol.content_hash(record, protocol.sha256_hex(photo)) != digest:
        return Outcome(number, version, "rejected", "hash isi tidak cocok (rusak di jalan)"), None, None, None, None
    return None, number, version, digest, record


# --- desa -> center: pre-registrations -----------------------------------------------------------

def _pre_registration_problem(key: DeviceKey, number: str, record: dict, photo: bytes) -> str | None:
    kecamatan = key.kecamatan
    desa_name = key.desa_code
    fields = record.get("f")
    unknown = set(record) - protocol.PRE_REGISTRATION_FIELDS
    if isinstance(fields, dict):
        unknown |= set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        return f"isian yang tidak dikenal protokol: {', '.join(sorted(str(name)[:20] for name in unknown)[:5])}"
    if record.get("k") != kecamatan.code:
        return f"pra-pendaftaran ini untuk kecamatan lain ({str(record.get('k'))[:20]}), bukan {kecamatan.code}"
    if not isinstance(fields, dict) or fields.get("desa_code") != key.desa_code \
            or protocol.PRE_REGISTRATION_NUMBER.match(number).group(1) != key.desa_code.replace(".", ""):
        shown = fields.get("desa_code") if isinstance(fields, dict) else "?"
        return (f"Desa {str(shown)[:20]} bukan wilayah komputer desa ini (terdaftar untuk desa {desa_name}); "
                "pra-pendaftaran tidak diteruskan")
    series = protocol.PRE_REGISTRATION_NUMBER.match(number).group(2)
    if series not in _installation_devices(key):
        return (f"nomor {number} bukan seri komputer desa ini ({key.device_code}); pra-pendaftaran tidak "
                "diteruskan")
    # The counter's rules (the NIK's among them), as the kecamatan applies them when it pulls the form:
    # the desa hears now.
    _, errors, _ = validate_application(carried_form(fields), desa_of(kecamatan.code), local_today())
    if errors:
        field, message = sorted(errors.items())[0]
        return f"isian {field} tidak sah: {message}"
    if photo:
        size, why = photo_check(photo)
        if size is None:
            return why
    return None


def store_pre_registration(key: DeviceKey, header: dict, photo: bytes) -> Outcome:
    refusal, number, version, digest, record = _header_basics(header, photo)
    if refusal:
        return refusal
    problem = _pre_registration_problem(key, number, record, photo)
    if problem:
        return Outcome(number, version, "rejected", problem)

    def existing():
        return RelayItem.get_or_none((RelayItem.number == number) & (RelayItem.version == version))

    def create():
        RelayItem.create(kecamatan=key.kecamatan_id, seq=_next_seq(key.kecamatan_id), desa_code=key.desa_code,
                         device_code=key.device_code, key_id=key.key_id, number=number, version=version,
                         content_hash=digest, record_json=json.dumps(record, ensure_ascii=False),
                         photo=photo or None, photo_sha256=protocol.sha256_hex(photo), received_at=utc_now())
    return _store_whole(existing, create, number, version, digest)


def _manifest(model, version_field):
    """need/have/conflict of each listed (number, version): the hash `model` holds for the number at that
    version (`version_field`: a form's version, a status's step)."""
    def lookup(number, version):
        row = model.get_or_none((model.number == number) & (version_field == version))
        return row.content_hash if row else None
    body = json_body()
    items = body.get("items") if body else None
    if not isinstance(items, list) or len(items) > 5000:
        return error_answer(400, "bad_request", "items harus daftar {id, version, hash, size} yang sah")
    need, have, conflict = [], [], []
    for item in items:
        if not (isinstance(item, dict) and isinstance(item.get("id"), str)
                and protocol.PRE_REGISTRATION_NUMBER.fullmatch(item["id"]) and isinstance(item.get("version"), int)
                and not isinstance(item.get("version"), bool) and 1 <= item["version"] <= 10000
                and isinstance(item.get("hash"), str) and protocol.HEX64.fullmatch(item["hash"])):
            return error_answer(400, "bad_request", "items harus daftar {id, version, hash, size} yang sah")
        entry = {"id": item["id"], "version": item["version"]}
        held = lookup(item["id"], item["version"])
        if held is None:
            need.append(entry)
        elif held == item["hash"]:
            have.append(entry)
        else:
            conflict.append(entry)  # the packet brings it, and its answer says what the center holds
            need.append(entry)
    return jsonify({"need": need, "have": have, "conflict": conflict})


@api_blueprint.post("/v1/relay/pra/manifest")
def relay_pra_manifest():
    return _manifest(RelayItem, RelayItem.version)


@api_blueprint.post("/v1/relay/pra/packets")
def relay_pra_packets():
    return packet_results(store_pre_registration, g.device_key)


def _installation_devices(key: DeviceKey) -> list[str]:
    """Every device code this desa installation has held (a key re-issued after a revocation keeps
    receiving the statuses of what the PC sent under its old key)."""
    rows = (DeviceKey.select(DeviceKey.device_code)
            .where((DeviceKey.kecamatan == key.kecamatan_id) & (DeviceKey.desa_code == key.desa_code)
                   & (DeviceKey.device_id == key.device_id)))
    return sorted({r.device_code for r in rows} | {key.device_code})


@api_blueprint.get("/v1/relay/statuses")
def relay_statuses():
    """The desa PC's status cursor: what its kecamatan said about the pre-registrations it sent."""
    cursor, limit = cursor_args()
    if cursor is None:
        return error_answer(400, "bad_request", "after harus bilangan bulat 0 sampai %d, limit bilangan bulat" % MAX_CURSOR)
    key = g.device_key
    rows = list(RelayStatus.select()
                .where((RelayStatus.kecamatan == key.kecamatan_id) & (RelayStatus.desa_code == key.desa_code)
                       & RelayStatus.device_code.in_(_installation_devices(key)) & (RelayStatus.seq > cursor))
                .order_by(RelayStatus.seq).limit(limit + 1))
    more, rows = len(rows) > limit, rows[:limit]
    return jsonify({"events": [status_event_json(r) for r in rows], "next": rows[-1].seq if rows else cursor,
                    "more": more})


def status_event_json(row: RelayStatus) -> dict:
    """As /statuses carries events: `id` + `version` + `hash` name the pre-registration the desa sent."""
    at = row.at.isoformat() if hasattr(row.at, "isoformat") else str(row.at)
    return {"seq": row.seq, "id": row.number, "version": row.pra_version, "hash": row.pra_hash, "step": row.step,
            "status": row.status, "label": row.label, "reason": row.reason,
            "application_number": row.application_number, "at": at}


# --- center -> kecamatan: the inbox ----------------------------------------------------------------

@api_blueprint.get("/v1/relay/inbox")
def relay_inbox():
    """The kecamatan's cursor over its desa's pre-registrations, as a packet (photos as they are);
    each header carries its `seq`. An empty packet: nothing after the cursor."""
    cursor, limit = cursor_args()
    if cursor is None:
        return error_answer(400, "bad_request", "after harus bilangan bulat 0 sampai %d, limit bilangan bulat" % MAX_CURSOR)
    limit = min(limit, protocol.MAX_APPLICATIONS_PER_PACKET)
    from sync.center.retention import RELAY_SETTLED, relay_outcomes, relay_settled_ids, settle_relay
    if relay_settled_ids(g.kecamatan.id):  # kept only until its outcome is held here (issue 30)
        with center_database.atomic():
            settle_relay(g.kecamatan.id)
    entries, size = [], 0
    rows = statements.rows(_inbox_forms, limit, each_run=(g.kecamatan.id, cursor))
    # A form one counter PC accepted still waits in the queue of the kecamatan's other PCs, which pulled
    # it too: its acceptance follows in the same feed (relay items and statuses share the seq), so their
    # queues drop it at their next pass and a second acceptance (two cards for one person) is not offered.
    accepted_here = statements.rows(_inbox_acceptances, limit, each_run=(g.kecamatan.id, cursor))
    rows = sorted(rows + accepted_here, key=lambda r: r.seq)[:limit]
    outcomes = relay_outcomes([r.number for r in rows if isinstance(r, RelayItem) and r.record_json == RELAY_SETTLED],
                              g.kecamatan.id)
    numbers_now = _numbers_now(g.kecamatan.id, [r.number for r in rows if isinstance(r, RelayStatus)])
    for row in rows:
        if isinstance(row, RelayStatus):
            entries.append(({"seq": row.seq, "id": row.number, "version": row.pra_version, "hash": row.pra_hash,
                             "desa_code": row.desa_code, "device_code": row.device_code, "key_generation": 0,
                             # an older PC's step taken as the renumber goes as one (store_status)
                             "settled": {"status": RELAY_RENUMBERED if row.renumbered_from else row.status,
                                         "label": row.label,
                                         "application_number": numbers_now.get(row.number)
                                         or row.application_number}}, b""))
            size += MAX_RECORD_BYTES
            continue
        photo = bytes(row.photo) if row.photo else b""
        if entries and size + len(photo) + MAX_RECORD_BYTES > INBOX_BYTES:
            break
        header = {"seq": row.seq, "id": row.number, "version": row.version, "hash": row.content_hash,
                  "desa_code": row.desa_code, "device_code": row.device_code,
                  "key_generation": row.key_generation or 0}
        if row.record_json == RELAY_SETTLED:  # a kecamatan asking again (restored from a backup): the outcome
            outcome = outcomes.get(row.number)
            header["settled"] = {"status": outcome.status if outcome else "", "label": outcome.label if outcome else "",
                                 "application_number": outcome.application_number if outcome else ""}
        else:
            header["record"] = json.loads(row.record_json)
        entries.append((header, photo))
        size += len(photo) + MAX_RECORD_BYTES
    # The one packet format, its items sealed over the request's nonce (the answer is signed besides).
    body = protocol.encode_packet(entries, (g.device_key.secret, g.request_nonce))
    return current_app.response_class(body, mimetype=protocol.PACKET_CONTENT_TYPE)


# The inbox's two reads, asked on every kecamatan pass: their SQL built once for every kecamatan
# (app/frame/statements.py).

def _inbox_forms(limit: int):
    # `key_generation`: the kecamatan's key generation for the desa of the key that relayed the form
    # (the record's own "g" is whatever the sending laptop wrote): the kecamatan refuses forms a key
    # relayed after the admin revoked it there, before its next pass told the center.
    return (RelayItem.select(RelayItem, DeviceKey.desa_generation.alias("key_generation"))
            .join(DeviceKey, JOIN.LEFT_OUTER, on=(DeviceKey.key_id == RelayItem.key_id))
            .where((RelayItem.kecamatan == statements.each_run(0)) & (RelayItem.seq > statements.each_run(1)))
            .order_by(RelayItem.seq).limit(limit).objects())


def _numbers_now(kecamatan_id: int, numbers: list[str]) -> dict[str, str]:
    """The number each form's application has now (current_number, for a page's forms in one read): the
    acceptance and its renumbers go to the kecamatan's other counter PCs with it. A PC of a version before the
    renumber step (6ce2a857 and older) takes only the acceptance's number into its queue and passes the
    renumber over: one that hears of the acceptance after the renumber thus names the right number (issue 94)."""
    if not numbers:
        return {}
    rows = (RelayStatus.select(RelayStatus.number, RelayStatus.status, RelayStatus.application_number)
            .where((RelayStatus.kecamatan == kecamatan_id) & RelayStatus.number.in_(sorted(set(numbers))))
            .order_by(RelayStatus.seq).tuples())
    now: dict[str, str] = {}
    for number, status, application_number in rows:  # from the winning (first) acceptance on, the latest
        if (number in now or status == RELAY_ACCEPTED) and application_number:
            now[number] = application_number
    return now


def _inbox_acceptances(limit: int):
    # A renumber of the accepted application goes too: the other PCs' queues name the number it has now.
    return (RelayStatus.select().where(
        (RelayStatus.kecamatan == statements.each_run(0)) & (RelayStatus.seq > statements.each_run(1))
        & (RelayStatus.status.in_([RELAY_ACCEPTED, RELAY_RENUMBERED]) | (RelayStatus.renumbered_from != "")))
        .order_by(RelayStatus.seq).limit(limit))


# --- kecamatan -> center: statuses of relayed pre-registrations -----------------------------------

def winning_acceptance(kecamatan_id: int, number: str) -> RelayStatus | None:
    """The acceptance of a relayed form that reached the center first: the form's one outcome. Two counter
    PCs that both accepted the form before either synced each sent one; the later is the duplicate."""
    return (RelayStatus.select().where((RelayStatus.kecamatan == kecamatan_id) & (RelayStatus.number == number)
                                       & (RelayStatus.status == RELAY_ACCEPTED))
            .order_by(RelayStatus.seq).first())


def current_number(winner: RelayStatus) -> str:
    """The number the winning acceptance's application has now: the acceptance's, or the last one a renumber
    gave it (every status stored after the acceptance names the application's number of its day)."""
    return (RelayStatus.select(RelayStatus.application_number)
            .where((RelayStatus.kecamatan == winner.kecamatan_id) & (RelayStatus.number == winner.number)
                   & (RelayStatus.seq >= winner.seq) & (RelayStatus.application_number != ""))
            .order_by(RelayStatus.seq.desc()).scalar() or winner.application_number)


def accepted_elsewhere(number: str, step: int, application_number: str) -> Outcome:
    """The answer to a status about a relayed form that another acceptance won: nothing is stored, so the
    desa follows the winner's application only; `accepted_as` names it for the counter PC that lost."""
    return Outcome(number, step, "superseded",
                   f"Formulir desa {number} sudah diterima di loket lain kecamatan ini dengan nomor permohonan "
                   f"{application_number}", accepted_as=application_number)


def renumbered_here(key: DeviceKey, old: str) -> bool:
    """Did this center tell `key`'s PC to give application `old` a new number (an operator's decision on a
    conflict of that number, or one taken as it arrived)? Only then may a relayed form's application
    change its number: a renumber the center never asked for is no reason to. Every renumber names the PC it
    asks (records.add_event's `recipient`: the offering PC's code, "" for a PC enrolled before codes), so only
    that PC may claim it; another PC of the kecamatan that hears it (an uncoded key hears all) may not."""
    return (StatusEvent.select().join(ReceivedApplication)
            .where((ReceivedApplication.kecamatan == key.kecamatan_id)
                   & (ReceivedApplication.registration_number == old) & (StatusEvent.status == RENUMBER)
                   & StatusEvent.recipient_device.in_(device_codes(key) or [""]))
            .exists())


def renumber_unsaid(key: DeviceKey, status: str, current: str, application_number: str) -> bool:
    """Is this step, naming `application_number` where the form's number is `current`, a renumber its PC took
    without saying so? A counter PC of a version before the "nomor_diganti" step (issue 80) gives the application
    the center asked it to renumber a new number and sends no step of it: its next step of the form names the new
    number. Taken as the renumber only when the center asked this PC to renumber `current` and both numbers are
    of this PC's own series (device codes are never shared: the form's application is this PC's, and a PC accepts
    a form once). A key without a device code (enrolled before codes) is never so sure: its step stays superseded."""
    found = [protocol.REGISTRATION_NUMBER.fullmatch(number) for number in (current, application_number)]
    if status == RELAY_ACCEPTED or not all(found) or found[0].group(1) != found[1].group(1):
        return False
    own = device_codes(key)
    return bool(own) and all(part.group(2) in own for part in found) and renumbered_here(key, current)


def store_status(key: DeviceKey, header: dict, photo: bytes) -> Outcome:
    refusal, number, step, digest, record = _header_basics(header, photo)
    if refusal:
        return refusal
    status, label = record.get("status"), record.get("label")
    reason, application_number = record.get("reason", ""), record.get("application_number", "")
    pra_version, pra_hash = record.get("pra_version"), record.get("pra_hash")
    renumbered_from = record.get("renumbered_from", "")
    if not (isinstance(status, str) and STATUS_WORDS.match(status) and isinstance(label, str) and len(label) <= 100
            and isinstance(reason, str) and len(reason) <= 500 and isinstance(application_number, str)
            and len(application_number) <= 40 and isinstance(pra_version, int) and not isinstance(pra_version, bool)
            and 1 <= pra_version <= 10000 and isinstance(pra_hash, str) and protocol.HEX64.fullmatch(pra_hash)
            and isinstance(renumbered_from, str) and len(renumbered_from) <= 40):
        return Outcome(number, step, "rejected", "status pra-pendaftaran tidak lengkap")
    if (status == RELAY_RENUMBERED) != bool(renumbered_from) or (renumbered_from and not (
            protocol.REGISTRATION_NUMBER.fullmatch(renumbered_from)
            and protocol.REGISTRATION_NUMBER.fullmatch(application_number))):
        return Outcome(number, step, "rejected", "penggantian nomor permohonan tidak lengkap")
    item = RelayItem.get_or_none((RelayItem.number == number) & (RelayItem.version == pra_version)
                                 & (RelayItem.kecamatan == key.kecamatan_id))
    if item is None or item.content_hash != pra_hash:
        return Outcome(number, step, "rejected", "pra-pendaftaran ini tidak pernah diteruskan pusat ke kecamatan ini")

    taken = {"from": renumbered_from}  # the number this step replaces, when it is stored

    def settled():
        # The kecamatan's counter is locked first (as create() does), so two acceptances sent by two
        # center processes at once are judged one after the other: the first stored wins.
        Kecamatan.update(relay_seq=Kecamatan.relay_seq).where(Kecamatan.id == key.kecamatan_id).execute()
        winner = winning_acceptance(key.kecamatan_id, number)
        if winner is None:
            return None
        current = current_number(winner)
        # (a later step of a PC that sends the renumber may have committed first and been taken as it)
        if renumbered_from and current in (renumbered_from, application_number):
            if renumbered_here(key, renumbered_from):
                return None  # the form's application goes on under its new number (issue 72)
            return Outcome(number, step, "rejected", f"pusat tidak pernah meminta nomor baru untuk permohonan "
                                                     f"{renumbered_from}")
        if not renumbered_from and application_number != current and renumber_unsaid(
                key, status, current, application_number):
            taken["from"] = current  # an older PC's renumber, said by its next step (issue 80)
            return None
        if renumbered_from or application_number != current:
            return accepted_elsewhere(number, step, current)
        return None

    def existing():
        return RelayStatus.get_or_none((RelayStatus.number == number) & (RelayStatus.step == step))

    def create():
        RelayStatus.create(kecamatan=key.kecamatan_id, seq=_next_seq(key.kecamatan_id), desa_code=item.desa_code,
                           device_code=item.device_code, number=number, step=step, content_hash=digest,
                           pra_version=pra_version, pra_hash=pra_hash, status=status, label=label, reason=reason,
                           application_number=application_number, at=utc_now(), renumbered_from=taken["from"])
    return _store_whole(existing, create, number, step, digest, settled)


@api_blueprint.post("/v1/relay/status/manifest")
def relay_status_manifest():
    return _manifest(RelayStatus, RelayStatus.step)


@api_blueprint.post("/v1/relay/status/packets")
def relay_status_packets():
    older = protocol.reported_version(request.headers)[0] < 7  # every PC of protocol 7 on reads "superseded"
    return packet_results(status_in_protocol_6 if older else store_status, g.device_key)


def status_in_protocol_6(key: DeviceKey, header: dict, photo: bytes) -> Outcome:
    """A counter PC of protocol 6 (the first updatable version) knows no "superseded" (issue 80): it takes the
    word for a broken answer and sends the status again on every pass, for ever. It hears the same sentence as a
    refusal, which it keeps on its Sinkronisasi page; nothing of the status is stored either way."""
    outcome = store_status(key, header, photo)
    if outcome.result == "superseded":
        return Outcome(outcome.id, outcome.version, "rejected", outcome.reason)
    return outcome


@api_blueprint.post("/v1/relay/desa-keys")
def relay_desa_keys():
    """The kecamatan's key generation per desa: desa keys of an older generation are revoked here
    (a lost laptop, a leaked code: "Cabut kunci" on the kecamatan's Operator Desa page). The answer holds
    the generations known here, so a counter PC learns what its kecamatan's other PCs revoked."""
    body = json_body()
    generations = body.get("generations") if body else None
    if not isinstance(generations, dict) or len(generations) > 2000 or not all(
            isinstance(code, str) and re.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}", code)
            and isinstance(number, int) and not isinstance(number, bool) and 1 <= number <= 10**6
            for code, number in generations.items()):
        return error_answer(400, "bad_request", "generations harus {kode desa: generasi}")
    kecamatan = g.kecamatan
    with center_database.atomic():
        revoked = _revoke_older_desa_keys(kecamatan, generations)
        known = dict(statements.rows(_generations, each_run=(kecamatan.id,)))
    return jsonify({"revoked": revoked, "generations": known})


@act("cabut_kunci_desa")
def _revoke_older_desa_keys(kecamatan, generations: dict) -> int:
    """The act: the kecamatan's desa keys of an older generation than it reports revoked; how many."""
    revoked = 0
    for code, generation in generations.items():
        if not code.startswith(kecamatan.code + "."):
            continue
        _raise_generation(kecamatan.id, code, generation)  # relay_desa: no one's act (trail.NOT_ACTS)
        revoked += (DeviceKey.update(revoked_at=utc_now())
                    .where((DeviceKey.kecamatan == kecamatan.id) & (DeviceKey.desa_code == code)
                           & (DeviceKey.desa_generation < generation) & DeviceKey.revoked_at.is_null())
                    .execute())
    if not revoked:
        return nothing_done(0)  # every key of this kecamatan's desa is of the generation reported or newer
    audit("cabut_kunci_desa", "kecamatan", kecamatan.code, f"{revoked} kunci komputer desa dicabut", username="api")
    return revoked


@api_blueprint.get("/v1/relay/f107-key")
def relay_f107_key():
    """The kecamatan's F-1.07 key, one for all its counter PCs (keys.f107_key): each asks until it holds
    it, at enrolment and on its passes (app/desa/relay.fetch_f107_key). A kecamatan key only (`allowed`):
    a desa laptop holds just the key derived for it. Signed over the request's nonce like every answer."""
    return jsonify({"key": f107_key(g.kecamatan)})


def waiting_for(kecamatan: Kecamatan) -> dict:
    """For a counter PC's probe (issue 45): what its pass's two relay requests would bring, so that it
    makes them only when they bring something. Its inbox brings nothing while its cursor is at the
    kecamatan's newest relay seq (forms and statuses share it); its desa key exchange changes nothing
    while it holds no generation above these (app/desa/relay.kecamatan_before_push). Settled forms
    are settled by the hourly purge too (retention.purge_job), whether or not an inbox is asked."""
    return {"relay_seq": kecamatan.relay_seq,
            "desa_key_generations": dict(statements.rows(_generations, each_run=(kecamatan.id,)))}


def _generations():  # on every kecamatan pass: its SQL built once (app/frame/statements.py)
    return (RelayDesa.select(RelayDesa.desa_code, RelayDesa.generation)
            .where(RelayDesa.kecamatan == statements.each_run(0)).tuples())


def _raise_generation(kecamatan_id: int, desa_code: str, generation: int) -> None:
    row = RelayDesa.get_or_none((RelayDesa.kecamatan == kecamatan_id) & (RelayDesa.desa_code == desa_code))
    if row is None:
        RelayDesa.create(kecamatan=kecamatan_id, desa_code=desa_code, generation=generation)
    elif row.generation < generation:
        RelayDesa.update(generation=generation).where(RelayDesa.id == row.id).execute()


def _known_generation(kecamatan_id: int, desa_code: str) -> int:
    row = RelayDesa.get_or_none((RelayDesa.kecamatan == kecamatan_id) & (RelayDesa.desa_code == desa_code))
    return row.generation if row else 0


# --- a desa PC enrols with a ticket its kecamatan signed -------------------------------------------

class TicketRefused(Exception):
    MESSAGES = {
        "wrong_code": "Kode pendaftaran komputer desa tidak dikenal pusat: kecamatan yang membuatnya belum terdaftar "
                      "di pusat ini, atau kodenya diubah. Periksa alamat pusat dan minta kode baru kepada admin "
                      "kecamatan.",
        "expired_code": "Kode pendaftaran komputer desa sudah kedaluwarsa; minta kode baru kepada admin kecamatan.",
        "used_code": "Kode pendaftaran komputer desa sudah dipakai komputer lain; minta kode baru kepada admin "
                     "kecamatan.",
        "revoked": "Kode ini dibuat sebelum kunci komputer desa dicabut di kecamatan; minta kode baru kepada admin "
                   "kecamatan, dibuat saat PC loketnya tersambung ke pusat cetak.",
        "bad_pc": "Nomor komputer desa di kode ini di luar format yang diterima pusat (aplikasi kecamatan versi "
                  "lama?). Perbarui aplikasi di kecamatan, lalu minta kode baru kepada admin kecamatan.",
        "pc_taken": "Nomor komputer desa di kode ini sudah dipakai komputer desa lain di desa ini (kecamatan "
                    "memulihkan cadangan lama?). Minta kode baru kepada admin kecamatan: kode berikutnya bernomor "
                    "lain.",
    }

    def __init__(self, kind: str):
        super().__init__(self.MESSAGES[kind])
        self.kind = kind


TICKET_FIELDS = {"kid": str, "k": str, "d": str, "pc": str, "g": int, "j": str, "e": int}


@act("daftar_perangkat_desa")
def enrol_desa(ticket: dict, signature: str, installation: str) -> DeviceKey:
    if not isinstance(ticket, dict) or set(ticket) != set(TICKET_FIELDS) or not all(
            isinstance(ticket[name], kind) and not isinstance(ticket[name], bool) and
            (len(ticket[name]) <= 64 if kind is str else 0 <= ticket[name] <= 2 ** 40)
            for name, kind in TICKET_FIELDS.items()) or not 1 <= ticket["g"] <= 10 ** 6:
        raise TicketRefused("wrong_code")
    kecamatan_key = (DeviceKey.select(DeviceKey, Kecamatan).join(Kecamatan)
                     .where((DeviceKey.key_id == ticket["kid"]) & DeviceKey.revoked_at.is_null()
                            & (DeviceKey.desa_code == "")).first())
    if kecamatan_key is None or not protocol.signatures_match(protocol.sign_ticket(kecamatan_key.secret, ticket),
                                                              signature or ""):
        raise TicketRefused("wrong_code")
    kecamatan = kecamatan_key.kecamatan
    if ticket["k"] != kecamatan.code or not ticket["d"].startswith(kecamatan.code + "."):
        raise TicketRefused("wrong_code")
    installation_hash = hashlib.sha256(("desa-installation:" + installation).encode()).hexdigest()
    used = RelayTicket.get_or_none(RelayTicket.ticket_id == ticket["j"])
    if used is not None:
        if secrets.compare_digest(used.installation, installation_hash) and \
                utc_now() - used.used_at <= timedelta(seconds=TICKET_RETRY_SECONDS):
            key = DeviceKey.get_or_none((DeviceKey.key_id == used.key_id) & DeviceKey.revoked_at.is_null())
            if key is not None:
                return nothing_done(key)  # the answer was lost: the same PC gets the same key
        raise TicketRefused("used_code")
    if ticket["e"] < time.time():
        raise TicketRefused("expired_code")
    if ticket["g"] < _known_generation(kecamatan.id, ticket["d"]):
        raise TicketRefused("revoked")
    if not protocol.DESA_PC_CODE.fullmatch(ticket["pc"]):
        raise TicketRefused("bad_pc")
    # One code, one PC: two PCs numbering in one series would hold each other's numbers.
    if DeviceKey.select().where((DeviceKey.kecamatan == kecamatan.id) & (DeviceKey.desa_code == ticket["d"])
                                & (DeviceKey.device_code == ticket["pc"])
                                & (DeviceKey.device_id != installation_hash)).exists():
        raise TicketRefused("pc_taken")
    try:
        with center_database.atomic():
            key = DeviceKey.create(kecamatan=kecamatan, key_id=f"{kecamatan.digits}-d-{secrets.token_hex(6)}",
                                   secret=protocol.new_secret(), device_id=installation_hash, created_at=utc_now(),
                                   device_code=ticket["pc"], desa_code=ticket["d"], desa_generation=ticket["g"])
            RelayTicket.create(kecamatan=kecamatan, ticket_id=ticket["j"], key_id=key.key_id,
                               installation=installation_hash, used_at=utc_now())
            _raise_generation(kecamatan.id, ticket["d"], ticket["g"])
            audit("daftar_perangkat_desa", "kecamatan", kecamatan.code,
                  f"komputer desa {ticket['d']} ({ticket['pc']}) terdaftar ({key.key_id})", username="api")
    except IntegrityError:
        raise TicketRefused("used_code") from None
    return key


@api_blueprint.post("/v1/relay/enrol")
def relay_enrol():
    body = json_body()
    if body is None or not isinstance(body.get("ticket"), dict) or not isinstance(body.get("signature"), str):
        return error_answer(400, "bad_request", "ticket dan signature wajib diisi")
    installation = body.get("installation") if isinstance(body.get("installation"), str) else ""
    try:
        key = enrol_desa(body["ticket"], body["signature"][:128], installation[:128])
    except TicketRefused as refusal:
        return error_answer(401, refusal.kind, str(refusal))
    kecamatan = Kecamatan.get_by_id(key.kecamatan_id)
    return jsonify({"key_id": key.key_id, "secret": key.secret, "kecamatan_code": kecamatan.code,
                    "kecamatan_name": kecamatan.name, "desa_code": key.desa_code, "device_code": key.device_code,
                    "center_name": current_app.config["CENTER_NAME"], "time": int(time.time())}), 201


KEY_REVOKED_MESSAGE = ("Kunci komputer desa ini sudah dicabut di kecamatan (laptop hilang atau kode bocor). "
                       "Pra-pendaftaran tetap tersimpan di komputer ini; minta kode pendaftaran baru kepada admin "
                       "kecamatan, lalu daftarkan ulang komputer ini di halaman Operator Desa.")


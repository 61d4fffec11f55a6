"""The center's HTTP API under /api/v1/ (docs/sync-protocol.md, static/openapi.json).

Every route except /enrol and /openapi.json is signed with a kecamatan key; the answer is
signed back over the request's nonce, which is how the kecamatan knows it reached the center.
"""
import json
import logging
import time

from flask import current_app, g, jsonify, request
from werkzeug.exceptions import ClientDisconnected

from app.frame.dates import utc_now
from app.frame.request_cycle import MACHINE_ANSWER, SIGNED_ANSWER
from sync import jpeg_transit, protocol
from sync.center import fleet, keys, records, relay, updates
from app.frame.audit_rule import act, nothing_done
from sync.center.audit import audit
from sync.center.db import center_database
from sync.center.relay import KEY_REVOKED_MESSAGE, WRONG_DEVICE, allowed
from sync.center.routes import (DAMAGED, MAX_CURSOR, api_blueprint, cursor_args, error_answer, json_body,
                                packet_answer, packet_refusal, status_page, streamed)
from sync.center.server import BYTES_WAITING, CLOSE_AFTER_ANSWER

log = logging.getLogger(__name__)
OPENAPI_PATH = "static/openapi.json"  # in a package folder: a center installed from the wheel serves it too
TOO_LARGE = ("paket terlalu besar: paling banyak %d MB per permintaan"
             % (protocol.MAX_PACKET_BYTES // (1024 * 1024)))
# A PC whose protocol the center no longer speaks (it keeps the current and the previous one). Its
# outbox waits; nothing it made is lost.
TOO_OLD = ("Aplikasi Loket di komputer ini (versi {version}, protokol {speaks}) terlalu lama untuk komputer pusat, "
           "yang menerima protokol {oldest} ke atas. Perbarui aplikasi Loket di komputer ini; data yang menunggu "
           "tetap tersimpan di sini dan terkirim setelah pembaruan.")
# A counter PC holding a revoked key: the center revoked it (a stolen PC, a reinstall), or an old
# backup restored after the PC enrolled again brought it back. Its data stays; a new code mends it.
COUNTER_KEY_REVOKED = ("Kunci komputer ini sudah dicabut di pusat (komputer dilaporkan hilang, atau cadangan lama "
                       "dipulihkan setelah komputer ini didaftarkan ulang). Data tetap aman di komputer ini. Di halaman "
                       "Sinkronisasi, klik Putuskan tautan, minta kode pendaftaran baru kepada admin pusat, lalu "
                       "daftarkan ulang komputer ini.")


@api_blueprint.before_request
def authenticate_request():
    refusal = _authenticate()
    if refusal is not None and streamed():
        # Its body was not read: close after the answer rather than read (drain) a body that a
        # stranger may send slowly, or never, on one of the server's threads.
        request.environ[CLOSE_AFTER_ANSWER] = True
    return refusal


def _authenticate():
    g.device_key = None
    request.environ[MACHINE_ANSWER] = True  # short security headers (app/frame/request_cycle.py)
    if request.endpoint in ("center_api.enrol", "center_api.openapi", "center_api.relay_enrol"):
        return None
    if request.content_length is not None and request.content_length > protocol.MAX_PACKET_BYTES:
        return error_answer(413, "too_large", TOO_LARGE)
    # A packet is signed over its head; its items carry their own MACs and are read and checked
    # as they arrive (packets(), packet_items()), so the body is not read here.
    body = None if streamed() else request.get_data(cache=True)
    path = request.full_path.rstrip("?") if request.query_string else request.path
    _, _, nonce, _, g.compact_auth = protocol.request_credentials(request.headers)
    try:
        key = keys.authenticate(request.method, path, request.headers, body)
    except keys.ClockSkew as skew:
        # Signed, and with the center's own time: the kecamatan shows by how much its clock is off.
        g.device_key, g.request_nonce = skew.key, nonce
        fleet.note_skew(skew.key, skew.skew_seconds)  # the regency's page names the office (issue 81)
        response = error_answer(401, "clock_skew", "jam perangkat berbeda lebih dari 5 menit dari jam pusat")
        response.set_data(json.dumps({"error": "clock_skew", "server_time": int(time.time()),
                                      "message": "jam perangkat berbeda lebih dari 5 menit dari jam pusat"}))
        return response
    except keys.KeyReplaced as replaced:
        g.device_key, g.request_nonce = replaced.key, nonce
        if request.endpoint != "center_api.replace":  # the takeover's retry by the PC that made it
            refusal, details = keys.replaced_refusal(replaced.key)
            return error_answer(*refusal, **details)
        g.kecamatan = replaced.key.kecamatan
        return None
    except keys.KeyRevoked as revoked:
        g.device_key, g.request_nonce = revoked.key, nonce
        return error_answer(401, "revoked", KEY_REVOKED_MESSAGE if revoked.key.desa_code else COUNTER_KEY_REVOKED)
    except keys.Refused as refusal:
        log.info("API refused %s %s: %s", request.method, request.path, refusal)
        check = request.headers.get(protocol.BODY_CHECK_HEADER)
        if body is not None and check is not None and check != protocol.body_check(body):
            # The body is not the one the PC signed: damaged on the way, not a key the center refuses.
            return error_answer(400, DAMAGED, "isi permintaan rusak di jalan (pemeriksaan isi tidak cocok); "
                                              "kirim ulang")
        return error_answer(401, "unauthorized", "permintaan tidak diizinkan")
    g.device_key = key
    g.kecamatan = key.kecamatan
    g.request_nonce = nonce
    speaks, app_version = protocol.reported_version(request.headers)
    if speaks < protocol.MIN_PROTOCOL_VERSION:
        return error_answer(426, "update_required", TOO_OLD.format(version=app_version or "lama", speaks=speaks,
                                                                   oldest=protocol.MIN_PROTOCOL_VERSION))
    if not allowed(request.endpoint or "", key):
        return error_answer(403, "wrong_device", WRONG_DEVICE)
    return None


@api_blueprint.after_request
def sign_answer(response):
    """Sign the answer of a signed request. Its head is what the protocol needs and nothing more
    (each crosses the rural link, ~20 a pass): no page's security headers, since only the key's
    holder can ask for it and no browser renders it, and `no-store` only where a cache could keep
    it (GET; a POST answer is never stored without explicit freshness, RFC 9111 section 3)."""
    key = g.get("device_key")
    if key is not None:
        request.environ[MACHINE_ANSWER] = SIGNED_ANSWER
        _deflate_if_asked(response)
        signature = protocol.sign_response(key.secret, g.request_nonce, response.status_code, response.get_data())
        response.headers[protocol.HEADER_SIGNATURE] = (protocol.compact_signature(signature) if g.compact_auth
                                                       else signature)
    if key is None or request.method != "POST":
        response.headers["Cache-Control"] = "no-store"
    return response


def _deflate_if_asked(response) -> None:
    """A JSON answer travels deflated when the kecamatan asked for it by name in `Accept` (a
    wildcard does not count), or signed in the short form (protocol.AUTH_HEADER), which implies it; the
    signature then covers the deflated bytes that travel."""
    if (response.mimetype == protocol.JSON_CONTENT_TYPE and not response.direct_passthrough
            and (g.get("compact_auth") or protocol.JSON_DEFLATE in request.headers.get("Accept", ""))
            and len(response.get_data()) >= protocol.DEFLATE_FROM_BYTES):
        response.set_data(protocol.deflate(response.get_data()))
        response.headers["Content-Type"] = protocol.JSON_DEFLATE


@api_blueprint.get("/openapi.json")
def openapi():
    path = current_app.config["CENTER_ROOT"] / OPENAPI_PATH
    return current_app.response_class(path.read_bytes(), mimetype="application/json")


@api_blueprint.post("/v1/enrol")
def enrol():
    body = json_body()
    if body is None or not all(isinstance(body.get(k), str) for k in ("kecamatan_code", "enrolment_code")):
        return error_answer(400, "bad_request", "kecamatan_code dan enrolment_code wajib diisi")
    device_id = body.get("device_id") if isinstance(body.get("device_id"), str) else ""
    installation = body.get("installation") if isinstance(body.get("installation"), str) else ""
    numbered = body.get("numbered_before")
    numbered = numbered if isinstance(numbered, int) and not isinstance(numbered, bool) and 0 <= numbered < 2**31 else 0
    try:
        kecamatan, key = keys.enrol(body["kecamatan_code"], body["enrolment_code"], device_id, installation[:128],
                                    numbered)
    except keys.EnrolmentRefused as refusal:
        response = error_answer(401, refusal.kind, str(refusal))
        return response
    _follow_previous_key(kecamatan, key, body)  # the enrolment's audit row was written with it (keys.enrol)
    return jsonify({"key_id": key.key_id, "secret": key.secret, "kecamatan_code": kecamatan.code,
                    "kecamatan_name": kecamatan.name, "center_name": current_app.config["CENTER_NAME"],
                    "device_code": key.device_code, "time": int(time.time()),
                    "renumber_before_enrolment": keys.pre_enrolment_series_taken(key),
                    **_taken_over(kecamatan, key, body)}), 201


@act("lanjut_kunci")
def _taken_over(kecamatan, key, body: dict) -> dict:
    """A PC enrolling again with the proof of a key another PC took over (the old PC, refused or not yet
    told): the refusal's word it may have missed (keys.replaced_refusal), so what it numbered after that
    PC's backup is sent from it, and the statuses of what it delivered after that backup under the old
    key come to its new key (keys.hand_over_kept; issue 42)."""
    previous = body.get("previous")
    if not isinstance(previous, dict):
        return nothing_done({})
    old = keys.proven_taken_over_key(kecamatan, body["enrolment_code"], previous.get("key_id"), previous.get("proof"))
    if old is None:
        return nothing_done({})
    with center_database.atomic():
        handed = keys.hand_over_kept(old, key)
        if not handed:
            nothing_done()  # nothing it delivered after that backup: no status to hand over
        else:
            audit("lanjut_kunci", "kecamatan", kecamatan.code,
                  f"Kunci {key.key_id} (perangkat {key.device_code}) dipakai PC lama perangkat {old.device_code} "
                  f"(kunci {old.key_id} digantikan PC lain): status {handed} permohonan yang dikirimnya sesudah "
                  "cadangan yang dipulihkan diterima kunci baru", username="api")
    return {"taken_over": {"device_code": old.device_code, "restored_up_to": old.restored_up_to}}


@act("lanjut_kunci")
def _follow_previous_key(kecamatan, key, body: dict) -> None:
    """`previous: {key_id, proof}` in the enrolment: the PC held a key the center revoked; with a valid
    proof the new key hears the old device code's statuses (keys.follow_revoked_key). Anything else
    leaves the new key simply new: never a refusal of the enrolment."""
    previous = body.get("previous")
    if not isinstance(previous, dict):
        return nothing_done()
    with center_database.atomic():
        old = keys.follow_revoked_key(kecamatan, key, body["enrolment_code"], previous.get("key_id"),
                                      previous.get("proof"))
        if old is None:
            nothing_done()  # no revoked key proven: the new key stays simply new
        else:
            audit("lanjut_kunci", "kecamatan", kecamatan.code,
                  f"Kunci {key.key_id} (perangkat {key.device_code}) menggantikan kunci {old.key_id} (perangkat "
                  f"{old.device_code}) yang dicabut: status kiriman perangkat {old.device_code} diterima kunci baru",
                  username="api")


@act("ganti_perangkat")
def _replace_key(key, machine: str, restored_up_to):
    """The act of /v1/replace (its refusals write nothing): the key's successor, with its line."""
    with center_database.atomic():
        successor = keys.replace_device(key, machine, restored_up_to)
        audit("ganti_perangkat", "kecamatan", g.kecamatan.code,
              f"perangkat {key.device_code}: kunci {key.key_id} digantikan oleh {successor.key_id}", username="api")
    return successor


@api_blueprint.post("/v1/replace")
def replace():
    """A PC holding a restored backup takes over the key's device code ("PC ini menggantikan PC P1"):
    a new key with the same code; the old key is refused from now on. `machine` names the asking PC,
    so its retry after a lost answer gets the same key back."""
    body = json_body()
    machine = body.get("machine") if body else None
    if not isinstance(machine, str) or not 16 <= len(machine) <= 128:
        return error_answer(400, "bad_request", "machine wajib diisi")
    # The last sequence of the code the restored backup held (an older office does not say it).
    restored_up_to = body.get("restored_up_to")
    if restored_up_to is not None and (not isinstance(restored_up_to, int) or isinstance(restored_up_to, bool)
                                       or not 0 <= restored_up_to < 10 ** 9):
        return error_answer(400, "bad_request", "restored_up_to harus bilangan bulat 0 atau lebih")
    key = g.device_key
    if not key.device_code or key.desa_code:
        return error_answer(409, "no_device_code", "kunci ini tidak memiliki kode perangkat dari pusat; daftarkan komputer "
                                                   "ini dengan kode pendaftaran baru")
    try:
        successor = _replace_key(key, machine, restored_up_to)
    except keys.KeyReplaced:
        refusal, details = keys.replaced_refusal(key)
        return error_answer(*refusal, **details)
    return jsonify({"key_id": successor.key_id, "secret": successor.secret, "device_code": successor.device_code,
                    "kecamatan_code": g.kecamatan.code,
                    "highest_sequence": keys.highest_sequence(g.kecamatan, successor.device_code)})


@api_blueprint.get("/v1/probe")
def probe():
    answer = {"center": current_app.config["CENTER_NAME"], "kecamatan_code": g.kecamatan.code,
              "protocol": protocol.PROTOCOL_VERSION, "min_protocol": protocol.MIN_PROTOCOL_VERSION,
              "photo_codecs": list(jpeg_transit.CODECS), "time": utc_now().isoformat(),
              # What the pass's other requests would bring, so that it makes only those that bring something.
              **updates.probe_news(current_app.config["DATA_DIR"], g.device_key,
                                   protocol.reported_version(request.headers)[1]),
              "fleet_report": fleet.REPORT_SHAPE}  # the report's shape it takes (sync/center/fleet.py; 0.3.0: True)
    if not g.device_key.desa_code:  # a counter PC
        answer.update(relay.waiting_for(g.kecamatan))
    return jsonify(answer)


def _manifest_items(body):
    items = body.get("items") if body else None
    if not isinstance(items, list) or len(items) > 5000:
        return None
    cleaned = []
    for item in items:
        if not (isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("hash"), str)
                and isinstance(item.get("version"), int) and not isinstance(item.get("version"), bool)):
            return None
        # Only well-formed ids, versions and hashes reach the database (no overflow, no stray surrogates).
        if (not protocol.REGISTRATION_NUMBER.match(item["id"]) or not 1 <= item["version"] <= 10000
                or not protocol.HEX64.fullmatch(item["hash"])):
            return None
        cleaned.append({"id": item["id"], "version": item["version"], "hash": item["hash"]})
    return cleaned


@api_blueprint.post("/v1/manifest")
def manifest():
    items = _manifest_items(json_body())
    if items is None:
        return error_answer(400, "bad_request", "items harus daftar {id, version, hash, size} yang sah")
    return jsonify(records.answer_manifest(g.kecamatan, items))


# Applications of a packet stored together at most: their restored photos wait in memory (<= 2 MB each).
STORE_TOGETHER = 20


@api_blueprint.post("/v1/packets")
def packets():
    """A packet of applications, read as it arrives: each application is stored whole once its photo
    and MAC are here and check out, and before the center waits for more of the body. Those that have
    arrived whole together (a fast link) are restored together first, then stored one by one
    (records.store_packet_items). When the connection dies mid-body the ones
    arrived whole are stored, and the kecamatan's manifest finds them before it sends the rest. The
    answer has one result per application in the packet's order, without id and version (the photos'
    heads travel together, the hash as its check, the number in the record)."""
    if not streamed():
        return error_answer(400, "bad_packet", "paket harus dikirim sebagai " + protocol.PACKET_CONTENT_TYPE)
    packet = protocol.StreamedPacket(request.stream.read, request.content_length or 0, g.device_key.secret,
                                     g.request_nonce)
    bytes_waiting = request.environ.get(BYTES_WAITING, lambda wanted: 0)  # 0: store each as it arrives
    outcomes, arrived = [], []

    def store_arrived():
        together = arrived[:]
        arrived.clear()
        outcomes.extend(records.store_packet_items(g.kecamatan, together, short_hash=True,
                                                   device_code=g.device_key.device_code,
                                                   key_id=g.device_key.key_id))
    try:
        heads = jpeg_transit.split_heads(packet.open().headers, packet.photo_heads)
        for header, photo in packet.items():
            header, photo = jpeg_transit.attach_head(header, photo, heads)
            arrived.append((protocol.numbered(header), photo))
            following = packet.next_item_bytes()
            if len(arrived) >= STORE_TOGETHER or (following and bytes_waiting(following) < following):
                store_arrived()  # the next one is not all here yet: nothing arrived waits with it
        store_arrived()
    except (protocol.PacketError, OSError, ClientDisconnected) as problem:
        # A cut body (the connection died or stalled past the server's timeout) is answered to
        # nobody; an altered item to its sender. Either way the rest of the body is not read, and
        # the whole items before it, each checked by its own MAC, are stored.
        store_arrived()
        request.environ[CLOSE_AFTER_ANSWER] = True
        log.info("streamed packet ended after %d items: %s", len(outcomes), type(problem).__name__)
        if isinstance(problem, protocol.PacketError):
            return packet_refusal(problem, f"paket ditolak setelah {len(outcomes)} permohonan: {problem}")
        return error_answer(400, "bad_packet", f"paket ditolak setelah {len(outcomes)} permohonan: sambungan putus")
    return packet_answer([outcome.as_json(named=False) for outcome in outcomes])


@api_blueprint.get("/v1/statuses")
def statuses():
    cursor, limit = cursor_args()
    if cursor is None:
        return error_answer(400, "bad_request", "after harus bilangan bulat 0 sampai %d, limit bilangan bulat" % MAX_CURSOR)
    return jsonify(status_page(cursor, limit))

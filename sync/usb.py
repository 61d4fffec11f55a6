"""Files for a USB stick when there is no link at all (docs/sync-protocol.md, "USB").

A batch file (.lkb) is one JSON line (the head: format, key id, part n of m, set id, a nonce),
then the packet the API carries, encrypted with AES-256-GCM under a key derived (HKDF-SHA256)
from the device's enrolment secret, the head line as associated data: whoever takes the stick
reads no NIK, name or photo, and a changed head or body is refused. A status file (.lks) is one
JSON line and the events as JSON (registration numbers, statuses, hashes, the operator's reason:
no NIK, name or photo, so signed, not encrypted) signed by the center with the same key. Both ends check them exactly as they check the API.
An office's batch file also carries its health report (issue 81, app/updates/fleet_report.py), sealed in the
head under the same key with a nonce of its own: the head is the body's associated data, so no stick changes it.
"""
import base64
import json
import logging
import os
import time
from datetime import datetime, timezone

from sync import protocol

log = logging.getLogger(__name__)
BATCH_FORMAT = "loket-batch-3"
STATUS_FORMAT = "loket-status-1"
# Plaintext files of the versions before encryption: refused, the office exports again (its
# outbox still holds everything the center has not answered).
# loket-batch-2 carried a packet format of the older protocol versions: exported again likewise.
OLD_BATCH_FORMATS = ("loket-batch-1", "loket-batch-2")
# The file's packet is the one packet format; the file is authenticated by AES-GCM, so its items'
# MACs are made with this fixed nonce rather than a request's.
USB_SEAL_NONCE = "usb-batch"
# The encryption key is its own HKDF output, never the HMAC key the API signs with.
BATCH_KEY_INFO = b"loket-kecamatan usb batch aes-256-gcm v2"
# One file per center request: within its body limit with room for the upload's form framing,
# and within the packet's application count. A backlog becomes as many files as it needs.
MAX_BATCH_FILE_BYTES = protocol.MAX_PACKET_BYTES - 64 * 1024
MAX_BATCH_FILE_ITEMS = protocol.MAX_APPLICATIONS_PER_PACKET
REPORT_FIELD = "report"  # the head's sealed health report (a file of an older office has none)
REPORT_AAD = b"loket-kecamatan health report"
REPORT_SHAPE_FIELD = "fleet_report"  # a status file's: the report's shape the center takes (the probe's key)
# The office's report, plugged by app/updates/fleet_report.py (sync/ imports no capability): "build" gives it
# (or None), "taken" is told when a status file came back (the center read the files before it wrote it).
office_report_hooks: dict = {}


def office_report() -> dict | None:
    try:
        return office_report_hooks["build"]() if "build" in office_report_hooks else None
    except Exception:  # the report is worth less than the files: they go without it
        log.warning("the health report could not be built for the USB files", exc_info=True)
        return None


def office_report_taken(shape: int | None = None) -> None:
    """A status file came back; `shape`: the report's shape its center takes (None: an older center's file)."""
    try:
        if "taken" in office_report_hooks:
            office_report_hooks["taken"](shape)
    except Exception:  # counted again in the next file's report, never a refused status file
        log.warning("the health report's counts could not be marked taken", exc_info=True)


class BatchFileError(ValueError):
    """A file that is not a valid, signed batch or status file (Indonesian message)."""


def write_batch_file(key_id: str, secret: str, items: list[tuple[dict, bytes]], part: int = 1, parts: int = 1,
                     set_id: str = "", report: dict | None = None) -> bytes:
    """One encrypted file; `part` of `parts` in the set `set_id` (each file stands alone, with the report)."""
    packet = protocol.encode_packet(items, (secret, USB_SEAL_NONCE))
    return seal_batch_packet(key_id, secret, packet, len(items), part, parts, set_id, report)


def _aead(secret: str):
    """AES-256-GCM under the batch key. `cryptography` (some 7 MB) is loaded when a file is written or
    read, not with every office process that merely could (the server, the sync pass)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    return AESGCM(batch_key(secret))


def batch_key(secret: str) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=BATCH_KEY_INFO).derive(secret.encode("ascii"))


def seal_batch_packet(key_id: str, secret: str, packet: bytes, count: int, part: int = 1, parts: int = 1,
                      set_id: str = "", report: dict | None = None) -> bytes:
    """Head line in clear (to find the key and name the part) but bound to the body as associated data; the
    health report sealed in it (an older center reads past the key it does not know)."""
    nonce = os.urandom(12)
    head = {"format": BATCH_FORMAT, "key_id": key_id, "timestamp": str(int(time.time())),
            "nonce": base64.b64encode(nonce).decode(), "count": count, "part": part, "parts": parts, "set": set_id}
    if report is not None:
        report_nonce = os.urandom(12)  # never the body's: one key, two messages
        sealed = _aead(secret).encrypt(report_nonce, protocol.canonical_json(report), REPORT_AAD)
        head[REPORT_FIELD] = base64.b64encode(report_nonce + sealed).decode()
    head_line = json.dumps(head).encode()
    return head_line + b"\n" + _aead(secret).encrypt(nonce, packet, head_line)


def file_report(head: dict, secret: str, max_bytes: int) -> tuple[object, str]:
    """The report a batch file's head carries (its body already opened: the head is authentic), or None and
    the Indonesian reason it cannot be read."""
    from cryptography.exceptions import InvalidTag
    sealed = head.get(REPORT_FIELD)
    if isinstance(sealed, str) and len(sealed) > (max_bytes + 28) * 4 // 3 + 4:
        return None, f"laporan kesehatan terlalu besar (paling banyak {max_bytes} bita)"
    try:
        raw = base64.b64decode(sealed if isinstance(sealed, str) else "-", validate=True)
        plain = _aead(secret).decrypt(raw[:12], raw[12:], REPORT_AAD)
        return json.loads(plain), ""
    except (ValueError, InvalidTag):
        return None, "laporan kesehatan pada berkas rusak"


def split_for_files(items: list[tuple[dict, bytes]], max_bytes: int = MAX_BATCH_FILE_BYTES,
                    max_items: int = MAX_BATCH_FILE_ITEMS) -> list[list[tuple[dict, bytes]]]:
    """Greedy split in order; each group's file stays within max_bytes and max_items."""
    groups, current, size = [], [], 4096  # the head line and the packet's own header, generously
    for header, photo in items:
        cost = len(photo) + len(protocol.canonical_json(header)) + 64
        if current and (size + cost > max_bytes or len(current) >= max_items):
            groups.append(current)
            current, size = [], 4096
        current.append((header, photo))
        size += cost
    if current:
        groups.append(current)
    return groups


def write_batch_files(key_id: str, secret: str, items: list[tuple[dict, bytes]], set_id: str,
                      max_bytes: int = MAX_BATCH_FILE_BYTES, max_items: int = MAX_BATCH_FILE_ITEMS,
                      report: dict | None = None) -> list[bytes]:
    """The whole backlog as numbered files, each importable alone and in any order, each with the report:
    with nothing waiting, one file that carries the report alone (the center hears of the office; issue 89)."""
    groups = split_for_files(items, max_bytes, max_items) or ([[]] if report is not None else [])
    return [write_batch_file(key_id, secret, group, index, len(groups), set_id, report)
            for index, group in enumerate(groups, start=1)]


def batch_file_name(digits: str, set_id: str, part: int, parts: int) -> str:
    """'kiriman-350807-20261122-1342-03-dari-07.lkb': sorts in order, says which part it is."""
    width = max(2, len(str(parts)))
    return f"kiriman-{digits}-{set_id}-{part:0{width}d}-dari-{parts:0{width}d}.lkb"


def part_label(head: dict) -> str:
    """'berkas 3 dari 7' from a file's head (or 'berkas ini' for a file without parts)."""
    part, parts = head.get("part"), head.get("parts")
    if isinstance(part, int) and isinstance(parts, int) and 1 <= part <= parts:
        return f"berkas {part} dari {parts}"
    return "berkas ini"


def written_at(head: dict) -> datetime | None:
    """When the office wrote the file (its head's timestamp, bound to the body), naive UTC; None if absent."""
    stamp = head.get("timestamp")
    if not (isinstance(stamp, str) and stamp.isdigit() and len(stamp) <= 12):
        return None
    return datetime.fromtimestamp(int(stamp), timezone.utc).replace(tzinfo=None)


def _split(content: bytes, expected_format: str) -> tuple[dict, bytes, bytes]:
    head_line, _, rest = content.partition(b"\n")
    try:
        head = json.loads(head_line)
    except (ValueError, UnicodeDecodeError):
        head = None
    if isinstance(head, dict) and head.get("format") in OLD_BATCH_FORMATS and expected_format == BATCH_FORMAT:
        why = "tanpa enkripsi" if head.get("format") == "loket-batch-1" else "dengan format paket lama"
        raise BatchFileError(f"Berkas kiriman ini dibuat oleh versi lama Loket Kecamatan {why} dan tidak "
                             "diterima lagi. Di kecamatan, perbarui aplikasi lalu buat ulang berkas kiriman "
                             "(permohonan yang belum dijawab pusat masih menunggu di sana), dan hapus berkas lama "
                             "dari flashdisk.")
    if not isinstance(head, dict) or head.get("format") != expected_format:
        raise BatchFileError("Berkas ini bukan berkas kiriman Loket Kecamatan.")
    return head, head_line, rest


def read_batch_file(content: bytes, find_key, with_head: bool = False):
    """Decrypt and check a batch file with the live key found by find_key(key_id); (key, items[, head])."""
    head, head_line, sealed = _split(content, BATCH_FORMAT)
    key = find_key(str(head.get("key_id", "")))
    if key is None:
        raise BatchFileError("Kunci perangkat pada berkas tidak dikenal atau sudah dicabut.")
    from cryptography.exceptions import InvalidTag
    try:
        nonce = base64.b64decode(str(head.get("nonce", "")), validate=True)
        packet = _aead(key.secret).decrypt(nonce, sealed, head_line)
    except (ValueError, InvalidTag):
        raise BatchFileError("Berkas kiriman tidak dapat dibuka dengan kunci perangkat ini: berkas rusak, diubah, "
                             "atau dibuat oleh perangkat lain.") from None
    try:
        items = protocol.decode_packet(packet, (key.secret, USB_SEAL_NONCE))
    except protocol.TooManyApplications as problem:
        raise BatchFileError(f"{part_label(head).capitalize()} berisi {problem.count} permohonan, lebih dari batas "
                             f"{protocol.MAX_APPLICATIONS_PER_PACKET} per berkas (berkas dari versi lama). "
                             "Buat ulang berkas kiriman di kecamatan: sekarang otomatis dibagi.") from None
    except protocol.PacketError as problem:
        raise BatchFileError(f"Isi {part_label(head)} rusak: {problem}") from None
    return (key, items, head) if with_head else (key, items)


def write_status_file(key, events: list[dict], held: list | None = None, report_shape: int | None = None) -> bytes:
    """`held`: [[outbox key, version, content hash]] of the /cek records and performance reports the center holds
    of the kecamatan, so an office on USB only stops carrying them in every file (issue 72; a file without it
    acknowledges none). `report_shape`: the health report's shape this center takes, as its probe says it to a
    pass (sync/center/fleet.REPORT_SHAPE): the office's next files carry that shape (issue 94)."""
    body = json.dumps({"events": events, **({"held": held} if held is not None else {}),
                       **({REPORT_SHAPE_FIELD: report_shape} if report_shape is not None else {})},
                      ensure_ascii=False).encode()
    nonce = protocol.new_nonce()
    head = {"format": STATUS_FORMAT, "key_id": key.key_id, "nonce": nonce,
            "signature": protocol.sign_response(key.secret, nonce, 200, body)}
    return json.dumps(head).encode() + b"\n" + body


def read_status_file(content: bytes, key_id: str, secret: str, with_held: bool = False):
    """The events (and with `with_held`, what the center holds beside applications: {key: [(version, hash)]}, a
    report's every version, and the health report's shape the center takes: an int, or None from an older
    center), checked with our key."""
    head, _, body = _split(content, STATUS_FORMAT)
    if head.get("key_id") != key_id:
        raise BatchFileError("Berkas status ini untuk perangkat lain.")
    expected = protocol.sign_response(secret, str(head.get("nonce", "")), 200, body)
    if not protocol.signatures_match(expected, str(head.get("signature", ""))):
        raise BatchFileError("Tanda tangan berkas status tidak cocok: berkas rusak atau diubah.")
    parsed = json.loads(body)
    events = parsed.get("events")
    if not isinstance(events, list):
        raise BatchFileError("Isi berkas status rusak.")
    if not with_held:
        return events
    held = {}
    for entry in parsed.get("held") or []:
        if isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str) and isinstance(entry[2], str) \
                and isinstance(entry[1], int) and not isinstance(entry[1], bool):
            held.setdefault(entry[0], []).append((entry[1], entry[2]))
    shape = parsed.get(REPORT_SHAPE_FIELD)
    return events, held, (shape if type(shape) is int and 1 <= shape <= 100 else None)

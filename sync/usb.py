"""Files for a USB stick when there is no link at all (docs/sync-protocol.md, "USB").

A batch file (.lkb) is one JSON line naming the key, a nonce and a signature, then the same
packet bytes the API carries; a status file (.lks) is one JSON line and the events as JSON,
signed by the center with the same key. Both ends check them exactly as they check the API.
"""
import json
import time

from sync import protocol

BATCH_FORMAT = "loket-batch-1"
STATUS_FORMAT = "loket-status-1"
BATCH_PATH = "/usb/batch"
MAX_BATCH_FILE_BYTES = 512 * 1024 * 1024


class BatchFileError(ValueError):
    """A file that is not a valid, signed batch or status file (Indonesian message)."""


def write_batch_file(key_id: str, secret: str, items: list[tuple[dict, bytes]]) -> bytes:
    packet = protocol.encode_packet(items)
    timestamp, nonce = str(int(time.time())), protocol.new_nonce()
    head = {"format": BATCH_FORMAT, "key_id": key_id, "timestamp": timestamp, "nonce": nonce, "count": len(items),
            "signature": protocol.sign_request(secret, "USB", BATCH_PATH, timestamp, nonce, packet)}
    return json.dumps(head).encode() + b"\n" + packet


def _split(content: bytes, expected_format: str) -> tuple[dict, bytes]:
    head_line, _, rest = content.partition(b"\n")
    try:
        head = json.loads(head_line)
    except (ValueError, UnicodeDecodeError):
        head = None
    if not isinstance(head, dict) or head.get("format") != expected_format:
        raise BatchFileError("Berkas ini bukan berkas kiriman Loket Kecamatan.")
    return head, rest


def read_batch_file(content: bytes, find_key) -> tuple[object, list[tuple[dict, bytes]]]:
    """Check a batch file's signature with the live key found by find_key(key_id); (key, items)."""
    head, packet = _split(content, BATCH_FORMAT)
    key = find_key(str(head.get("key_id", "")))
    if key is None:
        raise BatchFileError("Kunci perangkat pada berkas tidak dikenal atau sudah dicabut.")
    expected = protocol.sign_request(key.secret, "USB", BATCH_PATH, str(head.get("timestamp", "")),
                                     str(head.get("nonce", "")), packet)
    if not protocol.signatures_match(expected, str(head.get("signature", ""))):
        raise BatchFileError("Tanda tangan berkas tidak cocok: berkas rusak atau diubah.")
    try:
        return key, protocol.decode_packet(packet)
    except protocol.PacketError as problem:
        raise BatchFileError(f"Isi berkas rusak: {problem}") from None


def write_status_file(key, events: list[dict]) -> bytes:
    body = json.dumps({"events": events}, ensure_ascii=False).encode()
    nonce = protocol.new_nonce()
    head = {"format": STATUS_FORMAT, "key_id": key.key_id, "nonce": nonce,
            "signature": protocol.sign_response(key.secret, nonce, 200, body)}
    return json.dumps(head).encode() + b"\n" + body


def read_status_file(content: bytes, key_id: str, secret: str) -> list[dict]:
    head, body = _split(content, STATUS_FORMAT)
    if head.get("key_id") != key_id:
        raise BatchFileError("Berkas status ini untuk perangkat lain.")
    expected = protocol.sign_response(secret, str(head.get("nonce", "")), 200, body)
    if not protocol.signatures_match(expected, str(head.get("signature", ""))):
        raise BatchFileError("Tanda tangan berkas status tidak cocok: berkas rusak atau diubah.")
    events = json.loads(body).get("events")
    if not isinstance(events, list):
        raise BatchFileError("Isi berkas status rusak.")
    return events

"""The wire protocol shared by both ends (docs/sync-protocol.md): signing, hashing, packets.

Pure functions, no Flask and no database, so the kecamatan client, the center and the
tests all use the same definitions.
"""
import base64
import hashlib
import hmac
import io
import json
import re
import secrets
import struct
import zlib

API_PREFIX = "/api/v1"
# The center speaks the current protocol version and the previous one, so a regency can update its
# PCs over weeks (docs/sync-protocol.md, "Versions and capabilities"); a PC older than that is told
# to update and keeps its outbox. Version 6: requests signed in one short header (AUTH_HEADER,
# signatures in base64url, JSON answers deflated), manifests deflated (JSON_DEFLATE), photos that
# may travel Lepton-recompressed (PHOTO_CODECS, their heads deflated together per packet), every
# packet in the LKP5 format (encode_packet), read by the center as it arrives. Version 7: the same,
# and every request reports the PC's protocol and app version (VERSION_HEADER); a request without
# it is a version 6 PC's. The probe announces `protocol` and `min_protocol` and the client
# negotiates (CenterClient.negotiate).
PROTOCOL_VERSION = 7
MIN_PROTOCOL_VERSION = PROTOCOL_VERSION - 1
# A packet that asks with ?statuses_after=<cursor>&statuses_limit=<n> (the pass's last) is answered with
# the pass's first status page beside its results, as GET /statuses would answer it after the packet.
# A center that does not know them answers without it, and the pass asks for the page on its own.
RIDE_AFTER, RIDE_LIMIT = "statuses_after", "statuses_limit"
# Lossless photo codecs, the kecamatan's preference first (sync/jpeg_transit.py): Lepton's two, then JPEG XL's
# JPEG recompression where Lepton has no wheel. Named in the probe's answer: a new one needs no new version.
PHOTO_CODECS = ("lepton-hz", "lepton", "jpegxl")

HEADER_KEY = "X-Loket-Key"
HEADER_TIMESTAMP = "X-Loket-Timestamp"
HEADER_NONCE = "X-Loket-Nonce"
HEADER_SIGNATURE = "X-Loket-Signature"
# The four headers above in one (the center still reads the long form, which the tests and tools sign), "<key id> <timestamp> <nonce> <signature>", the
# signature (same HMAC, same string) in unpadded base64url; the answer's X-Loket-Signature then
# comes in base64url too, and JSON answers come deflated without an `Accept` asking for it.
# ~150 bytes less a request head, ~20 requests a pass on a 256 kbit/s link.
AUTH_HEADER = "X-Loket-Auth"

# "<protocol version> <app version>" of the PC that signed the request (protocol 7; ~26 bytes a
# request). Outside the signature, as version 6 signed without it: it is a report for the
# center's pages and a refusal of PCs too old, nothing that grants anything.
VERSION_HEADER = "X-Loket-Version"
PROTOCOL_WITHOUT_VERSION_HEADER = 6
_VERSION_REPORT = re.compile(r"^(\d{1,4}) ([0-9A-Za-z.+!_-]{1,32})\Z")


def version_report(app_version: str) -> str:
    return f"{PROTOCOL_VERSION} {app_version}"


def reported_version(headers) -> tuple[int, str]:
    """(protocol version, app version) a request reports; a version 6 PC's reports nothing: (6, "").
    A report that does not parse counts as the oldest: (0, "")."""
    report = headers.get(VERSION_HEADER)
    if report is None:
        return PROTOCOL_WITHOUT_VERSION_HEADER, ""
    found = _VERSION_REPORT.match(report)
    return (int(found.group(1)), found.group(2)) if found else (0, "")


# An answer (inflated or not) larger than this is not the center's: the office reads no further
# (sync/client/transport.py, pipeline.py), so a broken or hostile far end cannot fill its memory.
MAX_ANSWER_BYTES = 16 * 1024 * 1024

# Requests older or newer than this are refused; nonces are kept twice as long.
TIMESTAMP_WINDOW_SECONDS = 300
NONCE_PATTERN = re.compile(r"^[0-9a-f]{16,64}\Z")
HEX64 = re.compile(r"[0-9a-f]{64}")  # a SHA-256 or HMAC in hex: use fullmatch (a "$" lets a newline through)

PACKET_MAGIC = b"LKP5"
# An application's header `hash` is the content hash's first 16 hex characters (64 bits). The center
# computes the whole hash from the record and the original JPEG (it must, to store it); the
# claim only catches a photo that decoded to other bytes or a record hashed differently, which
# 64 bits do as well as 256 (each item carries a MAC: nothing on the way can aim at it).
HASH_CHECK_CHARS = 16
# A packet request's signature covers its head (STREAMED_BODY in place of the body's hash): the
# center checks the head before the body has arrived; each item carries its own MAC (item_tag)
# bound to the head.
PACKET_CONTENT_TYPE = "application/x-loket-packet"
STREAMED_BODY = "lkp5-items"
ITEM_TAG_BYTES = 12  # 96 bits: a forgery is an online guess, one request per try
JSON_CONTENT_TYPE = "application/json"
JSON_DEFLATE = "application/x-loket-json-deflate"  # zlib-deflated JSON, either way
DEFLATE_FROM_BYTES = 256  # smaller answers are not worth deflating
# The center refuses bodies larger than this before reading them (a 50 MB packet never lands).
MAX_PACKET_BYTES = 8 * 1024 * 1024
MAX_PHOTO_BYTES = 2 * 1024 * 1024
MAX_APPLICATIONS_PER_PACKET = 200

# The fields of an application's record, the one list both ends read (app/registration/sync_records.py
# sends them, sync/center/records.py keeps these and no other); the phone and notes stay at the kecamatan.
APPLICATION_FIELDS = ("registration_number", "nik", "kk_number", "full_name", "birth_place", "birth_date", "sex",
                      "address", "rt", "rw", "desa_code", "religion", "marital_status", "occupation", "reason",
                      "biometric_done")
# A relayed desa form's record: the F-1.07's QR payload (app/desa/qr.payload_of: "f" holds the form's
# fields, person_rules.EDITABLE_FIELDS) and the photo's background. It travels on to the kecamatan, whose
# content hash check would fail on a changed record, so a record with any other field is refused.
PRE_REGISTRATION_FIELDS = frozenset({"v", "k", "g", "n", "o", "t", "f", "p", "pb"})

# Statuses the center reports back (the client maps them to ApplicationStatus).
CENTER_STATUSES = ("received", "printed", "shipped", "rejected", "resend")
# ... in the words both programs' pages use (the wire's names are never shown); "renumber": a conflict's decision
CENTER_STATUS_WORDS = {"received": "Diterima", "printed": "Dicetak", "shipped": "Dikirim", "rejected": "Ditolak",
                       "resend": "Diminta kirim ulang", "renumber": "Nomor baru"}

# Numbers, one definition each, used by the maker (the kecamatan, the desa PC) and the checker (the center).
# The device part names the PC that numbered it: a counter PC's ("01", the center's "P3") or a desa PC's.
DEVICE_PART = r"[0-9A-Za-z]{1,4}"
# Sequences: 6 digits at least, up to 9 (a restore starts a new million: generation * 1,000,000 + 1).
SEQUENCE_MAX = 10 ** 9 - 1
# A registration number: kecamatan code digits (6), device, sequence: "350807-01-000123".
# \Z, not $: a "$" lets a trailing newline through match() (issue 61's relay finding)
REGISTRATION_NUMBER = re.compile(rf"^(\d{{6}})-({DEVICE_PART})-(\d{{6,9}})\Z")
# A pre-registration number: "PRA-", the desa code digits (10), the PC ("D1", "01"), a sequence.
PRE_REGISTRATION_NUMBER = re.compile(rf"^PRA-(\d{{10}})-({DEVICE_PART})-(\d{{6,9}})\Z")
# A desa PC's code: "D" and its number in base 36 (1 to 3 characters), so it stays a DEVICE_PART for
# 46,655 PCs per desa whatever happens to the kecamatan's data (codes made before were "D" + decimal).
DESA_PC_CODE = re.compile(r"^D[0-9A-Z]{1,3}\Z")
DESA_PC_CODES = 36 ** 3 - 1
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def desa_pc_code(number: int) -> str:
    """The code of the `number`-th desa PC of a desa: 1 -> "D1", 36 -> "D10", DESA_PC_CODES -> "DZZZ"."""
    if not 1 <= number <= DESA_PC_CODES:
        raise ValueError(f"nomor komputer desa di luar 1-{DESA_PC_CODES}")
    digits = ""
    while number:
        number, digit = divmod(number, 36)
        digits = _BASE36[digit] + digits
    return "D" + digits


def pre_registration_number(desa_digits: str, device: str, sequence: int) -> str:
    """'PRA-3508072001-D1-000007'; ValueError for anything the center would refuse."""
    number = f"PRA-{desa_digits}-{device}-{sequence:06d}"
    if not (0 < sequence <= SEQUENCE_MAX and PRE_REGISTRATION_NUMBER.fullmatch(number)):
        raise ValueError(f"nomor pra-pendaftaran {number[:60]} di luar format yang diterima pusat")
    return number


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_nonce() -> str:
    return secrets.token_hex(16)


def new_secret() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def _key_bytes(secret: str) -> bytes:
    return secret.encode("ascii")


# A signed request's body carries its CRC-32 here (not for a packet: its items carry MACs). Not part of the
# signature: when the signature fails, it tells a body damaged on the way (sent again) from a key the
# center does not accept (answered 401).
BODY_CHECK_HEADER = "X-Loket-Body-Check"


def body_check(body: bytes) -> str:
    return f"{zlib.crc32(body):08x}"


def string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes | None) -> bytes:
    """What the request signature covers: method, path (with query), time, nonce, body hash
    (STREAMED_BODY for a packet, `body` None: its items carry their own MACs)."""
    digest = STREAMED_BODY if body is None else sha256_hex(body)
    return "\n".join([method.upper(), path, str(timestamp), nonce, digest]).encode()


def sign_request(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes | None) -> str:
    return hmac.new(_key_bytes(secret), string_to_sign(method, path, timestamp, nonce, body), "sha256").hexdigest()


def item_tag(secret: str, nonce: str, index: int, digest: bytes) -> bytes:
    """A packet item's MAC: the request's nonce (so it belongs to this signed request), the item's
    place, and the SHA-256 of every body byte before the tag (the packet's heads, the items before
    it with their tags, its own photo), so an item stored is authentic, in order, and this
    request's; a swapped, foreign, replayed or altered item fails it."""
    message = b"loket-item\n" + nonce.encode("ascii") + b"\n" + str(index).encode() + b"\n" + digest
    return hmac.new(_key_bytes(secret), message, "sha256").digest()[:ITEM_TAG_BYTES]


def sign_response(secret: str, request_nonce: str, status: int, body: bytes) -> str:
    """The center signs its answer over the request's nonce: a hotspot page cannot forge it."""
    message = "\n".join(["response", request_nonce, str(status), sha256_hex(body)]).encode()
    return hmac.new(_key_bytes(secret), message, "sha256").hexdigest()


def sign_ticket(secret: str, ticket: dict) -> str:
    """A kecamatan's desa enrolment ticket, signed with its own key: the center holds the same
    secret, so it can tell that this kecamatan issued it (docs/sync-protocol.md, "Relay")."""
    return hmac.new(_key_bytes(secret), b"loket-desa-ticket\n" + canonical_json(ticket), "sha256").hexdigest()


def previous_key_proof(old_secret: str, kecamatan_code: str, enrolment_code: str, old_key_id: str) -> str:
    """A PC enrolling again proves it held `old_key_id` (a key the center revoked): an HMAC with the
    old secret over this enrolment's one-time code (compact, lower case), so a proof seen once
    serves no other enrolment. docs/sync-protocol.md, "Identity"."""
    message = "\n".join(["loket-previous-key", kecamatan_code, enrolment_code, old_key_id]).encode()
    return hmac.new(_key_bytes(old_secret), message, "sha256").hexdigest()


def compact_signature(hex_signature: str) -> str:
    """A hex HMAC as unpadded base64url (43 characters for SHA-256)."""
    return base64.urlsafe_b64encode(bytes.fromhex(hex_signature)).decode().rstrip("=")


def auth_header(key_id: str, timestamp: str, nonce: str, hex_signature: str) -> str:
    return f"{key_id} {timestamp} {nonce} {compact_signature(hex_signature)}"


def request_credentials(headers) -> tuple[str, str, str, str, bool]:
    """(key id, timestamp, nonce, signature, compact) of a signed request, in either form; empty
    strings for what is missing. `compact`: it came in AUTH_HEADER (its signature is base64url)."""
    compact = headers.get(AUTH_HEADER)
    if compact is not None:
        parts = compact.split(" ")
        return (*parts, True) if len(parts) == 4 else ("", "", "", "", True)
    return (headers.get(HEADER_KEY, ""), headers.get(HEADER_TIMESTAMP, ""), headers.get(HEADER_NONCE, ""),
            headers.get(HEADER_SIGNATURE, ""), False)


def signatures_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), (given or "").encode())


def timestamp_fresh(timestamp: str, now: float, window: int = TIMESTAMP_WINDOW_SECONDS) -> bool:
    try:
        value = int(timestamp)
    except (TypeError, ValueError):
        return False
    return abs(now - value) <= window


def canonical_json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def deflate(data: bytes) -> bytes:
    return zlib.compress(data, 9)


def inflate(data: bytes, limit: int) -> bytes:
    """Deflated bytes back, at most `limit` of them; ValueError for a damaged stream or a bomb."""
    try:
        unpacker = zlib.decompressobj()
        plain = unpacker.decompress(data, limit)
        if unpacker.unconsumed_tail or not unpacker.eof:
            raise ValueError("isi terkompresi rusak atau terlalu besar")
    except zlib.error:
        raise ValueError("isi terkompresi rusak") from None
    return plain


def content_hash(record: dict, photo_sha256: str) -> str:
    """The identity of one version of an application: its record and its photo, together."""
    return sha256_hex(canonical_json({"record": record, "photo_sha256": photo_sha256}))


def kecamatan_digits(kemendagri_code: str) -> str:
    """'35.08.07' -> '350807', the prefix of every registration number made there."""
    return re.sub(r"\D", "", kemendagri_code or "")


def is_jpeg(data: bytes) -> bool:
    # JPEG starts with SOI + a marker and ends with EOI (ITU T.81, B.1.1.2).
    return len(data) > 4 and data[:3] == b"\xff\xd8\xff" and data.rstrip(b"\x00")[-2:] == b"\xff\xd9"


class PacketError(ValueError):
    """A packet body that does not follow the format."""


class PacketDamaged(PacketError):
    """Bytes changed on the way: an item's MAC or the packed heads do not check out, under a head whose
    signature did (the key is right). The kecamatan sends it again; never a refusal of its key."""


class TooManyApplications(PacketError):
    """A well-formed packet with more applications than one packet may carry."""

    def __init__(self, count: int):
        super().__init__("kepala paket harus daftar berisi paling banyak %d permohonan" % MAX_APPLICATIONS_PER_PACKET)
        self.count = count


def _header_template(codec: str, biometric: bool, **values) -> dict:
    record = {"address": "", "biometric_done": biometric, "birth_date": "19", "birth_place": "", "desa_code": "",
              "full_name": "", "kk_number": "", "marital_status": "", "nik": "", "occupation": "", "reason": "",
              "religion": "", "registration_number": "", "rt": "0", "rw": "0", "sex": ""}
    return {"hash": "", "id": "", "photo_codec": codec, "photo_size": 1, "record": dict(record, **values), "version": 1}


# The preset dictionary of a packet's JSON headers: their shape (field names, the common words of
# the forms), nothing of any office's data. Part of the wire format: never changed under LKP5.
HEADER_DICTIONARY = canonical_json([
    _header_template("lepton", True, marital_status="Belum Kawin", reason="baru", religion="Islam", sex="P"),
    _header_template("lepton-hz", False, marital_status="Kawin", reason="hilang", religion="Kristen", sex="L"),
])


def encode_packet(items: list[tuple[dict, bytes]], seal: tuple[str, str], photo_heads: bytes = b"") -> bytes:
    """The one packet format (LKP5). items: (header, photo) pairs; `seal`: (secret, nonce) that
    each item's MAC is made with (a request's nonce, or the USB files' own).

    Layout: magic, u32 len + the JSON headers deflated against HEADER_DICTIONARY, u32 len +
    `photo_heads` (the photos' Lepton heads of the whole packet deflated together,
    sync/jpeg_transit.py join_heads; empty when no photo is recompressed), then each photo
    followed by its item_tag. A header may say `photo_codec` (PHOTO_CODECS): its photo bytes are
    then that codec's stream (a `lepton-hz` photo's coded image alone), and `photo_size` counts the
    bytes on the wire."""
    headers = [dict(header, photo_size=len(photo)) for header, photo in items]
    deflater = zlib.compressobj(9, zdict=HEADER_DICTIONARY)
    packed = deflater.compress(canonical_json(headers)) + deflater.flush()
    prefix = b"".join([PACKET_MAGIC, struct.pack(">I", len(packed)), packed,
                       struct.pack(">I", len(photo_heads)), photo_heads])
    secret, nonce = seal
    running, parts = hashlib.sha256(prefix), [prefix]
    for index, (_, photo) in enumerate(items):
        running.update(photo)
        tag = item_tag(secret, nonce, index, running.digest())
        running.update(tag)
        parts += [photo, tag]
    return b"".join(parts)


def decode_packet(body: bytes, seal: tuple[str, str]) -> list[tuple[dict, bytes]]:
    """A whole packet's (header, photo) pairs, every item's MAC checked, for the endpoints that
    take photos as they are (the relay's, the performance reports', public status, USB files);
    raises PacketError on anything malformed, altered or recompressed."""
    return read_packet(io.BytesIO(body).read, len(body), seal)


def read_packet(read, length: int, seal: tuple[str, str]) -> list[tuple[dict, bytes]]:
    """decode_packet of a body read as it arrives (StreamedPacket's `read` and `length`)."""
    packet = StreamedPacket(read, length, *seal).open()
    if packet.photo_heads or any(header.get("photo_codec") is not None for header in packet.headers):
        raise PacketError("foto terkompresi ulang hanya untuk pengiriman permohonan")
    return list(packet.items())


def _inflate_headers(packed: bytes) -> list:
    try:
        inflater = zlib.decompressobj(zdict=HEADER_DICTIONARY)
        headers = json.loads(inflater.decompress(packed, 1024 * 1024))
    except (zlib.error, ValueError) as problem:
        raise PacketDamaged(f"kepala paket rusak: {problem}") from None
    if not isinstance(headers, list):
        raise PacketError("kepala paket harus berupa daftar")
    if len(headers) > MAX_APPLICATIONS_PER_PACKET:
        raise TooManyApplications(len(headers))
    return headers


def _photo_size(header) -> int:
    size = header.get("photo_size") if isinstance(header, dict) else None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise PacketError("ukuran foto tidak cocok dengan isi paket")
    codec = header.get("photo_codec")
    if codec is not None and codec not in PHOTO_CODECS:
        raise PacketError(f"kodek foto tidak dikenal: {str(codec)[:20]}")
    return size


class PacketCut(PacketError):
    """A streamed packet whose body ended before its declared length (the connection died)."""


class StreamedPacket:
    """A packet read as it arrives: `read(n)` gives up to n more bytes (b"" at
    the end), `length` is the request's Content-Length, (secret, nonce) the signed head's.

    `open()` reads the headers and the photo heads, and refuses a body whose declared items do
    not add up to `length` before any item is stored; `items()` then yields each (header, wire
    photo) only once the photo and its tag have arrived whole and the tag checks out. A tag that
    does not is a PacketError; a body that ends early is PacketCut: the items yielded before it
    stand, the rest never arrived."""

    def __init__(self, read, length: int, secret: str, nonce: str):
        self._read, self.length, self._secret, self._nonce = read, length, secret, nonce
        self._running = hashlib.sha256()
        self.headers, self.photo_heads = [], b""
        self._next = 0  # the index of the item items() reads next

    def _take(self, count: int) -> bytes:
        chunks, missing = [], count
        while missing:
            chunk = self._read(min(missing, 256 * 1024))
            if not chunk:
                raise PacketCut("paket terpotong: sambungan putus sebelum paket utuh")
            chunks.append(chunk)
            missing -= len(chunk)
        data = b"".join(chunks)
        self._running.update(data)
        return data

    def open(self) -> "StreamedPacket":
        if self.length < 12 or self._take(4) != PACKET_MAGIC:
            raise PacketError("bukan paket Loket (magic salah)")
        (length,) = struct.unpack(">I", self._take(4))
        if length > self.length - 12:
            raise PacketError("paket terpotong")
        self.headers = _inflate_headers(self._take(length))
        (heads_length,) = struct.unpack(">I", self._take(4))
        if 12 + length + heads_length > self.length:
            raise PacketError("paket terpotong")
        self.photo_heads = self._take(heads_length)
        sizes = [_photo_size(header) for header in self.headers]
        if 12 + length + heads_length + sum(sizes) + ITEM_TAG_BYTES * len(sizes) != self.length:
            raise PacketError("ukuran foto tidak cocok dengan panjang paket")
        return self

    def next_item_bytes(self) -> int:
        """The bytes of the item items() reads next (its photo and tag), 0 after the last."""
        if self._next >= len(self.headers):
            return 0
        return self.headers[self._next]["photo_size"] + ITEM_TAG_BYTES

    def items(self):
        for index, header in enumerate(self.headers):
            photo = self._take(header["photo_size"])
            expected = item_tag(self._secret, self._nonce, index, self._running.digest())
            if not hmac.compare_digest(expected, self._take(ITEM_TAG_BYTES)):
                raise PacketDamaged(f"tanda item {index + 1} tidak cocok: paket rusak di jalan atau bukan milik "
                                    "permintaan ini")
            self._next = index + 1
            yield header, photo


def unnumbered(header: dict) -> dict:
    """An application's header leaves out `id` when the record carries it as its `registration_number`."""
    record = header.get("record")
    if isinstance(record, dict) and record.get("registration_number") == header.get("id"):
        return {name: value for name, value in header.items() if name != "id"}
    return header


def numbered(header: dict) -> dict:
    """The center's inverse of unnumbered."""
    record = header.get("record")
    if "id" not in header and isinstance(record, dict):
        return dict(header, id=record.get("registration_number"))
    return header


def hash_claim_matches(content: str, claimed, short: bool) -> bool:
    """Does a header's `hash` name this content hash: the whole of it, or (`short`, an application's) its check?"""
    return isinstance(claimed, str) and (claimed == content or (short and claimed == content[:HASH_CHECK_CHARS]))

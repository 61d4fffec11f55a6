"""Lossless JPEG recompression for the trip to the center (Lepton), never for storage.

Lepton re-codes a JPEG's entropy-coded data with a better model and gives back the very same
bytes on decompression (about 0.7 of the size for our pas foto). The kecamatan compresses before
sending; the center decompresses and checks the original bytes against the content hash, so what
the center stores and hashes is exactly the JPEG the counter took.

Two codecs travel (docs/sync-protocol.md, "Photo codecs"):
- "lepton": the Lepton stream as the library writes it;
- "lepton-hz" (preferred): the same stream with its head made small. A Lepton stream is 28 fixed
  bytes (magic, version, sizes), then the photo's JPEG header (JFIF, quantisation and Huffman
  tables, ~430 bytes) deflated on its own (~330 bytes), then the coded image. Every intake
  photo's header resembles the others', so here the fixed fields and the inflated header are
  deflated against a preset dictionary of such headers (sync/lepton_header.dict, made by
  scripts/make_lepton_dictionary.py; part of the protocol, never changed under this name):
  u16 length, that deflate, the coded image without the stream's trailing u32 length. About 180
  bytes less a photo. The receiver re-deflates the header (any valid deflate will do: Lepton
  inflates it), writes the length again and decodes as usual.

Lepton is optional: its wheels stop at some Python (one per version, no source), and the office
install must work on every supported Python. A PC without it names no codec (CODECS is empty):
its photos travel as their exact JPEG bytes, which every center takes, and a center without it
announces none, so no office sends it Lepton.
"""
import logging
import struct
import zlib
from pathlib import Path

from sync import protocol

try:
    import lepton_jpeg_python
except ImportError:  # no wheel for this Python (pyproject.toml): photos travel as they are
    lepton_jpeg_python = None

log = logging.getLogger(__name__)

PLAIN, COMPACT = "lepton", "lepton-hz"
CODEC = COMPACT  # what the kecamatan sends when the center takes it
# The codecs this PC makes and decodes, in the order of protocol.PHOTO_CODECS (none without Lepton).
CODECS = protocol.PHOTO_CODECS if lepton_jpeg_python is not None else ()
DICTIONARY_PATH = Path(__file__).with_name("lepton_header.dict")
_DICTIONARY = DICTIONARY_PATH.read_bytes()
# Our photos are 300 x 400 and at most 2 MB: anything larger is not a normalised pas foto.
_LIMITS = {"max_jpeg_width": 4096, "max_jpeg_height": 4096, "max_jpeg_file_size": protocol.MAX_PHOTO_BYTES}
_FIXED = 24  # magic, version, format, streams, revision, JPEG size; then u32 deflated header size
_LEPTON_MAGIC = b"\xcf\x84"
_MAX_HEAD = 64 * 1024  # an inflated JPEG header larger than this is not one of ours


def split_lepton(packed: bytes) -> tuple[bytes, bytes]:
    """(fixed fields + inflated JPEG header, coded image) of a Lepton stream; ValueError if it is not one."""
    if len(packed) < _FIXED + 4 or packed[:2] != _LEPTON_MAGIC:
        raise ValueError("bukan aliran Lepton")
    (size,) = struct.unpack("<I", packed[_FIXED:_FIXED + 4])
    head = protocol.inflate(packed[_FIXED + 4:_FIXED + 4 + size], _MAX_HEAD)
    return packed[:_FIXED] + head, packed[_FIXED + 4 + size:]


def _to_compact(packed: bytes) -> bytes:
    head, image = split_lepton(packed)
    if struct.unpack("<I", image[-4:])[0] != len(packed):
        raise ValueError("aliran Lepton tanpa panjang di ujungnya")
    image = image[:-4]  # the stream's own length, which the receiver writes again
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=_DICTIONARY)
    small = deflater.compress(head) + deflater.flush()
    if len(small) > 0xFFFF:
        raise ValueError("kepala Lepton terlalu besar")
    return struct.pack(">H", len(small)) + small + image


def _inflate_head(deflated: bytes, limit: int) -> bytes:
    inflater = zlib.decompressobj(-15, zdict=_DICTIONARY)
    head = inflater.decompress(deflated, limit)
    if not inflater.eof or inflater.unconsumed_tail:
        raise ValueError("kepala Lepton rusak")
    return head


def _split_compact(wire: bytes) -> tuple[bytes, bytes]:
    """(fixed fields + inflated JPEG header, coded image) of a `lepton-hz` stream."""
    (size,) = struct.unpack(">H", wire[:2])
    return _inflate_head(wire[2:2 + size], _MAX_HEAD + _FIXED), wire[2 + size:]


def _lepton_stream(head: bytes, image: bytes) -> bytes:
    """Lepton's own stream again from a compact head and its coded image."""
    if len(head) < _FIXED or head[:2] != _LEPTON_MAGIC:
        raise ValueError("kepala Lepton rusak")
    deflated = zlib.compress(head[_FIXED:], 6)
    stream = head[:_FIXED] + struct.pack("<I", len(deflated)) + deflated + image
    return stream + struct.pack("<I", len(stream) + 4)


def _from_compact(wire: bytes) -> bytes:
    return _lepton_stream(*_split_compact(wire))


# A packet (protocol.encode_packet): the heads of a packet's `lepton-hz` photos travel together, each as u16 length
# + head, deflated in one stream against the same dictionary. Photos of one office share most of
# their Huffman tables, so each head after the first costs ~125 bytes instead of ~180.

def join_heads(items: list[tuple[dict, bytes]]) -> tuple[bytes, list[tuple[dict, bytes]]]:
    """(the packet's heads section, the items with each `lepton-hz` photo cut to its coded image)."""
    heads, cut = [], []
    for header, wire in items:
        if header.get("photo_codec") == COMPACT:
            try:
                head, wire = _split_compact(wire)
            except (ValueError, zlib.error, struct.error):  # a kept stream damaged at rest: the
                head = b""  # center finds no head, answers `retry`, and it goes again as it is
            heads.append(struct.pack(">H", len(head)) + head)
        cut.append((header, wire))
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zdict=_DICTIONARY)
    return (deflater.compress(b"".join(heads)) + deflater.flush() if heads else b""), cut


def attach_heads(items: list[tuple[dict, bytes]], section: bytes) -> list[tuple[dict, bytes]]:
    """The center's inverse of join_heads: each `lepton-hz` photo as Lepton's own stream (codec
    `lepton`). A section that does not inflate or split leaves those photos empty: they do not
    decode, and the center answers `retry` for them as for any damaged stream."""
    heads = split_heads([header for header, _ in items], section)
    return [attach_head(header, image, heads) for header, image in items]


def split_heads(headers: list[dict], section: bytes) -> list[bytes]:
    """The heads section as one head per `lepton-hz` photo of `headers`, in order (all empty when
    the section is damaged); attach_head takes them one by one, so a streamed packet (protocol 6)
    can restore each photo as it arrives."""
    count = sum(1 for header in headers if isinstance(header, dict) and header.get("photo_codec") == COMPACT)
    heads = []
    try:
        joined = _inflate_head(section, count * (_MAX_HEAD + _FIXED + 2)) if count else b""
        while joined:
            (size,) = struct.unpack(">H", joined[:2])
            heads.append(joined[2:2 + size])
            joined = joined[2 + size:]
    except (ValueError, zlib.error, struct.error):
        heads = []
    return heads if len(heads) == count else [b""] * count


def attach_head(header: dict, image: bytes, heads: list[bytes]) -> tuple[dict, bytes]:
    """One photo of a packet back as its codec's own stream; takes its head off `heads`."""
    if header.get("photo_codec") != COMPACT:
        return header, image
    head = heads.pop(0)
    try:
        image = _lepton_stream(head, image)
    except ValueError:
        image = b""
    return dict(header, photo_codec=PLAIN), image


def compress(photo: bytes, codec: str = CODEC) -> bytes | None:
    """The photo in `codec`, or None when Lepton refuses it, the round trip differs or this PC
    has no Lepton (then the photo travels as it is)."""
    if codec not in CODECS:
        return None
    try:
        packed = lepton_jpeg_python.compress_bytes(photo, _LIMITS)
        if codec == COMPACT:
            packed = _to_compact(packed)
        if len(packed) < len(photo) and decompress(packed, codec) == photo:
            return packed
    except Exception as problem:  # the extension raises its own error types for JPEGs it does not support
        log.info("foto dikirim apa adanya, Lepton menolak: %s", type(problem).__name__)
    return None


def decompress(packed: bytes, codec: str = CODEC) -> bytes | None:
    """The original JPEG, or None for a stream that does not decode (damaged on the way, or this
    PC has no Lepton: the office then sends the photo again as it is)."""
    if codec not in CODECS:
        return None
    try:
        if codec == COMPACT:
            packed = _from_compact(packed)
        photo = lepton_jpeg_python.decompress_bytes(packed)
    except Exception:  # a damaged stream (zlib, struct or Lepton's own errors); the caller asks again
        return None
    return photo if len(photo) <= protocol.MAX_PHOTO_BYTES else None

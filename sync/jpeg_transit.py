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

Lepton is optional: its wheels stop at some Python (one per version, no source). So a third codec
travels where Lepton cannot: "jpegxl", JPEG XL's lossless JPEG recompression (imagecodecs, one
abi3 wheel for every Python from 3.11, Windows and Linux; ~0.87 of the JPEG, Lepton ~0.83), the
container as libjxl writes it. A PC names the codecs it has (CODECS: Lepton's where its wheel is,
then JPEG XL); one with neither names none and its photos travel as their exact JPEG bytes,
which every center takes. A center announces what it decodes, and an office sends the first of
its own the center named.
"""
import importlib.util
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

PLAIN, COMPACT, JPEGXL = "lepton", "lepton-hz", "jpegxl"
# imagecodecs brings numpy (~15 MB, 0.2 s): it is imported when a photo is first coded, never at a
# process's start (tests/core/test_programs.py), and found here without importing it.
_HAS_JPEGXL = importlib.util.find_spec("imagecodecs") is not None
# The codecs this PC makes and decodes, in the order of protocol.PHOTO_CODECS (none without either library).
CODECS = tuple(codec for codec in protocol.PHOTO_CODECS
               if (lepton_jpeg_python is not None if codec != JPEGXL else _HAS_JPEGXL))
CODEC = CODECS[0] if CODECS else None  # what the kecamatan sends when the center takes it
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


def compress(photo: bytes, codec: str | None = CODEC) -> bytes | None:
    """The photo in `codec`, or None when the codec refuses it, the round trip differs or this PC
    lacks the codec (then the photo travels as it is)."""
    if codec not in CODECS:
        return None
    if codec == JPEGXL:
        return _jpegxl_compress(photo)
    try:
        packed = lepton_jpeg_python.compress_bytes(photo, _LIMITS)
        if codec == COMPACT:
            packed = _to_compact(packed)
        if len(packed) < len(photo) and decompress(packed, codec) == photo:
            return packed
    except Exception as problem:  # the extension raises its own error types for JPEGs it does not support
        log.info("foto dikirim apa adanya, Lepton menolak: %s", type(problem).__name__)
    return None


def decompress(packed: bytes, codec: str | None = CODEC) -> bytes | None:
    """The original JPEG, or None for a stream that does not decode (damaged on the way, or this
    PC lacks the codec: the office then sends the photo again as it is)."""
    if codec not in CODECS:
        return None
    if codec == JPEGXL:
        return _jpegxl_decompress(packed)
    try:
        if codec == COMPACT:
            packed = _from_compact(packed)
        photo = lepton_jpeg_python.decompress_bytes(packed)
    except Exception:  # a damaged stream (zlib, struct or Lepton's own errors); the caller asks again
        return None
    return photo if len(photo) <= protocol.MAX_PHOTO_BYTES else None


# --- JPEG XL ------------------------------------------------------------------------------------

_imagecodecs = None


def _codecs_module():
    """imagecodecs, imported on first use; None when it does not import (a broken install)."""
    global _imagecodecs, _HAS_JPEGXL
    if _imagecodecs is None and _HAS_JPEGXL:
        try:
            import imagecodecs
            _imagecodecs = imagecodecs
        except ImportError:  # found but unusable (numpy missing): photos travel as they are
            _HAS_JPEGXL = False
    return _imagecodecs


def _jpegxl_compress(photo: bytes) -> bytes | None:
    library = _codecs_module()
    if library is None or not protocol.is_jpeg(photo):
        return None
    try:
        # One thread: the office's two slow cores also run its server; the stream is the same either way.
        packed = bytes(library.jpegxl_encode_jpeg(photo, numthreads=1))
        if len(packed) < len(photo) and _jpegxl_decompress(packed) == photo:
            return packed
    except Exception as problem:  # imagecodecs raises its own error for JPEGs libjxl does not take
        log.info("foto dikirim apa adanya, JPEG XL menolak: %s", type(problem).__name__)
    return None


def _jpegxl_decompress(packed: bytes) -> bytes | None:
    library = _codecs_module()
    if library is None or len(packed) > protocol.MAX_PHOTO_BYTES:
        return None
    try:
        width, height = jpegxl_size(packed)
        if width > _LIMITS["max_jpeg_width"] or height > _LIMITS["max_jpeg_height"]:
            return None  # decoding would take memory for a picture no intake makes
        photo = bytes(library.jpegxl_decode_jpeg(packed, numthreads=1))
    except Exception:  # a damaged stream (our parse's ValueError or libjxl's error); the caller asks again
        return None
    return photo if len(photo) <= protocol.MAX_PHOTO_BYTES else None


_JXL_SIGNATURE = b"\x00\x00\x00\x0cJXL \r\n\x87\n"
_JXL_RATIOS = {1: (1, 1), 2: (12, 10), 3: (4, 3), 4: (3, 2), 5: (16, 9), 6: (5, 4), 7: (2, 1)}


def _codestream_start(packed: bytes, wanted: int = 16) -> bytes:
    """The first bytes of a JPEG XL container's codestream (its jxlc box, or jxlp parts in order)."""
    if not packed.startswith(_JXL_SIGNATURE):
        raise ValueError("bukan wadah JPEG XL")
    found, at = b"", 0
    while at + 8 <= len(packed) and len(found) < wanted:
        size, kind = struct.unpack(">I", packed[at:at + 4])[0], packed[at + 4:at + 8]
        head = 8
        if size == 1:  # a 64-bit size follows
            size, head = struct.unpack(">Q", packed[at + 8:at + 16])[0], 16
        elif size == 0:  # the last box, to the end
            size = len(packed) - at
        if size < head:
            raise ValueError("kotak JPEG XL rusak")
        body = packed[at + head:at + size]
        if kind == b"jxlc":
            found += body
        elif kind == b"jxlp":
            found += body[4:]  # after the part's counter
        at += size
    if len(found) < 2 or found[:2] != b"\xff\x0a":
        raise ValueError("aliran kode JPEG XL tidak ada")
    return found


def jpegxl_size(packed: bytes) -> tuple[int, int]:
    """(width, height) of a JPEG XL container's image, from its codestream's SizeHeader
    (ISO/IEC 18181-1, D.2), read before anything is decoded."""
    data = int.from_bytes(_codestream_start(packed)[2:18], "little")  # a SizeHeader is at most 68 bits
    position = 0

    def bits(count: int) -> int:
        nonlocal position
        value = (data >> position) & ((1 << count) - 1)
        position += count
        return value

    def u32() -> int:  # U32(Bits(9), Bits(13), Bits(18), Bits(30)), each + 1
        return 1 + bits((9, 13, 18, 30)[bits(2)])

    small = bits(1)
    height = 8 * (1 + bits(5)) if small else u32()
    ratio = bits(3)
    if ratio:
        across, down = _JXL_RATIOS[ratio]
        return height * across // down, height
    return (8 * (1 + bits(5)) if small else u32()), height

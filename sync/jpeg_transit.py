"""Lossless JPEG recompression for the trip to the center (Lepton), never for storage.

Lepton re-codes a JPEG's entropy-coded data with a better model and gives back the very same
bytes on decompression (about 2/3 of the size for our pas foto). The kecamatan compresses just
before sending; the center decompresses and checks the original bytes against the content hash,
so what the center stores and hashes is exactly the JPEG the counter took.
"""
import logging

import lepton_jpeg_python

from sync import protocol

log = logging.getLogger(__name__)

CODEC = "lepton"
# Our photos are 300 x 400 and at most 2 MB: anything larger is not a normalised pas foto.
_LIMITS = {"max_jpeg_width": 4096, "max_jpeg_height": 4096, "max_jpeg_file_size": protocol.MAX_PHOTO_BYTES}


def compress(photo: bytes) -> bytes | None:
    """The Lepton stream for this JPEG, or None when Lepton refuses it or the round trip differs
    (then the photo travels as it is)."""
    try:
        packed = lepton_jpeg_python.compress_bytes(photo, _LIMITS)
        if len(packed) < len(photo) and lepton_jpeg_python.decompress_bytes(packed) == photo:
            return packed
    except Exception as problem:  # the extension raises its own error types for JPEGs it does not support
        log.info("foto dikirim apa adanya, Lepton menolak: %s", type(problem).__name__)
    return None


def decompress(packed: bytes) -> bytes | None:
    """The original JPEG, or None for a stream that does not decode (damaged on the way)."""
    try:
        photo = lepton_jpeg_python.decompress_bytes(packed)
    except Exception:  # a damaged stream; the caller asks for the photo again
        return None
    return photo if len(photo) <= protocol.MAX_PHOTO_BYTES else None

"""Every uploaded image (applicant photo, complaint attachment, letterhead logo) is opened here.

The pixel count is read from the header and checked before anything is decoded: a 146 KB PNG
can claim 6300x6300 pixels and take 400 MB once decoded. One decode at a time keeps the
server's memory bounded when several uploads arrive together.
"""
import io
import threading
from contextlib import contextmanager

from PIL import Image

MAX_PIXELS = 24_000_000  # a 24 MP phone photo (6000x4000); decoded RGB ~72 MB
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, for any path that opens an image elsewhere
_ONE_DECODE_AT_A_TIME = threading.Lock()


class TooManyPixels(ValueError):
    """The header claims more pixels than MAX_PIXELS (callers give their Indonesian message)."""


@contextmanager
def opened(data: bytes, formats=None):
    """Image.open on the bytes, refused by header size before any decoding; decode inside the block."""
    with _ONE_DECODE_AT_A_TIME:
        try:
            image = Image.open(io.BytesIO(data), formats=formats)
        except Image.DecompressionBombError:
            raise TooManyPixels() from None
        with image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise TooManyPixels()
            yield image

"""Every uploaded image (applicant photo, complaint attachment, letterhead logo) is opened here.

Two bounds, both checked before a pixel is decoded:
- the pixel count from the header (a 146 KB PNG can claim 6300x6300 pixels: 400 MB decoded);
- the memory one decode may take (MAX_DECODED_BYTES). A JPEG is decoded at the smallest
  1/2, 1/4 or 1/8 scale that still gives the caller the pixels it needs (Image.draft), so a
  24 MP phone photo costs a few MB; other formats cannot be decoded smaller, so their pixel
  ceiling is what fits the budget (a 4898x4898 PNG took the server from 154 to 424 MB).
One decode at a time keeps the server's memory bounded when several uploads arrive together.

Every image is decoded whole inside `opened`, before the caller sees a pixel: a file cut short is
refused (Pillow's LOAD_TRUNCATED_IMAGES stays off), and so is a JPEG whose data stops before its
header's picture does (a forged or damaged header): libjpeg then fills the rest with flat mid-grey
blocks and says so only in a warning Pillow never shows, so the fill itself is looked for.
"""
import io
import threading
from contextlib import contextmanager

from PIL import ExifTags, Image, ImageFile

MAX_PIXELS = 24_000_000  # a 24 MP phone photo (6000x4000), as the header may claim
Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow's own guard, for any path that opens an image elsewhere
# One decode's pixels in memory: an office PC has 4 GB and the server should stay near 150 MB.
MAX_DECODED_BYTES = 16 * 1024 * 1024
_REDUCIBLE_ON_DECODE = ("JPEG", "MPO")  # formats Image.draft can decode at a smaller scale
_ONE_DECODE_AT_A_TIME = threading.Lock()
ImageFile.LOAD_TRUNCATED_IMAGES = False  # a file cut short is an error, never a picture half grey
# What libjpeg puts where a scan has no data: blocks with every coefficient zero, one flat level
# (128; 127 once Pillow inverts an Adobe CMYK file).
_LIBJPEG_FILL = (127, 128)


class Undecodable(OSError):
    """The file's picture data does not hold the picture its header describes (damaged or forged)."""


def _filled_by_libjpeg(image: Image.Image) -> bool:
    """The bottom pixel row is libjpeg's flat fill in every band: the data ran out before the picture.
    (A camera's row is never one exact level across the whole width.)"""
    bottom = image.crop((0, image.height - 1, image.width, image.height))
    extrema = bottom.getextrema()
    bands = extrema if isinstance(extrema[0], tuple) else (extrema,)
    return all(low == high and low in _LIBJPEG_FILL for low, high in bands)


class TooManyPixels(ValueError):
    """Too many pixels to decode; `megapixels` is the limit that applied (callers word the message)."""

    def __init__(self, megapixels: int, reducible: bool = True):
        super().__init__(megapixels)
        self.megapixels = megapixels
        self.reducible = reducible  # False: a JPEG of the same size would have been accepted


def bytes_per_pixel(mode: str) -> int:
    """What Pillow holds in memory per pixel for a mode (1-bit and palette images take a byte)."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def is_sideways(image: Image.Image) -> bool:
    """True when the EXIF orientation says the picture is stored rotated by 90 degrees."""
    return image.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)


def _decode_scale(width: int, height: int, need: tuple[int, int], fit: bool, per_pixel: int) -> int:
    """1, 2, 4 or 8: the JPEG scale that gives `need` (covered, or as a thumbnail box with `fit`)."""
    if fit:
        ratio = min(need[0] / width, need[1] / height, 1)
        need = (width * ratio, height * ratio)
    scale = 1
    while scale < 8 and width / (scale * 2) >= need[0] and height / (scale * 2) >= need[1]:
        scale *= 2
    while scale < 8 and (width // scale) * (height // scale) * per_pixel > MAX_DECODED_BYTES:
        scale *= 2  # fewer pixels than asked rather than more memory than the office PC has
    return scale


@contextmanager
def opened(data: bytes, need: tuple[int, int], fit: bool = False, formats=None):
    """Image.open on the bytes, bounded before any decoding; decode inside the block.

    `need` is the upright size (width, height) the caller keeps: covered in both directions, or
    with `fit` the box a thumbnail must fit in. A JPEG is decoded no larger than that needs.
    """
    with _ONE_DECODE_AT_A_TIME:
        try:
            image = Image.open(io.BytesIO(data), formats=formats)
        except Image.DecompressionBombError:
            raise TooManyPixels(MAX_PIXELS // 1_000_000) from None
        with image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise TooManyPixels(MAX_PIXELS // 1_000_000)
            image.info["header_size"] = (width, height)  # before any draft: what the file holds
            reducible = image.format in _REDUCIBLE_ON_DECODE
            if reducible:
                sideways = is_sideways(image)
                stored_need = need[::-1] if sideways else need
                scale = _decode_scale(width, height, stored_need, fit, 4)
                image.draft("RGB", (max(1, width // scale), max(1, height // scale)))
            width, height = image.size  # the size the decode will really have
            per_pixel = bytes_per_pixel(image.mode)
            if width * height * per_pixel > MAX_DECODED_BYTES:
                raise TooManyPixels(MAX_DECODED_BYTES // per_pixel // 1_000_000, reducible=reducible)
            image.load()  # the whole decode, here: truncated data raises OSError
            if reducible and _filled_by_libjpeg(image):
                raise Undecodable("JPEG data ends before the picture does")
            yield image


def too_many_pixels_message(error: TooManyPixels, noun: str = "foto") -> str:
    """The Indonesian refusal for TooManyPixels, one wording for every upload."""
    if error.reducible:
        return f"Resolusi {noun} terlalu besar (maks {error.megapixels} megapiksel)"
    return (f"Resolusi {noun} terlalu besar untuk format ini (maks {error.megapixels} megapiksel); "
            f"simpan sebagai JPEG atau perkecil ukurannya")

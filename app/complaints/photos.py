"""Photos of handwritten slips and letters: any common image in, a re-encoded JPEG out (Pillow).

Re-encoding drops whatever else the file carried (metadata, GPS, a script hidden in a comment)
and bounds the size kept in the database.
"""
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from app.frame import images

MAX_UPLOAD_BYTES = 8 * 1024 * 1024  # a phone photo
MAX_SIDE = 2000  # enough to read handwriting when printed on A4
MAX_PIXELS = images.MAX_PIXELS
JPEG_QUALITY = 80


class PhotoError(ValueError):
    pass


@dataclass(frozen=True)
class Photo:
    content: bytes
    width: int
    height: int


def reencode(data: bytes) -> Photo:
    if not data:
        raise PhotoError("Pilih berkas foto terlebih dahulu.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoError(f"Foto terlalu besar (maksimal {MAX_UPLOAD_BYTES // (1024 * 1024)} MB).")
    try:
        with images.opened(data, need=(MAX_SIDE, MAX_SIDE), fit=True) as image:
            if image.format not in ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF", "MPO"):
                raise PhotoError("Foto harus berupa gambar JPEG, PNG, GIF, WEBP, BMP atau TIFF.")
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError("Resolusi foto terlalu besar.")
            # Shrink first: a full-size copy of the pixels is what a server with 4 GB cannot spare.
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            image = ImageOps.exif_transpose(image)  # phones store portrait shots sideways
            image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
            return Photo(out.getvalue(), image.width, image.height)
    except images.TooManyPixels as error:
        raise PhotoError(images.too_many_pixels_message(error) + ".") from None
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as error:
        if isinstance(error, PhotoError):
            raise
        raise PhotoError("Berkas bukan gambar yang dapat dibaca.") from None

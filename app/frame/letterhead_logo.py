"""The letterhead logo: any common image in, a small PNG out (Pillow). The office's settings and the
center's regency letterhead (sync/center/letterhead.py) both read it."""
import io

from PIL import Image, UnidentifiedImageError

from app.frame import images

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_SIDE = 300
MAX_PIXELS = images.MAX_PIXELS


class LogoError(ValueError):
    pass


def normalise_logo(data: bytes) -> bytes:
    if not data:
        raise LogoError("Pilih berkas logo terlebih dahulu.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise LogoError("Berkas logo terlalu besar (maksimal 2 MB).")
    try:
        with images.opened(data, need=(MAX_SIDE, MAX_SIDE), fit=True) as image:
            if image.format not in ("PNG", "JPEG", "GIF", "WEBP"):
                raise LogoError("Logo harus berupa gambar PNG, JPEG, GIF atau WEBP.")
            if image.width * image.height > MAX_PIXELS:
                raise LogoError("Ukuran gambar logo terlalu besar.")
            image.thumbnail((MAX_SIDE, MAX_SIDE))  # before any full-size copy
            image = image.convert("RGBA")
            out = io.BytesIO()
            image.save(out, "PNG", optimize=True)
            return out.getvalue()
    except images.TooManyPixels as error:
        raise LogoError(images.too_many_pixels_message(error, "gambar logo") + ".") from None
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise LogoError("Berkas bukan gambar yang dapat dibaca.") from None

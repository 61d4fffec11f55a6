"""The visitor's KTP-el photo: checked, turned upright, cropped to pas foto 3x4 and re-encoded small.

Output is 300 x 400 px JPEG at 254 dpi, i.e. exactly 3 x 4 cm when printed (100 px per cm), under
60 KB, with no EXIF, GPS, ICC profile or comment from the phone. Upload limits are checked before
any pixel is decoded; large JPEGs are decoded at 1/2, 1/4 or 1/8 scale (Image.draft) which keeps a
12-megapixel phone photo well under the 300 ms target.
"""
import colorsys
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageStat

from app.frame import images

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = images.MAX_PIXELS
MIN_WIDTH, MIN_HEIGHT = 150, 200
OUTPUT_WIDTH, OUTPUT_HEIGHT = 300, 400  # pas foto 3x4 cm at 100 px/cm
OUTPUT_DPI = 254  # 100 px/cm, so 300 x 400 px prints as 3 x 4 cm
MAX_OUTPUT_BYTES = 60 * 1024
JPEG_QUALITIES = (90, 85, 80, 75, 70, 65, 60, 50, 40, 30)
ACCEPTED_FORMATS = ("JPEG", "PNG")
DRAFT_OVERSAMPLING = 1.5  # JPEG decoded at >= 1.5x the output, then Lanczos: sharp without aliasing
# A JPEG is decoded at the smallest 1/2^k scale whose 3:4 crop is still DRAFT_OVERSAMPLING x the output.
DECODE_NEED = (round(OUTPUT_WIDTH * DRAFT_OVERSAMPLING), round(OUTPUT_HEIGHT * DRAFT_OVERSAMPLING))
_RESIZED_AS_STORED = ("RGB", "RGBA", "L", "LA")  # modes resize() takes as they are (alpha premultiplied)
FRAME_STRIP = 0.08  # share of the width/height sampled at the edges for the background colour

_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class PhotoError(ValueError):
    """A photo the clerk must replace; str(error) is the Indonesian message for the form."""

    NOT_AN_IMAGE = "Berkas bukan foto JPEG/PNG"
    FILE_TOO_LARGE = "Foto terlalu besar (maks 15 MB)"
    TOO_MANY_PIXELS = "Resolusi foto terlalu besar (maks 24 megapiksel)"
    TOO_SMALL = f"Foto terlalu kecil (minimal {MIN_WIDTH} x {MIN_HEIGHT} piksel)"
    BROKEN = "Berkas foto rusak atau tidak lengkap"
    UNDECODABLE = ("Foto tidak dapat dibaca utuh: isi gambarnya berhenti sebelum ukuran yang tertulis di kepala "
                   "berkas (berkas rusak atau diubah). Ambil ulang foto dengan kamera loket atau pilih berkas lain")
    CANNOT_SHRINK = "Foto tidak dapat diperkecil di bawah 60 KB; ambil ulang foto dengan latar polos"

    @property
    def message(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class NormalisedPhoto:
    jpeg: bytes
    width: int
    height: int
    background: str  # 'merah', 'biru' or 'lain'
    quality: int  # JPEG quality that met the size bound
    original_width: int  # upright, before cropping
    original_height: int
    original_format: str  # 'JPEG', 'MPO' (multi-picture JPEG some phones write) or 'PNG'


def normalise_photo(data: bytes) -> NormalisedPhoto:
    """Check an uploaded photo and return it as an upright 3x4 JPEG; raises PhotoError."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise PhotoError(PhotoError.FILE_TOO_LARGE)
    # Sniff the bytes, not the file name: a PDF renamed .jpg stops here.
    if not (data.startswith(_JPEG_MAGIC) or data.startswith(_PNG_MAGIC)):
        raise PhotoError(PhotoError.NOT_AN_IMAGE)
    try:
        with images.opened(data, need=DECODE_NEED, formats=ACCEPTED_FORMATS) as image:
            return _normalise(image)
    except Image.DecompressionBombError:
        raise PhotoError(PhotoError.TOO_MANY_PIXELS) from None
    except images.TooManyPixels as error:
        raise PhotoError(images.too_many_pixels_message(error)) from None
    except PhotoError:
        raise
    except images.Undecodable:
        raise PhotoError(PhotoError.UNDECODABLE) from None
    except Image.UnidentifiedImageError:
        raise PhotoError(PhotoError.NOT_AN_IMAGE) from None
    except (OSError, SyntaxError, ValueError, EOFError):  # what Pillow raises for damaged data
        raise PhotoError(PhotoError.BROKEN) from None


def _normalise(image: Image.Image) -> NormalisedPhoto:
    # Header sizes only: nothing is decoded until these pass (the per-call decompression-bomb check).
    width, height = image.info["header_size"]
    if width * height > MAX_PIXELS:
        raise PhotoError(PhotoError.TOO_MANY_PIXELS)
    if images.is_sideways(image):
        width, height = height, width  # stored rotated; the upright size is what counts
    if _crop_size(width, height)[0] < MIN_WIDTH:
        raise PhotoError(PhotoError.TOO_SMALL)
    original_format = image.format

    image = ImageOps.exif_transpose(image)
    if image.mode not in _RESIZED_AS_STORED or "transparency" in image.info:
        image = _flatten_to_rgb(image)

    crop_width, crop_height = _crop_size(*image.size)
    left = (image.width - crop_width) / 2
    top = (image.height - crop_height) / 2
    # reducing_gap: integer reduce() first, then Lanczos for the last step (fast and sharp).
    image = image.resize((OUTPUT_WIDTH, OUTPUT_HEIGHT), Image.Resampling.LANCZOS,
                         box=(left, top, left + crop_width, top + crop_height), reducing_gap=3.0)
    image = _flatten_to_rgb(image)  # after the resize: a full-size copy is what a 4 GB PC cannot spare
    image.info = {}  # drop EXIF, ICC, XMP, comments carried over from the upload

    jpeg, quality = _encode_within_bound(image)
    return NormalisedPhoto(jpeg=jpeg, width=OUTPUT_WIDTH, height=OUTPUT_HEIGHT,
                           background=detect_background(image), quality=quality,
                           original_width=width, original_height=height, original_format=original_format)


def _crop_size(width: float, height: float) -> tuple[float, float]:
    """Largest 3:4 portrait rectangle inside width x height."""
    crop_width = min(width, height * OUTPUT_WIDTH / OUTPUT_HEIGHT)
    return crop_width, crop_width * OUTPUT_HEIGHT / OUTPUT_WIDTH


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode.startswith("I;16"):  # 16-bit grey PNG: scale down, a plain convert clips to white
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def _encode_within_bound(image: Image.Image) -> tuple[bytes, int]:
    for quality in JPEG_QUALITIES:
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality, optimize=True, dpi=(OUTPUT_DPI, OUTPUT_DPI))
        if buffer.tell() <= MAX_OUTPUT_BYTES:
            return buffer.getvalue(), quality
    raise PhotoError(PhotoError.CANNOT_SHRINK)


def _frame_mask(size: tuple[int, int]) -> Image.Image:
    """Top strip and the upper two thirds of the side strips: the bottom is shoulders and clothes."""
    width, height = size
    strip_x, strip_y = max(1, round(width * FRAME_STRIP)), max(1, round(height * FRAME_STRIP))
    mask = Image.new("L", size, 0)
    mask.paste(255, (0, 0, width, strip_y))
    mask.paste(255, (0, 0, strip_x, height * 2 // 3))
    mask.paste(255, (width - strip_x, 0, width, height * 2 // 3))
    return mask


def classify_background(red: float, green: float, blue: float) -> str:
    """'merah', 'biru' or 'lain' for an RGB colour (0-255), by simple hue/saturation/value bands."""
    hue, saturation, value = colorsys.rgb_to_hsv(red / 255, green / 255, blue / 255)
    hue *= 360
    if saturation >= 0.45 and value >= 0.30 and (hue <= 20 or hue >= 340):
        return "merah"
    if saturation >= 0.35 and value >= 0.25 and 190 <= hue <= 250:
        return "biru"
    return "lain"


def detect_background(image: Image.Image) -> str:
    """Background colour of a portrait from its frame strip; the median resists hair touching the edge."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    return classify_background(*ImageStat.Stat(rgb, _frame_mask(rgb.size)).median)


def background_rule_warning(background: str, birth_year: int) -> str | None:
    """Indonesian warning when the background breaks the office rule, else None."""
    # Office rule (Dukcapil practice for KTP-el): red background for odd birth years, blue for even.
    expected = "merah" if birth_year % 2 else "biru"
    if background == expected:
        return None
    parity = "ganjil" if birth_year % 2 else "genap"
    found = "bukan merah atau biru" if background == "lain" else background
    return (f"Latar foto seharusnya {expected} untuk tahun lahir {parity} ({birth_year}), "
            f"tetapi latar foto terdeteksi {found}")

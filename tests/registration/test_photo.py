import io
import struct
import zlib

import pytest
from PIL import Image, ImageDraw

from app.frame import applicant_photo as photo
from app.frame.applicant_photo import (
    MAX_OUTPUT_BYTES, PhotoError, background_rule_warning, classify_background, detect_background,
    normalise_photo,
)

RED = (200, 20, 30)
BLUE = (20, 90, 200)
GREEN = (20, 160, 40)


def encode(image, fmt="JPEG", **params):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def portrait(background, size=(900, 1200)):
    """A plain backdrop with a face-coloured ellipse and dark hair touching the top edge."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w * 0.3, h * 0.15, w * 0.7, h * 0.7), fill=(210, 165, 135))
    draw.rectangle((w * 0.4, 0, w * 0.6, h * 0.2), fill=(25, 20, 20))  # hair up to the edge
    draw.rectangle((0, h * 0.75, w, h), fill=(240, 240, 240))  # white shirt across the bottom
    return image


def png_header_only(width, height, bit_depth=8, colour_type=0):
    """A PNG that declares width x height but carries almost no data: a cheap decompression bomb."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def decoded(result):
    return Image.open(io.BytesIO(result.jpeg))


def close_to(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))


# --- output shape ---------------------------------------------------------------------------

def test_output_is_a_300_by_400_jpeg_within_the_size_bound():
    result = normalise_photo(encode(portrait(RED)))
    image = decoded(result)
    assert image.format == "JPEG"
    assert image.size == (result.width, result.height) == (300, 400)
    assert image.mode == "RGB"
    assert len(result.jpeg) <= MAX_OUTPUT_BYTES


def test_output_prints_as_3_by_4_cm():
    dpi = decoded(normalise_photo(encode(portrait(RED)))).info["dpi"]
    assert tuple(round(d) for d in dpi) == (254, 254)  # 300 px / 254 dpi * 2.54 = 3 cm


@pytest.mark.parametrize("size", [(900, 1200), (1200, 900), (1000, 1000), (300, 1200), (4000, 600)])
def test_any_shape_becomes_3_by_4_portrait(size):
    result = normalise_photo(encode(Image.new("RGB", size, BLUE)))
    assert decoded(result).size == (300, 400)


def test_centre_is_kept_when_cropping_a_landscape_photo():
    # Thirds: red | green | blue. The 3:4 crop of 1200x600 is x 375..825: nearly all green.
    image = Image.new("RGB", (1200, 600), RED)
    image.paste(GREEN, (400, 0, 800, 600))
    image.paste(BLUE, (800, 0, 1200, 600))
    out = decoded(normalise_photo(encode(image, "PNG")))
    assert close_to(out.getpixel((150, 200)), GREEN)
    assert close_to(out.getpixel((40, 200)), GREEN)
    assert close_to(out.getpixel((260, 200)), GREEN)


def test_small_photo_is_enlarged_to_the_print_size():
    assert decoded(normalise_photo(encode(Image.new("RGB", (150, 200), BLUE)))).size == (300, 400)


def test_size_bound_steps_quality_down(monkeypatch):
    noisy = Image.merge("RGB", [Image.effect_noise((600, 800), 60) for _ in range(3)])
    data = encode(noisy, "PNG")
    first = normalise_photo(data)
    monkeypatch.setattr(photo, "MAX_OUTPUT_BYTES", len(first.jpeg) // 2)
    smaller = normalise_photo(data)
    assert smaller.quality < first.quality
    assert len(smaller.jpeg) <= len(first.jpeg) // 2


def test_photo_that_cannot_be_shrunk_enough_is_refused(monkeypatch):
    monkeypatch.setattr(photo, "MAX_OUTPUT_BYTES", 500)
    noisy = Image.merge("RGB", [Image.effect_noise((300, 400), 80) for _ in range(3)])
    with pytest.raises(PhotoError, match="tidak dapat diperkecil"):
        normalise_photo(encode(noisy, "PNG"))


# --- orientation ----------------------------------------------------------------------------

def exif_with_orientation(orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    return exif


def test_exif_rotated_phone_photo_is_turned_upright():
    # Stored landscape, left half red, right half blue. Orientation 6 = display rotated 90° clockwise,
    # so upright the red half is on top and the blue half at the bottom.
    stored = Image.new("RGB", (2400, 1800), BLUE)
    stored.paste(RED, (0, 0, 1200, 1800))
    result = normalise_photo(encode(stored, quality=95, exif=exif_with_orientation(6)))
    out = decoded(result)
    assert close_to(out.getpixel((150, 30)), RED)
    assert close_to(out.getpixel((150, 370)), BLUE)
    assert (result.original_width, result.original_height) == (1800, 2400)


def test_exif_rotation_counts_for_the_minimum_size():
    # Stored 200x150 sideways is an upright 150x200: just big enough.
    sideways = encode(Image.new("RGB", (200, 150), BLUE), exif=exif_with_orientation(6))
    assert normalise_photo(sideways).width == 300


def test_large_jpeg_is_decoded_at_reduced_scale(monkeypatch):
    seen = []
    transpose = photo.ImageOps.exif_transpose

    def spy(image, **kwargs):
        image.load()
        seen.append(image.size)
        return transpose(image, **kwargs)

    monkeypatch.setattr(photo.ImageOps, "exif_transpose", spy)
    normalise_photo(encode(Image.new("RGB", (4000, 3000), BLUE), exif=exif_with_orientation(6)))
    assert seen == [(1000, 750)]  # 1/4 scale: the upright 750x1000 still holds a 1.5x 3:4 crop


# --- metadata -------------------------------------------------------------------------------

def test_exif_icc_and_comments_are_stripped():
    exif = exif_with_orientation(1)
    exif[0x010F] = "PhoneMaker"
    exif[0x010E] = "Rumah Jl. Melati 5"  # ImageDescription
    data = encode(portrait(RED), exif=exif, icc_profile=b"fake-icc-profile" * 8, comment=b"GPS -8.2,113.2")
    result = normalise_photo(data)
    out = decoded(result)
    assert not out.getexif()
    assert "exif" not in out.info and "icc_profile" not in out.info and "comment" not in out.info
    for secret in (b"Exif", b"PhoneMaker", b"Melati", b"fake-icc", b"GPS"):
        assert secret not in result.jpeg


def test_png_text_chunks_are_not_carried_over():
    from PIL.PngImagePlugin import PngInfo
    info = PngInfo()
    info.add_text("Comment", "alamat rumah")
    result = normalise_photo(encode(portrait(BLUE), "PNG", pnginfo=info))
    assert b"alamat" not in result.jpeg


# --- colour modes ---------------------------------------------------------------------------

def test_png_with_alpha_is_flattened_on_white():
    image = Image.new("RGBA", (600, 800), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((150, 150, 450, 650), fill=(210, 165, 135, 255))
    result = normalise_photo(encode(image, "PNG"))
    out = decoded(result)
    assert out.mode == "RGB"
    assert close_to(out.getpixel((5, 5)), (255, 255, 255), 10)
    assert close_to(out.getpixel((150, 200)), (210, 165, 135))
    assert result.original_format == "PNG"


def test_palette_png_with_transparency_is_flattened_on_white():
    image = Image.new("RGBA", (300, 400), (0, 0, 0, 0)).convert("P")
    image.info["transparency"] = 0
    out = decoded(normalise_photo(encode(image, "PNG", transparency=0)))
    assert close_to(out.getpixel((150, 200)), (255, 255, 255), 10)


def test_multi_picture_jpeg_from_a_phone_is_accepted():
    first, second = Image.new("RGB", (600, 800), BLUE), Image.new("RGB", (600, 800), RED)
    result = normalise_photo(encode(first, "MPO", save_all=True, append_images=[second]))
    assert result.original_format == "MPO"
    assert result.background == "biru"  # the first picture is the photo


def test_16_bit_grey_png_keeps_its_tones():
    out = decoded(normalise_photo(encode(Image.new("I;16", (600, 800), 32768), "PNG")))
    assert close_to(out.getpixel((150, 200)), (128, 128, 128), 10)


@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_grey_and_cmyk_jpegs_become_rgb(mode):
    image = Image.new("RGB", (600, 800), BLUE).convert(mode)
    assert decoded(normalise_photo(encode(image))).mode == "RGB"


# --- refusals -------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",  # a PDF renamed foto.jpg
    b"",
    b"hello, this is text",
    b"GIF89a" + b"\0" * 100,
])
def test_non_photo_is_refused(data):
    with pytest.raises(PhotoError) as error:
        normalise_photo(data)
    assert str(error.value) == "Berkas bukan foto JPEG/PNG"
    assert error.value.message == "Berkas bukan foto JPEG/PNG"


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "BMP", "TIFF"])
def test_other_image_formats_are_refused(fmt):
    with pytest.raises(PhotoError, match="bukan foto JPEG/PNG"):
        normalise_photo(encode(Image.new("RGB", (300, 400), BLUE), fmt))


def test_jpeg_magic_with_garbage_is_refused():
    with pytest.raises(PhotoError):
        normalise_photo(b"\xff\xd8\xff" + b"not really a jpeg" * 10)


def test_upload_over_15_mb_is_refused_before_decoding():
    with pytest.raises(PhotoError) as error:
        normalise_photo(b"\xff\xd8\xff" + b"\0" * (15 * 1024 * 1024))
    assert str(error.value) == "Foto terlalu besar (maks 15 MB)"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("width, height", [
    (10_000, 10_000),  # 100 MP: Pillow would only warn
    (20_000, 20_000),  # 400 MP: Pillow raises its own DecompressionBombError on open
    (6_000, 4_001),    # just over 24 MP
    (6_300, 6_300),    # issue 13: a 146 KB PNG of this size took the server from 77 to 386 MB
])
def test_decompression_bomb_header_is_refused(width, height):
    with pytest.raises(PhotoError, match="maks 24 megapiksel"):
        normalise_photo(png_header_only(width, height))


def test_exactly_24_megapixels_passes_the_pixel_limit_as_a_jpeg():
    # The header passes (a JPEG is decoded at 1/8 scale); the missing pixel data is what fails.
    whole = encode(Image.new("RGB", (6_000, 4_000), BLUE), quality=30)
    with pytest.raises(PhotoError) as error:
        normalise_photo(whole[: len(whole) // 3])
    assert str(error.value) == "Berkas foto rusak atau tidak lengkap"


def test_a_24_megapixel_jpeg_is_decoded_small():
    # Issue 30: the decode, not the upload, is what fills an office PC's memory.
    from app.frame import images
    jpeg = encode(Image.new("RGB", (6_000, 4_000), BLUE), quality=30)
    with images.opened(jpeg, need=photo.DECODE_NEED) as image:
        image.load()
        assert image.size == (1_500, 1_000)  # 1/4: the smallest scale still 600 px high for the 3:4 crop
        assert image.info["header_size"] == (6_000, 4_000)
    assert normalise_photo(jpeg).original_width == 6_000


def test_a_png_just_under_24_megapixels_is_refused_by_its_decoded_size():
    # Issue 30: a 79 KB PNG of 4898 x 4898 took the office server from 154 to 424 MB.
    with pytest.raises(PhotoError) as error:
        normalise_photo(encode(Image.new("RGB", (4_898, 4_898), BLUE), "PNG"))
    assert str(error.value) == ("Resolusi foto terlalu besar untuk format ini (maks 4 megapiksel); "
                                "simpan sebagai JPEG atau perkecil ukurannya")


def test_a_png_within_the_decode_budget_is_accepted():
    result = normalise_photo(encode(portrait(BLUE, size=(1_536, 2_048)), "PNG"))  # 3.1 MP RGB
    assert (result.width, result.height, result.original_format) == (300, 400, "PNG")


def test_real_highly_compressed_bomb_is_refused():
    bomb = encode(Image.new("1", (8000, 6000), 0), "PNG")  # 48 MP in a few kilobytes
    assert len(bomb) < 100_000
    with pytest.raises(PhotoError, match="maks 24 megapiksel"):
        normalise_photo(bomb)


@pytest.mark.parametrize("size", [(149, 200), (150, 199), (300, 190), (100, 100)])
def test_too_small_photo_is_refused(size):
    with pytest.raises(PhotoError) as error:
        normalise_photo(encode(Image.new("RGB", size, BLUE)))
    assert str(error.value) == "Foto terlalu kecil (minimal 150 x 200 piksel)"


def test_truncated_jpeg_is_refused_as_broken():
    data = encode(portrait(RED))
    with pytest.raises(PhotoError, match="rusak atau tidak lengkap"):
        normalise_photo(data[: len(data) // 2])


# --- background colour ----------------------------------------------------------------------

@pytest.mark.parametrize("background, expected", [
    (RED, "merah"), ((237, 28, 36), "merah"), ((180, 30, 60), "merah"),
    (BLUE, "biru"), ((0, 112, 192), "biru"), ((30, 144, 255), "biru"), ((20, 30, 90), "biru"),
    ((255, 255, 255), "lain"), ((128, 128, 128), "lain"), (GREEN, "lain"), ((255, 140, 0), "lain"),
    ((128, 0, 128), "lain"), ((173, 216, 230), "lain"), ((20, 10, 10), "lain"),
])
def test_classify_background(background, expected):
    assert classify_background(*background) == expected


@pytest.mark.parametrize("background, expected", [(RED, "merah"), (BLUE, "biru"), ((235, 235, 235), "lain")])
def test_background_of_a_portrait_ignores_hair_face_and_shirt(background, expected):
    assert normalise_photo(encode(portrait(background))).background == expected


def test_background_survives_a_white_jilbab_across_the_top_strip():
    # The top strip is close to half the sampled frame: an average would wash the red out.
    image = Image.new("RGB", (300, 400), RED)
    image.paste((245, 245, 245), (0, 0, 300, 32))
    assert detect_background(image) == "merah"


def test_background_detection_reads_the_frame_not_the_centre():
    image = Image.new("RGB", (300, 400), BLUE)
    image.paste(RED, (40, 40, 260, 400))  # a big red jacket in the middle
    assert detect_background(image) == "biru"


@pytest.mark.parametrize("background, year", [("merah", 1991), ("biru", 1990), ("biru", 2000), ("merah", 2001)])
def test_background_following_the_office_rule_needs_no_warning(background, year):
    assert background_rule_warning(background, year) is None


def test_blue_background_for_odd_year_is_warned():
    message = background_rule_warning("biru", 1991)
    assert message == ("Latar foto seharusnya merah untuk tahun lahir ganjil (1991), "
                       "tetapi latar foto terdeteksi biru")


def test_red_background_for_even_year_is_warned():
    assert "seharusnya biru untuk tahun lahir genap (2000)" in background_rule_warning("merah", 2000)


def test_other_background_is_always_warned():
    assert "bukan merah atau biru" in background_rule_warning("lain", 1990)
    assert "bukan merah atau biru" in background_rule_warning("lain", 1991)


def _scan_start(jpeg: bytes) -> int:
    """Where the entropy-coded data begins: after the start-of-scan header."""
    sos = jpeg.find(b"\xff\xda")
    return sos + 2 + struct.unpack(">H", jpeg[sos + 2:sos + 4])[0]


def _forgeries():
    """JPEGs whose header promises a picture their data does not hold (issue 42, finding 10)."""
    good = encode(portrait(RED, (600, 800)), quality=90)
    start = _scan_start(good)
    sof = good.find(b"\xff\xc0")
    bigger = bytearray(good)
    bigger[sof + 5:sof + 9] = struct.pack(">HH", 3000, 2400)  # the header claims 2400 x 3000
    return {"header only": good[:start] + b"\xff\xd9", "header claims more": bytes(bigger),
            "scan of zeros": good[:start] + b"\0" * 4000 + b"\xff\xd9",
            "cut in half": good[:len(good) // 2]}


@pytest.mark.parametrize("name", list(_forgeries()))
def test_a_jpeg_whose_data_does_not_hold_its_picture_is_refused_not_shipped_grey(name):
    with pytest.raises(PhotoError) as refused:
        normalise_photo(_forgeries()[name])
    assert "rusak" in str(refused.value)


def test_real_photos_with_dark_light_and_grey_edges_still_pass():
    """The fill check looks for libjpeg's exact flat level on the whole bottom row: a photo's bottom
    edge in black, white or a grey wall passes."""
    for bottom in ((0, 0, 0), (255, 255, 255), (120, 120, 120), (131, 129, 127)):
        image = portrait(BLUE, (600, 800))
        ImageDraw.Draw(image).rectangle((0, 700, 600, 800), fill=bottom)
        assert normalise_photo(encode(image, quality=92)).width == 300

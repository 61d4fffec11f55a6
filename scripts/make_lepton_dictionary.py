"""Writes sync/lepton_header.dict, the preset dictionary of the "lepton-hz" photo codec (run once;
the file is part of the wire protocol, so it never changes under that codec's name).

What it holds: the head of a Lepton stream (its fixed fields and its inflated JPEG header: JFIF,
quantisation and Huffman tables) for one synthetic portrait per quality the intake may choose
(app/frame/applicant_photo.py JPEG_QUALITIES), encoded as intake encodes. A photo's own header then
deflates mostly into references to these.

    .venv/bin/python scripts/make_lepton_dictionary.py
"""
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import lepton_jpeg_python  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from app.frame import applicant_photo as photo  # noqa: E402
from sync import jpeg_transit  # noqa: E402


def portrait(quality: int) -> bytes:
    image = Image.linear_gradient("L").resize((photo.OUTPUT_WIDTH, photo.OUTPUT_HEIGHT)).convert("RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((60, 80, 240, 320), fill=(200, 150, 110))
    draw.rectangle((0, 330, 300, 400), fill=(40, 40, 120))
    image = Image.blend(image, Image.effect_noise(image.size, 20).convert("RGB"), 0.05).filter(ImageFilter.GaussianBlur(1))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True, dpi=(photo.OUTPUT_DPI, photo.OUTPUT_DPI))
    return out.getvalue()


if __name__ == "__main__":
    # The most used quality last: the nearest matches are the cheapest.
    heads = [jpeg_transit.split_lepton(lepton_jpeg_python.compress_bytes(portrait(q)))[0]
             for q in reversed(photo.JPEG_QUALITIES)]
    jpeg_transit.DICTIONARY_PATH.write_bytes(b"".join(heads))
    print(f"{jpeg_transit.DICTIONARY_PATH}: {sum(map(len, heads))} bytes")

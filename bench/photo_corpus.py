"""Photographs for the sync benches (issue 32): crops of the real photographs that ship inside the
scikit-image wheel, as a phone would hand them to the counter, put through the app's own intake.

The synthetic "phone photos" (bench/sync_vs_rsync.py, phone_photo) are drawings: shapes, blur and
3 % noise, which Lepton takes to ~0.72 of their size. Photographs keep detail everywhere and
shrink to ~0.83: the honest set for the byte and time goals. scikit-image is a bench extra
(`pip install .[bench]`), never part of the office install.

    python bench/photo_corpus.py [--count 200]   # sizes, Lepton and JPEG XL ratios of both sets
"""
import argparse
import io
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The photographs of the wheel (skimage.data, no download): people first, then scenes. Drawings,
# charts and textures (logo, chessboard, brick, text ...) are left out: no office photo looks so.
PORTRAITS = ("astronaut", "camera")
SCENES = ("chelsea", "coffee", "rocket", "hubble_deep_field", "coins", "moon", "retina", "stereo_motorcycle")
PHOTOGRAPHS = PORTRAITS + SCENES
# Where a face is in a portrait (top, left, bottom, right as fractions): crops are taken around it,
# as a pas foto frames head and shoulders.
FACES = {"astronaut": (0.03, 0.28, 0.45, 0.65), "camera": (0.05, 0.30, 0.42, 0.62)}
PHONE_SIZE = (1200, 1600)  # what the counter's phone or webcam hands over, 3:4


def _source(name: str):
    from PIL import Image
    from skimage import data
    pixels = getattr(data, name)()
    if isinstance(pixels, tuple):  # stereo_motorcycle: (left, right, disparity)
        pixels = pixels[0]
    return Image.fromarray(pixels).convert("RGB")


_sources: dict = {}


def source(name: str):
    if name not in _sources:
        _sources[name] = _source(name)
    return _sources[name]


def _window(name: str, width: int, height: int, rng: random.Random) -> tuple[int, int, int, int]:
    """A 3:4 window of the photograph: around the face in a portrait, anywhere in a scene."""
    largest = min(width, height * 3 // 4)
    if name in FACES:
        top, left, bottom, right = FACES[name]
        face_w = (right - left) * width
        crop_w = int(min(largest, max(face_w * rng.uniform(1.5, 2.2), largest * 0.45)))
        crop_h = crop_w * 4 // 3
        cx = (left + right) / 2 * width + rng.uniform(-0.08, 0.08) * crop_w
        y0 = top * height - rng.uniform(0.05, 0.15) * crop_h
    else:
        crop_w = int(largest * rng.uniform(0.55, 1.0))
        crop_h = crop_w * 4 // 3
        cx = rng.uniform(crop_w / 2, width - crop_w / 2)
        y0 = rng.uniform(0, height - crop_h)
    x0 = int(min(max(cx - crop_w / 2, 0), width - crop_w))
    y0 = int(min(max(y0, 0), height - crop_h))
    return x0, y0, x0 + crop_w, y0 + crop_h


def photograph(seed: int) -> bytes:
    """The `seed`-th photograph as a phone hands it over: a 3:4 crop (every third one of a portrait),
    1200 x 1600, a JPEG of quality 85-93. Distinct for every seed (position, size, mirror, quality)."""
    from PIL import Image, ImageOps
    rng = random.Random(seed)
    name = PORTRAITS[seed % len(PORTRAITS)] if seed % 3 == 0 else PHOTOGRAPHS[seed % len(PHOTOGRAPHS)]
    image = source(name)
    crop = image.crop(_window(name, *image.size, rng)).resize(PHONE_SIZE, Image.LANCZOS)
    if rng.random() < 0.5:
        crop = ImageOps.mirror(crop)
    out = io.BytesIO()
    crop.save(out, "JPEG", quality=rng.randint(85, 93))
    return out.getvalue()


def intake(seed: int) -> bytes:
    """The `seed`-th photograph as the counter stores it (the app's own intake normalisation)."""
    from app.frame.applicant_photo import normalise_photo
    return normalise_photo(photograph(seed)).jpeg


def codec_ratio(photos: list[bytes], codecs=("lepton", "lepton-hz")) -> float:
    """The size of each photo's smallest stream in `codecs` (default Lepton's, the best of the
    sync's codecs; ("jpegxl",) what an office without Lepton sends) over the JPEGs'."""
    from sync import jpeg_transit
    packed = [min(len(jpeg_transit.compress(p, codec) or p) for codec in codecs) for p in photos]
    return sum(packed) / sum(len(p) for p in photos)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    import json
    from app.frame.applicant_photo import normalise_photo
    from bench.sync_vs_rsync import phone_photo
    sets = {"photographs": [intake(i) for i in range(args.count)],
            "synthetic": [normalise_photo(phone_photo(i)).jpeg for i in range(args.count)]}
    print(json.dumps({name: {"count": len(photos), "distinct": len(set(photos)), "bytes": sum(map(len, photos)),
                             "mean_bytes": round(sum(map(len, photos)) / len(photos)),
                             "lepton_ratio": round(codec_ratio(photos), 3),
                             "jpegxl_ratio": round(codec_ratio(photos, ("jpegxl",)), 3)}
                      for name, photos in sets.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

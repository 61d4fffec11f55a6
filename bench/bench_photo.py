"""Time normalise_photo on a synthetic 12-megapixel (4000 x 3000) noisy phone JPEG.

Run: python bench/bench_photo.py   (prints the median of 15 runs; the target is < 300 ms)
"""
import io
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.frame.applicant_photo import normalise_photo  # noqa: E402

RUNS = 15


def synthetic_phone_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A blue backdrop with a face-coloured ellipse and sensor-like noise, saved like a phone (q 92, EXIF rotated)."""
    photo = Image.new("RGB", (width, height), (30, 110, 200))
    face = Image.new("RGB", (width, height), (205, 160, 130))
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).ellipse((width * 0.35, height * 0.2, width * 0.65, height * 0.8), fill=255)
    photo.paste(face, mask=mask)
    noise = Image.merge("RGB", [Image.effect_noise((width, height), sigma) for sigma in (30, 25, 35)])
    photo = Image.blend(photo, noise, 0.25)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 (phone held upright)
    exif[0x010F] = "SyntheticPhone"
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=92, exif=exif)
    return buffer.getvalue()


def main() -> None:
    data = synthetic_phone_photo()
    print(f"input: 4000x3000 JPEG, {len(data) / 1024 / 1024:.1f} MB")
    normalise_photo(data)  # warm-up
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = normalise_photo(data)
        timings.append((time.perf_counter() - started) * 1000)
    print(f"output: {result.width}x{result.height} JPEG, {len(result.jpeg) / 1024:.1f} KB, "
          f"quality {result.quality}, background {result.background}")
    print(f"median of {RUNS} normalisations: {statistics.median(timings):.1f} ms "
          f"(min {min(timings):.1f}, max {max(timings):.1f})")


if __name__ == "__main__":
    main()

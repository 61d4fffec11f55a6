"""What each photo codec costs on the link and in CPU: Lepton (`lepton-hz`), JPEG XL (`jpegxl`, what an
office without Lepton's wheel sends: Python 3.15) and plain JPEG (an office with neither).

This packs the bench's photo corpus (bench/photo_corpus.py: the photographs of the scikit-image wheel
through the app's intake, and the synthetic set) into packets of 50 in each codec, as
sync/client/engine.py does (a packet's Lepton heads deflated together), and prints the bytes a
photo costs on the wire (packet framing and item tags included, same headers every way), their
ratio to Lepton's and to plain JPEG's, and each codec's median encode (with the round-trip check
the office makes) and decode milliseconds per photo, one photo at a time, of CPU and of the clock.

    .venv/bin/pip install -e '.[bench]'   # scikit-image, for the photographs
    .venv/bin/python bench/bench_no_lepton.py [--count 200] [--codecs lepton-hz,jpegxl,plain]
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PER_PACKET = 50
SEAL = ("bench-secret", "0" * 32)
PLAIN = "plain"


def packet_bytes(photos: list[bytes], codec: str) -> int:
    """The bytes of the packets that carry `photos` in `codec` (PLAIN: as they are), PER_PACKET at a time."""
    from sync import jpeg_transit, protocol
    total = 0
    for start in range(0, len(photos), PER_PACKET):
        items = []
        for index, photo in enumerate(photos[start:start + PER_PACKET]):
            header = {"hash": "0" * protocol.HASH_CHECK_CHARS, "version": 1,
                      "record": {"registration_number": f"350807-01-{start + index + 1:06d}"}}
            packed = jpeg_transit.compress(photo, codec) if codec != PLAIN else None
            items.append((dict(header, photo_codec=codec), packed) if packed else (header, photo))
        heads, cut = jpeg_transit.join_heads(items)
        total += len(protocol.encode_packet(cut, SEAL, heads))
    return total


def codec_milliseconds(photos: list[bytes], codec: str) -> dict:
    """Median ms of one photo in `codec`, of CPU (every thread of the process: what a busy PC pays)
    and of the clock: the office's compress (with its round-trip check) and the center's decompress."""
    from sync import jpeg_transit
    spans = {"encode_cpu_ms": [], "encode_ms": [], "decode_cpu_ms": [], "decode_ms": []}
    for photo in photos:
        cpu, clock = time.process_time(), time.perf_counter()
        packed = jpeg_transit.compress(photo, codec)
        spans["encode_cpu_ms"].append(time.process_time() - cpu)
        spans["encode_ms"].append(time.perf_counter() - clock)
        cpu, clock = time.process_time(), time.perf_counter()
        assert jpeg_transit.decompress(packed, codec) == photo
        spans["decode_cpu_ms"].append(time.process_time() - cpu)
        spans["decode_ms"].append(time.perf_counter() - clock)
    return {name: round(statistics.median(values) * 1000, 2) for name, values in spans.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--codecs", default="lepton-hz,jpegxl,plain")
    args = parser.parse_args()
    from app.frame.applicant_photo import normalise_photo
    from bench.photo_corpus import intake
    from bench.sync_vs_rsync import phone_photo
    from sync import jpeg_transit
    codecs = args.codecs.split(",")
    missing = [codec for codec in codecs if codec != PLAIN and codec not in jpeg_transit.CODECS]
    if missing:
        print(f"this Python lacks the codecs {missing} (lepton_jpeg_python installs on 3.11-3.14)")
        return 1
    sets = {"photographs": [intake(i) for i in range(args.count)],
            "synthetic": [normalise_photo(phone_photo(i)).jpeg for i in range(args.count)]}
    figures = {}
    for name, photos in sets.items():
        jpeg = sum(map(len, photos))
        wire = {codec: packet_bytes(photos, codec) for codec in codecs}
        rows = {}
        for codec in codecs:
            rows[codec] = {"wire_bytes_each": round(wire[codec] / len(photos)),
                           "stream_over_jpeg": round(sum(len(jpeg_transit.compress(p, codec) or p) for p in photos) / jpeg, 3)
                           if codec != PLAIN else 1.0,
                           **{f"wire_over_{other}": round(wire[codec] / wire[other], 3) for other in codecs if other != codec}}
            if codec != PLAIN:
                rows[codec].update(codec_milliseconds(photos, codec))
        figures[name] = {"photos": len(photos), "jpeg_bytes_each": round(jpeg / len(photos)), **rows}
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

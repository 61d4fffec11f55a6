"""What the link costs an office PC without Lepton (Python 3.15 and later: no wheel, pyproject.toml).

Such a PC sends each photo as its exact JPEG; one with Lepton sends it as `lepton-hz`, the heads of
a packet's photos deflated together. This packs the bench's photo corpus (bench/photo_corpus.py:
the photographs of the scikit-image wheel through the app's intake, and the synthetic set) into
packets of 50 both ways, as sync/client/engine.py does, and prints the bytes a photo costs on the
wire (packet framing and item tags included, same headers both ways) and their ratio.

    .venv/bin/pip install -e '.[bench]'   # scikit-image, for the photographs
    .venv/bin/python bench/bench_no_lepton.py [--count 200]
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PER_PACKET = 50
SEAL = ("bench-secret", "0" * 32)


def packet_bytes(photos: list[bytes], with_lepton: bool) -> int:
    """The bytes of the packets that carry `photos`, PER_PACKET at a time."""
    from sync import jpeg_transit, protocol
    total = 0
    for start in range(0, len(photos), PER_PACKET):
        items = []
        for index, photo in enumerate(photos[start:start + PER_PACKET]):
            header = {"hash": "0" * protocol.HASH_CHECK_CHARS, "version": 1,
                      "record": {"registration_number": f"350807-01-{start + index + 1:06d}"}}
            packed = jpeg_transit.compress(photo, jpeg_transit.COMPACT) if with_lepton else None
            items.append((dict(header, photo_codec=jpeg_transit.COMPACT), packed) if packed else (header, photo))
        heads, cut = jpeg_transit.join_heads(items)
        total += len(protocol.encode_packet(cut, SEAL, heads))
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    from app.frame.applicant_photo import normalise_photo
    from bench.photo_corpus import intake
    from bench.sync_vs_rsync import phone_photo
    from sync import jpeg_transit
    if not jpeg_transit.CODECS:
        print("this Python has no lepton_jpeg_python: run the bench where it installs (3.11-3.14)")
        return 1
    sets = {"photographs": [intake(i) for i in range(args.count)],
            "synthetic": [normalise_photo(phone_photo(i)).jpeg for i in range(args.count)]}
    figures = {}
    for name, photos in sets.items():
        with_lepton, without = packet_bytes(photos, True), packet_bytes(photos, False)
        figures[name] = {"photos": len(photos), "jpeg_bytes_each": round(sum(map(len, photos)) / len(photos)),
                         "wire_bytes_each_with_lepton": round(with_lepton / len(photos)),
                         "wire_bytes_each_without_lepton": round(without / len(photos)),
                         "without_over_with": round(without / with_lepton, 3)}
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

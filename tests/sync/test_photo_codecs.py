"""Every lossless photo codec an office may send, through the real center (issue 64, finding 1).

An office on a Python without Lepton's wheel (3.15) sent its photos as plain JPEG bytes, a fifth
more on the link. JPEG XL's JPEG recompression (imagecodecs, one abi3 wheel for every Python) now
travels there: the center takes plain JPEG, both Lepton codecs and `jpegxl`, alone or mixed in a
packet, and stores the very bytes the counter took; an office without Lepton sends `jpegxl`.
"""
import io
import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from sync import jpeg_transit, protocol
from sync.center import records
from sync.center.models import ReceivedApplication
from sync.client import engine
from tests.sync.harness import ROOT, CenterServer, prepare_center
from tests.sync.helpers import call, packet_item
from tests.sync.test_streamed_packets import streamed_call
from tests.sync.test_without_lepton import center_photos, codecs_of_a_python_with, exact, no_lepton

LEPTON = ("lepton-hz", "lepton")
HAS_LEPTON = jpeg_transit.lepton_jpeg_python is not None


def _jpeg(image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def photographs() -> dict:
    """Pas foto as the counter stores them (the bench's phone photos through the app's intake), and
    the other JPEG shapes a photo may take: progressive, greyscale, 4:4:4, restart markers; and a
    CMYK one that no codec takes (it travels as it is)."""
    from app.frame.applicant_photo import normalise_photo
    from bench.sync_vs_rsync import phone_photo
    intake = [normalise_photo(phone_photo(seed)).jpeg for seed in (1, 2)]
    image = Image.open(io.BytesIO(intake[0]))
    return {"intake-1": intake[0], "intake-2": intake[1],
            "progressive": _jpeg(image, quality=88, progressive=True), "grey": _jpeg(image.convert("L"), quality=90),
            "444": _jpeg(image, quality=92, subsampling=0), "restart": _jpeg(image, quality=85, restart_marker_blocks=4),
            "cmyk": _jpeg(image.convert("CMYK"), quality=85)}


def _codecs_here() -> list[str]:
    return [codec for codec in protocol.PHOTO_CODECS if codec in jpeg_transit.CODECS]


def _send(center_app, key, photos: dict, codec_of) -> tuple[list, list]:
    """One packet of `photos`, each in codec_of(index) (None: as it is), through the center's packet
    endpoint as the kecamatan encodes it; (the center's results, the wire items)."""
    wire = []
    for index, photo in enumerate(photos.values()):
        header, _ = packet_item(index + 1, photo=photo)
        codec = codec_of(index)
        packed = jpeg_transit.compress(photo, codec) if codec else None
        wire.append((dict(header, photo_codec=codec), packed) if packed is not None else (header, photo))
    nonce = protocol.new_nonce()
    response = streamed_call(center_app.test_client(), key, engine._encode(wire, (key[1], nonce)), nonce)
    assert response.status_code == 200, response.data
    answer = protocol.inflate(response.data, 1 << 20) if response.mimetype == protocol.JSON_DEFLATE else response.data
    return [r["result"] for r in json.loads(answer)["results"]], wire


def _stored() -> dict:
    return {row.registration_number: (bytes(row.photo), row.photo_sha256) for row in ReceivedApplication.select()}


@pytest.mark.parametrize("codec", [None, *protocol.PHOTO_CODECS, "mixed"])
def test_the_same_photographs_come_back_byte_for_byte_in_every_codec(center_app, enrolled, photographs, codec):
    if codec in LEPTON and not HAS_LEPTON:
        pytest.skip("no lepton_jpeg_python wheel for this Python")
    _, key = enrolled
    codecs = _codecs_here()
    codec_of = (lambda index: codecs[index % len(codecs)]) if codec == "mixed" else (lambda index: codec)
    results, wire = _send(center_app, key, photographs, codec_of)
    assert results == ["stored"] * len(photographs)
    sent = [header.get("photo_codec") for header, _ in wire]
    expected = [codec_of(index) for index in range(len(photographs))]
    expected[list(photographs).index("cmyk")] = None  # no codec takes a 4-channel JPEG: as it is
    assert sent == expected
    for (header, packed), name in zip(wire, photographs):  # recompressed photos really are smaller
        assert (len(packed) < len(photographs[name])) == (header.get("photo_codec") is not None)
    numbers = [header["id"] for header, _ in wire]
    assert _stored() == exact(dict(zip(numbers, photographs.values())))


def test_the_center_announces_jpeg_xl_with_the_codecs_it_decodes(center_app, enrolled):
    _, key = enrolled
    response = call(center_app.test_client(), key, "GET", "/api/v1/probe")
    answer = response.data
    if response.mimetype == protocol.JSON_DEFLATE:
        answer = protocol.inflate(answer, 1 << 20)
    assert json.loads(answer)["photo_codecs"] == _codecs_here()
    assert "jpegxl" in _codecs_here()


def test_a_jpeg_xl_stream_of_another_photo_is_sent_again_not_rejected(center_app, enrolled, photographs):
    header, photo = packet_item(1, photo=photographs["intake-1"])
    other = jpeg_transit.compress(photographs["intake-2"], "jpegxl")
    assert jpeg_transit.decompress(other, "jpegxl") == photographs["intake-2"]  # a valid stream, of the wrong photo
    restored = records.restore_packet_item(dict(header, photo_codec="jpegxl"), other)
    assert restored.retry is not None and restored.retry.result == "retry"
    damaged = bytearray(jpeg_transit.compress(photo, "jpegxl"))
    damaged[len(damaged) // 2] ^= 0xFF
    assert records.restore_packet_item(dict(header, photo_codec="jpegxl"), bytes(damaged)).retry.result == "retry"
    assert records.restore_packet_item(dict(header, photo_codec="jpegxl"), jpeg_transit.compress(photo, "jpegxl")).retry is None


def test_a_jpeg_xl_stream_larger_than_any_pas_foto_is_not_decoded():
    """The center reads the picture's size from the stream's head and decodes nothing larger than
    an intake could make (as Lepton's limits do): a few KB of JPEG XL could ask for gigabytes."""
    import imagecodecs
    wide = _jpeg(Image.new("RGB", (4104, 16), (90, 120, 30)), quality=80)
    stream = bytes(imagecodecs.jpegxl_encode_jpeg(wide))
    assert bytes(imagecodecs.jpegxl_decode_jpeg(stream)) == wide  # the premise: a valid stream
    assert jpeg_transit.jpegxl_size(stream) == (4104, 16)
    assert jpeg_transit.decompress(stream, "jpegxl") is None
    assert jpeg_transit.compress(wide, "jpegxl") is None  # nor does an office send one: it travels as it is
    small = _jpeg(Image.new("RGB", (300, 400), (90, 120, 30)), quality=80)
    assert jpeg_transit.jpegxl_size(jpeg_transit.compress(small, "jpegxl")) == (300, 400)


@pytest.mark.parametrize("size", [(1, 1), (123, 457), (1000, 1000), (1920, 1080), (1200, 900), (5000, 3)])
def test_the_size_read_from_a_jpeg_xl_head_is_the_picture_s(size):
    """Every way the SizeHeader writes a size (multiples of 8 in short, a ratio, 9 to 30 bits)."""
    import imagecodecs
    stream = bytes(imagecodecs.jpegxl_encode_jpeg(_jpeg(Image.new("RGB", size, (9, 99, 199)))))
    assert jpeg_transit.jpegxl_size(stream) == size


# The office's side in a Python without Lepton: fill, enrol, one pass to the real center, and what
# went on the wire (each packet's items as engine._encode hands them to protocol.encode_packet).
OFFICE_WITHOUT_LEPTON = r"""
import json, sys
from pathlib import Path
from sync import jpeg_transit, protocol
from sync.client import engine
from sync.client.models import PhotoTransit
from tests.sync.harness import enrol_kecamatan, fill_kecamatan, kecamatan_app
sent, encode = [], protocol.encode_packet
def recording(items, seal, photo_heads=b""):
    sent.extend(header.get("photo_codec") for header, _ in items)
    return encode(items, seal, photo_heads)
protocol.encode_packet = recording
kec_app = kecamatan_app(Path(sys.argv[1]))
fill_kecamatan(kec_app, 4)
with kec_app.app_context(), kec_app.extensions["database"].connection_context():
    kept = sorted({row.codec for row in PhotoTransit.select() if row.stream is not None})
enrol_kecamatan(kec_app, sys.argv[2], sys.argv[3])
with kec_app.app_context(), kec_app.extensions["database"].connection_context():
    report = engine.sync_once(engine.client_for(engine.current_link()), full=True)
print(json.dumps({"codecs": list(jpeg_transit.CODECS), "kept": kept, "sent": sent, "error": report.error}))
"""


@pytest.mark.windows_pass  # real processes, as test_without_lepton.py's
def test_an_office_without_lepton_sends_its_photos_as_jpeg_xl(tmp_path):
    blocked = no_lepton(tmp_path)
    assert codecs_of_a_python_with(blocked) == "['jpegxl']"
    center_app, code = prepare_center(tmp_path / "center")
    center = CenterServer(tmp_path / "center").start()
    try:
        done = subprocess.run([sys.executable, "-c", OFFICE_WITHOUT_LEPTON, str(tmp_path / "kecamatan"), center.url,
                               code], cwd=ROOT, env=dict(os.environ, **blocked), capture_output=True,
                              text=True, timeout=300)
    finally:
        center.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    office = json.loads(done.stdout.strip().splitlines()[-1])
    assert office["codecs"] == ["jpegxl"] and office["error"] == ""
    assert office["kept"] == ["jpegxl"]  # made when the outbox took them, not in the pass
    assert office["sent"] == ["jpegxl"] * 4
    from tests.sync.harness import kecamatan_app
    from tests.sync.test_without_lepton import office_photos
    assert center_photos(center_app) == exact(office_photos(kecamatan_app(tmp_path / "kecamatan")))

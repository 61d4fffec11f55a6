"""A lost USB stick leaks nothing (issue 14): batch files are encrypted, their head authenticated."""
import io
import json

from sync import protocol, usb
from sync.center import keys
from sync.center.models import ReceivedApplication
from sync.client import usb_files
from tests.sync.helpers import packet_item
from tests.support.factory import kecamatan_row, person_name, person_nik
from tests.sync.test_center_pages import client_as, operators  # noqa: F401  (fixture)
from tests.sync.test_edges_of_a_real_office import enrolled_installation, fill, run

JPEG_MARKER = b"\xff\xd8\xff"


def _import(center_app, operators, content, name="kiriman.lkb"):  # noqa: F811
    answer = client_as(center_app, operators["operator"]).post(
        "/impor", data={"batch": (io.BytesIO(content), name)}, content_type="multipart/form-data")
    return answer.status_code, answer.get_data(as_text=True)


def test_a_real_export_holds_no_nik_name_or_photo_and_the_center_still_reads_it(tmp_path, center_app, center_db,
                                                                                enrolled, operators):  # noqa: F811
    kecamatan, _ = enrolled
    kec_app = enrolled_installation(tmp_path / "k", center_app, kecamatan)
    numbers = fill(kec_app, 12, first=1)
    files, count = run(kec_app, lambda: usb_files.export_batches(tmp_path / "usb"))
    assert count == 12 and len(files) == 1
    on_stick = (tmp_path / "usb" / files[0][0]).read_bytes()
    assert on_stick == files[0][1]
    for n in range(1, 13):
        assert person_nik(n).encode() not in on_stick and person_name(n).encode() not in on_stick
    assert JPEG_MARKER not in on_stick and b"Dusun Krajan" not in on_stick
    head = json.loads(on_stick.partition(b"\n")[0])
    assert head["format"] == usb.BATCH_FORMAT and head["part"] == 1 and head["parts"] == 1 and head["set"]
    status, page = _import(center_app, operators, on_stick, files[0][0])
    assert status == 200 and "disimpan 12" in page
    assert {r.registration_number for r in ReceivedApplication.select()} == set(numbers)


def test_a_changed_body_or_head_is_refused_in_indonesian(center_app, operators, enrolled):  # noqa: F811
    _, key = enrolled
    content = usb.write_batch_file(key[0], key[1], [packet_item(1), packet_item(2)], 1, 2, "20261122-1500")
    head_line, _, body = content.partition(b"\n")
    middle = len(body) // 2
    flipped = head_line + b"\n" + body[:middle] + bytes([body[middle] ^ 1]) + body[middle + 1:]
    relabelled = head_line.replace(b'"part": 1', b'"part": 2') + b"\n" + body
    assert relabelled != content
    for tampered in (flipped, relabelled, content[:-1]):
        status, page = _import(center_app, operators, tampered)
        assert status == 422 and "tidak dapat dibuka dengan kunci perangkat ini" in page
    assert ReceivedApplication.select().count() == 0
    assert _import(center_app, operators, content)[0] == 200 and ReceivedApplication.select().count() == 2


def test_a_file_of_another_kecamatan_or_an_unknown_key_is_refused(center_app, operators, enrolled):  # noqa: F811
    _, key = enrolled
    other = kecamatan_row("35.08.08", "Kunir")
    _, other_key = keys.enrol("35.08.08", keys.new_enrolment_code(other), "01")
    # Encrypted by the other kecamatan's device but naming this one's key: the key does not open it.
    foreign = usb.write_batch_file(other_key.key_id, other_key.secret, [packet_item(1)])
    posing = foreign.replace(other_key.key_id.encode(), key[0].encode(), 1)
    status, page = _import(center_app, operators, posing)
    assert status == 422 and "dibuat oleh perangkat lain" in page
    # Someone who knows a key id but not the secret.
    guessed = usb.write_batch_file(key[0], protocol.new_secret(), [packet_item(1)])
    assert _import(center_app, operators, guessed)[0] == 422
    unknown = usb.write_batch_file("350807-000000000000", key[1], [packet_item(1)])
    status, page = _import(center_app, operators, unknown)
    assert status == 422 and "tidak dikenal atau sudah dicabut" in page
    assert ReceivedApplication.select().count() == 0


def test_an_old_plaintext_file_gets_a_clear_answer_and_is_not_stored(center_app, operators, enrolled):  # noqa: F811
    _, key = enrolled
    packet = protocol.encode_packet([packet_item(1)], (key[1], usb.USB_SEAL_NONCE))
    old = json.dumps({"format": "loket-batch-1", "key_id": key[0], "timestamp": "1", "nonce": "ab" * 16,
                      "signature": "00"}).encode() + b"\n" + packet
    status, page = _import(center_app, operators, old, "lama.lkb")
    assert status == 422 and "versi lama Loket Kecamatan tanpa enkripsi" in page and "buat ulang berkas kiriman" in page
    assert ReceivedApplication.select().count() == 0


def test_a_file_of_the_older_packet_format_gets_a_clear_answer_and_is_not_stored(center_app, operators, enrolled):  # noqa: F811
    """loket-batch-2 files carried a packet of the older protocol versions (LKP1): one packet format
    now, so such a file is refused with what to do, not as damaged."""
    _, key = enrolled
    old = json.dumps({"format": "loket-batch-2", "key_id": key[0], "timestamp": "1", "nonce": "AAAAAAAAAAAAAAAA",
                      "count": 1, "part": 1, "parts": 1, "set": ""}).encode() + b"\n" + bytes(64)
    status, page = _import(center_app, operators, old, "lama.lkb")
    assert status == 422 and "format paket lama" in page and "buat ulang berkas kiriman" in page
    assert ReceivedApplication.select().count() == 0


def test_the_encryption_key_is_not_the_signing_key():
    secret = protocol.new_secret()
    assert usb.batch_key(secret) != secret.encode("ascii") and len(usb.batch_key(secret)) == 32

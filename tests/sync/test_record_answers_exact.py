"""The center's answer to each application a kecamatan PC sends, word for word (issue 61: the mutation run
over sync/center/records.py's answer): stored, duplicate, conflict, or rejected with the reason the counter
shows its clerk, and the manifest that says what the center still needs."""
import pytest

from app.frame.dates import utc_now

from sync import protocol
from sync.center import records
from sync.center.models import Conflict, ReceivedApplication, StatusEvent
from tests.support.factory import kecamatan_row, noisy_photo_jpeg, numbered_photo_jpeg
from tests.sync.helpers import packet_item, record_for

CENTER = ["sqlite", "postgresql"]


def answer(outcome) -> tuple:
    return outcome.id, outcome.version, outcome.result, outcome.reason


def resealed(header: dict, photo: bytes, **record_changes) -> dict:
    record = dict(header["record"], **record_changes)
    return dict(header, record=record, hash=protocol.content_hash(record, protocol.sha256_hex(photo)))


def test_an_answer_carries_what_the_pc_needs_and_nothing_empty():
    assert records.Outcome("350807-01-000001", 2, "stored", seq=0).as_json() == {
        "id": "350807-01-000001", "version": 2, "result": "stored", "seq": 0}
    assert records.Outcome("350807-01-000001", 2, "stored", seq=5).as_json(named=False) == {"result": "stored",
                                                                                          "seq": 5}
    assert records.Outcome("350807-01-000001", None, "rejected", "versi tidak sah").as_json() == {
        "id": "350807-01-000001", "version": None, "result": "rejected", "reason": "versi tidak sah"}
    events = [{"seq": 1, "status": "received"}]
    assert records.Outcome("a", 1, "duplicate", events=events).as_json(named=False) == {"result": "duplicate",
                                                                                      "events": events}
    assert records.Outcome("a", 1, "duplicate", events=[]).as_json() == {"id": "a", "version": 1,
                                                                         "result": "duplicate"}
    assert records.Outcome("a", 1, "superseded", "r", accepted_as="350807-01-000002").as_json() == {
        "id": "a", "version": 1, "result": "superseded", "reason": "r", "accepted_as": "350807-01-000002"}


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_an_application_is_refused_for_its_first_fault_with_the_reason_the_counter_shows(center_app, center_db,
                                                                                          enrolled):
    kecamatan = enrolled[0]
    header, photo = packet_item(1)
    number = header["id"]

    def refusal(item, with_photo=photo):
        refused, values = records.validate_item(kecamatan, item, with_photo)
        assert values == {}
        return answer(refused)
    for version in (None, "1", True, 0, 10001):
        assert refusal(dict(header, version=version)) == (number, None, "rejected", "versi tidak sah")
    assert refusal(dict(header, id=5, version=0)) == ("", None, "rejected", "versi tidak sah")
    # a trailing newline passed the pattern's "$" (issue 61: the relay's twin was found by the mutation run)
    for bad in ("350807-01-00001", "35080-01-000001", "PRA-3508072001-D1-000001", 5, number + "\n"):
        assert refusal(dict(header, id=bad)) == (bad if isinstance(bad, str) else "", 1, "rejected",
                                                 "nomor registrasi tidak sah")
    other_header, other_photo = packet_item(2, digits="350806")
    assert refusal(other_header, other_photo) == (other_header["id"], 1, "rejected",
                                                  "nomor registrasi bukan milik kecamatan ini")
    for broken in (dict(header, record=None), dict(header, record=[1]), dict(header, hash=None)):
        assert refusal(broken) == (number, 1, "rejected", "data permohonan tidak lengkap")
    unencodable = dict(header, record=dict(header["record"], address="Dusun \ud800"))
    assert refusal(unencodable) == (number, 1, "rejected", "data permohonan berisi karakter tidak sah")
    nul = resealed(header, photo, address="Dusun\x00Krajan")
    assert refusal(nul) == (number, 1, "rejected",
                            "data permohonan berisi karakter tidak sah (NUL atau pengatur arah teks)")
    assert refusal(resealed(header, b"GIF89a", ), b"GIF89a") == (number, 1, "rejected", records.PHOTO_NOT_JPEG)
    assert refusal(dict(header, hash="0" * 64)) == (number, 1, "rejected",
                                                    "hash isi tidak cocok dengan data yang dikirim")
    assert refusal(resealed(header, photo, rt="1")) == (number, 1, "rejected", "isian rt tidak dalam bentuk baku")
    assert refusal(resealed(header, photo, registration_number="350807-01-000002")) == (
        number, 1, "rejected", "nomor pendaftaran di data tidak sama dengan nomor kiriman")


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_an_application_taken_is_cleaned_to_the_protocols_fields(center_app, center_db, enrolled):
    kecamatan = enrolled[0]
    header, photo = packet_item(1, version=10000)
    extra = resealed(header, photo, note_of_the_pc="not the protocol's")
    refused, values = records.validate_item(kecamatan, extra, photo)
    assert refused is None
    assert values == {"number": header["id"], "version": 10000, "record": header["record"], "hash": extra["hash"],
                      "nik": header["record"]["nik"], "full_name": header["record"]["full_name"],
                      "photo_sha": protocol.sha256_hex(photo), "size": (120, 160)}
    assert records.validate_item(kecamatan, dict(header, version=1), photo)[0] is None


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_each_record_field_is_checked_by_the_counters_rules_and_must_arrive_in_its_standard_form(center_app,
                                                                                                center_db, enrolled):
    kecamatan = enrolled[0]

    def problem(**changes):
        return records.record_problem(kecamatan, dict(record_for(1), **changes))
    assert problem() is None
    for name in records.RECORD_TEXT_FIELDS:
        assert problem(**{name: None}) == f"isian {name} tidak ada atau bukan teks"
        assert problem(**{name: 1}) == f"isian {name} tidak ada atau bukan teks"
    record = record_for(1)
    del record["occupation"], record["nik"]
    assert records.record_problem(kecamatan, record) == "isian nik tidak ada atau bukan teks"  # the first in order
    for done in ("true", 1, None):
        assert problem(biometric_done=done) == "isian biometric_done harus benar/salah"
    assert problem(biometric_done=False) is None
    assert problem(religion="islam") == "isian religion tidak sah: Pilih agama/kepercayaan dari daftar."
    assert problem(religion="islam", marital_status="kawin").startswith("isian marital_status tidak sah: ")
    assert problem(phone="0812") is None  # the phone, notes and mismatch reason stay at the kecamatan
    for name, typed in (("nik", record_for(1)["nik"] + " "), ("kk_number", "3508070101900001 "),
                        ("full_name", "Warga  Nomor B"), ("full_name", " Warga Nomor B"), ("sex", "l"), ("rt", "1"),
                        ("rw", "2"), ("reason", "Baru")):
        assert problem(**{name: typed}) == f"isian {name} tidak dalam bentuk baku", (name, typed)
    for desa in ("3508072001", "Darungan"):
        assert problem(desa_code=desa) == "tanggal lahir atau kode desa tidak dalam bentuk baku"


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_a_version_is_stored_once_then_duplicate_with_its_events_or_conflict(center_app, center_db, enrolled):
    kecamatan = enrolled[0]
    header, photo = packet_item(1)
    number = header["id"]
    stored = records.store_application(kecamatan, header, photo, device_code="01")
    assert answer(stored) == (number, 1, "stored", "") and stored.seq == 1
    again = records.store_application(kecamatan, dict(header), photo, device_code="01")
    assert answer(again) == (number, 1, "duplicate", "")
    assert [(e["seq"], e["id"], e["version"], e["status"], e["hash"]) for e in again.events] == [
        (1, number, 1, "received", header["hash"])]
    application = ReceivedApplication.get()
    for seq, content in ((50, header["hash"]), (40, header["hash"]), (45, "f" * 64)):  # out of the feed's order;
        StatusEvent.create(kecamatan=kecamatan, seq=seq, application=application, registration_number=number,
                           version=1, status="printed", reason="", at=utc_now(), content_hash=content)  # 45: another
    again = records.store_application(kecamatan, dict(header), photo, device_code="01")  # version's decision
    assert [(e["seq"], e["status"]) for e in again.events] == [(1, "received"), (40, "printed"), (50, "printed")]
    changed = resealed(header, photo, address="Dusun Krajan 2")
    conflict = records.store_application(kecamatan, changed, photo, device_code="02")
    assert answer(conflict) == (number, 1, "conflict", "nomor dan versi ini sudah diterima dengan isi berbeda; "
                                                       "menunggu pemeriksaan petugas pusat")
    assert not conflict.events
    # The operator's Konflik page: one row per offered version, however often a PC sends it, with its photo.
    assert answer(records.store_application(kecamatan, dict(changed), photo, device_code="02")) == answer(conflict)
    other_photo = numbered_photo_jpeg(9)
    third = resealed(header, other_photo, address="Dusun Krajan 3")
    assert records.store_application(kecamatan, third, other_photo, device_code="03").result == "conflict"
    offered = {row.offered_hash: bytes(row.offered_photo) for row in Conflict.select()}
    assert offered == {changed["hash"]: photo, third["hash"]: other_photo} and Conflict.select().count() == 2
    assert ReceivedApplication.select().count() == 1
    assert ReceivedApplication.get().content_hash == header["hash"]  # the first kept
    newer = records.store_application(kecamatan, dict(changed, version=2), photo)
    assert answer(newer) == (number, 2, "stored", "") and newer.seq == 2
    refused = records.store_application(kecamatan, dict(header, version=0), photo)
    assert answer(refused) == (number, None, "rejected", "versi tidak sah")


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_one_person_has_one_card_in_the_making_until_it_is_shipped_or_rejected(center_app, center_db, enrolled):
    kecamatan = enrolled[0]
    first, photo = packet_item(1)
    second, second_photo = packet_item(2, record=dict(record_for(2), nik=first["record"]["nik"]))
    assert records.store_application(kecamatan, first, photo).result == "stored"
    assert answer(records.store_application(kecamatan, second, second_photo)) == (
        second["id"], 1, "rejected",
        f"pemohon dengan NIK ini sudah punya permohonan {first['id']} yang sedang diproses di pusat (satu orang "
        "satu KTP-el dalam proses); permohonan ini tidak dicetak. Batalkan permohonan ini di loket, atau ajukan "
        "lagi setelah permohonan itu selesai atau ditolak.")
    assert records.applicant_in_the_making_elsewhere({"nik": first["record"]["nik"], "number": first["id"],
                                                      "version": 2}) is None  # its own number is no other
    for status, refused in (("printed", True), ("resend", True), ("shipped", False), ("rejected", False)):
        ReceivedApplication.update(status=status).execute()
        found = records.applicant_in_the_making_elsewhere({"nik": first["record"]["nik"], "number": second["id"],
                                                           "version": 1})
        assert (found is not None) is refused, status
    assert records.store_application(kecamatan, second, second_photo).result == "stored"


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_a_packets_applications_get_the_same_answers_together_as_one_by_one(center_app, center_db, enrolled):
    kecamatan = enrolled[0]
    items = [packet_item(n) for n in (1, 2)]
    broken = (dict(items[0][0], id="350807-01-00000x"), items[0][1])
    outcomes = records.store_packet_items(kecamatan, [*items, items[0], broken])
    assert [(o.id, o.result, o.reason) for o in outcomes] == [
        (items[0][0]["id"], "stored", ""), (items[1][0]["id"], "stored", ""), (items[0][0]["id"], "duplicate", ""),
        ("350807-01-00000x", "rejected", "nomor registrasi tidak sah")]
    assert [o.seq for o in outcomes[:2]] == [1, 2]
    assert records.store_packet_item(kecamatan, *items[1]).result == "duplicate"
    assert records.store_packet_items(kecamatan, [packet_item(3)])[0].result == "stored"
    assert records.store_packet_items(kecamatan, []) == []


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_the_manifest_says_what_is_needed_held_with_its_events_or_in_conflict(center_app, center_db, enrolled):
    kecamatan = enrolled[0]
    held, photo = packet_item(1)
    assert records.store_application(kecamatan, held, photo).result == "stored"
    assert records.store_application(kecamatan, *packet_item(3)).result == "stored"  # held, not offered
    application = ReceivedApplication.get(ReceivedApplication.registration_number == held["id"])
    for seq in (50, 40):  # written out of the feed's order: read in it
        StatusEvent.create(kecamatan=kecamatan, seq=seq, application=application, registration_number=held["id"],
                           version=1, status="printed", reason="", at=utc_now(), content_hash=held["hash"])
    other, _ = packet_item(2)
    offered = [{"id": held["id"], "version": 1, "hash": held["hash"]},
               {"id": held["id"], "version": 1, "hash": "d" * 64},
               {"id": held["id"], "version": 2, "hash": held["hash"]},
               {"id": other["id"], "version": 1, "hash": other["hash"]}]
    event = {"seq": 1, "id": held["id"], "version": 1, "status": "received", "reason": "", "hash": held["hash"]}
    printed = [dict(event, seq=seq, status="printed") for seq in (40, 50)]
    answer_ = records.answer_manifest(kecamatan, offered)
    for entry in answer_["have"]:
        for e in entry["events"]:
            assert e.pop("at")
    assert answer_ == {"need": [{"id": held["id"], "version": 1}, {"id": held["id"], "version": 2},
                                {"id": other["id"], "version": 1}],
                       "have": [{"id": held["id"], "version": 1, "events": [event, *printed]}],
                       "conflict": [{"id": held["id"], "version": 1}]}
    assert records.answer_manifest(kecamatan, []) == {"need": [], "have": [], "conflict": []}


def test_a_photo_is_taken_only_whole_and_within_four_megapixels():
    assert records.photo_check(numbered_photo_jpeg(1)) == ((120, 160), "")
    assert records.photo_check(b"") == (None, records.PHOTO_NOT_JPEG)
    assert records.photo_check(b"GIF89a" + numbered_photo_jpeg(1)) == (None, records.PHOTO_NOT_JPEG)
    assert records.photo_check(numbered_photo_jpeg(1)[:-2]) == (None, records.PHOTO_BROKEN)
    noisy = noisy_photo_jpeg(1)  # cut inside its scan, the end marker put back: whole to a lenient decoder
    cut = noisy[:(noisy.index(b"\xff\xda") + len(noisy)) // 2] + b"\xff\xd9"
    assert records.photo_check(noisy) == ((240, 320), "")
    assert records.photo_check(cut) == (None, records.PHOTO_BROKEN)
    assert records.photo_check(numbered_photo_jpeg(1, size=(2000, 2000))) == ((2000, 2000), "")
    assert records.photo_check(numbered_photo_jpeg(1, size=(2000, 2001))) == (None, records.PHOTO_TOO_LARGE)
    assert records.PHOTO_TOO_LARGE == "foto terlalu besar (lebih dari 4 juta piksel)"


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_a_manifest_of_more_than_500_numbers_finds_what_is_held_in_every_batch(center_app, center_db, enrolled):
    """The held versions are read 500 numbers a query: the 501st and the last number are found too."""
    kecamatan = enrolled[0]
    held = [packet_item(n) for n in (1, 501, 1002)]  # sorted positions 0, 500 and 1001
    for header, photo in held:
        assert records.store_application(kecamatan, header, photo).result == "stored"
    hashes = {header["id"]: header["hash"] for header, _ in held}
    offered = [{"id": f"350807-01-{n:06d}", "version": 1, "hash": hashes.get(f"350807-01-{n:06d}", "d" * 64)}
               for n in range(1002, 0, -1)]
    answered = records.answer_manifest(kecamatan, offered)
    assert sorted(entry["id"] for entry in answered["have"]) == sorted(hashes)
    assert len(answered["need"]) == 999 and answered["conflict"] == []


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_a_manifest_of_more_than_500_held_versions_gives_each_its_own_events_once(center_app, center_db, enrolled):
    """The held versions' events are read 500 applications a query: the 501st gets its events, none twice."""
    kecamatan = enrolled[0]
    photo = numbered_photo_jpeg(1)
    items = [packet_item(n, photo=photo) for n in range(1, 502)]
    assert {o.result for o in records.store_packet_items(kecamatan, items)} == {"stored"}
    answered = records.answer_manifest(kecamatan, [{"id": h["id"], "version": 1, "hash": h["hash"]} for h, _ in items])
    assert len(answered["have"]) == 501
    assert [len(entry["events"]) for entry in answered["have"]] == [1] * 501


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_an_application_from_a_usb_file_is_stored_as_from_the_usb_and_the_pc_that_sent_it(center_app, center_db,
                                                                                           enrolled):
    """What the USB import passes is kept: the way in, and the PC and key whose decisions go back to it."""
    kecamatan = enrolled[0]
    header, photo = packet_item(1)
    assert records.store_packet_item(kecamatan, header, photo, via="usb", device_code="02", key_id="k2").seq == 1
    row = ReceivedApplication.get()
    assert (row.received_via, row.sender_device) == ("usb", "02")
    changed = resealed(header, photo, address="Dusun Krajan 2")
    assert records.store_packet_item(kecamatan, changed, photo, via="usb", device_code="03",
                                     key_id="k3").result == "conflict"
    conflict = Conflict.get()
    assert (conflict.offered_device, conflict.offered_key, bytes(conflict.offered_photo)) == ("03", "k3", photo)


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_an_application_sent_without_naming_its_way_in_is_from_the_api_and_of_no_known_pc(center_app, center_db,
                                                                                         enrolled):
    """The defaults: what the API's older callers and the benches pass (the API names its key since issue 61)."""
    kecamatan = enrolled[0]
    header, photo = packet_item(1)
    assert records.store_packet_item(kecamatan, header, photo).result == "stored"
    row = ReceivedApplication.get()
    assert (row.received_via, row.sender_device) == ("api", "")
    assert records.store_packet_item(kecamatan, resealed(header, photo, address="Dusun Krajan 2"),
                                     photo).result == "conflict"
    conflict = Conflict.get()
    assert (conflict.offered_device, conflict.offered_key) == ("", "")
    second, second_photo = packet_item(2)
    assert records.store_application(kecamatan, second, second_photo).result == "stored"
    row = ReceivedApplication.get(ReceivedApplication.registration_number == second["id"])
    assert (row.received_via, row.sender_device) == ("api", "")
    assert records.store_application(kecamatan, resealed(second, second_photo, address="Dusun Krajan 2"),
                                     second_photo).result == "conflict"
    conflict = Conflict.get(Conflict.registration_number == second["id"])
    assert (conflict.offered_device, conflict.offered_key) == ("", "")
    third, fourth = packet_item(3), packet_item(4)
    assert [o.result for o in records.store_packet_items(kecamatan, [third, fourth])] == ["stored", "stored"]
    assert records.store_restored(kecamatan, records.restore_packet_item(*packet_item(5))).result == "stored"
    for person in (3, 4, 5):
        row = ReceivedApplication.get(ReceivedApplication.registration_number == f"350807-01-{person:06d}")
        assert (row.received_via, row.sender_device) == ("api", ""), person
    for item, store in ((third, lambda h, p: records.store_packet_items(kecamatan, [(h, p)])[0]),
                        (packet_item(5), lambda h, p: records.store_restored(kecamatan,
                                                                             records.restore_packet_item(h, p)))):
        assert store(resealed(item[0], item[1], address="Dusun Krajan 2"), item[1]).result == "conflict"
        conflict = Conflict.get(Conflict.registration_number == item[0]["id"])
        assert (conflict.offered_device, conflict.offered_key) == ("", "")


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_a_manifest_never_tells_another_kecamatans_pc_of_an_application_it_does_not_hold(center_app, center_db,
                                                                                        enrolled):
    """The held versions are read of the asking kecamatan only: another's PC offering this number and hash
    (a copied file) hears "need", never "have" with this application's statuses."""
    kecamatan = enrolled[0]
    header, photo = packet_item(1)
    assert records.store_application(kecamatan, header, photo).result == "stored"
    other = kecamatan_row("35.08.06", "Kunir")
    offered = [{"id": header["id"], "version": 1, "hash": header["hash"]}]
    assert records.answer_manifest(other, offered) == {"need": [{"id": header["id"], "version": 1}], "have": [],
                                                       "conflict": []}
    assert [entry["id"] for entry in records.answer_manifest(kecamatan, offered)["have"]] == [header["id"]]


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_only_an_applications_packet_may_claim_its_content_hash_by_its_check(center_app, center_db, enrolled):
    """short_hash: the applications' packets claim the content hash's first characters; any other caller
    (the USB import, the benches) claims it whole, and a short claim there is a mismatch."""
    kecamatan = enrolled[0]
    header, photo = packet_item(1)
    short = dict(header, hash=header["hash"][:protocol.HASH_CHECK_CHARS])
    restored = records.restore_packet_item(short, photo)
    assert restored.header["hash"] == short["hash"] and restored.content == header["hash"]
    assert answer(records.store_restored(kecamatan, restored)) == (header["id"], 1, "rejected",
                                                                   "hash isi tidak cocok dengan data yang dikirim")
    restored = records.restore_packet_item(short, photo, short_hash=True)
    assert restored.header["hash"] == header["hash"]
    assert records.store_restored(kecamatan, restored).result == "stored"
    assert ReceivedApplication.get().content_hash == header["hash"]


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_a_photo_damaged_on_the_way_is_asked_for_again_and_a_bad_record_is_refused_for_what_it_is(center_app,
                                                                                                  center_db, enrolled):
    """restore_packet_item: a recompressed photo that does not decode is "retry", naming the application as the
    header does; a record that does not encode is refused for its characters, not as a hash mismatch."""
    kecamatan = enrolled[0]
    header, photo = packet_item(1)
    retry = "foto rusak di perjalanan (hash isi tidak cocok); kirim ulang"
    damaged = records.restore_packet_item(dict(header, photo_codec="lepton"), b"not a recompressed photo")
    assert damaged.photo is None and answer(damaged.retry) == (header["id"], 1, "retry", retry)
    assert damaged.header == dict(header, photo_codec="lepton")  # as it came: nothing restored
    assert answer(records.store_restored(kecamatan, damaged)) == (header["id"], 1, "retry", retry)
    odd = records.restore_packet_item(dict(header, photo_codec="lepton", id=5, version="1"), b"x")
    assert answer(odd.retry) == ("", None, "retry", retry)
    unencodable = dict(header, record=dict(header["record"], address="Dusun \ud800"))
    restored = records.restore_packet_item(unencodable, photo)
    assert (restored.content, restored.retry) == ("", None)
    assert answer(records.store_restored(kecamatan, restored)) == (header["id"], 1, "rejected",
                                                                   "data permohonan berisi karakter tidak sah")
    assert ReceivedApplication.select().count() == 0


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_a_packets_applications_stored_together_keep_the_way_in_and_the_pc_and_key_that_sent_them(center_app,
                                                                                                  center_db, enrolled):
    kecamatan = enrolled[0]
    items = [packet_item(n) for n in (1, 2)]
    assert {o.result for o in records.store_packet_items(kecamatan, items, via="usb", device_code="02",
                                                         key_id="k2")} == {"stored"}
    assert {(row.received_via, row.sender_device) for row in ReceivedApplication.select()} == {("usb", "02")}
    changed = [(resealed(header, photo, address="Dusun Krajan 2"), photo) for header, photo in items]
    assert {o.result for o in records.store_packet_items(kecamatan, changed, device_code="03",
                                                         key_id="k3")} == {"conflict"}
    assert {(c.offered_device, c.offered_key) for c in Conflict.select()} == {("03", "k3")}
    assert Conflict.select().count() == 2


@pytest.mark.parametrize("center_app", CENTER, indirect=True)
def test_a_packets_store_takes_a_content_hash_claimed_by_its_check_only_when_told(center_app, center_db, enrolled):
    kecamatan = enrolled[0]
    header, photo = packet_item(1)
    short = dict(header, hash=header["hash"][:protocol.HASH_CHECK_CHARS])
    mismatch = (header["id"], 1, "rejected", "hash isi tidak cocok dengan data yang dikirim")
    assert answer(records.store_packet_item(kecamatan, short, photo)) == mismatch
    assert [answer(o) for o in records.store_packet_items(kecamatan, [(short, photo), (short, photo)])] == [mismatch] * 2
    assert records.store_packet_items(kecamatan, [(short, photo)], short_hash=True)[0].result == "stored"

"""The center's answers to a desa PC's relayed forms and to a counter PC's statuses of them, word for word
(issue 61: the mutation run over sync/center/relay.py). Each answer is what the desa PC's sync page or the
counter then shows: stored, duplicate, conflict, superseded (accepted at another counter), or rejected with
its Indonesian reason."""
import json
from types import SimpleNamespace

import pytest
from peewee import IntegrityError

from app.frame.dates import utc_now
from app.frame.person_rules import EDITABLE_FIELDS
from sync import protocol
from sync.center import relay
from sync.center.records import PHOTO_NOT_JPEG, Outcome
from tests.support.factory import kecamatan_row, numbered_photo_jpeg

DARUNGAN = "35.08.07.2001"
NUMBER = "PRA-3508072001-D1-000001"
APPLICATION = "350807-01-000009"


def desa_key(kecamatan, device_code="D1", device_id="desa-pc-1", key_id="desa-key"):
    return SimpleNamespace(kecamatan=kecamatan, kecamatan_id=kecamatan.id, desa_code=DARUNGAN, device_id=device_id,
                           device_code=device_code, key_id=key_id)


def form_fields(**changes) -> dict:
    fields = {key: "" for key in EDITABLE_FIELDS}
    fields.update(nik="3508071205900001", kk_number="3508070101100007", full_name="Budi Santoso",
                  birth_place="Lumajang", birth_date="1990-05-12", sex="L", address="Dusun Krajan No. 5", rt="002",
                  rw="001", desa_code=DARUNGAN, religion="Islam", marital_status="Kawin", occupation="Petani",
                  reason="rusak", biometric_done=True)
    fields.update(changes)
    return fields


def sealed(record: dict, number=NUMBER, version=1, photo=b"") -> dict:
    return {"id": number, "version": version, "record": record,
            "hash": protocol.content_hash(record, protocol.sha256_hex(photo))}


def form(number=NUMBER, version=1, photo=b"", **changes) -> dict:
    record = {"v": 1, "k": "35.08.07", "n": number, "t": "2026-11-27T08:00:00+00:00", "o": "Operator Darungan",
              "f": form_fields(**changes)}
    return sealed(record, number, version, photo)


def status_header(step=1, status="diterima_loket", application_number=APPLICATION, pra_hash=None, **record):
    body = {"status": status, "label": "Diterima di loket", "reason": "", "application_number": application_number,
            "pra_version": 1, "pra_hash": pra_hash}
    body.update(record)
    return sealed(body, NUMBER, step)


def answer(outcome: Outcome) -> tuple:
    return outcome.id, outcome.version, outcome.result, outcome.reason, outcome.accepted_as


# --- which key may call what -----------------------------------------------------------------------

def test_a_desa_key_reaches_its_relay_and_the_shared_routes_only_and_a_kecamatan_key_all_but_the_desas():
    desa, kecamatan = SimpleNamespace(desa_code=DARUNGAN), SimpleNamespace(desa_code="")
    desa_only = relay.DESA_ROUTES - relay.SHARED_ROUTES
    for endpoint in relay.DESA_ROUTES | relay.SHARED_ROUTES:
        assert relay.allowed(endpoint, desa), endpoint
    for endpoint in relay.KECAMATAN_ROUTES | {"center_api.packets", "center_api.manifest", "center_api.statuses"}:
        assert not relay.allowed(endpoint, desa), endpoint
        assert relay.allowed(endpoint, kecamatan), endpoint
    for endpoint in desa_only:
        assert not relay.allowed(endpoint, kecamatan), endpoint
    for endpoint in relay.SHARED_ROUTES:
        assert relay.allowed(endpoint, kecamatan), endpoint
    assert "center_api.probe" in relay.DESA_ROUTES & relay.SHARED_ROUTES and desa_only


# --- the parts every relayed item shares -----------------------------------------------------------

def test_an_items_header_is_refused_with_the_reason_for_its_first_fault():
    good = form()
    assert relay._header_basics(good, b"") == (None, NUMBER, 1, good["hash"], good["record"])
    for version in (None, "1", 1.0, True, 0, 10001, -1):
        assert answer(relay._header_basics(dict(good, version=version), b"")[0]) == (
            NUMBER, None, "rejected", "versi tidak sah", "")
    for version in (1, 10000):
        header = form(version=version)
        assert relay._header_basics(header, b"")[:3] == (None, NUMBER, version)
    long_number = "PRA-" + "9" * 80
    assert answer(relay._header_basics(dict(good, id=long_number, version=0), b"")[0])[0] == long_number[:64]
    assert answer(relay._header_basics(dict(good, id=long_number), b"")[0]) == (
        long_number[:64], 1, "rejected", "nomor pra-pendaftaran tidak sah", "")
    assert answer(relay._header_basics(dict(good, id=7, version=0), b"")[0])[0] == ""
    for number in ("PRA-350807200-D1-000001", "350807-01-000001", NUMBER + "\n", 7):
        assert answer(relay._header_basics(dict(good, id=number), b"")[0]) == (
            number if isinstance(number, str) else "", 1, "rejected", "nomor pra-pendaftaran tidak sah", "")
    for broken in (dict(good, hash=None), dict(good, hash=good["hash"].upper()), dict(good, hash=good["hash"] + "\n"),
                   dict(good, record=None), dict(good, record=[good["record"]])):
        assert answer(relay._header_basics(broken, b"")[0]) == (NUMBER, 1, "rejected", "kepala item tidak lengkap", "")
    with_nul = sealed(dict(good["record"], o="Operator\x00"))
    assert answer(relay._header_basics(with_nul, b"")[0]) == (
        NUMBER, 1, "rejected", "isian berisi karakter tidak sah (NUL atau pengatur arah teks)", "")
    assert answer(relay._header_basics(good, b"\xff\xd8\xff")[0]) == (
        NUMBER, 1, "rejected", "hash isi tidak cocok (rusak di jalan)", "")


def test_a_record_of_16_kb_is_relayed_and_one_byte_more_is_too_long():
    def of_size(size: int) -> dict:
        record = {"o": ""}
        record["o"] = "a" * (size - len(protocol.canonical_json(record)))
        assert len(protocol.canonical_json(record)) == size
        return sealed(record)
    at_limit = of_size(relay.MAX_RECORD_BYTES)
    assert relay._header_basics(at_limit, b"")[0] is None
    assert answer(relay._header_basics(of_size(relay.MAX_RECORD_BYTES + 1), b"")[0]) == (
        NUMBER, 1, "rejected", "isian terlalu panjang", "")
    assert relay.MAX_RECORD_BYTES == 16 * 1024


# --- desa -> center: a pre-registration ------------------------------------------------------------

@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_a_desa_form_is_refused_for_the_reason_the_desa_pc_can_act_on(center_app, center_db, enrolled):
    kecamatan = enrolled[0]
    key = desa_key(kecamatan)

    def problem(header, photo=b"", number=NUMBER):
        return relay._pre_registration_problem(key, number, header["record"], photo)
    assert problem(form()) is None
    assert problem(form(photo=numbered_photo_jpeg(1)), numbered_photo_jpeg(1)) is None
    record = dict(form()["record"], zz="1", aa="2", b_very_long_field_name_indeed="3", c="4", d="5", e="6")
    assert problem({"record": record}) == "isian yang tidak dikenal protokol: aa, b_very_long_field_na, c, d, e"
    unknown_field = form()["record"]
    unknown_field["f"] = dict(unknown_field["f"], hobby="x")
    assert problem({"record": unknown_field}) == "isian yang tidak dikenal protokol: hobby"
    other_kecamatan = dict(form()["record"], k="35.08.06")
    assert problem({"record": other_kecamatan}) == ("pra-pendaftaran ini untuk kecamatan lain (35.08.06), bukan "
                                                    "35.08.07")
    assert problem(form(desa_code="35.08.07.2002")) == (
        "Desa 35.08.07.2002 bukan wilayah komputer desa ini (terdaftar untuk desa 35.08.07.2001); "
        "pra-pendaftaran tidak diteruskan")
    # A value the PC sent is quoted cut at 20 characters: a sentence for the clerk, not a copy of the packet.
    assert problem({"record": dict(form()["record"], k="35.08.06.0123456789ABCDEF")}) == (
        "pra-pendaftaran ini untuk kecamatan lain (35.08.06.0123456789A), bukan 35.08.07")
    assert problem(form(desa_code="35.08.07.2002.0123456789")) == (
        "Desa 35.08.07.2002.012345 bukan wilayah komputer desa ini (terdaftar untuk desa 35.08.07.2001); "
        "pra-pendaftaran tidak diteruskan")
    no_fields = dict(form()["record"], f="x")
    assert problem({"record": no_fields}) == (
        "Desa ? bukan wilayah komputer desa ini (terdaftar untuk desa 35.08.07.2001); pra-pendaftaran tidak diteruskan")
    other_desas_number = "PRA-3508072002-D1-000001"
    assert problem(form(number=other_desas_number), number=other_desas_number) == (
        "Desa 35.08.07.2001 bukan wilayah komputer desa ini (terdaftar untuk desa 35.08.07.2001); "
        "pra-pendaftaran tidak diteruskan")
    other_series = "PRA-3508072001-D2-000001"
    assert problem(form(number=other_series), number=other_series) == (
        "nomor PRA-3508072001-D2-000001 bukan seri komputer desa ini (D1); pra-pendaftaran tidak diteruskan")
    # The counter's rules: the first field in order of its name, with the counter's own message.
    assert problem(form(rt="1234", nik="3508071205")).startswith("isian nik tidak sah: ")
    assert problem(form(rt="1234")).startswith("isian rt tidak sah: ")
    assert problem(form(photo=b"not a photo"), b"not a photo") == PHOTO_NOT_JPEG


@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_a_desa_form_is_stored_whole_once_and_then_answered_duplicate_or_conflict(center_app, center_db, enrolled):
    from sync.center.models import Kecamatan, RelayItem
    kecamatan = enrolled[0]
    key = desa_key(kecamatan)
    photo = numbered_photo_jpeg(2)
    first = form(photo=photo)
    assert answer(relay.store_pre_registration(key, first, photo)) == (NUMBER, 1, "stored", "", "")
    row = RelayItem.get()
    assert (row.kecamatan_id, row.seq, row.desa_code, row.device_code, row.key_id, row.number, row.version,
            row.content_hash, json.loads(row.record_json), bytes(row.photo), row.photo_sha256) == (
        kecamatan.id, 1, DARUNGAN, "D1", "desa-key", NUMBER, 1, first["hash"], first["record"], photo,
        protocol.sha256_hex(photo))
    assert answer(relay.store_pre_registration(key, dict(first), photo)) == (NUMBER, 1, "duplicate", "", "")
    changed = form(photo=photo, full_name="Budi Santosa")
    assert answer(relay.store_pre_registration(key, changed, photo)) == (
        NUMBER, 1, "conflict", "nomor dan versi ini sudah diterima dengan isi berbeda", "")
    second = form(version=2)
    assert answer(relay.store_pre_registration(key, second, b"")) == (NUMBER, 2, "stored", "", "")
    latest = RelayItem.get(RelayItem.version == 2)
    assert (latest.seq, latest.photo, latest.photo_sha256) == (2, None, protocol.sha256_hex(b""))
    assert Kecamatan.get_by_id(kecamatan.id).relay_seq == 2
    assert RelayItem.select().count() == 2
    refused = relay.store_pre_registration(key, form(desa_code="35.08.07.2002", version=3), b"")
    assert answer(refused)[:3] == (NUMBER, 3, "rejected") and "bukan wilayah komputer desa ini" in refused.reason
    assert answer(relay.store_pre_registration(key, dict(form(version=3), version=0), b"")) == (
        NUMBER, None, "rejected", "versi tidak sah", "")
    not_a_photo = b"GIF89a not a photo"
    assert answer(relay.store_pre_registration(key, form(version=3, photo=not_a_photo), not_a_photo)) == (
        NUMBER, 3, "rejected", PHOTO_NOT_JPEG, "")
    assert RelayItem.select().count() == 2


@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_a_store_that_meets_a_concurrent_insert_answers_from_what_that_insert_held(center_app, center_db, enrolled):
    """Two center processes storing one version at once: the loser's insert fails and its second round reads
    the winner's row, conflict when their contents differ; a third failure in a row answers duplicate."""
    calls = []
    held = SimpleNamespace(content_hash="a" * 64)

    def existing():
        return held if calls else None

    def create():
        calls.append(1)
        raise IntegrityError("unique")
    assert answer(relay._store_whole(existing, create, NUMBER, 1, "b" * 64)) == (
        NUMBER, 1, "conflict", "nomor dan versi ini sudah diterima dengan isi berbeda", "")
    calls.clear()
    assert answer(relay._store_whole(existing, create, NUMBER, 1, "a" * 64)) == (NUMBER, 1, "duplicate", "", "")
    calls.clear()
    assert answer(relay._store_whole(lambda: None, create, NUMBER, 1, "b" * 64)) == (NUMBER, 1, "duplicate", "", "")
    assert len(calls) == 2  # tried twice, then told as the version it is
    settled = Outcome(NUMBER, 1, "superseded", "sudah")
    assert relay._store_whole(lambda: 1 / 0, lambda: 1 / 0, NUMBER, 1, "b" * 64, lambda: settled) is settled
    made = []
    assert answer(relay._store_whole(lambda: None, lambda: made.append(1), NUMBER, 1, "b" * 64, lambda: None)) == (
        NUMBER, 1, "stored", "", "")
    assert made == [1]


# --- the manifest: what the center still needs of the offered forms ----------------------------------

@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_the_manifest_names_each_offered_form_needed_held_or_in_conflict(center_app, center_db, enrolled):
    from sync.center.models import RelayItem
    key = desa_key(enrolled[0])
    held = form()
    assert relay.store_pre_registration(key, held, b"").result == "stored"
    other = "PRA-3508072001-D1-000002"

    def manifest(items):
        with center_app.test_request_context(json={"items": items}):
            response = relay._manifest(RelayItem, RelayItem.version)
        return response.status_code, response.get_json()
    entry = {"id": NUMBER, "version": 1}
    offered = [dict(entry, hash=held["hash"], size=1), dict(entry, version=2, hash="c" * 64),
               dict(entry, hash="d" * 64), {"id": other, "version": 10000, "hash": "e" * 64}]
    assert manifest(offered) == (200, {"need": [dict(entry, version=2), entry, {"id": other, "version": 10000}],
                                       "have": [entry], "conflict": [entry]})
    assert manifest([]) == (200, {"need": [], "have": [], "conflict": []})
    assert manifest([dict(entry, hash="e" * 64)] * 5000)[0] == 200
    refusal = (400, {"error": "bad_request", "message": "items harus daftar {id, version, hash, size} yang sah"})
    assert manifest([dict(entry, hash="e" * 64)] * 5001) == refusal
    for bad in ({"id": 1, "version": 1, "hash": "e" * 64}, {"id": "350807-01-000001", "version": 1, "hash": "e" * 64},
                dict(entry, version="1", hash="e" * 64), dict(entry, version=True, hash="e" * 64),
                dict(entry, version=0, hash="e" * 64), dict(entry, version=10001, hash="e" * 64),
                dict(entry, hash=None), dict(entry, hash="E" * 64), dict(entry, id=NUMBER + "\n", hash="e" * 64), "x"):
        status, body = manifest([bad])
        assert (status, body.get("error"), body.get("message")) == (refusal[0], refusal[1]["error"],
                                                                    refusal[1]["message"]), bad
    assert manifest("x") == refusal
    with center_app.test_request_context(json=None):
        response = relay._manifest(RelayItem, RelayItem.version)
        assert (response.status_code, response.get_json()) == refusal


# --- kecamatan -> center: the statuses of a relayed form ------------------------------------------

@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_a_pc_hears_the_statuses_of_every_code_its_installation_held_and_no_other(center_app, center_db, enrolled):
    from sync.center.models import DeviceKey
    kecamatan = enrolled[0]
    other = kecamatan_row("35.08.06", "Kunir")

    def key(kid, code, device_id="desa-pc-1", desa=DARUNGAN, of=kecamatan):
        return DeviceKey.create(kecamatan=of, key_id=kid, secret="s" * 32, device_id=device_id, created_at=utc_now(),
                                device_code=code, desa_code=desa)
    old, now = key("old", "D1"), key("new", "D3")
    key("other-pc", "D2", device_id="desa-pc-2")
    key("other-desa", "D4", desa="35.08.07.2002")
    key("other-kecamatan", "D5", of=other)
    assert relay._installation_devices(now) == ["D1", "D3"]
    assert relay._installation_devices(old) == ["D1", "D3"]
    assert relay._installation_devices(desa_key(kecamatan, device_code="D9", device_id="desa-pc-9")) == ["D9"]


@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_a_status_of_a_relayed_form_is_stored_for_its_desa_pc_or_refused_word_for_word(center_app, center_db,
                                                                                    enrolled):
    from sync.center.models import RelayStatus
    kecamatan = enrolled[0]
    counter = SimpleNamespace(kecamatan_id=kecamatan.id)
    relayed = form()
    assert relay.store_pre_registration(desa_key(kecamatan, device_code="D2"), relayed, b"").result != "stored"
    assert relay.store_pre_registration(desa_key(kecamatan), relayed, b"").result == "stored"
    accepted = status_header(pra_hash=relayed["hash"])
    incomplete = (NUMBER, 1, "rejected", "status pra-pendaftaran tidak lengkap", "")
    for fault in ({"status": "Diterima"}, {"status": "a" * 33}, {"status": 1}, {"label": "x" * 101},
                  {"label": None}, {"reason": "x" * 501}, {"reason": None}, {"application_number": "x" * 41},
                  {"application_number": None}, {"pra_version": True}, {"pra_version": 0}, {"pra_version": 10001},
                  {"pra_version": "1"}, {"pra_hash": "F" * 64}, {"pra_hash": None}):
        header = status_header(**{"pra_hash": relayed["hash"], **fault})
        assert answer(relay.store_status(counter, header, b"")) == incomplete, fault
    assert answer(relay.store_status(counter, dict(accepted, version=0), b""))[2:4] == ("rejected", "versi tidak sah")
    never = (NUMBER, 1, "rejected", "pra-pendaftaran ini tidak pernah diteruskan pusat ke kecamatan ini", "")
    assert answer(relay.store_status(counter, status_header(pra_hash="f" * 64), b"")) == never
    assert answer(relay.store_status(counter, status_header(pra_hash=relayed["hash"], pra_version=2), b"")) == never
    other = kecamatan_row("35.08.06", "Kunir")
    assert answer(relay.store_status(SimpleNamespace(kecamatan_id=other.id), accepted, b"")) == never
    # At the limits of each field: taken.
    edge = status_header(pra_hash=relayed["hash"], status="a" * 32, label="x" * 100, reason="x" * 500,
                         application_number="x" * 40, step=2)
    assert answer(relay.store_status(counter, edge, b"")) == (NUMBER, 2, "stored", "", "")
    assert answer(relay.store_status(counter, accepted, b"")) == (NUMBER, 1, "stored", "", "")
    row = RelayStatus.get(RelayStatus.step == 1)
    assert (row.kecamatan_id, row.seq, row.desa_code, row.device_code, row.number, row.content_hash, row.pra_version,
            row.pra_hash, row.status, row.label, row.reason, row.application_number) == (
        kecamatan.id, 3, DARUNGAN, "D1", NUMBER, accepted["hash"], 1, relayed["hash"], "diterima_loket",
        "Diterima di loket", "", APPLICATION)
    assert answer(relay.store_status(counter, dict(accepted), b"")) == (NUMBER, 1, "duplicate", "", "")


@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_the_first_acceptance_to_arrive_wins_and_a_second_counter_hears_under_which_number(center_app, center_db,
                                                                                          enrolled):
    from sync.center.models import RelayStatus
    kecamatan = enrolled[0]
    counter = SimpleNamespace(kecamatan_id=kecamatan.id)
    relayed = form()
    assert relay.store_pre_registration(desa_key(kecamatan), relayed, b"").result == "stored"
    assert relay.winning_acceptance(kecamatan.id, NUMBER) is None
    refused = status_header(step=1, status="ditolak_kecamatan", application_number="", pra_hash=relayed["hash"])
    assert relay.store_status(counter, refused, b"").result == "stored"
    assert relay.winning_acceptance(kecamatan.id, NUMBER) is None  # a refusal wins nothing
    first = status_header(step=2, pra_hash=relayed["hash"])
    assert relay.store_status(counter, first, b"").result == "stored"
    later = status_header(step=3, application_number="350807-02-000004", pra_hash=relayed["hash"])
    lost = relay.store_status(counter, later, b"")
    assert answer(lost) == (NUMBER, 3, "superseded", "Formulir desa PRA-3508072001-D1-000001 sudah diterima di loket "
                            "lain kecamatan ini dengan nomor permohonan 350807-01-000009", APPLICATION)
    assert lost.as_json() == {"id": NUMBER, "version": 3, "result": "superseded", "reason": lost.reason,
                              "accepted_as": APPLICATION}
    assert RelayStatus.select().count() == 2  # nothing stored for the loser
    # The same acceptance again (its step re-sent): the winner's own number is no loser.
    assert answer(relay.store_status(counter, dict(first), b"")) == (NUMBER, 2, "duplicate", "", "")
    again = status_header(step=4, label="Diterima lagi", pra_hash=relayed["hash"])
    assert answer(relay.store_status(counter, again, b"")) == (NUMBER, 4, "stored", "", "")
    assert relay.winning_acceptance(kecamatan.id, NUMBER).step == 2  # the first by seq, not the latest
    other_kecamatan_id = kecamatan.id + 1000
    assert relay.winning_acceptance(other_kecamatan_id, NUMBER) is None
    assert relay.winning_acceptance(kecamatan.id, "PRA-3508072001-D1-000002") is None


@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_the_winning_acceptance_is_the_first_by_the_feeds_order_not_the_tables(center_app, center_db, enrolled):
    """Rows are read by seq (the order the desa PC and the counters hear them), whatever order a table or a
    restore keeps them in."""
    from sync.center.models import RelayStatus
    kecamatan = enrolled[0]
    for seq, step, number in ((20, 2, "350807-02-000004"), (10, 1, APPLICATION)):
        RelayStatus.create(kecamatan=kecamatan, seq=seq, desa_code=DARUNGAN, device_code="D1", number=NUMBER,
                           step=step, content_hash=f"{step:064x}", pra_version=1, pra_hash="a" * 64,
                           status="diterima_loket", label="Diterima di loket", reason="", at=utc_now(),
                           application_number=number)
    assert relay.winning_acceptance(kecamatan.id, NUMBER).application_number == APPLICATION


@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_a_status_without_reason_or_number_is_stored_empty_and_each_form_has_its_own_steps(center_app, center_db,
                                                                                           enrolled):
    from sync.center.models import RelayStatus
    kecamatan = enrolled[0]
    counter = SimpleNamespace(kecamatan_id=kecamatan.id)
    last = form(version=10000)
    second_number = "PRA-3508072001-D1-000002"
    other_form = form(number=second_number)
    for relayed in (last, other_form):
        assert relay.store_pre_registration(desa_key(kecamatan), relayed, b"").result == "stored"
    refusal = {"status": "ditolak_kecamatan", "label": "Ditolak", "pra_version": 10000, "pra_hash": last["hash"]}
    assert answer(relay.store_status(counter, sealed(refusal, NUMBER, 1), b"")) == (NUMBER, 1, "stored", "", "")
    row = RelayStatus.get(RelayStatus.number == NUMBER)
    assert (row.pra_version, row.reason, row.application_number) == (10000, "", "")
    # The other form's first step is its own, not the first form's step 1 again.
    other = dict(refusal, pra_version=1, pra_hash=other_form["hash"])
    assert answer(relay.store_status(counter, sealed(other, second_number, 1), b"")) == (second_number, 1, "stored",
                                                                                       "", "")
    assert RelayStatus.select().count() == 2


@pytest.mark.parametrize("center_app", ["sqlite"], indirect=True)
def test_a_pc_of_protocol_6_hears_superseded_as_a_refusal_with_the_same_sentence(center_app, center_db, enrolled):
    """Issue 80: the first updatable version (protocol 6) knows no "superseded" and sent such a status again on every
    pass; it hears the same sentence as a refusal. Nothing of the status is stored either way."""
    from sync.center.models import RelayStatus
    kecamatan = enrolled[0]
    counter = SimpleNamespace(kecamatan_id=kecamatan.id)
    relayed = form()
    assert relay.store_pre_registration(desa_key(kecamatan), relayed, b"").result == "stored"
    first = status_header(step=1, pra_hash=relayed["hash"])
    assert answer(relay.status_in_protocol_6(counter, first, b"")) == (NUMBER, 1, "stored", "", "")
    lost = status_header(step=2, application_number="350807-02-000004", pra_hash=relayed["hash"])
    assert answer(relay.status_in_protocol_6(counter, lost, b"")) == (
        NUMBER, 2, "rejected", f"Formulir desa {NUMBER} sudah diterima di loket lain kecamatan ini dengan nomor "
                               f"permohonan {APPLICATION}", "")
    assert RelayStatus.select().count() == 1

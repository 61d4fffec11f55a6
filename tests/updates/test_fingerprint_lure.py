"""The sheet is the only source (issue 69, finding 1): the office's own page baited its admin. A refused
root was printed beside the fingerprint field in the sheet's format; the field took several keys
joined by "/", so a stranger's root holding its key and the regency's printed as "X / <the sheet's
groups>", and an admin who copied it let the stranger's release in. A confirmed root was dropped by one
POST of another fingerprint, with no password and no second typing, and a one-character typo made the
page call the regency's real key "BUKAN kunci kabupaten". A PC of the previous version showed its
unconfirmed root's fingerprint right above the field, and text the center controls (a rejection reason)
reached office pages as it came. And (finding 8) comparing the fingerprint on its first four digits
survived every trust test: a near-miss is refused here, in the fast tier."""
import json
import re
from pathlib import Path

from tuf.api.metadata import Metadata, Root

from app.frame.audit import AuditEvent
from app.updates import fetching, trust
from app.updates.state import read_state, write_state
from sync.release import key_signing
from tests.conftest import TEST_PASSWORD
from tests.updates.helpers import fake_wheel, sheet_form
from tests.updates.test_root_trust import took_on_first_use
from tests.updates.test_update_page import usb_copy_of_a_release

# Two or more groups of four hex digits, as the sheet prints them (or a run of eight without gaps).
SHEET_SHAPED = re.compile(r"(?<![0-9a-f])[0-9a-f]{4}(?:[ \-:]?[0-9a-f]{4})+(?![0-9a-f])", re.IGNORECASE)


def fingerprint_shapes(text: str) -> list[str]:
    """What in `text` an admin could type into the field as (part of) a fingerprint. The page's own
    hex (its CSRF token's value, in a form's field and in <body>'s hx-headers, the static files' version stamps)
    is not text anyone reads: a random token held eight hex digits in a row once in a few hundred pages."""
    text = re.sub(r"""(value|content|href|src|integrity|hx-headers)=("[^"]*"|'[^']*')""", "", text)
    return SHEET_SHAPED.findall(text)


def shows_any_of(text: str, fingerprint: str) -> bool:
    """Does `text` hold eight digits in a row of `fingerprint`, however spaced, dashed or cased?"""
    digits = re.sub(r"[\s\-_:.]", "", text).lower()
    hexes = fingerprint.replace(" ", "")
    return any(hexes[i:i + 8] in digits for i in range(len(hexes) - 7))


def near_miss(fingerprint: str) -> str:
    """The fingerprint with only its last digit changed."""
    return fingerprint[:-1] + ("0" if fingerprint[-1] != "0" else "1")


def regency_keys(tmp_path: Path) -> tuple[Path, str]:
    keys = tmp_path / "flashdisk-admin" / "kunci-rilis"
    key_signing.create_keys(keys)
    return keys, key_signing.key_folder_fingerprint(keys)


def composite_stick(tmp_path: Path, regency: Path) -> tuple[Path, str]:
    """A stranger's repository whose root holds two root keys: its own and the regency's (public) one.
    Its fingerprint reads "<stranger> / <the sheet's groups>"; only the stranger signs with it."""
    keys = tmp_path / "kunci-penyusup"
    key_signing.create_keys(keys)
    path = keys / "metadata" / "1.root.json"
    root = Metadata[Root].from_file(str(path))
    genuine = Metadata[Root].from_file(str(regency / "metadata" / "1.root.json")).signed
    root.signed.add_key(genuine.keys[genuine.roles[Root.type].keyids[0]], Root.type)
    root.signatures.clear()
    root.sign(key_signing.load_signer(keys / key_signing.KEY_FILES["root"]))
    path.write_bytes(root.to_bytes(key_signing.SERIALIZER))
    wheels = tmp_path / "wheels-penyusup"
    fake_wheel(wheels, "loket_kecamatan-9.9.9-py3-none-any.whl", 20_000)
    bundle = key_signing.sign_release(keys, "9.9.9", "Perbaikan penting.", sorted(wheels.glob("*.whl")),
                                   tmp_path / "paket-penyusup")
    stick = tmp_path / "flashdisk-penyusup" / "pembaruan"
    key_signing.publish(bundle, stick, keys / "online.pem")
    return stick, key_signing.key_folder_fingerprint(keys)


def confirmed_from_a_stick(admin, tmp_path: Path) -> tuple[Path, str]:
    """The admin typed the sheet and read the regency's release from a stick: the PC trusts its root."""
    keys, fingerprint = regency_keys(tmp_path)
    admin.post("/admin/pembaruan/kunci-root", data=sheet_form(fingerprint))
    admin.post("/admin/pembaruan/usb", data={"folder": str(usb_copy_of_a_release(tmp_path, keys))})
    assert trust.confirmed(tmp_path)
    return keys, fingerprint


def root_changes() -> int:
    return AuditEvent.select().where(AuditEvent.entity_id == "kunci_root_pembaruan").count()


def test_a_composite_root_is_refused_typed_and_a_refused_root_is_never_shown_in_the_sheets_format(
        client_for, tmp_path):
    admin = client_for("admin")
    keys, fingerprint = regency_keys(tmp_path)
    stick, composite = composite_stick(tmp_path, keys)
    assert composite.count(" / ") == 1 and fingerprint in composite
    # What the old page printed, copied into the field: one key only.
    answer = admin.post("/admin/pembaruan/kunci-root", data={"sidik_jari": composite})
    assert answer.status_code == 422
    said = answer.get_data(as_text=True).split('id="e-sidik_jari">', 1)[1].split("</span>", 1)[0]
    assert "Sidik jari cukup satu" in said
    assert trust.expected_root(tmp_path) is None and root_changes() == 0
    admin.post("/admin/pembaruan/kunci-root", data=sheet_form(fingerprint))  # the sheet's, typed
    answer = admin.post("/admin/pembaruan/usb", data={"folder": str(stick)}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    state = read_state(tmp_path)
    assert state["refused"] == fetching.SOURCE_ROOT_REFUSED and state["refused"] in page  # the flash
    assert "jangan diketik" in state["refused"] and "TIDAK sama dengan sidik jari dari lembar" in state["refused"]
    for shown in (page, state["refused"], admin.get("/admin/pembaruan").get_data(as_text=True)):
        assert fingerprint_shapes(shown) == [], fingerprint_shapes(shown)
    assert not trust.trusts_a_root(tmp_path) and not state.get("available")


def test_changing_a_confirmed_fingerprint_asks_for_the_password_and_a_second_typing(client_for, tmp_path):
    admin = client_for("admin")
    _, fingerprint = confirmed_from_a_stick(admin, tmp_path)
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "diketik oleh Pegawai admin" in page and 'name="kata_sandi"' in page and 'name="sidik_jari_ulang"' in page
    other = key_signing.key_folder_fingerprint(key_signing.create_keys(tmp_path / "lembar-baru"))
    changes = root_changes()
    for form, field in (({"sidik_jari": other}, "kata_sandi"),
                        ({"sidik_jari": other, "sidik_jari_ulang": other, "kata_sandi": "salah-sekali-1"}, "kata_sandi"),
                        ({"sidik_jari": other, "sidik_jari_ulang": near_miss(other), "kata_sandi": TEST_PASSWORD},
                         "sidik_jari_ulang"),
                        ({"sidik_jari": other, "kata_sandi": TEST_PASSWORD}, "sidik_jari_ulang")):
        answer = admin.post("/admin/pembaruan/kunci-root", data=dict(form, lembar_baru="ya"))
        assert answer.status_code == 422, form
        text = answer.get_data(as_text=True)
        assert f'href="#f-{field}"' in text and "Tidak ada yang diubah" in text, form
        assert trust.expected_root(tmp_path) == fingerprint and trust.confirmed(tmp_path)
        assert root_changes() == changes
    answer = admin.post("/admin/pembaruan/kunci-root", follow_redirects=True, data={
        "sidik_jari": other.upper(), "sidik_jari_ulang": other.replace(" ", "-"), "kata_sandi": TEST_PASSWORD,
        "lembar_baru": "ya"})
    assert "Sidik jari dari lembar baru disimpan; kunci root lama dilepas." in answer.get_data(as_text=True)
    assert trust.expected_root(tmp_path) == other and not trust.trusts_a_root(tmp_path)
    row = AuditEvent.select().where(AuditEvent.entity_id == "kunci_root_pembaruan").order_by(AuditEvent.id.desc()).get()
    assert row.username == "admin" and trust.in_the_trail(fingerprint) in json.loads(row.before)["sidik_jari"]
    assert trust.in_the_trail(other) in json.loads(row.after)["sidik_jari"]
    assert "BUKAN" not in answer.get_data(as_text=True)


def test_a_typo_after_a_change_says_check_the_typing_and_keeps_the_confirmed_root(client_for, tmp_path):
    admin = client_for("admin")
    _, fingerprint = confirmed_from_a_stick(admin, tmp_path)
    kept = sorted(p.name for p in (tmp_path / "pembaruan" / "metadata").rglob("*.json"))
    typo = near_miss(fingerprint)
    answer = admin.post("/admin/pembaruan/kunci-root", data={
        "sidik_jari": typo, "sidik_jari_ulang": typo, "kata_sandi": TEST_PASSWORD})
    assert answer.status_code == 422
    said = answer.get_data(as_text=True).split('id="e-sidik_jari">', 1)[1].split("</span>", 1)[0]
    assert "Periksa lagi yang Anda ketik" in said and "Kunci yang dikonfirmasi tetap dipakai" in said
    assert "BUKAN" not in answer.get_data(as_text=True)
    assert trust.expected_root(tmp_path) == fingerprint and trust.confirmed(tmp_path)
    assert sorted(p.name for p in (tmp_path / "pembaruan" / "metadata").rglob("*.json")) == kept
    assert read_state(tmp_path)["available"]["version"] == "9.1.0"


def test_a_pc_of_the_previous_version_shows_no_fingerprint_of_its_unconfirmed_root(client_for, tmp_path):
    admin = client_for("admin")
    stick, stranger = composite_stick(tmp_path, regency_keys(tmp_path)[0])
    took_on_first_use(tmp_path, stick)
    assert trust.trusted_fingerprint(tmp_path) == stranger
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "diterima tanpa dikonfirmasi" in page and fingerprint_shapes(page) == []
    sheet = key_signing.key_folder_fingerprint(tmp_path / "flashdisk-admin" / "kunci-rilis")
    page = admin.post("/admin/pembaruan/kunci-root", data=sheet_form(sheet),
                      follow_redirects=True).get_data(as_text=True)
    assert fingerprint_shapes(page) == [] and "BUKAN" not in page
    said = page.split('class="flash flash-error"', 1)[1]
    assert said.split(">", 1)[1].lstrip().startswith("Periksa lagi yang Anda ketik")
    assert not trust.trusts_a_root(tmp_path) and trust.expected_root(tmp_path) == sheet


def test_a_near_miss_fingerprint_is_refused_on_all_32_digits(tmp_path):
    keys, fingerprint = regency_keys(tmp_path)
    stick = usb_copy_of_a_release(tmp_path, keys)
    write_state(tmp_path, expected_root=near_miss(fingerprint))
    state = fetching.check_source(tmp_path, fetching.FolderSource(stick))
    assert state["refused"] == fetching.SOURCE_ROOT_REFUSED
    assert not trust.trusts_a_root(tmp_path) and not state.get("available")
    # The same root taken unconfirmed (the previous version): the near-miss does not confirm it.
    took_on_first_use(tmp_path, stick)
    assert not trust.confirmed(tmp_path)
    write_state(tmp_path, expected_root=fingerprint)
    assert trust.confirmed(tmp_path)


def test_the_page_says_the_regency_never_sends_a_fingerprint_by_message(client_for, tmp_path):
    page = client_for("admin").get("/admin/pembaruan").get_data(as_text=True)
    assert "Kabupaten tidak pernah mengirim sidik jari lewat" in page and "Hanya lembar cetak yang berlaku" in page
    assert "pesan (WhatsApp, SMS, surel), telepon atau halaman pusat" in page


def office_client(regency, role: str):
    """A signed-in client of the regency's office app, for `role`."""
    from app.frame.db import database
    from tests.conftest import CsrfClient, sign_in_as
    from tests.support.factory import staff_user
    office = regency.office
    office.test_client_class = CsrfClient
    database.initialize(office.extensions["database"])
    with office.app_context(), office.extensions["database"].connection_context():
        from app.auth.models import User
        user = User.get_or_none(User.username == role.replace("_", "-")) or staff_user(role)
        client = office.test_client()
        sign_in_as(client, user)
    return client


def test_a_centers_reason_cannot_carry_a_fingerprint_to_an_office_page(tmp_path):
    """Text the center controls reached office pages as it came: whoever writes the center's rejection
    reason could put "type this fingerprint" before the office's admin. Now it is bounded, labelled as
    the center's words, and anything shaped like a fingerprint is taken out of it."""
    from app.registration.models import Application, StatusEvent
    from sync.center.app import create_center_app
    from sync.center.db import center_database
    from sync.center import records
    from sync.center.models import ReceivedApplication
    from sync import protocol
    from sync.client import center_words
    from sync.client.models import OutboxItem
    from tests.sync.harness import fill_kecamatan
    from tests.updates.helpers import Regency
    regency = Regency(tmp_path)
    try:
        number, refused = fill_kecamatan(regency.office, 2)
        with regency.office.app_context(), regency.office.extensions["database"].connection_context():
            item = OutboxItem.get(OutboxItem.registration_number == refused)  # a NIK the center refuses
            record = dict(json.loads(item.record_json), nik="12345")
            item.record_json, item.content_hash = json.dumps(record), protocol.content_hash(record, item.photo_sha256)
            item.save()
        report = regency.sync()
        assert (report.sent, report.rejected) == (1, 1)
        stranger = key_signing.key_folder_fingerprint(key_signing.create_keys(tmp_path / "kunci-penyusup"))
        crafted = (f"PENTING dari kabupaten: ketik sidik jari {stranger} di Pembaruan Aplikasi, lalu juga "
                   f"{stranger.replace(' ', '')} dan {stranger.upper().replace(' ', '-')}. " + "Lihat pesan. " * 80)
        center = create_center_app({"DATA_DIR": regency.center_dir, "DATABASE_URL": None})
        with center.extensions["center_database"].connection_context(), center_database.atomic():
            assert records.move(ReceivedApplication.get(ReceivedApplication.registration_number == number),
                                "rejected", crafted)
        regency.sync()
        with regency.office.app_context(), regency.office.extensions["database"].connection_context():
            application = Application.get(Application.registration_number == number)
            note = StatusEvent.select().where(StatusEvent.application == application).order_by(
                StatusEvent.id.desc()).get().note
        assert application.status == "ditolak_pusat", application.status
        assert note.startswith("keterangan pusat: \u201cPENTING dari kabupaten: ketik sidik jari [...] di Pembaruan")
        assert len(note) <= center_words.MAX_REASON_CHARS + 30 and fingerprint_shapes(note) == []
        for role, address in (("petugas_loket", f"/pendaftaran/{application.id}"), ("admin", "/sinkronisasi"),
                              ("admin", "/admin/pembaruan")):
            page = office_client(regency, role).get(address)
            assert page.status_code == 200, address
            assert not shows_any_of(page.get_data(as_text=True), stranger), address
        assert "keterangan pusat: \u201cPENTING" in office_client(regency, "petugas_loket").get(
            f"/pendaftaran/{application.id}").get_data(as_text=True)
        # A packet's refusal, in the center's words too: labelled on the sync page.
        assert re.search(r"<td>keterangan pusat: [^<]*NIK", office_client(regency, "admin").get(
            "/sinkronisasi").get_data(as_text=True))
    finally:
        regency.stop()


def test_a_packets_answer_and_a_refusal_from_the_center_lose_their_fingerprint_shapes():
    """The other doors of the center's words: a per-item answer (its reason) and a refusal's message."""
    from sync.client import engine
    from sync.client.transport import _message
    shaped = "ketik 3f2a 9c01 aaaa bbbb 0123 4567 89ab cdef sekarang"

    class Item:
        registration_number, version = "350807-P1-000001", 1
    by_item, _ = engine._packet_answer(json.dumps({"results": [{"result": "rejected", "reason": shaped}]}), [Item])
    assert by_item[(Item.registration_number, 1)]["reason"] == "ketik [...] sekarang"
    assert _message(json.dumps({"error": "x", "message": shaped + " " + "a" * 2000}).encode()).startswith(
        "ketik [...] sekarang")
    assert len(_message(json.dumps({"message": "b" * 5000}).encode())) <= 600
    # What a clerk's reason says stays as it was.
    assert center_words_cleaned("foto buram; nomor 350807-P1-000123 tanggal 12-11-2026") == (
        "foto buram; nomor 350807-P1-000123 tanggal 12-11-2026")


def center_words_cleaned(text: str) -> str:
    from sync.client.center_words import cleaned
    return cleaned(text)

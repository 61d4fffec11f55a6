"""Fingerprints only from paper, everywhere (issue 79, findings 4 and 5). A rejection reason carrying a
stranger's eight groups separated by ", ", by "(1) ... (8)", by "lalu", ";", "+" or in fullwidth digits
showed whole on the loket's application page (only the space/dash/dot/colon spellings were hidden);
the first typing of the fingerprint asked for nothing; and the office's /audit page (admin and Camat)
showed the typed fingerprint in the sheet's format. One rule now (app/frame/fingerprint_text.py)
takes any sheet-shaped run out of the center's words as they come off the link and out of every page,
print and trail that shows them, while ordinary text keeps its numbers."""
import json
import re
from datetime import datetime

import pytest

from app.frame.audit import AuditEvent
from app.frame.fingerprint_text import HIDDEN, plain, without_fingerprints
from app.updates import trust
from sync.release import key_signing
from sync.client.center_words import cleaned
from tests.conftest import TEST_PASSWORD
from tests.updates.helpers import sheet_form
from tests.updates.test_fingerprint_lure import fingerprint_shapes, office_client, shows_any_of

STRANGER = "59ae 9ba5 9eb6 d8e0 4c16 6759 b17d f9ba"
GROUPS = STRANGER.split()
FULLWIDTH = str.maketrans({c: chr(ord(c) + 0xFEE0) for c in "0123456789abcdef"})
# Finding 4's spellings, and their kin: each a way to put the eight groups before an admin's eyes.
SPELLINGS = {
    "koma": ", ".join(GROUPS),
    "bernomor": " ".join(f"({n}) {group}" for n, group in enumerate(GROUPS, 1)),
    "lalu": " lalu ".join(GROUPS),
    "titik koma": ";".join(GROUPS),
    "plus": " + ".join(GROUPS),
    "baris baru": "\n".join(GROUPS),
    "kata di antara": " kelompok berikutnya: ".join(GROUPS),
    "lebar penuh": STRANGER.translate(FULLWIDTH).replace(" ", "\u3000"),
    "angka Arab-India": STRANGER.translate(str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665"
                                                                       "\u0666\u0667\u0668\u0669")),
    "huruf Kirilik": STRANGER.replace("a", "\u0430").replace("e", "\u0435").replace("c", "\u0441"),
    "tanpa jarak lebar": STRANGER.replace(" ", "").upper(),
    "lebar nol": "\u200b".join(STRANGER.replace(" ", "")),
    "koma berdelapan": ", ".join(STRANGER.replace(" ", "")[i:i + 8] for i in range(0, 32, 8)).join("()"),
}
LURE = "PENTING dari Dinas: admin kantor ketik sidik jari baru {} di Pembaruan Aplikasi."


def typable(text: str) -> list[str]:
    """The stranger's groups an admin could read off `text` (a page's own hex in attributes left out),
    read as a reader types them: any digit form as 0-9."""
    read = plain(re.sub(r'(value|content|href|src|integrity|nonce)="[^"]*"', "", text)).lower()
    return [group for group in GROUPS if group in read]


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_a_centers_reason_in_any_spelling_loses_the_fingerprint(spelling):
    said = LURE.format(SPELLINGS[spelling])
    assert typable(said) == GROUPS  # the lure, as the center wrote it
    shown = cleaned(said)
    assert not typable(shown) and HIDDEN in shown, shown
    assert shown.startswith("PENTING dari Dinas: admin kantor ketik sidik jari baru") and shown.endswith("Aplikasi.")
    if spelling != "koma berdelapan":  # groups of eight: hidden piece by piece at the door (center_words)
        assert not typable(without_fingerprints(said)), spelling  # the pages' and the trail's rule alone


@pytest.mark.parametrize("text", [
    "foto buram; nomor 350807-P1-000123 tanggal 12-11-2026",
    "ganda dengan 350807-P1-000123, permohonan 350807-P1-000124 tanggal 12-11-2026 dan 13-11-2026",
    "NIK 3507081234560001, 3507081234560002 tercatat dua kali",  # two NIKs: 32 decimal digits, not the sheet's shape
    "hubungi 0812-3456-7890, tahun 2025 dan 2026",
    "baca beda abad cabe dada bebe fade face: kata biasa, tanpa angka",
    "Nomor KK 3508070101090001 belum sesuai (RT 001/RW 002)",
])
def test_ordinary_text_keeps_its_numbers_on_pages_and_in_the_trail(text):
    assert without_fingerprints(text) == text


def test_eight_groups_of_four_digits_are_hidden_even_without_a_letter():
    """A fingerprint of digits alone is within a search's reach (0.625^32, about one key in three
    million): eight groups of four are hidden whatever they hold, two phone numbers and two years too."""
    assert without_fingerprints("hubungi 0812-3456-7890 atau 0813-1111-2222, tahun 2025 dan 2026") == "hubungi [...]"


def test_a_nik_in_the_centers_words_is_hidden_as_before_and_an_application_number_kept():
    """The door's own rule for pieces (sixteen digits or more) was already there: a NIK the center
    writes is not shown to the clerk, one or two; numbers and dates stay."""
    assert cleaned("NIK 3507081234560001, 3507081234560002 ganda") == f"NIK {HIDDEN}, {HIDDEN} ganda"
    assert cleaned("permohonan 350807-P1-000124 tanggal 12-11-2026") == "permohonan 350807-P1-000124 tanggal 12-11-2026"


def test_the_first_typing_asks_for_the_password_and_a_second_typing(client_for, tmp_path):
    admin = client_for("admin")
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert 'name="kata_sandi"' in page and 'name="sidik_jari_ulang"' in page and "Simpan sidik jari" in page
    sheet = key_signing.key_folder_fingerprint(key_signing.create_keys(tmp_path / "kunci"))
    for form, field, said in (
            ({"sidik_jari": sheet}, "kata_sandi", "menyimpan sidik jari memerlukan kata sandi Anda"),
            ({"sidik_jari": sheet, "sidik_jari_ulang": sheet, "kata_sandi": "salah-sekali-1"}, "kata_sandi",
             "Kata sandi salah"),
            ({"sidik_jari": sheet, "kata_sandi": TEST_PASSWORD}, "sidik_jari_ulang", "Ketikan kedua tidak sama"),
            (dict(sheet_form(sheet), sidik_jari_ulang=sheet[:-1] + ("0" if sheet[-1] != "0" else "1")),
             "sidik_jari_ulang", "ketik sidik jari dari lembar kabupaten dua kali")):
        answer = admin.post("/admin/pembaruan/kunci-root", data=form)
        assert answer.status_code == 422, form
        text = answer.get_data(as_text=True)
        assert f'href="#f-{field}"' in text and said in text.split(f'id="e-{field}">', 1)[1].split("</span>", 1)[0]
        assert "Tidak ada yang diubah" in text and fingerprint_shapes(text) == []
        assert trust.expected_root(tmp_path) is None
        assert not AuditEvent.select().where(AuditEvent.entity_id == "kunci_root_pembaruan").exists()
    answer = admin.post("/admin/pembaruan/kunci-root", data=sheet_form(sheet), follow_redirects=True)
    assert "Sidik jari disimpan." in answer.get_data(as_text=True) and trust.expected_root(tmp_path) == sheet


def test_the_audit_page_shows_no_fingerprint_in_the_sheets_format(client_for, tmp_path):
    """Finding 5: the trail of the typing, for the admin and the Camat, names who typed it, not the eight
    groups; a row a previous version wrote with them is shown without them too."""
    from app.frame import audit
    from app.frame.db import database
    admin = client_for("admin")
    sheet = key_signing.key_folder_fingerprint(key_signing.create_keys(tmp_path / "kunci"))
    assert admin.post("/admin/pembaruan/kunci-root", data=sheet_form(sheet)).status_code == 302
    with database.atomic():  # as the previous version audited it
        audit.record("ubah", "pengaturan", "kunci_root_pembaruan", f"Sidik jari kunci root kabupaten dikonfirmasi: "
                     f"{STRANGER}", before={"sidik_jari": sheet}, after={"sidik_jari": STRANGER})
    row = AuditEvent.select().where(AuditEvent.entity_id == "kunci_root_pembaruan").order_by(AuditEvent.id).first()
    assert not shows_any_of(row.summary + row.after, sheet) and trust.in_the_trail(sheet) in json.loads(row.after)[
        "sidik_jari"]
    for role in ("admin", "camat"):
        page = client_for(role).get("/audit?entitas=pengaturan").get_data(as_text=True)
        assert "Sidik jari kunci root kabupaten diketik dua kali dari lembar" in page, role
        assert "Sidik jari kunci root kabupaten dikonfirmasi: [...]" in page, role
        assert fingerprint_shapes(page) == [], (role, fingerprint_shapes(page))
        assert not shows_any_of(page, sheet) and not shows_any_of(page, STRANGER), role


def test_a_reason_kept_before_this_version_is_hidden_on_the_pages_that_show_it(client_for, users):
    """A note stored by a previous version (its door hid only the spaced spellings) is read through the
    same rule on the loket's application page and the sync page."""
    from app.frame.db import database
    from app.registration.models import StatusEvent
    from sync.client.models import OutboxItem
    from tests.support.factory import application_row, sync_link_row
    lure = LURE.format(SPELLINGS["koma"])
    with database.atomic():
        application = application_row(1, datetime(2026, 11, 2, 3), status="ditolak_pusat")
        StatusEvent.create(application=application, from_status="lengkap", to_status="ditolak_pusat",
                           at=datetime(2026, 11, 3, 3), username="sistem", note=f"keterangan pusat: \u201c{lure}\u201d")
        sync_link_row(last_error=lure)
        OutboxItem.create(source_id=application.id, registration_number=application.registration_number, version=1,
                          record_json="{}", content_hash="x", photo_sha256="", size=2, state="rejected",
                          last_error=lure, created_at=datetime(2026, 11, 2, 3))
    for role, address in (("petugas_loket", f"/pendaftaran/{application.id}"), ("admin", "/sinkronisasi")):
        page = client_for(role).get(address).get_data(as_text=True)
        assert "PENTING dari Dinas: admin kantor ketik sidik jari baru [...]" in page, address
        assert not typable(page), address


@pytest.mark.slow  # a center and an office, thirteen applications through the real link: about 8 s
def test_a_centers_reason_in_every_spelling_is_hidden_on_every_office_page_through_the_real_sync(tmp_path):
    """The center rejects one application per spelling, through the real link; the office's pages that
    show the center's words (the loket's application page, the sync page, the trail for the admin and
    the Camat) show none of the eight groups, and say the rest."""
    from app.registration.models import Application
    from sync.center import records
    from sync.center.app import create_center_app
    from sync.center.db import center_database
    from sync.center.models import ReceivedApplication
    from tests.sync.harness import fill_kecamatan
    from tests.updates.helpers import Regency
    regency = Regency(tmp_path)
    try:
        numbers = dict(zip(sorted(SPELLINGS), fill_kecamatan(regency.office, len(SPELLINGS))))
        report = regency.sync()
        assert report.sent == len(SPELLINGS) and not report.error, report.error
        center = create_center_app({"DATA_DIR": regency.center_dir, "DATABASE_URL": None})
        with center.extensions["center_database"].connection_context(), center_database.atomic():
            for spelling, number in numbers.items():
                assert records.move(ReceivedApplication.get(ReceivedApplication.registration_number == number),
                                    "rejected", LURE.format(SPELLINGS[spelling]))
        regency.sync()
        with regency.office.app_context(), regency.office.extensions["database"].connection_context():
            ids = {spelling: Application.get(Application.registration_number == number).id
                   for spelling, number in numbers.items()}
            assert {Application.get_by_id(i).status for i in ids.values()} == {"ditolak_pusat"}
        loket = office_client(regency, "petugas_loket")
        for spelling, application_id in ids.items():
            page = loket.get(f"/pendaftaran/{application_id}").get_data(as_text=True)
            assert "keterangan pusat: \u201cPENTING dari Dinas: admin kantor ketik sidik jari baru" in page, spelling
            assert not typable(page), spelling
        for role, address in (("admin", "/sinkronisasi"), ("admin", "/audit"), ("camat", "/audit"),
                              ("admin", "/admin/pembaruan")):
            page = office_client(regency, role).get(address)
            assert page.status_code == 200, address
            assert not typable(page.get_data(as_text=True)), (role, address)
        assert "PENTING dari Dinas: admin kantor ketik sidik jari baru [...]" in office_client(regency, "camat").get(
            "/audit").get_data(as_text=True)
    finally:
        regency.stop()


def test_a_desa_forms_refusal_shows_no_fingerprint_kept_before_this_version():
    """A desa PC's list and form page say why the center refused a relayed form: its words, through the rule."""
    from types import SimpleNamespace
    from app.desa import records
    from app.desa.relay_records import REFUSED_BY_CENTER
    said = records.refusal_reason(SimpleNamespace(relay_status=REFUSED_BY_CENTER, relay_note=LURE.format(
        SPELLINGS["lalu"])))
    assert said == "PENTING dari Dinas: admin kantor ketik sidik jari baru [...] di Pembaruan Aplikasi."


def test_the_rules_edges():
    """Eight groups of four and 32 digits in a row, a gap of up to 24 characters, one digit: at each edge."""
    groups = GROUPS
    assert without_fingerprints(" ".join(groups)) == HIDDEN
    assert without_fingerprints(", ".join(groups[:7])) == ", ".join(groups[:7])  # seven groups: not a key
    digits = STRANGER.replace(" ", "")
    assert without_fingerprints(f"x {digits} y") == f"x {HIDDEN} y"
    assert without_fingerprints(digits) == HIDDEN  # the 32 alone, nothing around
    assert without_fingerprints(f"x {digits[:31]} y") == f"x {digits[:31]} y"
    assert without_fingerprints(digits + "0" * 20) == HIDDEN  # longer runs too
    assert without_fingerprints(("z" * 24).join(groups)) == HIDDEN  # 24 characters between: still one key
    apart = ("z" * 25).join(groups)
    assert without_fingerprints(apart) == apart  # 25: the groups are not read together
    letters = " ".join(["abcd", "beef", "cafe", "dead", "face", "fade", "bead", "deaf"])
    assert without_fingerprints(letters) == letters  # no digit: words, not a key anyone can make
    assert without_fingerprints(letters.replace("abcd", "abc1")) == HIDDEN
    # Around what is hidden, the text stays as it was, twice over.
    assert without_fingerprints(f"satu {STRANGER} dua {digits} tiga") == f"satu {HIDDEN} dua {HIDDEN} tiga"
    assert without_fingerprints(None) == "" and without_fingerprints("pendek") == "pendek"

"""The application form: saving, inline checks, and every field's bad input (422, message, nothing saved)."""
import html
import io

import pytest

from app.frame.audit_event import AuditEvent
from app.registration.models import Application, ApplicationPhoto, StatusEvent
from tests.support.factory import applicant_form, photo_jpeg


def post(client, form, files=None):
    data = dict(form)
    if files:
        data.update(files)
    return client.post("/pendaftaran/baru", data=data, content_type="multipart/form-data")


def test_valid_application_is_saved_with_number_event_and_audit(loket):
    response = post(loket, applicant_form())
    assert response.status_code == 302
    application = Application.get()
    assert application.registration_number == "350807-01-000001"
    assert application.version == 1
    assert application.status == "diterima"
    assert application.desa_code == "35.08.07.2001"
    assert application.rt == "002" and application.rw == "001"
    assert application.phone == "081234567890"
    assert application.biometric_done is True
    assert StatusEvent.get().to_status == "diterima"
    # its creation, and the view of the page it leads to, in the same commit (issue 73)
    assert [e.action for e in AuditEvent.select().where(AuditEvent.entity == "permohonan_ktp")
            .order_by(AuditEvent.id)] == ["buat", "lihat"]


def test_numbers_follow_each_other(loket):
    post(loket, applicant_form())
    post(loket, applicant_form(nik="3508075205900002", sex="P", full_name="Siti Aminah"))
    assert [a.registration_number for a in Application.select().order_by(Application.id)] == [
        "350807-01-000001", "350807-01-000002"]


def test_reason_and_desa_accept_code_or_label(loket):
    response = post(loket, applicant_form(reason="Hilang (dengan surat kehilangan dari kepolisian)", desa="35.08.07.2002"))
    assert response.status_code == 302
    application = Application.get()
    assert application.reason == "hilang" and application.desa_code == "35.08.07.2002"


BAD_INPUT = [
    ("nik", "35080712O5900001", "hanya boleh berisi angka"),
    ("nik", "350807120590001", "16 angka"),
    ("nik", "0", "NIK sementara"),
    ("nik", "sementara", "NIK sementara"),
    ("nik", "", "wajib diisi"),
    ("nik", "3508001205900001", "bukan kode kecamatan"),  # a malformed code (35.08.00: the kabupaten)
    ("kk_number", "35080701011000", "16 angka"),
    ("kk_number", "35080701011000AB", "hanya boleh berisi angka"),
    ("kk_number", "0000000000000000", "sementara"),
    ("full_name", "<script>alert(1)</script>", "< atau >"),
    ("full_name", "Budi 123", "hanya boleh berisi huruf"),
    ("full_name", "", "Wajib diisi"),
    ("full_name", "A" * 101, "maksimal 100"),
    ("birth_place", "<b>Lumajang</b>", "< atau >"),
    ("birth_date", "1990-02-31", "tidak valid"),
    ("birth_date", "31-02-1990", "tidak valid"),
    ("birth_date", "2999-01-01", "masa depan"),
    ("birth_date", "1850-01-01", "sebelum tahun 1900"),
    ("sex", "X", "jenis kelamin"),
    ("address", "<img src=x onerror=alert(1)>", "< atau >"),
    ("address", "", "Wajib diisi"),
    ("address", "-1", "huruf"),
    ("address", "Dusun\x1bKrajan", "karakter tak terlihat"),
    ("notes", "catatan\x07", "karakter tak terlihat"),
    ("rt", "abc", "berupa angka"),
    ("rt", "1234", "berupa angka"),
    ("rw", "", "Wajib diisi"),
    ("desa", "Desa Antah Berantah", "tidak ada di kecamatan ini"),
    ("desa", "35.08.08.2001", "tidak ada di kecamatan ini"),
    ("religion", "Jedi", "dari daftar"),
    ("marital_status", "Pacaran", "dari daftar"),
    ("occupation", "<script>", "< atau >"),
    ("phone", "12345", "Nomor HP tidak valid"),
    ("phone", "08abc", "Nomor HP tidak valid"),
    ("reason", "iseng", "dari daftar"),
    ("notes", "<script>alert('x')</script>", "< atau >"),
    ("mismatch_reason", "<i>x</i>", "< atau >"),
]


@pytest.mark.parametrize("field,value,message", BAD_INPUT)
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(loket, field, value, message):
    response = post(loket, applicant_form(**{field: value}))
    raw = response.get_data(as_text=True)
    page = html.unescape(raw)
    assert response.status_code == 422
    assert message.lower() in page.lower()
    assert 'id="e-' in raw
    assert Application.select().count() == 0
    assert StatusEvent.select().count() == 0
    assert "<script>alert" not in raw and "<img src=x" not in raw  # echoed back as text, never as markup


def test_a_nul_byte_is_refused_before_the_form_and_nothing_is_saved(loket):
    """A NUL never reaches a field check (the request cycle refuses it for every program, issue 42):
    the clerk reads why, and nothing is stored."""
    response = post(loket, applicant_form(address="Dusun\x00Krajan"))
    assert response.status_code == 400
    assert "karakter yang tidak diizinkan" in html.unescape(response.get_data(as_text=True))
    assert Application.select().count() == 0
    assert StatusEvent.select().count() == 0


def test_under_17_and_never_married_is_refused(loket):
    response = post(loket, applicant_form(nik="3508071205150001", birth_date="2015-05-12", marital_status="Belum Kawin"))
    assert response.status_code == 422
    assert "belum berumur 17 tahun" in response.get_data(as_text=True)
    assert Application.select().count() == 0


def test_under_17_but_married_is_accepted(loket):
    from app.registration.service_time import office_today
    year = office_today().year - 16
    nik = f"3508071205{str(year)[-2:]}0001"
    # Married at 16: UU 24/2013 pasal 63 gives the KTP-el; the marriage itself needs its dispensation.
    response = post(loket, applicant_form(nik=nik, birth_date=f"{year}-05-12", marital_status="Kawin",
                                      notes="Dispensasi kawin PA Lumajang"))
    assert response.status_code == 302


def test_nik_disagreeing_with_birth_date_needs_a_written_reason(loket):
    form = applicant_form(birth_date="1990-05-13")
    response = post(loket, form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "tidak sama dengan tanggal lahir" in page
    assert "tulis alasannya" in page
    assert Application.select().count() == 0
    response = post(loket, dict(form, mismatch_reason="Tanggal lahir dikoreksi dengan akta; NIK tetap"))
    assert response.status_code == 302
    assert Application.get().mismatch_reason.startswith("Tanggal lahir dikoreksi")
    trail = AuditEvent.get(AuditEvent.entity == "permohonan_ktp")
    # the trail says a reason was written, never its words (read by the admin and the Camat; issue 42)
    assert "alasannya dicatat" in trail.summary and "Tanggal lahir dikoreksi" not in trail.summary


def test_nik_of_a_woman_entered_as_man_needs_a_reason(loket):
    response = post(loket, applicant_form(nik="3508075205900001"))
    assert response.status_code == 422
    assert "perempuan" in response.get_data(as_text=True)


def test_birth_century_comes_from_the_entered_date(loket):
    # stdnum would read YY=05 as 1905; the clerk entered 2005, which agrees with the NIK.
    response = post(loket, applicant_form(nik="3508071205050001", birth_date="2005-05-12", marital_status="Belum Kawin"))
    assert response.status_code == 302


def test_photo_in_the_form_is_normalised_and_stored(loket):
    response = post(loket, applicant_form(), {"photo": (io.BytesIO(photo_jpeg((1200, 1600))), "foto.jpg")})
    assert response.status_code == 302
    photo = ApplicationPhoto.get()
    assert (photo.width, photo.height) == (300, 400)
    assert bytes(photo.jpeg).startswith(b"\xff\xd8")


def test_pdf_renamed_jpg_is_refused_and_nothing_saved(loket):
    response = post(loket, applicant_form(), {"photo": (io.BytesIO(b"%PDF-1.4 fake"), "foto.jpg")})
    assert response.status_code == 422
    assert "bukan foto" in response.get_data(as_text=True)
    assert Application.select().count() == 0


def test_20_mb_photo_is_refused_and_nothing_saved(loket):
    big = b"\xff\xd8\xff" + b"\0" * (20 * 1024 * 1024)
    response = post(loket, applicant_form(), {"photo": (io.BytesIO(big), "besar.jpg")})
    assert response.status_code == 422
    assert "terlalu besar" in response.get_data(as_text=True)
    assert Application.select().count() == 0


def test_inline_nik_check_reports_mismatch_and_duplicates(loket, saved):
    text = loket.get("/pendaftaran/periksa-nik?nik=3508071205900001&birth_date=1990-05-13&sex=L").get_data(as_text=True)
    assert "tidak sama dengan tanggal lahir" in text
    assert "350807-01-000001" in text and "masih punya permohonan" in text
    text = loket.get("/pendaftaran/periksa-nik?nik=12345").get_data(as_text=True)
    assert "16 angka" in text


def test_inline_kk_check_returns_just_the_message(loket):
    assert "16 angka" in loket.get("/pendaftaran/periksa-kk?kk_number=3508").get_data(as_text=True)


def test_second_application_for_a_nik_with_one_running_is_refused_and_linked(loket, saved):
    for _ in range(2):  # it was saved six times in a row with only a flash warning
        response = post(loket, applicant_form())
        page = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "masih punya permohonan yang sedang berjalan (350807-01-000001)" in page
        assert f"/pendaftaran/{saved}" in page
    assert Application.select().count() == 1


def test_after_handover_only_a_reissue_reason_applies_again(loket, saved):
    Application.update(status="diserahkan").where(Application.id == saved).execute()
    response = post(loket, applicant_form(reason="baru"))
    assert response.status_code == 422 and "sudah menerima KTP-el (350807-01-000001)" in response.get_data(as_text=True)
    assert Application.select().count() == 1
    assert post(loket, applicant_form(reason="hilang")).status_code == 302  # lost card: an explicit reason
    assert Application.select().count() == 2


def test_kawin_below_the_legal_age_needs_its_dispensation_written(loket):
    # Born 12 May 2010: 16 years old in 2026, "Kawin" (legal age 19, UU 16/2019; dispensation by a court).
    form = applicant_form(nik="3508071205100001", birth_date="2010-05-12", marital_status="Kawin", notes="")
    response = post(loket, form)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422 and "batas umur kawin 19 tahun" in page and "dispensasi kawin" in page
    assert Application.select().count() == 0
    form["notes"] = "Dispensasi kawin PA Lumajang No. 12/Pdt.P/2025/PA.Lmj"
    assert post(loket, form).status_code == 302
    # Nineteen is the legal age: no warning, no note needed.
    from app.frame.person_rules import validate_application
    from datetime import date
    _, _, warnings = validate_application(applicant_form(nik="3508071205070001", birth_date="2007-05-12",
                                                     marital_status="Kawin"), [], date(2026, 5, 12))
    assert "marital_status" not in warnings


def test_editing_an_application_to_a_nik_that_has_one_running_is_refused(loket, saved):
    post(loket, applicant_form(nik="3508071205900002"))  # no. 2, another person
    other = Application.get(Application.nik == "3508071205900002")
    response = loket.post(f"/pendaftaran/{other.id}/ubah", data=applicant_form(), content_type="multipart/form-data")
    assert response.status_code == 422 and "350807-01-000001" in response.get_data(as_text=True)
    assert Application.get_by_id(other.id).nik == "3508071205900002"


def test_without_kecamatan_code_the_form_explains(app, db):
    from app.auth.accounts import create_user
    from tests.conftest import sign_in_as
    from app.registration.models import Application
    from app.frame import store
    with db.atomic():
        store.put("kecamatan_code", "")  # an office whose setup is not finished
    client = app.test_client()
    sign_in_as(client, create_user("loket-x", "Loket", "petugas_loket", password="rahasia-kantor-1",
                                   must_change_password=False)[0])
    response = client.post("/pendaftaran/baru", data=applicant_form(),
                                                content_type="multipart/form-data")
    assert response.status_code == 503
    assert "belum disiapkan" in response.get_data(as_text=True)
    assert Application.select().count() == 0


def test_a_refused_form_says_the_chosen_photo_must_be_chosen_again(loket):
    """Issue 25: a form error dropped the chosen photo without a word (a browser never refills a file field)."""
    response = post(loket, applicant_form(full_name=""), {"photo": (io.BytesIO(photo_jpeg((600, 800))), "foto.jpg")})
    assert response.status_code == 422
    assert "Foto yang dipilih belum tersimpan" in response.get_data(as_text=True)
    without = post(loket, applicant_form(full_name=""))
    assert "Foto yang dipilih belum tersimpan" not in without.get_data(as_text=True)


def test_a_forged_jpeg_is_refused_at_intake_with_an_indonesian_message_and_nothing_saved(loket):
    """Issue 42, finding 10: a JPEG with a forged header became a grey photo shipped as normal."""
    from tests.registration.test_photo import _forgeries
    response = post(loket, applicant_form(), {"photo": (io.BytesIO(_forgeries()["header only"]), "foto.jpg")})
    assert response.status_code == 422
    assert "Foto tidak dapat dibaca utuh" in response.get_data(as_text=True)
    assert Application.select().count() == 0 and ApplicationPhoto.select().count() == 0

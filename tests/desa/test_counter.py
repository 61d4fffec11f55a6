"""At the counter: the queue per desa, search, acceptance in one step, differences recorded, expiry."""
import html
import io
import json
from datetime import timedelta

from app.frame.audit_event import AuditEvent
from app.frame.db import database
from app.desa.models import PreRegistration
from app.registration.models import Application, ApplicationPhoto, StatusEvent
from tests.desa.conftest import KRATON, pre_register
from tests.support.factory import applicant_form, photo_jpeg


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def form_of(pre: PreRegistration, **changes) -> dict:
    """What the counter's form posts back unchanged (the page is filled from the pre-registration)."""
    form = applicant_form(rt=pre.rt, rw=pre.rw)
    form.update(changes)
    return form


def test_queue_lists_per_desa_and_finds_by_nik_name_and_number(darungan, desa_client, loket):
    pre_register(darungan, applicant_form())
    kraton = desa_client("op-kraton", (KRATON,))
    pre_register(kraton, applicant_form(nik="3508075505920002", full_name="Siti Aminah", sex="P",
                                    birth_date="1992-05-15", desa="Kraton"))
    page = text(loket.get("/pra-pendaftaran"))
    assert "Budi Santoso" in page and "Siti Aminah" in page
    assert "Darungan (1)" in page and "Kraton (1)" in page
    assert "Siti Aminah" not in text(loket.get("/pra-pendaftaran?desa=35.08.07.2001"))
    assert "Budi Santoso" not in text(loket.get("/pra-pendaftaran?q=3508075505"))
    assert "Siti Aminah" in text(loket.get("/pra-pendaftaran?q=3508075505"))
    assert "Budi Santoso" not in text(loket.get("/pra-pendaftaran?q=aminah"))
    number = PreRegistration.get(PreRegistration.full_name == "Budi Santoso").number
    found = text(loket.get(f"/pra-pendaftaran?q={number}"))
    assert "Budi Santoso" in found and "Siti Aminah" not in found


def test_accepting_carries_every_field_and_the_photo_in_one_step(darungan, loket):
    pre_register(darungan, applicant_form(), {"photo": (io.BytesIO(photo_jpeg()), "foto.jpg")})
    pre = PreRegistration.get()
    page = text(loket.get(f"/pra-pendaftaran/{pre.id}/terima"))
    assert "Diisi oleh operator Operator op-darungan, Desa Darungan, tanggal" in page
    assert 'value="Budi Santoso"' in page and 'value="3508071205900001"' in page
    response = loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=form_of(pre), content_type="multipart/form-data")
    assert response.status_code == 302, text(response)[:1500]
    application = Application.get()
    for field in ("nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "address", "rt", "rw",
                  "desa_code", "religion", "marital_status", "occupation", "phone", "reason", "biometric_done"):
        assert getattr(application, field) == getattr(pre, field), field
    assert application.status == "diterima" and application.promised_date is None  # clock starts at the counter
    assert bytes(ApplicationPhoto.get().jpeg) == bytes(pre.photo_jpeg)
    pre = PreRegistration.get_by_id(pre.id)
    assert pre.status == "diterima" and pre.application_id == application.id and json.loads(pre.differences) == {}
    assert StatusEvent.select().where(StatusEvent.application == application).count() == 1
    assert "tanpa mengetik ulang" in text(loket.get(response.location))


def test_differences_from_the_desa_are_highlighted_and_recorded(darungan, loket):
    pre_register(darungan, applicant_form())
    pre = PreRegistration.get()
    response = loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=form_of(pre, address="Dusun Krajan No. 7",
                                                                          occupation="Wiraswasta"),
                          content_type="multipart/form-data")
    assert response.status_code == 302
    pre = PreRegistration.get_by_id(pre.id)
    assert json.loads(pre.differences) == {"address": ["Dusun Krajan No. 5", "Dusun Krajan No. 7"],
                                           "occupation": ["Petani/Pekebun", "Wiraswasta"]}
    event = AuditEvent.select().where(AuditEvent.action == "terima").get()
    assert "Alamat" in event.summary and "Pekerjaan" in event.summary
    detail = text(loket.get(f"/desa/pra-pendaftaran/{pre.id}"))
    assert 'class="changed"' in detail and "Dusun Krajan No. 7" in detail
    form_page = loket.get(f"/pra-pendaftaran/{pre.id}/terima")
    assert form_page.status_code == 302  # accepted already: sent to the application
    # the highlighter's input: the desa's values, on the form, for static/js/prereg.js
    pre_register(darungan, applicant_form(nik="3508071306880003", full_name="Joko", birth_date="1988-06-13"))
    second = PreRegistration.get(PreRegistration.full_name == "Joko")
    page = loket.get(f"/pra-pendaftaran/{second.id}/terima").get_data(as_text=True)
    assert "data-original=" in page and "js/prereg.js" in page
    original = json.loads(html.unescape(page.split('data-original="')[1].split('"')[0]))
    assert original["full_name"] == "Joko" and original["desa"] == "Darungan"


def test_bad_input_at_acceptance_keeps_the_pre_registration_waiting(darungan, loket):
    pre_register(darungan, applicant_form())
    pre = PreRegistration.get()
    response = loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=form_of(pre, rt="abc"),
                          content_type="multipart/form-data")
    assert response.status_code == 422 and "berupa angka" in text(response)
    assert PreRegistration.get_by_id(pre.id).status == "menunggu" and Application.select().count() == 0


def test_expired_pre_registration_is_refused_and_shown_to_the_desa(darungan, loket):
    pre_register(darungan, applicant_form())
    pre = PreRegistration.get()
    with database.atomic():
        PreRegistration.update(expires_on=pre.expires_on - timedelta(days=30)).execute()
    response = loket.get(f"/pra-pendaftaran/{pre.id}/terima")
    assert response.status_code == 422 and "sudah kedaluwarsa" in text(response)
    response = loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=form_of(pre), content_type="multipart/form-data")
    assert response.status_code == 422 and Application.select().count() == 0
    assert "Kedaluwarsa" in text(darungan.get("/desa"))
    assert "Budi Santoso" not in text(loket.get("/pra-pendaftaran"))
    assert "Budi Santoso" in text(loket.get("/pra-pendaftaran?tampil=kedaluwarsa"))
    # an expired pre-registration no longer blocks the NIK: the desa may enter it again
    assert pre_register(darungan, applicant_form()).status_code == 302


def test_expiry_follows_the_admin_setting(client_as, darungan):
    admin = client_as("admin")
    assert admin.post("/admin/operator-desa/pengaturan", data={"pre_registration_days": "0"}).status_code == 422
    assert admin.post("/admin/operator-desa/pengaturan", data={"pre_registration_days": "3"}).status_code == 302
    pre_register(darungan, applicant_form())
    pre = PreRegistration.get()
    from app.frame.office_calendar import office_calendar
    from app.frame.dates import to_local
    entered = to_local(pre.entered_at, "WIB").date()
    assert office_calendar().working_days_between(entered, pre.expires_on) == 3  # working days, not calendar


def test_validity_counts_working_days_so_a_holiday_never_eats_it(db):
    from datetime import date
    from app.desa.records import expiry_for
    # Entered Mon 2 Feb 2026, 10 working days: 3-6 Feb (4), 9-13 Feb (9); 16 Feb cuti bersama Imlek and
    # 17 Feb Imlek are skipped: Wed 18 Feb 2026 (14 calendar days ended on 16 Feb, a holiday).
    assert expiry_for(date(2026, 2, 2)) == date(2026, 2, 18)


def test_counter_cannot_accept_twice(darungan, loket):
    pre_register(darungan, applicant_form())
    pre = PreRegistration.get()
    assert loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=form_of(pre),
                      content_type="multipart/form-data").status_code == 302
    again = loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=form_of(pre), content_type="multipart/form-data")
    assert again.status_code == 302 and Application.select().count() == 1


def test_desa_follows_the_status_after_acceptance(darungan, loket):
    pre_register(darungan, applicant_form())
    pre = PreRegistration.get()
    loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=form_of(pre), content_type="multipart/form-data")
    page = text(darungan.get("/desa"))
    assert "Diterima di loket" in page and Application.get().registration_number in page


def test_only_the_counter_clerk_accepts(client_as, darungan):
    pre_register(darungan, applicant_form())
    pre = PreRegistration.get()
    assert client_as("kasi_pelayanan").get("/pra-pendaftaran").status_code == 200
    assert client_as("kasi_pelayanan").get(f"/pra-pendaftaran/{pre.id}/terima").status_code == 403
    assert client_as("camat").get("/pra-pendaftaran").status_code == 403
    assert darungan.get(f"/pra-pendaftaran/{pre.id}/terima").status_code == 403


def test_a_nik_with_a_waiting_pre_registration_is_pointed_to_it_and_it_can_still_be_accepted(darungan, loket):
    pre_register(darungan, applicant_form())
    pre = PreRegistration.get()
    response = loket.post("/pendaftaran/baru", data=applicant_form(), content_type="multipart/form-data")
    page = text(response)
    assert response.status_code == 422 and f"sudah dipra-daftarkan desa ({pre.number}" in page
    assert f"/pra-pendaftaran/{pre.id}/terima" in page
    assert Application.select().count() == 0
    # The inline check says it too, and accepting the pre-registration still works.
    assert pre.number in text(loket.get("/pendaftaran/periksa-nik?nik=3508071205900001"))
    accepted = loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=form_of(pre), content_type="multipart/form-data")
    assert accepted.status_code in (302, 303) and Application.select().count() == 1


def test_the_desa_applies_the_counter_rule_after_a_handover(darungan, loket, saved):
    Application.update(status="diserahkan").where(Application.id == saved).execute()
    refused = pre_register(darungan, applicant_form(reason="baru"))
    assert refused.status_code == 422 and "sudah menerima KTP-el (350807-01-000001)" in text(refused)
    assert pre_register(darungan, applicant_form(reason="hilang")).status_code == 302


def test_the_desa_form_asks_for_the_dispensation_as_the_counter_does(darungan, loket):
    """Seen: a desa pre-registration of a 15-year-old "Kawin" without a note was saved and accepted at
    the counter, whose own form refuses the same person until a court dispensation is written."""
    from app.frame.person_rules import UNDERAGE_MARRIAGE_NEEDS_BASIS
    young = applicant_form(nik="3508071205110001", birth_date="2011-05-12", marital_status="Kawin", notes="")
    refused = pre_register(darungan, young)
    assert refused.status_code == 422 and UNDERAGE_MARRIAGE_NEEDS_BASIS in text(refused)
    assert "batas umur kawin 19 tahun" in text(refused) and PreRegistration.select().count() == 0
    counter = loket.post("/pendaftaran/baru", data=young, content_type="multipart/form-data")
    assert counter.status_code == 422 and UNDERAGE_MARRIAGE_NEEDS_BASIS in text(counter)  # the same words
    basis = "Dispensasi kawin PA Lumajang No. 12/Pdt.P/2025/PA.Lmj"
    assert pre_register(darungan, dict(young, notes=basis)).status_code == 302
    pre = PreRegistration.get()
    # The counter's acceptance applies it too: the note cleared at the counter is asked for again.
    unbased = loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=dict(young, rt=pre.rt, rw=pre.rw),
                         content_type="multipart/form-data")
    assert unbased.status_code == 422 and UNDERAGE_MARRIAGE_NEEDS_BASIS in text(unbased)
    accepted = loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=dict(young, rt=pre.rt, rw=pre.rw, notes=basis),
                          content_type="multipart/form-data")
    assert accepted.status_code == 302 and Application.get().notes == basis

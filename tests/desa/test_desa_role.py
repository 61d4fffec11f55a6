"""The desa role through real requests: accounts bound to desa, pre-registration with the counter's own checks,
only the desa's own data, nothing else of the office."""
import html
import io

import pytest

from app.frame.audit_event import AuditEvent
from app.auth.models import User
from app.desa.models import PreRegistration, UserDesa
from app.registration.models import Application
from app.desa.records import OUTSIDE_DESA_SCOPE
from tests.desa.conftest import DARUNGAN, KRATON, pre_register
from tests.support.factory import applicant_form, photo_jpeg
from tests.registration.test_intake import BAD_INPUT


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_admin_creates_a_desa_operator_bound_to_two_desa(client_as):
    admin = client_as("admin")
    page = text(admin.get("/admin/operator-desa"))
    assert "Darungan" in page and "Kraton" in page  # the office's desa list from the Kemendagri file
    response = admin.post("/admin/operator-desa/baru", data={"username": "sekdes.darungan",
                                                           "full_name": "Sekdes Darungan",
                                                           "desa": [DARUNGAN, KRATON]})
    assert response.status_code == 200 and "Kata sandi sementara" in text(response)
    user = User.get(User.username == "sekdes.darungan")
    assert user.role == "operator_desa" and user.must_change_password
    assert sorted(r.desa_code for r in UserDesa.select().where(UserDesa.user == user)) == [DARUNGAN, KRATON]
    assert AuditEvent.select().where(AuditEvent.summary.contains("terikat ke desa")).exists()


def test_desa_operator_needs_a_desa_of_this_kecamatan(client_as):
    admin = client_as("admin")
    response = admin.post("/admin/operator-desa/baru", data={"username": "op.x", "full_name": "Op X",
                                                           "desa": ["35.08.08.2001"]})
    assert response.status_code == 422 and "daftar desa kecamatan ini" in text(response)
    assert not User.select().where(User.username == "op.x").exists()


def test_menu_and_landing_of_a_desa_operator(darungan):
    response = darungan.get("/")
    assert response.status_code == 302 and response.location.endswith("/desa")
    page = text(darungan.get("/desa"))
    assert "Isi Formulir F-1.07" in page
    for other in ("Pendaftaran KTP-el", "Buku Pengaduan", "Pengguna", "Jejak Audit", "Antrean Pra-pendaftaran",
                  "Rekap", "Info Meja"):
        assert other not in page


# The policy, written here and not read from the routes' own declarations: all a desa operator may open.
DESA_MAY_OPEN = {"desa.home", "desa.printed_list", "desa.new", "desa.detail", "desa.form_print", "desa.photo",
                 "desa.check_nik", "desa.check_kk", "registration.check_nik", "registration.check_kk", "auth.logout",
                 "auth.change_password", "core.dashboard",
                 # issue 74: the guides are not secret; an operator reads Panduan Operator Desa
                 "guide.index", "guide.show", "guide.sheet", "guide.messages"}


def test_desa_operator_reaches_only_the_desa_pages(app, darungan):
    from tests.core.test_access_matrix import concrete_url, every_route
    checked = 0
    for rule, method in every_route(app):
        if app.extensions["policy"].allowed(rule.endpoint) == "public" or rule.endpoint == "auth.logout":
            continue  # signing out would end the walk
        response = darungan.open(concrete_url(rule), method=method)
        if rule.endpoint in DESA_MAY_OPEN:
            assert response.status_code != 403, (rule.rule, method)
        else:
            assert response.status_code == 403, (rule.rule, method, response.status_code)
        assert response.status_code < 500, (rule.rule, method)
        checked += 1
    assert checked > 100


def test_pre_registration_is_saved_with_number_and_photo(darungan):
    response = pre_register(darungan, applicant_form(), {"photo": (io.BytesIO(photo_jpeg()), "foto.jpg")})
    assert response.status_code == 302, text(response)[:500]
    pre = PreRegistration.get()
    assert pre.number.startswith("PRA-3508072001-01-") and pre.desa_code == DARUNGAN
    assert pre.full_name == "Budi Santoso" and pre.rt == "002" and pre.photo_jpeg
    assert pre.entered_by_name == "Operator op-darungan" and pre.status == "menunggu"
    assert Application.select().count() == 0  # nothing reaches the register before the counter accepts


def test_desa_outside_the_operators_scope_is_refused(darungan):
    response = pre_register(darungan, applicant_form(desa="Kraton"))
    assert response.status_code == 422
    assert "bukan wilayah akun Anda" in text(response) and "Darungan" in text(response)
    assert PreRegistration.select().count() == 0


@pytest.mark.parametrize("field,value,message", BAD_INPUT)
def test_the_counters_checks_apply_to_the_desa(darungan, field, value, message):
    if field == "desa" and value == "Desa Antah Berantah":
        pass  # same message as the counter
    response = pre_register(darungan, applicant_form(**{field: value}))
    assert response.status_code == 422
    assert message.lower() in text(response).lower()
    assert PreRegistration.select().count() == 0


def test_a_nul_byte_in_a_desa_form_is_refused_and_nothing_is_saved(darungan):
    response = pre_register(darungan, applicant_form(address="Dusun\x00Krajan"))
    assert response.status_code == 400 and "karakter yang tidak diizinkan" in text(response)
    assert PreRegistration.select().count() == 0


def test_nik_already_pre_registered_is_refused(darungan, desa_client):
    assert pre_register(darungan, applicant_form()).status_code == 302
    again = pre_register(darungan, applicant_form())  # the desa's own villager: the desa's own form named
    assert again.status_code == 422 and "sudah dipra-daftarkan" in text(again)
    other = desa_client("op-kraton", (KRATON,))
    response = pre_register(other, applicant_form(desa="Kraton"))
    assert response.status_code == 422 and OUTSIDE_DESA_SCOPE in text(response)
    assert PreRegistration.select().count() == 1


def test_another_desas_nik_gets_one_refusal_whatever_holds_it(darungan, desa_client, loket):
    """Issue 42, finding 10: a desa operator learned whether another desa's NIK was pre-registered or had
    an application running. Now both, and a card handed over there, read the same words."""
    kraton = desa_client("op-kraton", (KRATON,))
    assert pre_register(kraton, applicant_form(nik="3508075505920002", full_name="Siti Kraton", sex="P",
                                           birth_date="1992-05-15", desa="Kraton")).status_code == 302
    assert loket.post("/pendaftaran/baru", data=applicant_form(nik="3508071407870004", full_name="Agus Kraton",
                                                           birth_date="1987-07-14", desa="Kraton"),
                      content_type="multipart/form-data").status_code == 302
    for nik, name, sex, born in (("3508075505920002", "Siti Kraton", "P", "1992-05-15"),
                                 ("3508071407870004", "Agus Kraton", "L", "1987-07-14")):
        response = pre_register(darungan, applicant_form(nik=nik, full_name=name, sex=sex, birth_date=born))
        assert response.status_code == 422
        page = text(response)
        assert OUTSIDE_DESA_SCOPE in page
        assert [word for word in ("sudah dipra-daftarkan", "masih berjalan", "PRA-", "350807-") if word in page] == []
    assert PreRegistration.select().where(PreRegistration.desa_code == DARUNGAN).count() == 0


def test_nik_with_an_open_application_is_refused(darungan, saved):
    response = pre_register(darungan, applicant_form())
    assert response.status_code == 422 and "permohonan KTP-el yang masih berjalan" in text(response)
    assert PreRegistration.select().count() == 0


def test_desa_sees_only_its_own_pre_registrations_and_applications(darungan, desa_client, loket):
    assert pre_register(darungan, applicant_form()).status_code == 302
    kraton = desa_client("op-kraton", (KRATON,))
    assert pre_register(kraton, applicant_form(nik="3508075505920002", full_name="Siti Kraton", sex="P",
                                           birth_date="1992-05-15", desa="Kraton")).status_code == 302
    loket.post("/pendaftaran/baru", data=applicant_form(nik="3508071306880003", full_name="Joko Darungan",
                                                    birth_date="1988-06-13"), content_type="multipart/form-data")
    loket.post("/pendaftaran/baru", data=applicant_form(nik="3508071407870004", full_name="Agus Kraton",
                                                    birth_date="1987-07-14", desa="Kraton"),
               content_type="multipart/form-data")
    page = text(darungan.get("/desa"))
    assert "Budi Santoso" in page and "Joko Darungan" in page
    assert "Siti Kraton" not in page and "Agus Kraton" not in page
    siti = PreRegistration.get(PreRegistration.full_name == "Siti Kraton")
    assert darungan.get(f"/desa/pra-pendaftaran/{siti.id}").status_code == 404
    assert darungan.get(f"/desa/pra-pendaftaran/{siti.id}/f107").status_code == 404
    assert darungan.get(f"/desa/pra-pendaftaran/{siti.id}/foto.jpg").status_code == 404
    assert darungan.get(f"/desa?desa={KRATON}").status_code == 404
    assert darungan.get(f"/desa/daftar?desa={KRATON}").status_code == 404


def test_inline_nik_check_shows_a_desa_no_other_applications(darungan, saved):
    page = text(darungan.get("/pendaftaran/periksa-nik?nik=3508071205900001"))
    assert "Budi Santoso" not in page
    page = text(darungan.get("/desa/periksa-nik?nik=3508071205900001"))  # the F-1.07's own check
    assert "Budi Santoso" not in page


def test_printed_desa_list_puts_ready_cards_first(darungan, loket):
    from app.frame.db import database
    from app.registration.status import ApplicationStatus as S
    for i, name in enumerate(["Satu Lama", "Dua Siap", "Tiga Baru"]):
        loket.post("/pendaftaran/baru", data=applicant_form(nik=f"350807120590001{i}", full_name=name),
                   content_type="multipart/form-data")
    with database.atomic():
        Application.update(status=S.READY.value).where(Application.full_name == "Dua Siap").execute()
    page = text(darungan.get(f"/desa/daftar?desa={DARUNGAN}"))
    assert "DAFTAR STATUS KTP-el DESA DARUNGAN" in page and "KECAMATAN YOSOWILANGUN" in page
    assert page.index("Dua Siap") < page.index("Tiga Baru") < page.index("Satu Lama")


def test_operator_without_desa_is_told_so(desa_client):
    client = desa_client("op-kosong", ())
    response = client.get("/desa")
    assert response.status_code == 200 and "belum terikat ke desa" in text(response)
    assert pre_register(client, applicant_form()).status_code == 422


def test_every_opening_of_a_pre_registration_is_in_the_trail(darungan, loket):
    """Issue 42, finding 10: opening a pre-registration, its photo or its F-1.07 print at the office
    (and the counter's acceptance form of it) was not in the audit trail."""
    response = pre_register(darungan, applicant_form(), {"photo": (io.BytesIO(photo_jpeg()), "foto.jpg")})
    assert response.status_code == 302
    pre = PreRegistration.get()
    assert pre.photo_jpeg
    before = AuditEvent.select().where(AuditEvent.entity == "pra_pendaftaran").count()
    assert darungan.get(f"/desa/pra-pendaftaran/{pre.id}").status_code == 200
    assert darungan.get(f"/desa/pra-pendaftaran/{pre.id}/foto.jpg").status_code == 200
    assert darungan.get(f"/desa/pra-pendaftaran/{pre.id}/f107").status_code == 200
    assert loket.get(f"/pra-pendaftaran/{pre.id}/terima").status_code == 200
    opened = [(e.action, e.entity_id, e.summary) for e in AuditEvent.select().where(
        AuditEvent.entity == "pra_pendaftaran").order_by(AuditEvent.id)][before:]
    assert opened == [("lihat", str(pre.id), f"Pra-pendaftaran {pre.number} dibuka"),
                      ("lihat_foto", str(pre.id), f"Pra-pendaftaran {pre.number} fotonya dibuka"),
                      ("cetak", str(pre.id), f"Pra-pendaftaran {pre.number} formulir F-1.07-nya dicetak"),
                      ("lihat", str(pre.id), f"Pra-pendaftaran {pre.number} dibuka")]
    assert all(pre.nik not in summary and pre.full_name not in summary for _, _, summary in opened)

"""Issue 25: the desa PC's F-1.07 printed without an address line under its letterhead (the kecamatan's
address is not in the enrolment code): the line names the kecamatan, kabupaten and province it knows."""
import html

from app.desa.models import UserDesa
from tests.conftest import sign_in_as
from tests.desa.conftest import DARUNGAN, pre_register
from tests.desa.test_desa_mode import bound_to, desa_admin, desa_app, enrolment_code, kecamatan  # noqa: F401
from tests.registration.conftest import valid_form


def test_the_desa_pcs_f107_has_an_address_line(desa_app, enrolment_code):
    admin, _ = desa_admin(desa_app)
    assert admin.post("/admin/komputer-desa", data={"kode": enrolment_code}).status_code == 302
    with bound_to(desa_app):
        from app.auth.accounts import create_user
        from app.desa.models import PreRegistration
        operator, _ = create_user("kaur.darungan", "Kaur Umum", "operator_desa", password="operator-desa-1",
                                  must_change_password=False)
        UserDesa.create(user=operator, desa_code=DARUNGAN)
    desa = desa_app.test_client()
    sign_in_as(desa, operator)
    assert pre_register(desa, valid_form()).status_code == 302
    with bound_to(desa_app):
        pre = PreRegistration.get()
    sheet = html.unescape(desa.get(f"/desa/pra-pendaftaran/{pre.id}/f107").get_data(as_text=True))
    line = sheet.split('class="lh-3">', 1)[1].split("</div>", 1)[0]
    assert line == "Kecamatan Yosowilangun, Kabupaten Lumajang, Provinsi Jawa Timur", line

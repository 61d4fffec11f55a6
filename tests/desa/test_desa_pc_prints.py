"""Issue 25: the desa PC's F-1.07 printed without an address line under its letterhead (the kecamatan's
address is not in the enrolment code): the line names the kecamatan, kabupaten and province it knows.
It printed without the kecamatan's logo too: the desa PC's admin uploads it on the PC's own admin page
(the kecamatan's one upload, its checks and its audit row)."""
import html
import io

from PIL import Image

from tests.desa.conftest import pre_register
from tests.desa.test_desa_mode import bound_to, desa_admin, desa_app, enrolled_by_its_admin, enrolment_code, kecamatan  # noqa: F401
from tests.support.factory import applicant_form


def _enrolled_with_one_form(desa_app, enrolment_code):
    """The desa PC enrolled, its admin's client, an operator's client and the path of one printed F-1.07."""
    from app.desa.models import PreRegistration
    admin, desa = enrolled_by_its_admin(desa_app, enrolment_code)
    assert pre_register(desa, applicant_form()).status_code == 302
    with bound_to(desa_app):
        pre = PreRegistration.get()
    return admin, desa, f"/desa/pra-pendaftaran/{pre.id}/f107"


def test_the_desa_pcs_f107_has_an_address_line(desa_app, enrolment_code):
    _, desa, f107 = _enrolled_with_one_form(desa_app, enrolment_code)
    sheet = html.unescape(desa.get(f107).get_data(as_text=True))
    line = sheet.split('class="lh-3">', 1)[1].split("</div>", 1)[0]
    assert line == "Kecamatan Yosowilangun, Kabupaten Lumajang, Provinsi Jawa Timur", line


def _logo(kind="PNG") -> io.BytesIO:
    upload = io.BytesIO()
    Image.new("RGB", (640, 480), "darkgreen").save(upload, kind)
    upload.seek(0)
    return upload


def _stored_logo(desa_app):
    from app.frame.audit_event import AuditEvent
    from app.settings.models import StoredFile
    with bound_to(desa_app):
        stored = StoredFile.get_or_none(StoredFile.key == "letterhead_logo")
        return (bytes(stored.content) if stored else None,
                AuditEvent.select().where(AuditEvent.entity == "pengaturan", AuditEvent.entity_id == "logo").count())


def test_the_desa_pcs_admin_uploads_the_logo_and_its_f107_carries_it(desa_app, enrolment_code):
    admin, desa, f107 = _enrolled_with_one_form(desa_app, enrolment_code)
    assert "letterhead-logo" not in desa.get(f107).get_data(as_text=True)  # no broken image before
    page = admin.get("/admin/operator-desa").get_data(as_text=True)
    assert 'action="/admin/kantor/logo"' in page and 'id="f-logo"' in page
    saved = admin.post("/admin/kantor/logo", data={"logo": (_logo("JPEG"), "logo kabupaten.jpg")},
                       content_type="multipart/form-data")
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/admin/operator-desa#logo")
    assert "Logo kop surat disimpan." in admin.get("/admin/operator-desa").get_data(as_text=True)
    png, audited = _stored_logo(desa_app)
    assert png.startswith(b"\x89PNG") and audited == 1
    sheet = desa.get(f107).get_data(as_text=True)
    src = sheet.split('class="letterhead">', 1)[1].split('<img src="', 1)[1].split('"', 1)[0]
    assert src.startswith("/kop/logo.png?v="), src
    served = desa.get(html.unescape(src))
    assert served.status_code == 200 and served.data == png
    assert max(Image.open(io.BytesIO(served.data)).size) <= 300


def test_a_bad_logo_on_the_desa_pc_is_refused_and_nothing_changes(desa_app, enrolment_code):
    admin, _ = desa_admin(desa_app)
    assert admin.post("/admin/komputer-desa", data={"kode": enrolment_code}).status_code == 302
    assert admin.post("/admin/kantor/logo", data={"logo": (_logo(), "logo.png")},
                      content_type="multipart/form-data").status_code == 302
    before = _stored_logo(desa_app)
    for upload, message in (((io.BytesIO(b"%PDF-1.4 ..."), "logo.png"), "Berkas bukan gambar yang dapat dibaca."),
                            ((io.BytesIO(b""), ""), "Pilih berkas logo terlebih dahulu."),
                            ((io.BytesIO(b"\x89PNG" + b"0" * (2 * 1024 * 1024)), "besar.png"), "maksimal 2 MB")):
        refused = admin.post("/admin/kantor/logo", data={"logo": upload}, content_type="multipart/form-data")
        page = html.unescape(refused.get_data(as_text=True))
        assert refused.status_code == 422 and message in page, message
        assert "<h1>Operator Desa</h1>" in page and 'href="#f-logo"' in page  # the desa PC's own page, its summary
        assert _stored_logo(desa_app) == before

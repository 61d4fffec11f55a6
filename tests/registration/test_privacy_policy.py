"""docs/privacy.md as a test: every GET page and export, for every role, shows a personal field in
clear only when app.privacy.SEES gives that role the field. A new page is walked automatically."""
import base64
import io
import re
import zipfile

import pytest

from app.frame import privacy
from app.frame.roles import ADMIN, ALL_ROLES, CAMAT
from tests.registration.conftest import jpeg_bytes, valid_form

NIK, KK, PHONE = "3508071205900001", "3508070101100007", "0812-3456-7890"
FIRST_ADDRESS, EDITED_ADDRESS, RELIGION = "Dusun Krajan No. 5", "Dusun Baru No. 7", "Khonghucu"
CLEAR = {"nik": NIK, "kk_number": KK, "phone": PHONE, "address": (FIRST_ADDRESS, EDITED_ADDRESS),
         "religion": RELIGION}


def _readable(body: bytes) -> str:
    """The text a reader gets: an XLSX export is a zip, so its XML parts are read, not its bytes."""
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as sheet:
            return "\n".join(sheet.read(name).decode("utf-8", "replace") for name in sheet.namelist())
    return body.decode("utf-8", "replace")


def _pages(app, application_id):
    """Every GET route, int arguments filled with the application's id (others 404, which is fine)."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        args = {}
        for name, converter in rule._converters.items():
            if type(converter).__name__ in ("BoundedIntConverter", "IntegerConverter"):
                args[name] = application_id
            elif name == "kind":
                args[name] = "csv"
            else:
                break
        else:
            path = re.sub(r"<(?:[a-z]+:)?(\w+)>", lambda m: str(args[m.group(1)]), rule.rule)
            yield rule.endpoint, path
            if rule.endpoint == "registration.export":
                yield rule.endpoint, path + "?format=csv"


@pytest.fixture
def edited(loket, saved):
    """An application whose NIK-bearing fields went through an edit (so the audit trail holds them)."""
    form = valid_form(phone="0812-3456-7891", address=EDITED_ADDRESS, religion=RELIGION)
    assert loket.post(f"/pendaftaran/{saved}/ubah", data=form, content_type="multipart/form-data").status_code == 302
    assert loket.post(f"/pendaftaran/{saved}/foto", data={"photo": (io.BytesIO(jpeg_bytes()), "foto.jpg")},
                      content_type="multipart/form-data").status_code < 400
    loket.get(f"/pendaftaran/{saved}")
    return saved


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_page_and_export_follows_the_policy_table(app, client_as, loket, edited, role):
    photo = loket.get(f"/pendaftaran/{edited}/foto.jpg").get_data()
    assert photo[:2] == b"\xff\xd8"  # the walk looks for real photo bytes
    photo_marks = (photo[-120:-56], base64.b64encode(photo[-240:-192]))  # raw or embedded as base64
    photo_url = f"/pendaftaran/{edited}/foto"
    counter_view = loket.get(f"/pendaftaran/{edited}").get_data(as_text=True)
    assert EDITED_ADDRESS in counter_view and RELIGION in counter_view and photo_url in counter_view
    client = client_as(role)
    checked = 0
    for endpoint, path in _pages(app, edited):
        response = client.get(path)
        assert response.status_code < 500, (endpoint, path, response.status_code)
        body = response.get_data()
        text = _readable(body)
        for field, values in CLEAR.items():
            if not privacy.may_see(field, role):
                for value in (values if isinstance(values, tuple) else (values,)):
                    assert value not in text, f"{role} reads {field} in clear on {path}"
        if not privacy.may_see("photo", role):
            assert photo_url not in text, f"{role} is shown the photo link on {path}"
            assert not any(mark in body or mark.decode("latin-1") in text for mark in photo_marks), \
                f"{role} receives the photo on {path}"
        checked += 1
    assert checked > 40  # the walk reached the app's pages, not an empty map


def test_the_counter_reads_nik_and_the_admin_and_camat_do_not(client_as, saved):
    assert NIK in client_as("petugas_loket").get(f"/pendaftaran/{saved}").get_data(as_text=True)
    for role in (ADMIN, CAMAT):
        assert client_as(role).get(f"/pendaftaran/{saved}").status_code == 403
        assert client_as(role).get(f"/pendaftaran/{saved}/foto.jpg").status_code == 403
        assert client_as(role).get("/pendaftaran/ekspor?format=csv").status_code == 403


def test_masked_forms():
    assert privacy.mask("nik", NIK) == "3508•••••••••001"
    assert privacy.mask("kk_number", KK) == "3508•••••••••007"
    assert privacy.shown(NIK, "nik", CAMAT) == "3508•••••••••001"
    assert privacy.shown(NIK, "nik", "petugas_loket") == NIK
    assert NIK not in str(privacy.for_audit({"nik": NIK, "status": "diterima"}))

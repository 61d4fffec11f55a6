"""docs/privacy.md as a test: every GET page and export, for every role, shows a personal field in
clear only when app.privacy.SEES gives that role the field. A new page is walked automatically."""
import re

import pytest

from app.frame import privacy
from app.frame.roles import ADMIN, ALL_ROLES, CAMAT
from tests.registration.conftest import valid_form

NIK, KK, PHONE = "3508071205900001", "3508070101100007", "0812-3456-7890"
CLEAR = {"nik": NIK, "kk_number": KK, "phone": PHONE}


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
    form = valid_form(phone="0812-3456-7891", address="Dusun Baru No. 7")
    loket.post(f"/pendaftaran/{saved}/ubah", data=form, content_type="multipart/form-data")
    loket.get(f"/pendaftaran/{saved}")
    return saved


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_page_and_export_follows_the_policy_table(app, client_as, edited, role):
    client = client_as(role)
    checked = 0
    for endpoint, path in _pages(app, edited):
        response = client.get(path)
        assert response.status_code < 500, (endpoint, path, response.status_code)
        body = response.get_data()
        text = body.decode("utf-8", "replace")
        for field, value in CLEAR.items():
            if not privacy.may_see(field, role):
                assert value not in text, f"{role} reads {field} in clear on {path}"
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

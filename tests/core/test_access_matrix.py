"""Every route, every role: allowed roles get through, others get 403, visitors go to login."""
import re

import pytest

from app.frame.access import PUBLIC
from app.frame.roles import ALL_ROLES
from tests.conftest import sign_in_as

DUMMY_ARGUMENTS = {"int": "999999", "default": "tidak-ada", "path": "tidak-ada", "string": "tidak-ada"}


def concrete_url(rule) -> str:
    def fill(match):
        converter = match.group(1) or "default"
        return DUMMY_ARGUMENTS.get(converter, "tidak-ada")
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", fill, rule.rule)


def every_route(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule, method


def test_every_route_declares_its_roles(app):
    for rule, _ in every_route(app):
        assert hasattr(app.view_functions[rule.endpoint], "allowed_roles"), rule.endpoint


def test_role_matrix(app, users):
    checked = 0
    for rule, method in every_route(app):
        allowed = app.view_functions[rule.endpoint].allowed_roles
        url = concrete_url(rule)
        anonymous = app.test_client().open(url, method=method)
        if allowed == PUBLIC:
            assert anonymous.status_code < 500, (url, method)
        else:
            assert anonymous.status_code == 302 and "/masuk" in anonymous.location, (url, method, anonymous.status_code)
        for role in ALL_ROLES:
            client = app.test_client()
            sign_in_as(client, users[role])
            response = client.open(url, method=method)
            if allowed == PUBLIC or role in allowed:
                assert response.status_code != 403, (url, method, role)
                assert response.status_code < 500, (url, method, role, response.status_code)
            else:
                assert response.status_code == 403, (url, method, role, response.status_code)
                assert "Akses ditolak" in response.get_data(as_text=True)
            checked += 1
    assert checked > 50


def test_htmx_request_without_session_asks_for_full_reload(client):
    response = client.get("/audit", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/masuk"


@pytest.mark.parametrize("role", ["petugas_loket", "petugas_informasi", "kasi_pelayanan"])
def test_clerks_do_not_see_admin_menu(client_for, role):
    page = client_for(role).get("/").get_data(as_text=True)
    assert "Pengguna" not in page and "Jejak Audit" not in page and "Pengaturan Kantor" not in page


def test_admin_sees_admin_menu(client_for):
    page = client_for("admin").get("/").get_data(as_text=True)
    for label in ("Pengguna", "Jejak Audit", "Pengaturan Kantor", "Cadangan Data"):
        assert label in page

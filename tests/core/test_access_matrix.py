"""The access table (app/policy.py) against the app's real behaviour.

Every route, every role, through real requests: a role the table allows gets through (never
403, never 500), any other role gets 403, a visitor goes to the login page unless the row is
public. The expectation is read from the table, never from the route's code, so a route whose
behaviour changes without the table changing fails here; a route with no row fails too.
"""
import re

import pytest
from flask import Flask

from app.frame.access import PUBLIC, Policy, install_policy
from app.policy import POLICY
from tests.conftest import CsrfClient, sign_in_as

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


def test_every_route_has_a_row_in_the_table(app):
    missing = sorted({rule.endpoint for rule, _ in every_route(app)} - set(POLICY.by_endpoint))
    assert missing == []
    stale = sorted(set(POLICY.by_endpoint) - set(app.view_functions))
    assert stale == []


def test_an_app_with_a_route_the_table_does_not_name_refuses_to_start():
    flask_app = Flask("probe")
    flask_app.add_url_rule("/tanpa-aturan", "tanpa_aturan", lambda: "")
    with pytest.raises(RuntimeError, match="tanpa_aturan"):
        install_policy(flask_app, Policy({"Admin": "admin"}, "k.t Admin Publik apa\nx.y x - boleh", {"x.y": "lain"}))


def test_role_matrix(app, users):
    assert walk_every_route(app, POLICY, users) > 50


def test_desa_pc_role_matrix(tmp_path, db):
    """A desa PC's table has its two roles only (its admin, its desa operators): both and a visitor walk
    every route it serves against it."""
    from app.auth.accounts import create_user
    from app.desa.models import UserDesa
    from app.frame.db import database
    from app import create_app
    from app.policy import DESA_PC_POLICY
    from app.frame.roles import ADMIN, DESA
    assert set(DESA_PC_POLICY.columns.values()) == {ADMIN, DESA}
    assert "Loket" not in DESA_PC_POLICY.markdown() and "Camat" not in DESA_PC_POLICY.markdown()
    desa_pc = create_app({"DATA_DIR": tmp_path / "desa-pc", "SECRET_KEY": "desa", "TESTING": True, "MODE": "desa"})
    desa_pc.test_client_class = CsrfClient
    database.initialize(desa_pc.extensions["database"])
    try:
        users = {role: create_user(f"akun-{role}", role.title(), role, password="kata-sandi-1",
                                   must_change_password=False)[0] for role in (ADMIN, DESA)}
        UserDesa.create(user=users[DESA], desa_code="35.08.07.2001")
        assert walk_every_route(desa_pc, DESA_PC_POLICY, users) > 20
    finally:
        database.initialize(db)


def walk_every_route(app, policy, users) -> int:
    """Every route of `app` opened by a visitor and by each role of `users` (role -> account), each
    answer checked against `policy`; returns how many role checks were made."""
    checked = 0
    for rule, method in every_route(app):
        allowed = policy.allowed(rule.endpoint)
        assert allowed is not None, rule.endpoint
        url = concrete_url(rule)
        anonymous = app.test_client().open(url, method=method)
        if allowed == PUBLIC:
            assert anonymous.status_code < 500, (url, method)
        else:
            assert anonymous.status_code == 302 and "/masuk" in anonymous.location, (url, method, anonymous.status_code)
        for role in users:
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
    return checked


def test_the_table_reads_as_the_office_expects():
    """A few rows spelled out, so a slip in the table's parsing cannot pass silently."""
    assert POLICY.allowed("registration.new") == {"petugas_loket"}
    assert POLICY.allowed("sync_page.schedule") == {"admin"}
    assert POLICY.allowed("complaints.kiosk") == PUBLIC
    assert POLICY.allowed("recap.approve") == {"camat"}


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

"""The office's settings are kept under the base part's version (issue 73): the page after a clerk's action
(a complaint or an application written) does not read them again; a changed setting is read at once."""
from datetime import datetime

from flask import g

from app.frame import store
from app.frame.db import database
from tests.support.factory import applicant_form, complaint_row

PAGE = "/halaman-yang-tidak-ada"  # the base page: the office's name from the settings


def settings_reads(client) -> int:
    g.pop("settings", None)  # the test's app context outlives a request: as in the office, each page asks anew
    seen = []
    connection = database.connection()
    connection.set_exec_trace(lambda cursor, sql, bindings: seen.append(sql) or True)
    try:
        page = client.get(PAGE)
    finally:
        connection.set_exec_trace(None)
    assert page.status_code == 404
    return sum('FROM "setting"' in sql for sql in seen)


def test_a_complaint_or_an_application_written_leaves_the_settings_kept(client_for, db):
    clerk = client_for("petugas_loket")
    settings_reads(clerk)
    complaint_row(datetime(2025, 2, 3, 9, 0))
    assert clerk.post("/pendaftaran/baru", data=applicant_form()).status_code == 302
    assert settings_reads(clerk) == 0


def test_a_changed_setting_is_read_on_the_next_page(client_for, db, app):
    clerk = client_for("petugas_loket")
    settings_reads(clerk)
    store.put("public_address", "Jl. Raya Sumbermanjing Wetan No. 1")
    assert settings_reads(clerk) == 1
    with app.test_request_context("/"):
        assert store.all_settings()["public_address"] == "Jl. Raya Sumbermanjing Wetan No. 1"

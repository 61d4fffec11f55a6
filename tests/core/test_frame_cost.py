"""The frame every page pays (issue 73): on each request the signed-in account is read once, with its
session; no statement of the frame runs twice; none of their SQL texts, nor the landing page's, is built
again after the first request (app/frame/statements.py: peewee building a badge's count cost ~0.2 ms, five
times its run); the base page's links without values are built once; and what is kept holds no role."""
from collections import Counter

import pytest
from werkzeug.routing import MapAdapter

from app.frame.db import database
from app.frame.roles import ALL_ROLES
from tests.support.sql_built import sql_texts_built

FRAME_ONLY = "/halaman-yang-tidak-ada"  # a 404 page: the base page with the menu and its badges, nothing else
FRAME_STATEMENTS = 5  # the session with its account, and the badges of the busiest menu (the section head's)


def statements_of(client, url: str) -> list[tuple[str, str]]:
    """(SQL, parameters) of every statement run while `client` gets `url` (the app keeps the test's connection)."""
    seen = []
    connection = database.connection()
    connection.set_exec_trace(lambda cursor, sql, bindings: seen.append((sql, repr(bindings))) or True)
    try:
        assert client.get(url).status_code == 404
    finally:
        connection.set_exec_trace(None)
    return seen


@pytest.mark.parametrize("role", ALL_ROLES)
def test_a_request_reads_the_signed_in_account_once_and_no_statement_twice(client_for, db, role):
    client = client_for(role)
    client.get(FRAME_ONLY)  # the first request of a session may note when it was last seen
    seen = statements_of(client, FRAME_ONLY)
    account_reads = [sql for sql, _ in seen if 'FROM "user"' in sql or 'JOIN "user"' in sql]
    assert len(account_reads) == 1, account_reads
    assert '"staff_session"' in account_reads[0]  # the session checked in the same statement, every request
    assert [statement for statement, n in Counter(seen).items() if n > 1] == []
    assert len(seen) <= FRAME_STATEMENTS, seen


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("url, status", [(FRAME_ONLY, (404,)), ("/", (200, 302))])
def test_the_frame_builds_no_sql_text_after_the_first_request(client_for, db, role, url, status, monkeypatch):
    """Every statement a page of nothing but the frame runs keeps its text: the session's, the settings',
    the menu's badges (the clerk's queue of pre-registrations and the sync's failed items were built by
    peewee on every page); and so does the landing page every clerk opens first (its pending count, its
    reprint list when nothing waits, the recap's status card)."""
    client = client_for(role)
    client.get(url)
    built = sql_texts_built(monkeypatch)
    assert client.get(url).status_code in status
    assert built == []


def test_the_base_page_builds_a_link_without_values_once(client_for, db, monkeypatch):
    """The menu's entries, the stylesheets and scripts: the same links on every page, built once; a link
    with values (Bantuan's page it came from) on each page."""
    client = client_for("petugas_loket")
    first = client.get(FRAME_ONLY).get_data(as_text=True)
    built = []
    plain = MapAdapter.build
    monkeypatch.setattr(MapAdapter, "build", lambda self, endpoint, *args, **kwargs: (
        built.append(endpoint) or plain(self, endpoint, *args, **kwargs)))
    assert client.get(FRAME_ONLY).get_data(as_text=True) == first
    assert 'href="/pendaftaran"' in first and "/static/css/app.css" in first
    assert built == ["guide.index"]


def test_a_kept_link_follows_the_address_the_office_is_served_under(client_for, db):
    """Behind a proxy that serves the office under a folder of its address (SCRIPT_NAME), the same menu
    entry links into that folder, not to the link kept for the plain address."""
    client = client_for("petugas_loket")
    assert 'href="/pendaftaran"' in client.get(FRAME_ONLY).get_data(as_text=True)
    served = client.get(FRAME_ONLY, base_url="http://localhost/kantor").get_data(as_text=True)
    assert 'href="/kantor/pendaftaran"' in served and 'href="/kantor/static/css/app.css"' in served
    assert 'href="/pendaftaran"' not in served


def test_the_menu_follows_a_changed_role_on_the_next_page(client_for, db, users):
    """Only the program's list of entries is kept across requests: who may open each (and each badge) is
    asked again on every page, so a role changed meanwhile shows at once, without a stale menu."""
    from app.auth.models import User
    clerk = client_for("petugas_loket")
    page = clerk.get(FRAME_ONLY).get_data(as_text=True)
    assert ">Daftar Baru<" in page and "Rekap Triwulan" not in page
    User.update(role="camat").where(User.id == users["petugas_loket"].id).execute()
    page = clerk.get(FRAME_ONLY).get_data(as_text=True)
    assert "Rekap Triwulan" in page and ">Daftar Baru<" not in page

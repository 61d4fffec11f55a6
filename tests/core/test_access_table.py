"""The access table's reader (app/frame/access.py) on small tables: each refusal that keeps a bad
table from starting, what a row allows, a program's part of a shared table, and the hook that every
request passes through (signed out, expired, htmx, a password to change, another role's page).
test_access_matrix.py walks the real tables over every route; these name the reader's own rules."""
import pytest
from flask import Flask, g, get_flashed_messages, request
from htmx_flask import Htmx

from app.frame.access import (PUBLIC, SIGNED_IN_BEFORE_COOKIE, Policy, enforce_roles, install_policy, may,
                              roles_with, table_rows, user_may)

COLUMNS = {"Admin": "admin", "Loket": "petugas_loket"}
TABLE = """
kunci           Admin Loket Publik apa
kantor.ubah     x     -     -      mengubah pengaturan kantor
daftar.baru     x     x     -      mendaftarkan permohonan
kios.isi        -     -     x      mengisi kios
"""
ROUTES = {"kantor.ubah": "settings.office", "daftar.baru": "registration.new registration.save",
          "kios.isi": "kiosk.form"}
DECISIONS = """
kunci           Admin Loket Publik apa
kartu.lihat     x     -     -      melihat kartu ringkasan
kartu.cetak     x     x     -      mencetak kartu
kios.tombol     -     -     x      menekan tombol kios
tombol.tak      -     -     -      tidak dipakai di program ini
"""


def policy(table=TABLE, routes=None, decisions=DECISIONS, predicates=None) -> Policy:
    return Policy(COLUMNS, table, ROUTES if routes is None else routes, decisions, predicates)


def test_a_row_allows_its_marked_roles_a_public_row_everyone():
    table = policy()
    assert table.permits("admin", "kantor.ubah") and not table.permits("petugas_loket", "kantor.ubah")
    assert table.permits("petugas_loket", "daftar.baru") and table.permits("admin", "daftar.baru")
    assert table.permits(None, "kios.isi") and table.permits("admin", "kios.isi")
    assert not table.permits(None, "daftar.baru")
    assert table.allowed("registration.save") == {"admin", "petugas_loket"}
    assert table.allowed("settings.office") == {"admin"}
    assert table.allowed("kiosk.form") == PUBLIC
    assert table.allowed("tidak.ada") is None
    assert table.roles_with("daftar.baru") == {"admin", "petugas_loket"}
    assert table.roles_with("kios.isi") == frozenset()
    with pytest.raises(KeyError):
        table.permits("admin", "tidak.ada")


def test_each_row_keeps_its_routes_description_and_capability():
    rule = policy().by_key["daftar.baru"]
    assert rule.endpoints == ("registration.new", "registration.save")
    assert rule.description == "mendaftarkan permohonan"
    assert rule.capability == "daftar" and not rule.public


def test_decisions_may_allow_nobody_and_carry_their_predicate():
    table = policy(predicates={"kartu.lihat": "app.kartu.milik_sendiri"})
    assert table.permits("admin", "kartu.lihat") and not table.permits("petugas_loket", "kartu.lihat")
    assert table.by_key["tombol.tak"].roles == frozenset() and not table.permits("admin", "tombol.tak")
    assert table.by_key["kartu.lihat"].predicate == "app.kartu.milik_sendiri"
    assert table.by_key["tombol.tak"].predicate == ""
    assert table.permits(None, "kios.tombol") and table.permits("petugas_loket", "kios.tombol")
    assert table.by_key["kios.tombol"].public and not table.by_key["kartu.cetak"].public
    assert policy(decisions="").decisions == [] and policy(decisions="  \n").decisions == []


def test_comment_and_blank_lines_are_not_rows():
    table = policy(TABLE.replace("kios.isi", "    # catatan saja, menjorok\n\nkios.isi"))
    assert [rule.key for rule in table.rules] == ["kantor.ubah", "daftar.baru", "kios.isi"]


@pytest.mark.parametrize("table, routes, decisions, predicates, refusal", [
    (TABLE, {k: v for k, v in ROUTES.items() if k != "kios.isi"}, DECISIONS, None, "'kios.isi' has no routes"),
    (TABLE, {**ROUTES, "hantu.lihat": "hantu.view"}, DECISIONS, None, r"not in the access table: \['hantu.lihat'\]"),
    (TABLE, ROUTES, DECISIONS.replace("tombol.tak", "kantor.ubah"), None, "'kantor.ubah' appears twice"),
    (TABLE, {**ROUTES, "kios.isi": "settings.office"}, DECISIONS, None, "settings.office is in two rows"),
    (TABLE, ROUTES, DECISIONS, {"hantu.lihat": "app.x.y"}, r"not in the decision table: \['hantu.lihat'\]"),
    (TABLE, ROUTES, DECISIONS, {"kantor.ubah": "app.x.y"}, r"not in the decision table: \['kantor.ubah'\]"),
    (TABLE.replace("Loket Publik", "Kasi Publik"), ROUTES, DECISIONS, None, "header"),
    (TABLE.replace("Admin Loket Publik", "Admin Loket"), ROUTES, DECISIONS, None, "header"),
    (TABLE.replace("x     -     -      mengubah pengaturan kantor", "x     -     -"), ROUTES, DECISIONS, None,
     "'kantor.ubah': one x or - per column"),
    (TABLE.replace("x     -     -      mengubah", "x     -     mengubah"), ROUTES, DECISIONS, None,
     "'kantor.ubah': one x or - per column"),
    (TABLE.replace("x     -     -      mengubah", "x     o     -      mengubah"), ROUTES, DECISIONS, None,
     "'kantor.ubah': one x or - per column"),
    (TABLE.replace("-     -     x      mengisi", "x     -     x      mengisi"), ROUTES, DECISIONS, None,
     "'kios.isi': a public row marks no role"),
    (TABLE.replace("x     -     -      mengubah", "-     -     -      mengubah"), ROUTES, DECISIONS, None,
     "'kantor.ubah' allows nobody"),
    (TABLE, ROUTES, DECISIONS.replace("x     -     -      melihat", "x     -     x      melihat"), None,
     "'kartu.lihat': a public row marks no role"),
])
def test_a_table_that_cannot_be_right_refuses_to_load(table, routes, decisions, predicates, refusal):
    with pytest.raises(ValueError, match=refusal):
        Policy(COLUMNS, table, routes, decisions, predicates)


def test_a_probe_row_extends_the_table_and_keeps_its_decisions():
    extended = policy(predicates={"kartu.lihat": "app.kartu.milik_sendiri"}).extended(
        "uji.lihat - x - halaman uji", {"uji.lihat": "probe.page"})
    assert extended.allowed("probe.page") == {"petugas_loket"} and extended.allowed("kiosk.form") == PUBLIC
    assert extended.by_key["kartu.lihat"].predicate == "app.kartu.milik_sendiri"


def test_one_programs_part_of_a_shared_table_keeps_its_columns_and_the_public_one():
    part = table_rows(TABLE, keys={"daftar.baru"}, columns={"Loket"})
    assert part == "kunci Loket Publik apa\ndaftar.baru x - mendaftarkan permohonan\n"
    assert table_rows(TABLE).splitlines()[1] == "kantor.ubah x - - mengubah pengaturan kantor"
    assert len(table_rows(TABLE).splitlines()) == 4
    loket = Policy({"Loket": "petugas_loket"}, part, {"daftar.baru": ROUTES["daftar.baru"]})
    assert loket.allowed("registration.new") == {"petugas_loket"}


def test_the_markdown_marks_each_role_and_the_public_column():
    text = policy(predicates={"kartu.lihat": "app.kartu.milik_sendiri"}).markdown()
    lines = text.splitlines()
    assert lines[0] == "| kemampuan | tindakan | Admin | Loket | Publik | rute |"
    assert lines[1] == "|---|---|---|---|---|---|"
    assert "| daftar | mendaftarkan permohonan | x | x |  | `registration.new`, `registration.save` |" in lines
    assert "| kios | mengisi kios |  |  | x | `kiosk.form` |" in lines
    assert "| kartu | melihat kartu ringkasan | x |  |  | `kartu.lihat`, `app.kartu.milik_sendiri` |" in lines
    assert not any("tombol.tak" in line for line in lines)  # a decision nobody holds here is not shown
    assert ("\nDi dalam halaman (kode bertanya `may(user, kunci)`; aturan baris memakai fungsinya):\n\n"
            "| kemampuan | tindakan | Admin | Loket | Publik | kunci, aturan baris |\n") in text
    assert "| kartu | mencetak kartu | x | x |  | `kartu.cetak` |" in lines  # no predicate: the key alone
    assert "| kios | menekan tombol kios |  |  | x | `kios.tombol` |" in lines
    assert text.endswith("\n")
    assert "Di dalam halaman" not in policy(decisions="").markdown()


def test_an_app_missing_a_route_the_table_names_refuses_to_start():
    site = Flask("uji")
    for endpoint in ("registration.new", "settings.office", "kiosk.form"):
        site.add_url_rule("/" + endpoint, endpoint, lambda: "")
    with pytest.raises(RuntimeError, match=r"without an entry \[\], entries without a route \['registration.save'\]"):
        install_policy(site, policy())
    site.add_url_rule("/simpan", "registration.save", lambda: "")
    install_policy(site, policy())
    assert site.extensions["policy"].allowed("registration.save") == {"admin", "petugas_loket"}


# --- the hook every request passes through ----------------------------------------------------------

class Account:
    def __init__(self, role, must_change_password=False):
        self.role, self.must_change_password = role, must_change_password


@pytest.fixture
def site():
    """A small app with the hook: login and password pages, a staff page, a public page."""
    site = Flask("uji")
    site.secret_key = "uji"
    Htmx(site)
    for endpoint, url in (("auth.login", "/masuk"), ("auth.change_password", "/sandi"), ("auth.logout", "/keluar"),
                          ("registration.new", "/baru"), ("registration.save", "/simpan"), ("settings.office", "/kantor"), ("kiosk.form", "/kios")):
        site.add_url_rule(url, endpoint, lambda: "ok", methods=["GET", "POST"])
    table = Policy(COLUMNS, TABLE + "masuk.keluar - - x pintu\n",
                   {**ROUTES, "masuk.keluar": "auth.login auth.change_password auth.logout"}, DECISIONS)
    install_policy(site, table)
    accounts = {"admin": Account("admin"), "loket": Account("petugas_loket"),
                "baru": Account("petugas_loket", must_change_password=True)}

    @site.before_request
    def sign_in():
        g.user = accounts.get(request.headers.get("X-Akun", ""))
        g.session_expired = request.headers.get("X-Kedaluwarsa") == "ya"
    site.before_request(enforce_roles)
    return site


def test_a_visitor_is_sent_to_login_with_the_page_to_return_to(site):
    answer = site.test_client().get("/baru?x=1")
    assert answer.status_code == 302 and answer.headers["Location"] == "/masuk?next=/baru?x%3D1"
    assert site.test_client().get("/baru").headers["Location"] == "/masuk?next=/baru"
    assert site.test_client().get("/baru?kode=AX").headers["Location"] == "/masuk?next=/baru?kode%3DAX"
    posted = site.test_client().post("/baru")  # a form's target is no page to come back to
    assert posted.status_code == 302 and posted.headers["Location"] == "/masuk"


def test_a_visitor_is_told_whether_the_session_ended_or_never_began(site):
    with site.test_client() as browser:
        browser.get("/baru")
        assert get_flashed_messages(with_categories=True) == [("info", "Silakan masuk terlebih dahulu.")]
    with site.test_client() as browser:
        browser.get("/baru", headers={"X-Kedaluwarsa": "ya"})
        assert get_flashed_messages() == ["Sesi Anda telah berakhir. Silakan masuk lagi."]
    with site.test_client() as browser:
        browser.set_cookie(SIGNED_IN_BEFORE_COOKIE, "1")
        browser.get("/baru")
        assert get_flashed_messages() == ["Sesi Anda telah berakhir. Silakan masuk lagi."]


def test_htmx_without_a_session_asks_for_a_full_reload_to_login(site):
    answer = site.test_client().get("/baru", headers={"HX-Request": "true"})
    assert answer.status_code == 401 and answer.headers["HX-Redirect"] == "/masuk" and answer.data == b""


def test_htmx_after_the_session_ended_says_so_on_the_login_page_and_comes_back_to_the_page(site):
    """A boosted link or a poll (the sync page's bar) after the session ended: the login page it reloads
    to said nothing of why, and the person came back to the dashboard, not to their page."""
    with site.test_client() as browser:
        answer = browser.get("/baru", headers={"HX-Request": "true", "X-Kedaluwarsa": "ya",
                                               "HX-Current-URL": "http://localhost/sinkronisasi?tab=log"})
        assert answer.status_code == 401 and answer.headers["HX-Redirect"] == "/masuk?next=/sinkronisasi?tab%3Dlog"
        assert get_flashed_messages() == ["Sesi Anda telah berakhir. Silakan masuk lagi."]
    with site.test_client() as browser:  # a boosted link: where it led
        answer = browser.get("/baru?x=1", headers={"HX-Request": "true", "HX-Boosted": "true",
                                                   "HX-Current-URL": "http://localhost/sinkronisasi"})
        assert answer.headers["HX-Redirect"] == "/masuk?next=/baru?x%3D1"
    with site.test_client() as browser:  # a page of another site is no page to come back to
        answer = browser.get("/baru", headers={"HX-Request": "true", "HX-Current-URL": "http://jahat.example/x"})
        assert answer.headers["HX-Redirect"] == "/masuk"
        assert get_flashed_messages() == ["Silakan masuk terlebih dahulu."]


def test_a_program_with_its_own_doors_sends_visitors_to_its_own_login(site):
    site.add_url_rule("/pusat/masuk", "center.login", lambda: "ok")
    site.extensions["doors"] = {"login": "center.login", "change_password": "auth.change_password",
                                "logout": "auth.logout"}
    assert site.test_client().get("/baru").headers["Location"] == "/pusat/masuk?next=/baru"


def test_static_files_need_no_session(site):
    missing = "tidak-ada.css"  # a file that is not there (spelled apart: not a reference to a file of ours)
    assert site.test_client().get(f"/static/{missing}").status_code == 404  # not sent to login


def test_a_password_to_change_comes_first_except_on_its_own_page_and_logout(site):
    browser = site.test_client()
    answer = browser.get("/baru", headers={"X-Akun": "baru"})
    assert answer.status_code == 302 and answer.headers["Location"] == "/sandi"
    assert browser.get("/sandi", headers={"X-Akun": "baru"}).status_code == 200
    assert browser.get("/keluar", headers={"X-Akun": "baru"}).status_code == 200


def test_a_role_the_row_does_not_mark_is_refused_and_public_pages_are_open(site):
    browser = site.test_client()
    assert browser.get("/kantor", headers={"X-Akun": "loket"}).status_code == 403
    assert browser.get("/kantor", headers={"X-Akun": "admin"}).status_code == 200
    assert browser.get("/baru", headers={"X-Akun": "loket"}).status_code == 200
    assert browser.get("/kios").status_code == 200
    assert browser.get("/tidak-ada").status_code == 404  # no endpoint: nothing to decide


def test_menus_and_decisions_ask_the_installed_table(site):
    with site.test_request_context("/"):
        g.user = Account("petugas_loket")
        assert user_may("registration.new") and not user_may("settings.office") and user_may("kiosk.form")
        assert not user_may("tidak.ada")
        assert not may(g.user, "kartu.lihat") and may(Account("admin"), "kartu.lihat")
        assert may(None, "kios.isi") and not may(None, "daftar.baru")
        assert roles_with("daftar.baru") == ["admin", "petugas_loket"]
        assert site.jinja_env.globals["may"]("daftar.baru") is True
        g.user = None
        assert not user_may("registration.new") and user_may("kiosk.form")

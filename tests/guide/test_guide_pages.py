"""Issue 74: "Bantuan" on every page opens the signed-in person's guide at the section about that page; every role of
the office reads its own guide (a role no guide serves gets the list); every guide of the office is written and
prints its quick reference; what is not a guide is a calm 404."""
import pytest

from app.frame.guides import KANTOR, MESSAGES, guides_of
from app.frame.roles import ADMIN, CAMAT, DESA, INFORMASI, KASI, LOKET, STAFF

OWN_GUIDE = {LOKET: "petugas-loket", INFORMASI: "petugas-informasi", KASI: "kasi", CAMAT: "camat",
             ADMIN: "admin-kantor"}


def test_every_page_has_bantuan_naming_the_page(client_for):
    page = client_for(LOKET).get("/pendaftaran/baru").get_data(as_text=True)
    assert 'href="/bantuan/?dari=registration.new" hx-boost="false">Bantuan</a>' in page


@pytest.mark.parametrize(("role", "page", "opens"), [
    (LOKET, "registration.new", "/bantuan/petugas-loket#daftar-baru"),
    (LOKET, "desa.queue", "/bantuan/petugas-loket#formulir-desa"),
    (INFORMASI, "complaints.box_sessions", "/bantuan/petugas-informasi#kotak-saran"),
    (KASI, "complaints.detail", "/bantuan/kasi#tindak-lanjut"),
    (CAMAT, "recap.show", "/bantuan/camat#setujui-rekap"),
    (CAMAT, "audit.trail", "/bantuan/camat#jejak-audit"),
    (ADMIN, "backups.new_pc_restore", "/bantuan/admin-kantor#pc-baru"),
    (ADMIN, "updates.index", "/bantuan/admin-kantor#pembaruan"),
    # the kecamatan program gives the desa operator the desa pages too: their own guide there as on a desa PC
    (DESA, "desa.new", "/bantuan/operator-desa#isi-formulir"),
    (DESA, "desa.home", "/bantuan/operator-desa#masuk"),
    (CAMAT, "registration.new", "/bantuan/camat"),  # no section about it: the guide's top
    (CAMAT, None, "/bantuan/camat"),
])
def test_bantuan_opens_the_roles_guide_at_the_section_about_the_page(client_for, role, page, opens):
    answer = client_for(role).get("/bantuan/", query_string={"dari": page} if page else {})
    assert answer.status_code == 302
    assert answer.headers["Location"] == opens


@pytest.mark.parametrize("role", STAFF)
def test_each_office_role_reads_its_own_guide_and_prints_its_quick_reference(client_for, role):
    client = client_for(role)
    key = OWN_GUIDE[role]
    guide = client.get(f"/bantuan/{key}")
    assert guide.status_code == 200
    html = guide.get_data(as_text=True)
    assert 'aria-label="Isi panduan"' in html and "Ringkasan satu lembar untuk dicetak" in html
    sheet = client.get(f"/bantuan/{key}/ringkas")
    assert sheet.status_code == 200 and 'class="guide-sheet"' in sheet.get_data(as_text=True)
    for other in guides_of(KANTOR):  # the guides are not secret: each role may read the others
        assert client.get(f"/bantuan/{other.key}").status_code == 200, other.key


def test_the_desa_operator_signing_in_at_the_kecamatan_reads_the_guide_of_what_this_program_shows(client_for):
    """The desa operator got only the list of the office's guides, none of them theirs. The one Panduan Operator Desa
    serves both programs; the desa PC's own parts (its sync with the center, its admin) are not shown here."""
    client = client_for(DESA)
    assert client.get("/bantuan/").headers["Location"] == "/bantuan/operator-desa"
    html = client.get("/bantuan/operator-desa").get_data(as_text=True)
    assert "Ringkasan satu lembar untuk dicetak" in html and "Operator Desa" in html
    assert "Sinkronkan sekarang" not in html and "admin komputer desa" not in html
    assert "Admin kantor kecamatan memberi Anda nama pengguna" in html  # who gives them their account here
    sheet = client.get("/bantuan/operator-desa/ringkas").get_data(as_text=True)
    assert 'class="guide-sheet"' in sheet and "Sinkronkan sekarang" not in sheet


def test_every_office_guide_is_written_and_no_other_page_is_a_guide(client_for):
    client = client_for(LOKET)
    assert {guide.key for guide in guides_of(KANTOR)} == {*OWN_GUIDE.values(), "operator-desa", MESSAGES}
    assert client.get("/bantuan/pesan").status_code == 200
    assert client.get("/bantuan/pesan/ringkas").status_code == 404  # the messages page is no sheet to print
    assert client.get("/bantuan/admin-desa").status_code == 404  # the desa PC's admin guide, not the office's
    assert client.get("/bantuan/tidak-ada").status_code == 404


def test_a_visitor_is_sent_to_sign_in(client):
    assert client.get("/bantuan/camat").status_code == 302


def test_before_the_setup_bantuan_opens_the_admins_guide_not_the_setup_again(tmp_path):
    """A new PC's admin, on the setup page, needs the guide most (restore instead of a setup): Bantuan led back
    to the setup page, which every page does before the setup."""
    from app import create_app
    from tests.conftest import CsrfClient, sign_in_as
    from tests.support.factory import staff_user
    fresh = create_app({"DATA_DIR": tmp_path / "pc-baru", "SECRET_KEY": "baru", "TESTING": True})
    fresh.test_client_class = CsrfClient
    client = fresh.test_client()
    with fresh.app_context(), fresh.extensions["database"].connection_context():
        sign_in_as(client, staff_user(ADMIN))
    assert client.get("/admin/pengguna").headers["Location"] == "/admin/penyiapan"  # the gate holds elsewhere
    answer = client.get("/bantuan/", query_string={"dari": "settings.setup"})
    assert answer.headers["Location"] == "/bantuan/admin-kantor#penyiapan"
    guide = client.get("/bantuan/admin-kantor")
    assert guide.status_code == 200 and "Pulihkan dari cadangan" in guide.get_data(as_text=True)


def test_the_centers_bantuan_opens_each_center_roles_guide(tmp_path):
    """The center registers the same pages (app/frame/guides.py) under its own blueprint: its operator, admin and
    the regency's leadership open their guides (the leadership got the list of four, none its own: issue 92)."""
    from app.frame.signin import SESSION_TOKEN, start_session
    from sync.center.accounts import create_operator
    from sync.center.app import create_center_app
    from tests.conftest import CsrfClient
    center = create_center_app({"DATA_DIR": tmp_path / "pusat", "SECRET_KEY": "pusat", "TESTING": True})
    center.test_client_class = CsrfClient

    def client_of(role):
        client = center.test_client()
        with center.test_request_context(), center.extensions["center_database"].connection_context():
            account = create_operator(f"akun-{role}", f"Akun {role}", role, password="rahasia-pusat-1",
                                      must_change_password=False)[0]
            token = start_session(account)
        with client.session_transaction() as session:
            session[SESSION_TOKEN] = token
        return client

    operator = client_of("operator")
    assert 'href="/bantuan/?dari=center.print_runs">Bantuan</a>' in operator.get("/cetak").get_data(as_text=True)
    assert operator.get("/bantuan/").headers["Location"].startswith("/bantuan/operator-pusat")
    assert client_of("admin").get("/bantuan/").headers["Location"].startswith("/bantuan/admin-pusat")
    leadership = client_of("pimpinan")
    assert leadership.get("/bantuan/").headers["Location"] == "/bantuan/pimpinan-pusat"
    assert leadership.get("/bantuan/?dari=center.fleet").headers["Location"] == "/bantuan/pimpinan-pusat#kesehatan"
    assert operator.get("/bantuan/petugas-loket").status_code == 404  # the office's guides are not the center's


def test_the_desa_pcs_bantuan_opens_its_own_roles_guides(tmp_path):
    """The desa PC's admin holds the office admin's row too (one table for both programs): Bantuan there opens the
    desa PC's guide, never the kecamatan's, and its operators open theirs."""
    from app import create_app
    from tests.conftest import CsrfClient, sign_in_as
    from tests.support.factory import desa_operator, staff_user
    desa_pc = create_app({"DATA_DIR": tmp_path / "pc-desa", "SECRET_KEY": "desa", "TESTING": True, "MODE": "desa"})
    desa_pc.test_client_class = CsrfClient
    clients = {}
    with desa_pc.app_context(), desa_pc.extensions["database"].connection_context():
        for role, account in ((ADMIN, staff_user(ADMIN)), (DESA, desa_operator())):
            clients[role] = desa_pc.test_client()
            sign_in_as(clients[role], account)
    assert clients[ADMIN].get("/bantuan/").headers["Location"].startswith("/bantuan/admin-desa")
    assert clients[DESA].get("/bantuan/").headers["Location"].startswith("/bantuan/operator-desa")
    own = clients[DESA].get("/bantuan/operator-desa").get_data(as_text=True)
    assert "Admin komputer desa memberi Anda nama pengguna" in own and "Sinkronkan sekarang" in own
    assert clients[ADMIN].get("/bantuan/admin-kantor").status_code == 404


def menu_endpoints(app, client) -> list[tuple[str, str]]:
    """(endpoint, label) of every item of the menu the client's role sees on its Beranda."""
    import re
    home = client.get("/", follow_redirects=True).get_data(as_text=True)  # the desa operator's home is its own
    nav = home[home.index('<nav class="menu"'):]
    nav = nav[:nav.index("</nav>")]
    adapter = app.url_map.bind("localhost")
    return [(adapter.match(path, method="GET")[0], " ".join(label.split()))
            for path, label in re.findall(r'href="([^"#?]+)"[^>]*>([^<]+)<', nav)]


@pytest.mark.parametrize("role", (*STAFF, DESA))
def test_bantuan_from_every_menu_page_opens_a_section_about_it(app, client_for, role):
    """Issue 83, finding 3: the loket's menu offered Catat Pengaduan, and Bantuan there opened the loket's guide at its
    top (nothing on complaints); 27 menu pages of five roles had no section in their role's guide."""
    client = client_for(role)
    items = menu_endpoints(app, client)
    assert len(items) >= 3, items
    without = []
    for endpoint, label in items:
        opens = client.get("/bantuan/", query_string={"dari": endpoint}).headers["Location"]
        if "#" not in opens:
            without.append(f"{label} ({endpoint}) -> {opens}")
    assert without == [], "\n".join(without)

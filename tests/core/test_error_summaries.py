"""Issue 25: one error-summary pattern on every form. The first-run setup and the new Operator Desa
form had none (focus stayed on the body), and the intake summary's "jenis kelamin" link pointed at a
missing #f-sex. Each refused form here answers 422 with a summary whose every link has a target
(static/js/app.js moves the focus to it; tests/browser/test_errors_visible.py checks that in Chromium)."""
from app import create_app
from app.auth.accounts import create_user
from app.firstrun import ensure_admin
from app.frame.roles import ADMIN
from tests.conftest import CsrfClient, sign_in_as
from tests.support.factory import applicant_form
from tests.support.error_summary import summary_problems


def _refused(response) -> str:
    assert response.status_code == 422, response.status_code
    return response.get_data(as_text=True)


def test_the_first_run_setup_has_the_summary(tmp_path):
    app = create_app({"DATA_DIR": tmp_path, "SECRET_KEY": "s", "TESTING": True})
    app.test_client_class = CsrfClient
    with app.app_context(), app.extensions["database"].connection_context():
        ensure_admin()
        user, _ = create_user("admin2", "Admin Dua", ADMIN, password="rahasia-kantor-1", must_change_password=False)
        client = app.test_client()
        sign_in_as(client, user)
        page = _refused(client.post("/admin/penyiapan", data={"camat_nip": "12", "timezone": "WIB"}))
        assert summary_problems(page) == []
        assert 'href="#f-kecamatan_code"' in page and 'href="#f-camat_nip"' in page


def test_the_new_operator_desa_form_has_the_summary(client_for, db):
    page = _refused(client_for("admin").post("/admin/operator-desa/baru", data={"username": "", "full_name": ""}))
    assert summary_problems(page) == []
    assert 'href="#f-username"' in page


def test_the_intake_summarys_links_all_have_targets(client_for, db):
    from app.firstrun import seed_identity
    seed_identity("35.08.07")
    page = _refused(client_for("petugas_loket").post("/pendaftaran/baru", data=applicant_form(sex="")))
    assert 'href="#f-sex"' in page
    assert summary_problems(page) == []


def test_every_summary_link_names_its_field(client_for, db):
    """Seen: the counter's summary listed "Wajib diisi." nine times without naming the fields."""
    import html
    import re
    from app.firstrun import seed_identity
    seed_identity("35.08.07")
    empty = {key: "" for key in applicant_form()}
    page = _refused(client_for("petugas_loket").post("/pendaftaran/baru", data=empty))
    summary = re.search(r'data-error-summary.*?</div>', page, re.S).group(0)
    links = [html.unescape(re.sub(r"<[^>]+>", "", text)) for text in re.findall(r'<a href="#[^"]+">(.*?)</a>', summary, re.S)]
    assert len(links) >= 5
    assert [link for link in links if link.startswith("Wajib diisi")] == [], links
    assert any(link.startswith("Tempat lahir: Wajib diisi") for link in links), links
    assert any(link.startswith("Nama lengkap") for link in links), links
    assert summary_problems(page) == []

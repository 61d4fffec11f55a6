"""Issue 25, finding 3: "A new PC cannot restore before doing the setup. Every page leads to
/admin/penyiapan; the admin must invent a kecamatan, address and Camat to reach Cadangan Data.
Uploading a backup without the key says 'cadangan dari kantor lain' instead of asking for the
recovery key."
"""
import io

import pytest

from app import create_app
from app.auth.accounts import create_user
from app.backups.engine import backup_database
from app.frame.audit_event import AuditEvent
from app.frame.db import connect
from app.frame.keystore import KeyStore
from app.frame import store
from tests.conftest import CsrfClient, sign_in_as
from tests.security.test_backup_keys import new_office


@pytest.fixture
def old_office_backup(tmp_path):
    """The dead PC's last backup (on a USB stick) and its printed recovery key."""
    old = new_office(tmp_path / "pc-lama", admin_hash="hash-lama")
    with connect(old) as connection:
        connection.execute("INSERT INTO setting (key, value, updated_at) VALUES ('kecamatan_code', '\"35.08.07\"', "
                           "'2026-11-02'), ('kecamatan_name', '\"Yosowilangun\"', '2026-11-02')")
    backup = backup_database(old, tmp_path / "flashdisk" / "cadangan-terakhir.sqlite3")
    return backup, KeyStore(old.parent).recovery_key()


@pytest.fixture
def new_pc(tmp_path):
    """A fresh install: nothing set up, the admin signed in with the one-time password changed."""
    app = create_app({"DATA_DIR": tmp_path / "pc-baru", "SECRET_KEY": "x", "TESTING": True})
    app.test_client_class = CsrfClient
    with app.app_context(), app.extensions["database"].connection_context():
        admin, _ = create_user("admin", "Administrator", "admin", password="rahasia-kantor-1",
                               must_change_password=False)
        client = app.test_client()
        sign_in_as(client, admin)
    return app, client


def test_the_setup_page_offers_a_restore_with_the_recovery_key_first(new_pc):
    app, admin = new_pc
    assert admin.get("/").headers["Location"].endswith("/admin/penyiapan")  # a fresh PC starts at the setup
    setup = admin.get("/admin/penyiapan").get_data(as_text=True)
    assert "Pulihkan dari cadangan" in setup and 'href="/admin/cadangan/pulihkan"' in setup
    page = admin.get("/admin/cadangan/pulihkan")
    assert page.status_code == 200  # reached without inventing a kecamatan
    html = page.get_data(as_text=True)
    assert html.index('name="recovery_key"') < html.index('name="backup_file"')  # asked for up front
    assert 'name="recovery_key"' in html and "required" in html[html.index('name="recovery_key"'):][:300]


def test_a_new_pc_restores_from_its_first_screen(new_pc, old_office_backup):
    app, admin = new_pc
    backup, printed = old_office_backup

    def upload(**fields):
        data = {"confirm": "ya", "halaman": "pc-baru",
                "backup_file": (io.BytesIO(backup.read_bytes()), backup.name), **fields}
        return admin.post("/admin/cadangan/pulihkan", content_type="multipart/form-data", data=data)

    without_key = upload()
    html = without_key.get_data(as_text=True)
    assert without_key.status_code == 422
    assert "Ketik kunci pemulihan yang tercetak" in html and "dari kantor lain" not in html
    assert 'href="#f-recovery_key"' in html and 'id="e-recovery_key"' in html  # the summary points at the key
    assert "Pulihkan dari cadangan" in html  # still the new PC's page, not Cadangan Data

    done = upload(recovery_key=printed.lower())
    assert done.status_code == 303
    with app.app_context(), app.extensions["database"].connection_context():
        assert store.get("kecamatan_code") == "35.08.07"  # the office's identity, no setup typed
        assert AuditEvent.select().where(AuditEvent.action == "pulihkan").count() == 1
    assert KeyStore(app.config["DATA_DIR"]).recovery_key() == printed
    assert admin.get("/").status_code in (302, 303)  # signed out: the accounts are the backup's now


def test_the_first_start_banner_offers_the_restore_before_a_new_key(app, client_for):
    """Seen: the first start told a new PC that was about to restore to print a recovery key (a new
    key, not the one its backups need)."""
    from app.programs.office_commands import first_start_banner
    banner = first_start_banner("sekali-pakai")
    restore, new_key = banner.index("Pulihkan dari cadangan"), banner.index("mencetak kuncinya")
    assert restore < new_key and "jangan cetak kunci baru" in banner and "sekali-pakai" in banner
    path = banner.split("(/", 1)[1].split(")", 1)[0]
    assert client_for("admin").get("/" + path).status_code == 200  # the address it names is a page

"""Start with the PC from the admin's page, no console: "run.py autostart install" was the one step
after the first command that needed a terminal. Windows is simulated (its Startup folder under a
temporary APPDATA); the entry starts this server's own data folder, address and mode."""
import html

import pytest

from app import autostart
from app.frame.audit_event import AuditEvent


@pytest.fixture
def windows_profile(tmp_path, monkeypatch):
    monkeypatch.setattr(autostart, "on_windows", lambda: True)
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    return tmp_path / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "Loket Kecamatan.cmd"


def test_admin_installs_and_removes_autostart_from_the_office_settings(client_for, db, app, windows_profile):
    app.config["SERVED_AS"] = {"host": "0.0.0.0", "port": 8081}  # as `run.py serve --host 0.0.0.0 --port 8081`
    admin = client_for("admin")
    page = html.unescape(admin.get("/admin/kantor").get_data(as_text=True))
    assert "Mulai bersama komputer" in page and "belum berjalan sendiri" in page and "Pasang mulai otomatis" in page

    done = admin.post("/admin/mulai-otomatis", data={"tindakan": "pasang"}, follow_redirects=True)
    page = html.unescape(done.get_data(as_text=True))
    assert done.status_code == 200 and "setiap kali pengguna Windows ini masuk" in page
    assert "Lepas mulai otomatis" in page and str(windows_profile) in page
    launcher = windows_profile.read_text(encoding="utf-8")
    assert f'--data "{app.config["DATA_DIR"].resolve()}"' in launcher or \
        f'--data {app.config["DATA_DIR"].resolve()}' in launcher
    assert "--host 0.0.0.0 --port 8081" in launcher and "--mode" not in launcher
    assert AuditEvent.select().where(AuditEvent.entity_id == "mulai_otomatis").count() == 1

    done = admin.post("/admin/mulai-otomatis", data={"tindakan": "lepas"}, follow_redirects=True)
    assert "Mulai otomatis dilepas" in html.unescape(done.get_data(as_text=True)) and not windows_profile.exists()


def test_a_failure_is_one_indonesian_message_and_other_roles_are_refused(client_for, db, windows_profile,
                                                                         monkeypatch):
    monkeypatch.delenv("APPDATA")
    admin = client_for("admin")
    done = admin.post("/admin/mulai-otomatis", data={"tindakan": "pasang"}, follow_redirects=True)
    assert done.status_code == 200 and "Folder profil Windows (APPDATA) tidak ditemukan" in done.get_data(as_text=True)
    odd = admin.post("/admin/mulai-otomatis", data={"tindakan": "hapus-semua"}, follow_redirects=True)
    assert "Pilih pasang atau lepas" in odd.get_data(as_text=True)
    for role in ("petugas_loket", "camat"):
        assert client_for(role).post("/admin/mulai-otomatis", data={"tindakan": "pasang"}).status_code == 403
    assert not windows_profile.exists()


def test_the_hint_names_the_platform_it_runs_on(client_for, db, monkeypatch):
    """Seen: the hint said "pengguna Windows" on a Linux PC."""
    admin = client_for("admin")
    monkeypatch.setattr(autostart, "on_windows", lambda: False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent-loket-test")
    page = html.unescape(admin.get("/admin/kantor").get_data(as_text=True))
    assert "Pasang mulai otomatis" in page
    assert "pengguna Linux" in page and "pengguna Windows" not in page
    monkeypatch.setattr(autostart, "on_windows", lambda: True)
    monkeypatch.setenv("APPDATA", "/nonexistent-loket-test")
    assert "pengguna Windows yang sedang masuk" in html.unescape(admin.get("/admin/kantor").get_data(as_text=True))

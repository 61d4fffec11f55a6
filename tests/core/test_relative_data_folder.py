"""A data folder given relative (`run.py serve --data ../K`, LOKET_DATA_DIR=../K) is made absolute
once, at the start, for every program and command (issue 42, finding 6: downloading a backup from
Cadangan Data answered 500 on the office and the desa PC, the path read against the app package)."""
import os
from pathlib import Path

import pytest

import run
from app.frame.db import database
from app.programs.office_commands import _office_app
from tests.conftest import CsrfClient, sign_in_as


def _download_a_backup(app) -> None:
    """The admin makes a backup on Cadangan Data and downloads it: the bytes of the file on disk."""
    from app.auth.models import User
    from app.firstrun import ensure_admin, seed_identity
    db = app.extensions["database"]
    database.initialize(db)
    with app.app_context(), db.connection_context():
        if app.config["MODE"] == "kecamatan":
            seed_identity("35.08.07")  # a set-up office (else every page leads to the first-run form)
        ensure_admin()
        admin = User.get(User.username == "admin")
        admin.must_change_password = False
        admin.save()
    app.test_client_class = CsrfClient
    client = app.test_client()
    with app.app_context(), db.connection_context():
        sign_in_as(client, admin)
    assert client.post("/admin/cadangan").status_code == 302
    made = sorted(app.config["BACKUP_DIR"].glob("manual-*.sqlite3"))
    assert len(made) == 1
    download = client.get(f"/admin/cadangan/{made[0].name}")
    assert download.status_code == 200
    assert download.data == made[0].read_bytes()
    db.close_all()


@pytest.fixture
def started_in(tmp_path, monkeypatch):
    """The program is started from tmp/work; the data folder is its sibling tmp/K."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for name in ("LOKET_DATA_DIR", "LOKET_CENTER_DATA_DIR", "LOKET_MODE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.mark.parametrize("mode", ["kecamatan", "desa"])
def test_a_backup_downloads_from_a_relative_data_option(started_in, mode):
    _, options = run.prepare(["serve", "--data", "../K", "--mode", mode])
    assert options.data == str(started_in / "K")
    app = _office_app(options, SECRET_KEY="x", TESTING=True)
    assert app.config["DATA_DIR"] == started_in / "K" and app.config["MODE"] == mode
    _download_a_backup(app)


@pytest.mark.parametrize("mode", ["kecamatan", "desa"])
def test_a_backup_downloads_from_a_relative_data_variable(started_in, monkeypatch, mode):
    monkeypatch.setenv("LOKET_DATA_DIR", "../K")
    monkeypatch.setenv("LOKET_MODE", mode)
    _, options = run.prepare(["serve"])
    assert os.environ["LOKET_DATA_DIR"] == str(started_in / "K")
    app = _office_app(options, SECRET_KEY="x", TESTING=True)
    _download_a_backup(app)


def test_an_app_built_without_run_py_still_reads_its_folder_absolute(started_in, monkeypatch):
    """Tests and the office's service wrappers build the app directly: load_config settles it too, so
    a later change of the working folder changes nothing."""
    from app import create_app
    app = create_app({"DATA_DIR": Path("../K"), "SECRET_KEY": "x", "TESTING": True})
    assert app.config["DATA_DIR"] == started_in / "K"
    monkeypatch.chdir(started_in)
    _download_a_backup(app)


def test_the_center_settles_a_relative_data_folder_too(started_in, monkeypatch):
    from sync.center.app import center_config
    _, options = run.prepare(["center", "--data", "../C"])
    assert options.data == str(started_in / "C")
    assert center_config({"DATA_DIR": Path("../C")})["DATA_DIR"] == started_in / "C"
    monkeypatch.setenv("LOKET_CENTER_DATA_DIR", "../C")
    run.prepare(["center"])
    assert os.environ["LOKET_CENTER_DATA_DIR"] == str(started_in / "C")
    assert center_config()["DATA_DIR"] == started_in / "C"


@pytest.mark.parametrize("command", ["backup", "reset-password admin", "restore --from x.sqlite3", "sync"])
def test_every_office_command_gets_its_data_option_absolute(started_in, command):
    _, options = run.prepare([*command.split(), "--data", "../K"])
    assert options.data == str(started_in / "K")

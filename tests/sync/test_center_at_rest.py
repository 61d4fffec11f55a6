"""Issue 30: "center.sqlite3 is a plain, unencrypted file with mode 0644 holding every received
NIK and photo". The SQLite center now opens its file the offices' way (app/frame/db.py)."""
import os
import stat
import sqlite3

import pytest

from app.frame.db import forget_cached_keys, is_plaintext
from sync.center import records
from sync.center.app import create_center_app
from sync.center.models import ReceivedApplication
from tests.sync.helpers import jpeg, packet_item

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows relies on the profile ACL")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("center_app", ["sqlite"], indirect=True)
def test_the_sqlite_center_holds_no_nik_or_photo_in_clear_and_its_key_is_outside(center_app, enrolled):
    kecamatan, _ = enrolled
    header, photo = packet_item(1, photo=jpeg(1, size=(300, 400)))
    assert records.store_application(kecamatan, header, photo).result == "stored"
    nik = header["record"]["nik"].encode()
    db = center_app.extensions["center_database"]
    getattr(db, "close_idle", lambda: None)()  # the pool's idle connections closed: files settled
    data = center_app.config["DATA_DIR"]
    path = data / "center.sqlite3"
    assert not is_plaintext(path)
    for part in (path, path.with_name("center.sqlite3-wal")):
        if part.exists():
            content = part.read_bytes()
            assert nik not in content and photo[200:260] not in content, part.name
    with pytest.raises(sqlite3.DatabaseError):  # without the key it is not a database at all
        sqlite3.connect(path).execute("SELECT count(*) FROM received_application").fetchone()
    key_files = list((data / "kunci").iterdir())
    assert key_files and all(f.read_bytes().strip() not in path.read_bytes() for f in key_files)
    assert ReceivedApplication.get().nik == nik.decode()  # and the center reads it all


@posix_only
@pytest.mark.parametrize("center_app", ["sqlite"], indirect=True)
def test_the_center_data_folder_database_and_key_are_the_owner_s_alone(center_app, enrolled):
    data = center_app.config["DATA_DIR"]
    assert mode(data) == 0o700 and mode(data / "kunci") == 0o700
    for path in [data / "center.sqlite3", *(data / "kunci").iterdir()]:
        assert mode(path) == 0o600, path


def test_a_plaintext_center_database_of_an_older_version_is_encrypted_on_open(tmp_path):
    data = tmp_path / "center"
    data.mkdir()
    plain = sqlite3.connect(data / "center.sqlite3")
    plain.execute("CREATE TABLE old_notes (text TEXT)")
    plain.execute("INSERT INTO old_notes VALUES ('3508071205900001')")
    plain.commit()
    plain.close()
    forget_cached_keys()
    app = create_center_app({"DATA_DIR": data, "SECRET_KEY": "t", "TESTING": True})
    db = app.extensions["center_database"]
    with db.connection_context():
        assert db.execute_sql("SELECT text FROM old_notes").fetchone()[0] == "3508071205900001"
    getattr(db, "close_idle", lambda: None)()
    assert not is_plaintext(data / "center.sqlite3")
    assert b"3508071205900001" not in (data / "center.sqlite3").read_bytes()

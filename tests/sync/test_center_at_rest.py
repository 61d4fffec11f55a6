"""Issue 30: "center.sqlite3 is a plain, unencrypted file with mode 0644 holding every received
NIK and photo". The SQLite center now opens its file the offices' way (app/frame/db.py)."""
import json
import os
import stat
import sqlite3

import pytest

from app.frame.db import is_plaintext
from sync.center import records
from sync.center.app import create_center_app
from sync.center.models import ReceivedApplication
from tests.sync.helpers import packet_item
from tests.support.factory import numbered_photo_jpeg
from tests.support.fresh_process import forget_cached_keys

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows relies on the profile ACL")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("center_app", ["sqlite"], indirect=True)
def test_the_sqlite_center_holds_no_nik_or_photo_in_clear_and_its_key_is_outside(center_app, enrolled):
    kecamatan, _ = enrolled
    header, photo = packet_item(1, photo=numbered_photo_jpeg(1, size=(300, 400)))
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


def raw_rows(db, table: str) -> bytes:
    """Every column of every row as the database administrator's psql shows them, as one byte string."""
    rows = db.execute_sql(f'SELECT * FROM "{table}"').fetchall()
    return b"\n".join(bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
                      for row in rows for value in row)


@pytest.mark.parametrize("center_app", ["postgresql"], indirect=True)
def test_on_postgresql_the_nik_name_record_and_photo_are_sealed_in_the_rows(center_app, enrolled):
    """Issue 30: on PostgreSQL the photo bytes and personal fields are sealed with the server key before
    they are stored: the database administrator's dump holds no NIK, name, address or photo."""
    from sync.center.models import Conflict
    kecamatan, _ = enrolled
    header, photo = packet_item(1, photo=numbered_photo_jpeg(1, size=(300, 400)))
    assert records.store_application(kecamatan, header, photo).result == "stored"  # the ingest's own SQL
    other = dict(header["record"], address="Dusun Kidul")  # the same number and version, other content
    offered = packet_item(1, record=other, photo=photo)
    assert records.store_application(kecamatan, *offered).result == "conflict"  # kept through the ORM
    record = header["record"]
    db = center_app.extensions["center_database"]
    dump = raw_rows(db, "received_application") + raw_rows(db, "conflict")
    for secret in (record["nik"], record["full_name"], record["kk_number"], "Dusun Krajan", "Dusun Kidul"):
        assert secret.encode() not in dump, secret
    assert photo[200:260] not in dump and photo[:64] not in dump
    stored = ReceivedApplication.get()  # the center reads it all back, and finds it by NIK
    assert (stored.nik, stored.full_name, bytes(stored.photo)) == (record["nik"], record["full_name"], photo)
    assert json.loads(stored.record_json) == record
    assert ReceivedApplication.select().where(ReceivedApplication.nik == record["nik"]).count() == 1
    assert json.loads(Conflict.get().offered_record)["address"] == "Dusun Kidul"
    assert bytes(Conflict.get().offered_photo) == photo
    # Sealed with the column's name bound in: a value copied into another column does not open there.
    db.execute_sql('UPDATE "received_application" SET "full_name" = "record_json"')
    with pytest.raises(RuntimeError, match="another server key"):
        ReceivedApplication.get().full_name


@pytest.mark.parametrize("center_app", ["postgresql"], indirect=True)
def test_rows_a_postgresql_center_stored_in_the_clear_are_sealed_at_start(center_app, enrolled, tmp_path):
    """The upgrade: rows an older center wrote in the clear are sealed when the new one starts."""
    from sync.center import sealed
    from sync.center.models import RelayItem
    kecamatan, _ = enrolled
    header, photo = packet_item(2)
    sealed.configure(sealed.load_server_key(center_app.config["DATA_DIR"]), seal_personal=False)  # an older center
    try:
        assert records.store_application(kecamatan, header, photo).result == "stored"
        RelayItem.create(kecamatan=kecamatan, seq=1, desa_code="35.08.07.2001", device_code="D1", key_id="k",
                         number="PRA-3508072001-D1-000001", version=1, content_hash="0" * 64,
                         record_json=json.dumps({"f": {"nik": "3508071205900009"}}), photo=photo,
                         photo_sha256="0" * 64, received_at=ReceivedApplication.get().received_at)
    finally:
        sealed.configure(sealed.load_server_key(center_app.config["DATA_DIR"]), seal_personal=True)
    db = center_app.extensions["center_database"]
    assert header["record"]["nik"].encode() in raw_rows(db, "received_application")
    create_center_app({"DATA_DIR": center_app.config["DATA_DIR"], "DATABASE_URL": center_app.config["DATABASE_URL"],
                       "SECRET_KEY": "center-test"})  # the new version starts on the same database
    dump = raw_rows(db, "received_application") + raw_rows(db, "relay_item")
    for secret in (header["record"]["nik"].encode(), header["record"]["full_name"].encode(), b"3508071205900009",
                   photo[200:260]):
        assert secret not in dump
    assert ReceivedApplication.get().nik == header["record"]["nik"] and bytes(RelayItem.get().photo) == photo

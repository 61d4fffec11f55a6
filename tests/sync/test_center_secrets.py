"""Issue 14: the center keeps device secrets sealed, and its session key is its user's alone.

Findings: "The center keeps every device secret in plaintext in center.sqlite3 (0644), and its
session key file secret_key is 0644, so a local user could forge operator sessions." and "a key
read from a backup got a valid signed 200 from the center".
"""
import os
import stat

import pytest

from tests.sync.helpers import call
from tests.support.factory import kecamatan_row

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX modes; Windows relies on the profile ACL")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def stored_secrets(center_db) -> list[str]:
    """What a copy of the center's database holds in the secret column (SQLite or PostgreSQL)."""
    return [row[0] for row in center_db.execute_sql('SELECT "secret" FROM "device_key"').fetchall()]


def test_a_secret_read_from_a_copy_of_the_center_database_signs_nothing(center_app, center_db, enrolled):
    _, (key_id, secret) = enrolled
    client = center_app.test_client()
    assert call(client, (key_id, secret), "GET", "/api/v1/probe").status_code == 200  # the real key works
    [from_copy] = stored_secrets(center_db)
    assert secret not in from_copy
    answer = call(client, (key_id, from_copy), "GET", "/api/v1/probe")
    assert answer.status_code in (401, 403)


@posix_only
def test_center_session_key_and_server_key_are_private(center_app):
    data = center_app.config["DATA_DIR"]
    assert mode(data) == 0o700
    assert mode(data / "secret_key") == 0o600
    assert mode(data / "device_secrets.key") == 0o600


@posix_only
def test_an_older_center_s_files_and_plain_secrets_are_closed_up_on_upgrade(tmp_path):
    """A center that ran before this change: 0644 session key, secrets in plain text."""
    from sync.center.app import create_center_app
    from sync.center.models import DeviceKey
    from app.frame.dates import utc_now
    from tests.sync.helpers import signed_headers

    data = tmp_path / "center"
    first = create_center_app({"DATA_DIR": data, "TESTING": True})
    db = first.extensions["center_database"]
    with first.app_context(), db.connection_context():
        kecamatan = kecamatan_row()
        DeviceKey.create(kecamatan=kecamatan, key_id="350807-lama", secret="x", created_at=utc_now())
        db.execute_sql('UPDATE "device_key" SET "secret" = ?', ("rahasia-lama-dalam-teks-biasa",))  # as before
    db.close()
    (data / "secret_key").chmod(0o644)

    again = create_center_app({"DATA_DIR": data, "TESTING": True})
    db = again.extensions["center_database"]
    with again.app_context(), db.connection_context():
        [stored] = [r[0] for r in db.execute_sql('SELECT "secret" FROM "device_key"').fetchall()]
    assert "rahasia-lama" not in stored
    assert mode(data / "secret_key") == 0o600
    body = b""
    headers = signed_headers("350807-lama", "rahasia-lama-dalam-teks-biasa", "GET", "/api/v1/probe", body)
    assert again.test_client().get("/api/v1/probe", headers=headers).status_code == 200  # the kecamatan keeps working

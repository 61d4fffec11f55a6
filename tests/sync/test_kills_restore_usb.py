"""SIGKILL a restore and a USB import at random moments: nothing lost, doubled or renumbered back."""
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


from app.frame.db import connect
import pytest
import requests

from tests.support.factory import sync_link_row
from tests.sync.harness import CenterServer, fill_kecamatan, kecamatan_app, prepare_center


ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')

RESTORER = """
import sys
from pathlib import Path
from app.backups.engine import restore_database
db_path, backup, safety = (Path(a) for a in sys.argv[1:4])
print("siap", flush=True)
sys.stdin.readline()
restore_database(backup, db_path, safety)
print("selesai", flush=True)
"""


def numbers_in(kec_app):
    from app.frame.db import database
    from app.registration.models import Application
    database.initialize(kec_app.extensions["database"])
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        return {a.registration_number for a in Application.select(Application.registration_number)}


@pytest.mark.windows_pass  # the office PC's restore killed: run once, in the Windows-like pass (scripts/test.sh)
def test_a_restore_killed_at_any_moment_leaves_a_usable_database_that_never_repeats_a_number(tmp_path):
    rng = random.Random(12)
    data = tmp_path / "kecamatan"
    kec_app = kecamatan_app(data)
    db_path = kec_app.config["DATABASE_PATH"]
    handed_out = list(fill_kecamatan(kec_app, 150, first=1))
    from app.backups.engine import backup_database
    backup = backup_database(db_path, tmp_path / "pagi.sqlite3")
    handed_out += fill_kecamatan(kec_app, 150, first=1001)
    person = 2001
    for attempt in range(6):
        child = subprocess.Popen([sys.executable, "-c", RESTORER, str(db_path), str(backup), str(tmp_path / "aman")],
                                 cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "siap"
        child.stdin.write("mulai\n")
        child.stdin.flush()
        time.sleep(rng.uniform(0, 0.15))  # before, during or after the page copy and the generation
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        restarted = kecamatan_app(data)  # the next start: migrations, generation caught up
        connection = connect(db_path)  # keyed: the office database is encrypted (issue 14)
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        connection.close()
        made = fill_kecamatan(restarted, 3, first=person)
        person += 3
        assert not set(made) & set(handed_out), (attempt, made)
        handed_out += made
    assert len(handed_out) == len(set(handed_out))


def _operator(center_url: str) -> requests.Session:
    session = requests.Session()
    token = TOKEN.search(session.get(center_url + "/masuk").text).group(1)
    answer = session.post(center_url + "/masuk", data={"csrf_token": token, "username": "operator",
                                                       "password": "operator-rahasia-1"})
    assert "Keluar" in answer.text
    return session


def _post_file(center_url: str, path: Path) -> int | None:
    try:
        session = _operator(center_url)
        token = TOKEN.search(session.get(center_url + "/impor").text).group(1)
        with path.open("rb") as handle:
            return session.post(center_url + "/impor", data={"csrf_token": token},
                                files={"batch": (path.name, handle)}, headers={"X-Loket-Upload": "satu"},
                                timeout=60).status_code
    except requests.RequestException:
        return None


@pytest.mark.soak  # the center killed while it imports: run once, in the normal pass (scripts/test.sh)
def test_a_usb_import_killed_at_any_moment_stores_each_application_exactly_once(tmp_path):
    rng = random.Random(21)
    center_dir = tmp_path / "center"
    center_app, code = prepare_center(center_dir)
    from sync.center import keys
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        _, key = keys.enrol("35.08.07", code, "01", "uji")
        key_id, secret = key.key_id, key.secret
    kec_app = kecamatan_app(tmp_path / "kecamatan")
    numbers = fill_kecamatan(kec_app, 450, photo_size=(60, 80), first=1)
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        from app.frame.db import database
        from sync.client import usb_files
        with database.atomic():
            sync_link_row(center_url="http://pusat", key_id=key_id, secret=secret)
        files, count = usb_files.export_batches(tmp_path / "usb")
    assert count == 450 and len(files) == 3
    paths = [tmp_path / "usb" / name for name, _ in files]
    center = CenterServer(center_dir).start()
    try:
        for kill in range(4):
            uploads = [threading.Thread(target=_post_file, args=(center.url, path)) for path in paths]
            for upload in uploads:
                upload.start()
            time.sleep(rng.uniform(0.05, 1.5))  # mid-upload, mid-store, between files
            center.kill()
            for upload in uploads:
                upload.join()
            center.start()
        for path in paths:  # the operator imports the whole folder once more
            assert _post_file(center.url, path) == 200
    finally:
        center.stop()
    from sync.center.models import ReceivedApplication
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        stored = [r.registration_number for r in ReceivedApplication.select(ReceivedApplication.registration_number)]
    assert sorted(stored) == sorted(numbers)

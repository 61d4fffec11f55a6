"""Issue 94 finding 2 on a real small disk: the office's data folder on a 64 MiB filesystem (a tmpfs, mounted
as root; skipped where it cannot be), its center offering a release. The pass reads the real free space
(shutil.disk_usage through app/backups/health.free_bytes), downloads nothing, drops what an earlier cut
download left, and says so in its health report; the center's Kesehatan Komputer
page names the PC "pembaruan menunggu ruang disk" with what to do. The office keeps working: a clerk saves."""
import io
import re
import subprocess
import sys
from datetime import date

import pytest

from app.backups.engine import AUTOMATIC_PREFIX, SUFFIX
from app.updates.state import paths
from tests.updates.helpers import Regency
from tests.updates.test_room_before_download import cached_wheels, stale_partial

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="mounts a small filesystem (Linux)")]


@pytest.fixture
def regency_on_a_small_disk(tmp_path):
    office = tmp_path / "kecamatan"  # Regency's office folder: the small disk is mounted there first
    office.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", str(office)],
                          capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small filesystem here: {done.stderr.decode(errors='replace').strip()}")
    made = Regency(tmp_path)
    yield made
    made.stop()
    made.office.extensions["database"].close_all()
    subprocess.run(["umount", "-l", str(office)], check=False)


def test_a_release_offered_to_a_pc_on_a_small_disk_waits_for_room_and_says_so_everywhere(regency_on_a_small_disk):
    from sync.center.accounts import create_operator
    from sync.center.app import create_center_app
    from sync.center.fleet import fleet_rows
    from tests.sync.test_center_pages import client_as
    from app.auth.accounts import create_user
    from app.firstrun import seed_identity
    from tests.conftest import CsrfClient, TEST_PASSWORD
    from tests.support.factory import applicant_form, photo_jpeg
    regency = regency_on_a_small_disk
    regency.publish("9.0.0", "Rilis besar.", ["loket_kecamatan-9.0.0-py3-none-any.whl"], size=2_000_000)
    partial = stale_partial(regency.office_dir, size=8 * 1024 * 1024)  # a download cut on an earlier pass
    backups = regency.office_dir / "backups"  # last night's backup: the PC's first problem is the release's
    backups.mkdir(exist_ok=True)
    (backups / f"{AUTOMATIC_PREFIX}{date.today().isoformat()}{SUFFIX}").write_bytes(b"cadangan")

    report = regency.sync()
    assert not report.error, report.error
    state = regency.state()
    assert cached_wheels(regency.office_dir) == [] and not partial.exists()
    assert not list((paths(regency.office_dir).cache / "sebagian").iterdir())
    assert state["available"] is None and state["waits_for_room_version"] == "9.0.0"
    short = state["waits_for_room_mb"]
    assert short > 448  # the floor alone is 512 MiB: a 64 MiB disk never has room for it

    center_app = create_center_app({"DATA_DIR": regency.center_dir})
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        admin = create_operator("kabupaten", "Admin Kabupaten", "admin", password="rahasia-pusat-1",
                                must_change_password=False)[0]
        [row] = fleet_rows()
        assert row.report["room"] == {"version": "9.0.0", "short_mb": short}
        assert row.problems[0] == "ruang_pembaruan"
    page = client_as(center_app, admin).get("/armada").get_data(as_text=True)
    first = re.search(r'<tr class="attention">(.*?)</tr>', page, re.S).group(1)
    assert "<strong>pembaruan menunggu ruang disk</strong>" in first
    assert f"pembaruan versi 9.0.0 belum diunduh karena disk komputer ini kurang {short} MB" in first

    assert row.room_advice in client_as(center_app, admin).get(f"/armada/{row.key.id}").get_data(as_text=True)

    # The office works on (its update page was read in tests/updates/test_room_before_download.py): a clerk saves.
    office = regency.office
    office.test_client_class = CsrfClient
    with office.app_context(), office.extensions["database"].connection_context():
        seed_identity("35.08.07")
        create_user("loket", "Petugas Loket", "petugas_loket", password=TEST_PASSWORD, must_change_password=False)
    clerk = office.test_client()
    assert clerk.post("/masuk", data={"username": "loket", "password": TEST_PASSWORD}).status_code in (302, 303)
    saved = clerk.post("/pendaftaran/baru", data=applicant_form(photo=(io.BytesIO(photo_jpeg()), "f.jpg")),
                       content_type="multipart/form-data")
    assert saved.status_code == 302, saved.get_data(as_text=True)[-1500:]

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


def _signed_in(app, username, role):
    from app.auth.accounts import create_user
    from tests.conftest import CsrfClient, TEST_PASSWORD
    app.test_client_class = CsrfClient
    with app.app_context(), app.extensions["database"].connection_context():
        create_user(username, username.title(), role, password=TEST_PASSWORD, must_change_password=False)
    client = app.test_client()
    assert client.post("/masuk", data={"username": username, "password": TEST_PASSWORD}).status_code in (302, 303)
    return client


def _center_row(regency):
    """(the PC's row on the center's Kesehatan Komputer page as the regency admin reads it, its problems)."""
    from sync.center.accounts import create_operator
    from sync.center.app import create_center_app
    from sync.center.fleet import fleet_rows
    from sync.center.models import Operator
    from tests.sync.test_center_pages import client_as
    center_app = create_center_app({"DATA_DIR": regency.center_dir})
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        admin = Operator.get_or_none(Operator.username == "kabupaten") or create_operator(
            "kabupaten", "Admin Kabupaten", "admin", password="rahasia-pusat-1", must_change_password=False)[0]
        [row] = fleet_rows()
    page = client_as(center_app, admin).get("/armada").get_data(as_text=True)
    return re.search(r'<tr(?: class="attention")?>(.*?)</tr>', page.split("<tbody>", 1)[1], re.S).group(1), row.problems


def test_an_office_on_a_disk_smaller_than_the_release_lives_on_through_the_offer_and_a_full_disk(
        regency_on_a_small_disk):
    """Issue 94's lifecycle on a small disk: a release bigger than the whole 64 MiB disk is offered by a running
    center. No byte of it is fetched and nothing cut is left; Pembaruan Aplikasi and the admin's Beranda say it
    waits for room; the clerks, signed in before, stay signed in and save; the center's page says "pembaruan
    menunggu ruang disk". Then the disk fills anyway (photos, a copy someone left): a save says the disk is full,
    the clerks stay signed in, and the office's next pass tells the center "kantor berhenti: disk penuh" first
    (issue 89 finding 7); space freed, a save goes through and the next pass says the office works again."""
    import shutil
    from app.firstrun import seed_identity
    from tests.core.test_disk_full import fill
    from tests.support.factory import applicant_form, photo_jpeg
    regency = regency_on_a_small_disk
    office, disk = regency.office, regency.office_dir
    with office.app_context(), office.extensions["database"].connection_context():
        seed_identity("35.08.07")
    clerk, admin = _signed_in(office, "loket", "petugas_loket"), _signed_in(office, "admin", "admin")
    nik = iter(f"35080712059{n:05d}" for n in range(1, 100))

    def save(expected=302):
        answer = clerk.post("/pendaftaran/baru", data=applicant_form(nik=next(nik), photo=(io.BytesIO(photo_jpeg()),
                                                                                         "f.jpg")),
                            content_type="multipart/form-data")
        assert answer.status_code == expected, answer.get_data(as_text=True)[-800:]

    save()
    regency.publish("9.0.0", "Rilis besar.", ["loket_kecamatan-9.0.0-py3-none-any.whl"], size=66 * 1024 * 1024)
    assert shutil.disk_usage(disk).total < 66 * 1024 * 1024  # the release is larger than the whole disk
    partial = stale_partial(disk, size=4 * 1024 * 1024)  # a download cut on an earlier pass
    used_before = shutil.disk_usage(disk).used - 4 * 1024 * 1024

    assert not regency.sync().error
    assert cached_wheels(disk) == [] and not list((paths(disk).cache / "sebagian").iterdir()) and not partial.exists()
    assert shutil.disk_usage(disk).used < used_before + 2 * 1024 * 1024  # no byte of the release on the disk
    state = regency.state()
    assert state["available"] is None and state["waits_for_room_version"] == "9.0.0"
    update_page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "Pembaruan versi 9.0.0 menunggu ruang disk" in update_page
    assert "Pembaruan versi 9.0.0 belum diunduh karena ruang disk kurang" in update_page
    assert "Pasang pembaruan sekarang" not in update_page
    assert "Pembaruan menunggu ruang disk" in admin.get("/").get_data(as_text=True)
    save()  # the clerk, signed in before the pass, saves on
    row, problems = _center_row(regency)
    assert problems[0] == "ruang_pembaruan" and "<strong>pembaruan menunggu ruang disk</strong>" in row

    # The disk fills: a save says so, the clerks stay signed in and read their pages.
    with office.app_context(), office.extensions["database"].connection_context():
        office.extensions["database"].execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # every commit must grow
    fill(disk)
    refused = clerk.post("/pendaftaran/baru", data=applicant_form(nik=next(nik)), content_type="multipart/form-data")
    assert refused.status_code == 507 and "Penyimpanan komputer penuh" in refused.get_data(as_text=True)
    assert clerk.get("/pendaftaran").status_code == 200
    regency.sync()  # its own writes may meet the full disk too: the report still goes
    row, problems = _center_row(regency)
    assert problems[:2] == ["disk_penuh", "ruang_pembaruan"], problems
    assert "<td><strong>kantor berhenti: disk penuh</strong>; <strong>pembaruan menunggu ruang disk" in row
    assert "Telepon kantor sekarang: petugas tidak dapat menyimpan karena disk komputer penuh" in row

    # Space freed: a save goes through, and the next pass says the office works (the release still waits).
    (disk / "pengisi.bin").unlink()
    save()
    assert not regency.sync().error
    row, problems = _center_row(regency)
    assert "disk_penuh" not in problems and problems[0] == "ruang_pembaruan", problems
    assert cached_wheels(disk) == []

"""The test environment that scripts/test.sh sets up really works."""

import os
import shutil
from pathlib import Path

import psycopg
import pytest
from pypdf import PdfReader


def test_postgresql_accepts_connections_and_unicode(pg_url):
    with psycopg.connect(pg_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_database(), %s::text", ("Kecamatan Ciawi – é",))
        # scripts/test.sh makes loket_test, and loket_test_win for the Windows-like pass
        assert cur.fetchone() == (pg_url.rsplit("/", 1)[1], "Kecamatan Ciawi – é")
    conn.close()


def test_chromium_renders_indonesian_page_to_screenshot_and_pdf(page, artifacts_dir):
    page.set_content(
        "<html lang='id'><body><h1>Tanda Terima KTP-el</h1>"
        "<p>Diterima di Kecamatan Sukamaju, Senin 3 Maret 2025</p></body></html>"
    )
    assert page.locator("h1").inner_text() == "Tanda Terima KTP-el"

    shot = artifacts_dir / "tanda-terima.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 1000

    pdf = artifacts_dir / "tanda-terima.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert "Tanda Terima KTP-el" in PdfReader(str(pdf)).pages[0].extract_text()



def test_a_tests_own_folder_is_on_tmpfs_when_the_machine_has_room(tmp_path, request):
    """scripts/test.sh puts the tests' folders on tmpfs (issue 93): each commit of a test's office syncs with
    synchronous=FULL, and on a disk other programs share each sync waited milliseconds. Checked when run by
    the script (LOKET_TEST_ARTIFACTS) on Linux with 2 GB free in /dev/shm, unless the run chose its own
    --basetemp; the script falls back to the temp folder when /dev/shm has no room (LOKET_TEST_TEMP)."""
    if not os.environ.get("LOKET_TEST_ARTIFACTS") or not Path("/proc/mounts").is_file() or not Path("/dev/shm").is_dir():
        pytest.skip("run by scripts/test.sh on Linux only")
    test_temp = os.environ.get("LOKET_TEST_TEMP")
    if test_temp and not test_temp.startswith("/dev/shm/") or not test_temp and shutil.disk_usage("/dev/shm").free < 2**31:
        pytest.skip("/dev/shm had no room for the tests' folders")
    given = request.config.option.basetemp
    if given and not (test_temp and Path(given).resolve().is_relative_to(Path(test_temp).resolve())):
        pytest.skip(f"the run chose its own --basetemp: {given}")
    mounts = [tuple(line.split()[1:3]) for line in Path("/proc/mounts").read_text().splitlines()]
    under = [(point, kind) for point, kind in mounts if tmp_path.resolve().is_relative_to(point)]
    assert max(under, key=lambda mount: len(mount[0])) == ("/dev/shm", "tmpfs"), tmp_path

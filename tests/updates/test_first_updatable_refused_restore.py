"""Issue 94's leftover under the first updatable launcher (62a8aafe's, field version "first-updatable"): an office
on a release of this tree takes the next one, which migrates the live data and stops before it serves
(test_install.build_wheel's "start"). That launcher takes it back with its own restore, which refuses a backup of
a newer database (every release after the first): it selected the release before again, said "data TIDAK
dipulihkan otomatis ...; pulihkan cadangan ... dari halaman Cadangan Data" and left the failed release's migration
in the live data, on which the release before refused to start ("dibuat oleh versi aplikasi yang lebih baru"): the
office stopped. Nothing was taken before that launcher's "baik" (older_launchers.UntilVerdict), so the release
before restores the switch-time backup itself (older_launchers.restore_refused) and serves, every save kept.

Real processes, pip, a center and that launcher's own tree: in the full tier only (soak)."""
import json
import re

import pytest

from app.updates.state import read_selection, read_state
from tests.support.waiting import wait_until
from tests.updates.test_field_launchers import MOST_WE_WAIT, FieldOffice, applied_from_the_regency, center  # noqa: F401
from tests.updates.test_install import BAD, GOOD, build_wheel, table_exists

pytestmark = pytest.mark.soak


def test_a_release_that_stops_after_migrating_goes_back_to_the_release_before_with_every_save(tmp_path,
                                                                                            center):  # noqa: F811
    good = next(build_wheel(GOOD, tmp_path / "roda").glob("*.whl"))
    office = FieldOffice("first-updatable", tmp_path)
    try:
        enrolled = office.run("sync", "enrol", "--center", center.url, "--code", center.enrolment_code,
                              "--data", str(office.data))
        assert enrolled.returncode == 0, (enrolled.stdout + enrolled.stderr)[-2000:]
        office.switch_to(good, GOOD)  # the office's first release of this tree, under that launcher

        def good_runs() -> bool:
            assert office.launcher.proc.poll() is None, office.said()
            selection = read_selection(office.data) or {}
            return selection.get("version") == GOOD and selection.get("state") == "baik"
        wait_until(good_runs, seconds=MOST_WE_WAIT, every=0.5, what=f"{GOOD} 'baik' under the first updatable launcher")
        office.saves(3, f"complaints saved on {GOOD}", seconds=180)

        admin, _, _ = applied_from_the_regency(office, center, BAD, "Rilis yang berhenti sesudah migrasi.",
                                               build_wheel(BAD, tmp_path / "kabupaten", broken="start"))

        def back_on_good() -> bool:  # that launcher ends when the release before cannot start: fail at once
            assert office.launcher.proc.poll() is None, office.said()
            selection = read_selection(office.data) or {}
            return (BAD in read_state(office.data).get("failed_versions", []) and selection.get("version") == GOOD
                    and admin.running(GOOD))
        wait_until(back_on_good, seconds=MOST_WE_WAIT, every=0.5, what=f"{BAD} taken back, {GOOD} serving again")
        office.saves(2, f"complaints saved on {GOOD} after {BAD} went back", seconds=180)
        page = admin.page()  # still signed in: the backup restored was made after the admin signed in
        said = " ".join(re.findall(r'class="flash flash-error"[^>]*>(.*?)</p>', page, re.S))
        assert f"Versi {BAD} gagal berjalan" in said and f"kembali sendiri ke versi {GOOD}" in said, said
        assert "data dikembalikan ke saat berganti versi" in said and "tetap ada" in said, said
        assert "TIDAK dipulihkan" not in said and "pulihkan cadangan" not in said, said  # no restore by hand
        assert f"Pembaruan tersedia: versi {BAD}" not in page and f"Versi {BAD} tidak ditawarkan lagi" in said
        assert json.loads((office.data / "versions" / "sehat.json").read_text("utf-8"))["version"] == GOOD
    finally:
        office.close()
    assert not table_exists(office.data, "rusak_uji")  # the failed release's migration undone
    assert not (office.data / "versions" / BAD).exists()
    assert office.lost() == []  # every acknowledged complaint present, once

"""Issue 94, finding 2, under an installed program without the room check: 0.2.0, 0.3.0 and 0.3.1 (room.py came
in 0.3.2). Task Scheduler's `run.py sync` (README) runs the office's installed program, the field version's own code
(tests/support/field_versions.py), on the folder the later version serves: its pass fetched a release onto a small
disk while the version that runs waited for room, and in every pass after, until the disk was full.

Now the version that runs ends its check when it waits for room (status.json "settled": what the older pass reads
as "nothing new"), and the center tells an older program no news beyond the timestamp this PC holds (sync/center/
updates.fetches_behind_the_running_one) and, where a landed 0.3.2 to 0.3.5 runs (its wait settles nothing, so the
older pass checks anyway), answers its repository requests 503, a broken link to it: the installed program's pass
fetches nothing and writes no word on any page (the center's Kesehatan Komputer still says the release waits for
room after its report), even after the center's daily re-signing of its timestamps (its news changes every day);
the version that runs fetches the release once the disk has room. On a real small disk (a tmpfs: skipped where it
cannot be mounted), with a real center process and the field version's `run.py`."""
import subprocess
import sys

import pytest

from app.updates.state import paths
from tests.support.field_versions import field_version_tree
from tests.updates.test_field_launchers import installed_as_in_the_field
from tests.updates.test_room_before_download import cached_wheels
from tests.updates.test_room_on_a_small_disk import regency_on_a_small_disk  # noqa: F401  (fixture)
from tests.updates.test_wheel_contents import outside_env

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="mounts a small filesystem (Linux)")]
WHEEL = "loket_kecamatan-9.0.0-py3-none-any.whl"


def resign_timestamps(regency) -> None:
    """The center's daily job (updates.refresh_timestamp): both rings' timestamps signed again, a new version each."""
    from sync.center.release_commands import online_key_of, repository_of
    from sync.release import key_signing
    key_signing.sign_timestamp(repository_of(regency.center_dir), key_signing.load_signer(online_key_of(regency.center_dir)))


def center_row(regency):
    """The PC's row on the center's Kesehatan Komputer (sync/center/fleet.fleet_rows)."""
    from sync.center.app import create_center_app
    from sync.center.fleet import fleet_rows
    center_app = create_center_app({"DATA_DIR": regency.center_dir})
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        [row] = fleet_rows()
        return row


def signed_last(regency) -> str:
    """The version of the program whose signed request the center saw last from this PC."""
    from sync.center.app import create_center_app
    from sync.center.models import DeviceKey
    center_app = create_center_app({"DATA_DIR": regency.center_dir})
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        [key] = DeviceKey.select().where(DeviceKey.revoked_at.is_null())
        return key.app_version


def grow_the_disk(regency) -> None:
    """The admin made room: the office's small disk (a tmpfs) is given 1 GiB, above the release and its floor."""
    subprocess.run(["mount", "-o", "remount,size=1g", str(regency.office_dir)], check=True)


def program_pass(tree, regency, elsewhere) -> str:
    """One `run.py sync` of the program in `tree` on the office's folder, from another folder (Task Scheduler's):
    what it said."""
    passed = subprocess.run([sys.executable, str(tree / "run.py"), "sync", "--data", str(regency.office_dir)],
                            cwd=elsewhere, env=outside_env(), capture_output=True, text=True, timeout=300)
    said = passed.stdout + passed.stderr
    assert passed.returncode == 0 and "gagal 0" in said, said[-3000:]
    return said


# (the installed program, the version that runs). "today": this checkout's, which settles its wait (0.3.6 on).
# A landed 0.3.2 to 0.3.5 runs the same wait without settling it (its check stays open: the older pass checks
# anyway) and reports what runs and its wait; their two ends: 0.3.2, the first with the room check (the center's
# FIRST_WITH_ROOM), under the installed 0.3.1 (whose own reports name 0.3.1), and 0.3.5, the last before 0.3.6,
# under the installed 0.2.0 (the field's most common: no report, only its version header).
@pytest.mark.parametrize("field, running", [("previous-but-one", "today"), ("previous", "today"),
                                            ("landed-0.3.1", "today"), ("landed-0.3.1", "landed-0.3.2"),
                                            ("previous-but-one", "landed-0.3.5")])
def test_an_installed_programs_pass_fetches_nothing_while_the_running_version_waits_for_room(
        field, running, regency_on_a_small_disk, tmp_path):  # noqa: F811
    regency = regency_on_a_small_disk
    tree = field_version_tree(field, tmp_path / "loket")  # the office's install folder
    installed = installed_as_in_the_field(tree)
    elsewhere = tmp_path / "di-tempat-lain"
    elsewhere.mkdir()
    if running == "today":
        from app.frame.version import APP_VERSION as runs_version

        def running_pass():
            report = regency.sync()
            assert not report.error, report.error
    else:  # the landed version's own pass: its code, its version header and its report, as its server's
        runs = field_version_tree(running, tmp_path / "versi-berjalan")
        runs_version = installed_as_in_the_field(runs)

        def running_pass():
            program_pass(runs, regency, elsewhere)
    regency.publish("9.0.0", "Rilis besar.", [WHEEL], size=2_000_000)
    running_pass()  # the version that runs: its report, and the release waits for room
    waiting = regency.state()
    assert waiting["waits_for_room_version"] == "9.0.0" and waiting["available"] is None
    resign_timestamps(regency)  # overnight: the installed program's pass may come before the running version's

    for _ in range(2):  # Task Scheduler's passes
        said = program_pass(tree, regency, elsewhere)
        assert cached_wheels(regency.office_dir) == [], said[-3000:]  # nothing of the release fetched
        assert not list((paths(regency.office_dir).cache / "sebagian").glob("*"))
        state = regency.state()  # the running version's pages say what they said: it waits for room
        assert state["waits_for_room"] == waiting["waits_for_room"] and state["waits_for_room_version"] == "9.0.0"
        assert state["available"] is None and not state.get("refused"), state
    assert signed_last(regency) == installed  # the passes were the installed program's own (their header)
    row = center_row(regency)  # the center's page says what runs, and that its release waits for room
    assert row.version == runs_version and "ruang_pembaruan" in row.problems, (row.version, row.problems, row.report)

    # The version that runs checks again in each pass while it waits, and fetches the release once the disk has room.
    running_pass()
    assert regency.state()["waits_for_room_version"] == "9.0.0" and cached_wheels(regency.office_dir) == []
    grow_the_disk(regency)
    running_pass()
    assert cached_wheels(regency.office_dir) and regency.state()["available"]["version"] == "9.0.0"
    assert not regency.state().get("waits_for_room")

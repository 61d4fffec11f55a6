"""The PCs of the versions still in the field on today's Kesehatan Komputer page (issue 81), through the real
programs: each counter PC runs its own version's code, unpacked from the history (tests/support/field_versions.py),
as a program of its own (tests/support/field_counter_pc.py), against today's center (`run.py center`), on SQLite
and PostgreSQL. 0.2.0 sends no report: the page says "versi lama, tidak melapor" with what to do, never a 500.
0.3.0 sends the report's first shape: today's center takes it and the page reads it back, no problem invented.

Each tree is installed as in the field, its own distribution's version beside its code (a dist-info in the tree),
so the version it reports is its own and not this checkout's."""
import os
import time
from datetime import date

import pytest

from sync import protocol
from sync.center.accounts import create_operator
from sync.center.fleet import DISK_LOW_MB, PROBLEMS, fleet_rows
from sync.center.models import DeviceKey, FleetReport
from tests.desa.test_f107_kecamatan_key import YOSOWILANGUN, center_side, enrolment_code
from tests.desa.test_field_counter_renumber import FieldCounterPC, pcs_end_with_their_test  # noqa: F401  (fixture)
from tests.desa.test_relay import center  # noqa: F401  (fixture: a running center, SQLite or PostgreSQL)
from tests.support.field_versions import field_version_tree
from tests.sync.test_center_fleet import page, row_of

pytestmark = pytest.mark.slow
BOTH = pytest.mark.parametrize("center", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(scope="module")
def field_tree(tmp_path_factory):
    """field_tree(name, version): the tree unpacked once per module, as installed (its version's dist-info)."""
    made = {}

    def tree(name: str, version: str):
        if name not in made:
            folder = field_version_tree(name, tmp_path_factory.mktemp(name) / "versi")
            info = folder / f"loket_kecamatan-{version}.dist-info"
            info.mkdir()
            (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: loket-kecamatan\nVersion: {version}\n")
            made[name] = folder
        return made[name]
    return tree


def old_pc_passed(center, field_tree, tmp_path, name: str, version: str, before_pass=None) -> FieldCounterPC:
    old = FieldCounterPC(field_tree(name, version), tmp_path / "pc-lama")
    old("enrol", center.url, enrolment_code(center, YOSOWILANGUN, "Yosowilangun"))
    if before_pass:
        before_pass(old.data)
    assert old("sync")["error"] == ""
    assert center_side(center, lambda: DeviceKey.get(DeviceKey.desa_code == "").app_version) == version
    return old


def regency_admin(center):
    return center_side(center, lambda: create_operator("kabupaten", "Admin Kabupaten", "admin",
                                                       password="rahasia-pusat-1", must_change_password=False)[0])


def no_server_error(center) -> None:
    log = (center.data_dir / "server.log").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log and '" 500 ' not in log, log[-3000:]


@BOTH
def test_a_pc_of_the_version_before_the_reports_passes_and_is_shown_as_not_reporting(center, field_tree, tmp_path):
    old_pc_passed(center, field_tree, tmp_path, "previous-but-one", "0.2.0")
    [row] = center_side(center, fleet_rows)
    assert (row.report, row.problems) == (None, ["tidak_melapor"])
    assert center_side(center, lambda: FleetReport.select().count()) == 0

    admin = regency_admin(center)
    label, advice = PROBLEMS["tidak_melapor"]
    shown = row_of(page(center.app, admin), "Yosowilangun")
    assert f"<strong>{label}</strong>" in shown and advice in shown
    assert "0.2.0 <span class=\"muted\">(versi lama, tidak melapor)</span>" in shown
    assert "Yosowilangun" in row_of(page(center.app, admin, "/armada?masalah=tidak_melapor"), "Yosowilangun")
    own = page(center.app, admin, f"/armada/{row.key.id}")
    assert label in own and "Belum ada laporan: komputer ini memakai versi lama" in own
    no_server_error(center)


def a_backup_five_hours_old(data) -> None:
    """The old PC's automatic backup of this morning, on the data's own disk (its default folder)."""
    folder = data / "backups"
    folder.mkdir(exist_ok=True)
    made = folder / f"otomatis-{date.today().isoformat()}.sqlite3"
    made.write_bytes(b"cadangan")
    at = time.time() - 5 * 3600 - 60
    os.utime(made, (at, at))


@BOTH
def test_a_pc_of_the_previous_version_sends_its_first_shape_report_and_the_page_reads_it(center, field_tree,
                                                                                         tmp_path):
    old_pc_passed(center, field_tree, tmp_path, "previous", "0.3.0", before_pass=a_backup_five_hours_old)
    assert center_side(center, lambda: FleetReport.select().count()) == 1
    [row] = center_side(center, fleet_rows)
    report = row.report
    assert report["version"] == "0.3.0" and report["backup"] == {"age_hours": 5, "where": "disk"}
    assert report["disk_free_mb"] > 0 and report["update"]["outcome"] is None and report["trail_gaps"] == report["errors"] == 0
    assert abs(row.clock_offset) <= 5
    # No problem but what its facts say: this machine's disk is the only one that could be short.
    assert row.problems == (["disk"] if report["disk_free_mb"] < DISK_LOW_MB else []), row.problems
    assert row.key.protocol_version == protocol.PROTOCOL_VERSION

    admin = regency_admin(center)
    shown = row_of(page(center.app, admin), "Yosowilangun")
    assert "0.3.0" in shown and "versi lama" not in shown and "5 jam (disk yang sama)" in shown
    assert f"sisa {report['disk_free_mb'] / 1024:.1f} GB" in shown and "tepat" in shown
    if not row.problems:
        assert "baik" in shown and "Tidak perlu tindakan." in shown
    own = page(center.app, admin, f"/armada/{row.key.id}")
    assert "Belum ada laporan" not in own and "5 jam (disk yang sama)" in own
    no_server_error(center)

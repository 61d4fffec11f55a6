"""Each PC reports its health with every pass (issue 81), through the real programs: an office PC
enrolled at a real center, whose update was taken back, whose backup is a month old and whose trail
has a gap, passes once; the center's Kesehatan Komputer page names it with what to do. Its next pass
counts only what came since (no gap twice); a pass with nothing new sends none."""
import os
import time

import pytest

from app.backups.engine import AUTOMATIC_PREFIX, SUFFIX
from app.frame import audit
from app.updates import fleet_report, state
from tests.sync.harness import CenterServer, enrol_kecamatan, kecamatan_app, prepare_center
from tests.updates.test_rings import within, sync_once
from tests.desa.test_desa_mode import desa_app, kecamatan  # noqa: F401  (fixtures)
from tests.registration.conftest import client_as, office  # noqa: F401  (the kecamatan of the desa PC)

TAKEN_BACK = ("Versi 9.1.0 gagal setelah berganti versi (halaman /pendaftaran (500)); kembali ke versi "
              "sebelumnya, 3 simpanan dipertahankan.")


@pytest.fixture
def office(tmp_path):
    center_app, code = prepare_center(tmp_path / "center")
    center = CenterServer(tmp_path / "center").start()
    office_app = kecamatan_app(tmp_path / "kantor")
    enrol_kecamatan(office_app, center.url, code)
    yield center_app, office_app, tmp_path / "kantor"
    center.stop()


def center_rows(center_app):
    from sync.center.fleet import fleet_rows
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        return fleet_rows()


@pytest.mark.slow
def test_an_office_pass_carries_its_health_to_the_regency_page(office):
    center_app, office_app, data_dir = office
    state.remember_failure(data_dir, "9.1.0", "rolled_back", TAKEN_BACK)
    audit.note_gap(data_dir, ["application"], "app.example.writer")
    backups = data_dir / "backups"
    backups.mkdir(exist_ok=True)
    old = backups / f"{AUTOMATIC_PREFIX}2026-10-28{SUFFIX}"
    old.write_bytes(b"cadangan")
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))

    def set_phone():
        from app.frame import store
        from app.frame.db import database
        with audit.without_trail("test: the office's telephone"), database.atomic():
            store.put("phone", "(0334) 881234")
    within(office_app, set_phone)
    assert not within(office_app, sync_once).error

    [row] = center_rows(center_app)
    assert row.report["update"] == {"outcome": "dikembalikan", "version": "9.1.0", "why": TAKEN_BACK[:300],
                                    "at": row.report["update"]["at"]}
    assert row.report["backup"] == {"age_hours": 31 * 24, "where": "disk"}
    assert row.report["trail_gaps"] == 1 and row.report["phone"] == "(0334) 881234"
    assert row.problems[:1] == ["dikembalikan"] and {"cadangan", "jejak"} <= set(row.problems)
    assert abs(row.clock_offset) <= 5 and row.report["disk_free_mb"] > 0

    # The next pass: the same gap is not counted again.
    assert not within(office_app, sync_once).error
    [row] = center_rows(center_app)
    assert row.report["trail_gaps"] == 0 and "jejak" not in row.problems
    # A pass with nothing new sends no report (a quiet pass stays two requests); a day later one goes.
    assert not within(office_app, sync_once).error
    assert reports_kept(center_app) == 2
    sent = state.read_state(data_dir)[fleet_report.SENT_KEY]
    state.write_state(data_dir, **{fleet_report.SENT_KEY: dict(sent, at="2026-01-01T00:00:00")})
    assert not within(office_app, sync_once).error
    assert reports_kept(center_app) == 3


def reports_kept(center_app) -> int:
    from sync.center.models import FleetReport
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        return FleetReport.select().count()


def test_the_report_is_small_and_holds_no_more_than_its_keys(tmp_path):
    office_app = kecamatan_app(tmp_path / "kantor")

    def built():
        return fleet_report.build_report(office_app.config, state.read_state(tmp_path / "kantor"))
    report, totals = within(office_app, built)
    import json
    from sync.center.fleet import cleaned_report
    assert cleaned_report(report)[0] is not None and len(json.dumps(report)) < 400
    assert report["update"] == {} and report["backup"] == {"age_hours": None, "where": None}
    assert totals == {"trail": 0, "errors": 0, "kinds": {}} and report["error_kinds"] == []


def test_a_desa_pc_builds_its_report_and_its_pass_sends_it(desa_app):
    """A desa PC (MODE desa) has the same report: its pass runs the phase, its outbox is counted."""
    import json
    from sync.center.fleet import cleaned_report
    from sync.client.records import phases
    from tests.desa.test_desa_mode import bound_to
    assert fleet_report.send_report in phases("desa", "after") and fleet_report.send_report in phases(
        "kecamatan", "after")
    with bound_to(desa_app):
        report, _ = fleet_report.build_report(desa_app.config, state.read_state(desa_app.config["DATA_DIR"]))
    assert cleaned_report(json.loads(json.dumps(report)))[0]["outbox"] == 0

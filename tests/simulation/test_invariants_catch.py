"""The figure and backup invariants can fail: after an office's day through the rules they hold (with
figures that are not zero), and each reports a tally or a backup that no longer matches the rows.

The tallies are damaged by hand here, the way a trigger that missed a write would leave them."""
import pytest

from tests.simulation import invariants as inv
from tests.simulation.machine import OfficeYear

pytestmark = pytest.mark.soak  # a center subprocess: the normal pass only


@pytest.fixture
def office(monkeypatch):
    monkeypatch.delenv("LOKET_SIM_OFF", raising=False)
    monkeypatch.delenv("LOKET_SIM_COMMANDS", raising=False)
    machine = OfficeYear()
    yield machine
    machine.teardown()


def _execute(pc, sql):
    from app.frame.db import database
    pc.read(lambda: database.execute_sql(sql))


def test_the_figure_invariants_hold_on_real_figures_and_report_a_tally_that_drifted(office):
    steps = [("register", {"pc": "P1", "desa": 0}),
             ("check_requirements", {"pc": "P1", "pick": 0, "complete": False}),
             ("record_complaint", {"pc": "P1", "channel": "telepon", "step": "baru", "last_quarter": False,
                                   "confidential": False}),
             ("record_complaint", {"pc": "P1", "channel": "surat", "step": "baru", "last_quarter": True,
                                   "confidential": True}),
             ("follow_up_complaint", {"pc": "P1", "pick": 0, "to": "selesai"}),
             ("survey_answer", {"pc": "P1", "pick": 0, "with_code": True, "scores": [4, 3, 4, 2, 3, 4, 4, 1, 3]}),
             ("survey_answer", {"pc": "P1", "pick": 0, "with_code": False, "scores": [1, 2, 3, 4, 1, 2, 3, 4, 1]}),
             ("review_survey", {"pc": "P1", "pick": 0, "accept": True})]
    for name, arguments in steps:
        getattr(office, name)(**arguments)
        assert office.broken_invariants() == [], name
    p1 = office.world.offices["P1"]
    from app.survey.figures import ikm_for_period
    from app.frame.dates import local_today
    from app.frame.periods import Quarter
    shown = p1.read(lambda: ikm_for_period(Quarter.containing(local_today()), "WIB"))
    assert shown.respondents == 2 and shown.ikm is not None  # the invariants compared real figures

    _execute(p1, 'UPDATE "survey_day" SET "score" = "score" + 1 WHERE "element" = \'waktu\'')
    assert inv.the_ikm_equals_a_recount_of_the_valid_answers(office.world, inv.Touched())
    _execute(p1, 'UPDATE "complaint_count_day" SET "n" = "n" + 1 WHERE "dimension" = \'status\'')
    assert inv.the_recap_equals_a_recount_of_the_complaints(office.world, inv.Touched())
    _execute(p1, 'UPDATE "application_day" SET "registered" = "registered" + 1')
    assert any("registered" in p for p in inv.the_indicators_equal_a_recount_from_the_raw_rows(
        office.world, inv.Touched()))


def test_the_backup_invariant_reports_a_backup_that_lacks_live_rows(office):
    office.register(pc="P1", desa=0)
    office.backup(pc="P1")
    assert office.broken_invariants() == []  # the backup restores equal to the live data
    p1 = office.world.offices["P1"]
    made = office.world.backups[-1][1]
    office.register(pc="P1", desa=1)  # the live data moves on: that backup is no longer the whole of it
    problems = office.world.backup_differences(p1, made)
    assert any("tabel application " in p for p in problems), problems

"""The figure and backup invariants can fail: after an office's day through the rules they hold (with
figures that are not zero), and each reports a tally or a backup that no longer matches the rows.

The tallies are damaged by hand here, the way a trigger that missed a write would leave them."""
import pytest

from tests.simulation import invariants as inv

pytestmark = pytest.mark.soak  # a center subprocess: the normal pass only


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


def _center_execute(office, sql, args=()):
    from sync.center.db import center_database
    with office.world.center_bound():
        center_database.execute_sql(sql, args)


def _sent_and_printed(office):
    """One application registered, complete, at the center, printed, and its status pulled back."""
    for name, arguments in [("register", {"pc": "P1", "desa": 0}),
                            ("check_requirements", {"pc": "P1", "pick": 0, "complete": True}),
                            ("everyone_syncs", {}), ("center_prints", {"count": 1}), ("everyone_syncs", {})]:
        getattr(office, name)(**arguments)
        assert office.broken_invariants() == [], name
    p1 = office.world.offices["P1"]
    from app.registration.models import Application
    from sync.client.models import OutboxItem
    number, status = p1.read(lambda: Application.select(Application.registration_number, Application.status).tuples()[0])
    assert status == "dicetak" and p1.read(lambda: OutboxItem.get().state) == "acked"  # the checks compared a real one
    return p1, number


def test_the_application_invariant_reports_a_photo_changed_a_second_number_and_a_missing_row(office):
    p1, number = _sent_and_printed(office)
    check = inv.every_application_is_at_the_center_once_with_its_photo_or_refused_with_the_reason_shown
    from tests.simulation.world import jpeg_photo
    _center_execute(office, 'UPDATE "received_application" SET "photo" = ?', (jpeg_photo(999),))
    assert any("foto di pusat" in p for p in check(office.world, inv.Touched()))
    _execute(p1, 'UPDATE "application_photo" SET "jpeg" = X\'FFD8FFD9\'')
    assert any("foto di kantor" in p for p in check(office.world, inv.Touched()))
    _center_execute(office, 'INSERT INTO "received_application" ("kecamatan_id", "registration_number", "version", '
                            '"content_hash", "record_json", "nik", "full_name", "photo", "photo_sha256", "photo_width", '
                            '"photo_height", "status", "reason", "received_at", "received_via", "sender_device") '
                            'SELECT "kecamatan_id", "registration_number" || \'9\', "version", "content_hash", '
                            '"record_json", "nik", "full_name", "photo", "photo_sha256", "photo_width", "photo_height", '
                            '"status", "reason", "received_at", "received_via", "sender_device" FROM "received_application"')
    assert any("juga dipegang pusat dengan nomor" in p for p in check(office.world, inv.Touched()))
    _center_execute(office, 'DELETE FROM "status_event"')
    _center_execute(office, 'DELETE FROM "received_application" WHERE "registration_number" = ?', (number,))
    assert any("pusat tidak memegangnya" in p for p in check(office.world, inv.Touched()))
    # A refusal whose reason the counter's page does not show.
    _execute(p1, 'UPDATE "sync_outbox" SET "state" = \'rejected\', "last_error" = \'alasan yang tak pernah tampil\'')
    assert any("alasannya" in p for p in check(office.world, inv.Touched()))


def test_the_decision_invariant_reports_a_status_or_a_conflict_left_waiting_after_the_pull(office):
    p1, number = _sent_and_printed(office)
    check = inv.nothing_waits_on_a_decision_the_center_already_made
    _execute(p1, 'UPDATE "application" SET "status" = \'terkirim\'')
    assert any("masih terkirim, padahal pusat sudah printed" in p for p in check(office.world, inv.Touched()))
    _execute(p1, 'UPDATE "application" SET "status" = \'dicetak\'')
    _execute(p1, 'UPDATE "sync_outbox" SET "state" = \'conflict\'')
    assert any("menunggu keputusan konflik" in p for p in check(office.world, inv.Touched()))
    # While the center's operator has not decided the conflict, waiting is right.
    _center_execute(office, 'INSERT INTO "conflict" ("kecamatan_id", "registration_number", "version", "existing_hash", '
                            '"offered_hash", "offered_record", "at", "note", "decision") SELECT "kecamatan_id", '
                            '"registration_number", "version", "content_hash", "content_hash", "record_json", '
                            '"received_at", \'\', \'\' FROM "received_application"')
    assert check(office.world, inv.Touched()) == []
    _center_execute(office, 'UPDATE "conflict" SET "resolved_at" = "at", "decision" = \'keep\'')
    assert any("menunggu keputusan konflik" in p for p in check(office.world, inv.Touched()))


def test_the_center_page_invariants_walk_every_role_and_report_a_500_and_a_name_shown_to_the_pimpinan(office):
    p1, number = _sent_and_printed(office)
    office.walk_every_menu(where=len(inv.live_offices(office.world)), who=2)  # the center's menus, as Pimpinan
    assert office.broken_invariants() == []
    world = office.world
    assert world.center_request("GET", "/kinerja", role="pimpinan").status_code == 200
    assert world.center_request("GET", "/permohonan", role="pimpinan").status_code == 403
    person = next(iter(world.people.values()))
    assert person.nik in world.center_request("GET", "/permohonan/1", role="operator").get_data(as_text=True)
    # A Pimpinan account given the operator's work by mistake reads applicants: the walk says so.
    _center_execute(office, 'UPDATE "operator" SET "role" = \'operator\' WHERE "username" = \'pimpinan-pusat\'')
    _center_execute(office, 'UPDATE "received_application" SET "status" = \'rejected\'')  # the page changed
    found = inv.no_center_page_shows_a_personal_field_to_a_denied_role(world, inv.Touched())
    assert any(f"pimpinan membaca nik ({person.nik}) di /permohonan/1" in p for p in found), found
    assert any("pimpinan membaca full_name" in p for p in found), found
    # A record the center cannot read answers 500 on its page.
    _center_execute(office, 'UPDATE "received_application" SET "record_json" = \'bukan json\', '
                            '"content_hash" = \'x\' || "content_hash"')
    errors = inv.every_center_page_answers_below_500_for_every_center_role(world, inv.Touched())
    assert any("admin GET /permohonan/1 -> 500" in p for p in errors), errors


def test_an_invariant_skipped_on_an_unchanged_pc_checks_it_again_after_a_change_and_catches_it(office):
    """The figures and the audit trail are not checked again on a PC whose database, program, date and
    zone did not change since they last passed there; any commit to it (here a tally row corrupted
    after a step, as a trigger that miscounted would leave it) makes the next step check it again."""
    for name, arguments in [("register", {"pc": "P1", "desa": 0}),
                            ("record_complaint", {"pc": "P1", "channel": "telepon", "step": "baru",
                                                  "last_quarter": False, "confidential": False}),
                            ("survey_answer", {"pc": "P1", "pick": 0, "with_code": False,
                                               "scores": [4, 3, 4, 2, 3, 4, 4, 1, 3]})]:
        getattr(office, name)(**arguments)
        assert office.broken_invariants() == [], name
    figures = ("the_ikm_equals_a_recount_of_the_valid_answers", "the_recap_equals_a_recount_of_the_complaints",
               "the_indicators_equal_a_recount_from_the_raw_rows", "the_audit_trail_renders_for_camat_and_admin",
               "nothing_waits_on_a_decision_the_center_already_made")  # this one: the PC's and the center's
    counted = {name: inv.STATS_OF_SKIPS[name].copy() for name in figures}
    pcs = len(inv.kecamatan_pcs(office.world))
    assert office.broken_invariants() == []  # a step that changed nothing: every PC skipped
    for name in figures:
        assert inv.STATS_OF_SKIPS[name]["skipped"] - counted[name]["skipped"] == pcs, name
        assert inv.STATS_OF_SKIPS[name]["checked"] == counted[name]["checked"], name

    p1 = office.world.offices["P1"]
    _execute(p1, 'UPDATE "application_day" SET "registered" = "registered" + 1')  # one row, one PC
    counted = {name: inv.STATS_OF_SKIPS[name].copy() for name in figures}
    problems = office.broken_invariants()
    assert [name for name, _ in problems] == ["the_indicators_equal_a_recount_from_the_raw_rows"], problems
    assert "P1: indikator" in problems[0][1] and "registered" in problems[0][1], problems
    for name in figures:  # P1 checked again by every one of them, the others skipped
        assert inv.STATS_OF_SKIPS[name]["checked"] - counted[name]["checked"] == 1, name
        assert inv.STATS_OF_SKIPS[name]["skipped"] - counted[name]["skipped"] == pcs - 1, name
    # A failed check is never remembered as passed: the next step checks P1 again and still finds it.
    assert any(name == "the_indicators_equal_a_recount_from_the_raw_rows" for name, _ in office.broken_invariants())

    # The audit trail too: the Camat's account switched off on P2 turns /audit away from the Camat.
    _execute(office.world.offices["P2"], 'UPDATE "user" SET "is_active" = 0 WHERE "username" = \'sim-camat\'')
    problems = inv.the_audit_trail_renders_for_camat_and_admin(office.world, inv.Touched())
    assert problems == ["P2: /audit untuk camat menjawab 302"], problems


def test_the_state_stamp_changes_with_every_commit_and_every_start_of_the_program(office):
    p1 = office.world.offices["P1"]
    first = p1.state_stamp()
    assert p1.state_stamp() == first  # reading changes nothing
    p1.read(lambda: inv._quarters_now(p1))
    assert p1.state_stamp() == first
    _execute(p1, 'UPDATE "setting" SET "value" = "value"')  # a commit, even one that leaves the values
    assert p1.state_stamp() != first
    second = p1.state_stamp()
    p1.stop()
    assert p1.state_stamp() is None  # off: never "unchanged"
    p1.start()
    assert p1.state_stamp() not in (first, second)  # a new program (its caches new), a new watcher


def test_a_switched_off_account_with_a_session_still_open_is_reported(office):
    """The admin switches the desa operator's account off; a session of it left open (as if switching it
    off had not ended its sessions) is reported."""
    from app.auth.models import User
    from app.frame.signin import start_session
    for name, arguments in [("create_desa_operator", {"pc": "P1", "desa": 0}),
                            ("switch_account", {"pc": "P1", "pick": 0, "back_on": False})]:
        getattr(office, name)(**arguments)
        assert office.broken_invariants() == [], name
    p1 = office.world.offices["P1"]
    p1.read(lambda: start_session(User.get(User.username == "desa-p1-0")))
    found = inv.a_switched_off_account_has_no_open_session(office.world, inv.Touched())
    assert found == ["P1: akun desa-p1-0 dinonaktifkan, tetapi sesinya masih terbuka"], found


def test_the_invariants_of_where_an_application_is_report_a_lost_row_a_false_cek_and_one_person_twice(
        office, monkeypatch):
    from sync.center import public_status_records
    from sync.center.models import ReceivedApplication
    for _ in range(2):
        office.register(pc="P1", desa=0)
    for pick in range(2):
        office.check_requirements(pc="P1", pick=pick, complete=True)
    assert office.broken_invariants() == []  # complete, not sent yet: waiting in the outbox
    p1 = office.world.offices["P1"]
    _execute(p1, 'UPDATE "sync_outbox" SET "state" = \'acked\' WHERE "kind" = \'permohonan\'')
    assert any("tidak di pusat" in p for p in
               inv.every_application_is_at_the_center_or_visibly_waiting_with_a_reason(office.world, inv.Touched()))
    _execute(p1, 'UPDATE "sync_outbox" SET "state" = \'pending\' WHERE "kind" = \'permohonan\'')
    office.everyone_syncs()
    assert office.broken_invariants() == []
    world = office.world
    with world.center_bound():
        first, second = [n for n, in ReceivedApplication.select(ReceivedApplication.nik)
                         .order_by(ReceivedApplication.id).tuples()]
        ReceivedApplication.update(nik=first).execute()
    assert inv.no_person_holds_two_running_applications_at_the_center(world, inv.Touched())
    with world.center_bound():
        ReceivedApplication.update(nik=second).where(ReceivedApplication.id == ReceivedApplication.select(
            ReceivedApplication.id).order_by(ReceivedApplication.id.desc()).limit(1).scalar()).execute()
        ReceivedApplication.update(registration_number=ReceivedApplication.registration_number + "9").execute()
    assert inv.no_citizen_is_told_dukcapil_holds_a_file_it_does_not(world, inv.Touched()) == []  # the fixed /cek
    real = public_status_records.view_of

    def told_dukcapil(row):  # /cek as it was before issue 42's fix: "diproses" whether the center holds it or not
        view = real(row)
        return dict(view, step="Berkas lengkap, sedang diproses Dukcapil", step_code="diproses") \
            if view["step_code"] == public_status_records.WAITING_TO_GO else view
    monkeypatch.setattr(public_status_records, "view_of", told_dukcapil)
    world._invariant_memo.clear()  # what the invariants read is kept per database state; the code changed here
    assert inv.no_citizen_is_told_dukcapil_holds_a_file_it_does_not(world, inv.Touched())

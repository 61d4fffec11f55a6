"""Fixtures: a fresh database built from schema/ for every test, clients per role."""
import os
import shutil

# Keys go to the private-file store (DATA/kunci/), never into the developer's own desktop keyring;
# the keyring path is tested with a real keyring backend class (tests/security/).
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

# The fast tier runs on two workers (pytest-xdist; scripts/test.sh --fast made a database for each):
# the PostgreSQL tests reset their database, so each worker has its own.
if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get("LOKET_TEST_PG_URL"):
    os.environ["LOKET_TEST_PG_URL"] += "_" + os.environ["PYTEST_XDIST_WORKER"]

import apsw  # noqa: E402
import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from app import create_app  # noqa: E402
from app.firstrun import seed_identity
from app.frame.keystore import LOCATION_FILE
from app.frame.signin import SESSION_TOKEN, start_session
from app.frame.roles import ALL_ROLES
from tests.support.compiled_once import TemplatesCompiledOnce, keep_url_rule_builders

# pg_url, browser, page, artifacts_dir; each test its own temp folder; the `clock` marker at each office hour
pytest_plugins = ["tests.support.fixtures", "tests.support.own_folders", "tests.support.office_clock"]

TEST_PASSWORD = "rahasia-kantor-1"


def pytest_report_header(config):
    return f"SQLite {apsw.sqlitelibversion()}, apsw {apsw.apsw_version()}"


# --- The two tiers (scripts/test.sh --fast, and the full tier CI runs) ---------------------------
# The fast tier is `-m "not slow"`: every unit and page test, and the structure guards however long
# they take (STRUCTURE_GUARDS: a broken layer shows at once). `slow` is given here, in one place:
# every test with one of SLOW_MARKERS, every test under SLOW_FOLDERS, the tests in SLOW_TESTS (each
# over about 3 s alone, measured with --durations; docs/testing.md), and any test marked
# `@pytest.mark.slow` in its own file.
# The structure guards (issue 63): tests/core/test_tiers.py fails when one of their tests is slow.
STRUCTURE_GUARDS = ("tests/core/test_import_graph.py", "tests/core/test_storage_imports.py",
                    "tests/core/test_storage_layout.py", "tests/core/test_layout.py", "tests/core/test_programs.py",
                    "tests/core/test_hooks.py", "tests/core/test_one_path.py", "tests/core/test_access_table.py",
                    "tests/core/test_access_matrix.py", "tests/core/test_access_docs.py",
                    "tests/core/test_one_factory.py",
                    # every act its own line (issues 63, 70, 82): the office's and the center's trail guards
                    "tests/core/test_audit_attached.py", "tests/core/test_one_trail_rule.py",
                    "tests/audit/test_guard_sees_every_write.py", "tests/audit/test_each_act_its_own_line.py",
                    "tests/audit/test_guard_blind_spots.py", "tests/audit/test_trail_gaps_on_health_card.py",
                    "tests/audit/test_composed_act_own_line.py", "tests/sync/test_center_audit_guard.py", "tests/guide/test_guide_checker_reads_no_guide.py")
SLOW_MARKERS = ("soak", "windows_pass", "browser")
SLOW_FOLDERS = ("tests/browser/", "tests/simulation/")
SLOW_TESTS = (
    # walks over every page or form of a program
    "tests/core/test_every_form_summarises_its_errors.py::test_every_form_refuses_empty_input_with_a_summary_naming_each_field",
    "tests/core/test_integers_from_requests.py::test_every_office_page_answers_bad_numbers_in_its_arguments_below_500",
    "tests/core/test_integers_from_requests.py::test_every_center_page_answers_bad_numbers_in_its_arguments_below_500",
    # programs started as processes, killed, or cut off from power
    "tests/core/test_power_cut.py::test_power_cut_loses_no_acknowledged_write_and_corrupts_nothing",
    "tests/core/test_power_cut.py::test_the_simulated_cut_does_lose_writes_a_lazy_sync_left_in_the_cache",
    "tests/core/test_frame.py::test_serving_a_database_from_a_newer_version_is_refused_with_a_message",
    "tests/core/test_documented_settings.py::test_a_setting_the_app_cannot_use_is_named_in_one_indonesian_line",
    "tests/backups/test_restore_page.py::test_requests_during_a_real_restore_get_pages_or_the_maintenance_page_never_an_error",
    "tests/backups/test_backup_restore.py::test_cli_backup_and_restore_round_trip",
    "tests/backups/test_backup_housekeeping.py::test_the_command_line_restore_is_recorded_once",
    "tests/backups/test_backup_housekeeping.py::test_pre_restore_copies_keep_the_backups_retention",
    "tests/desa/test_desa_mode.py::test_commands_on_a_desa_pcs_folder_work_on_its_database_without_mode",
    "tests/desa/test_desa_mode.py::test_a_desa_folder_with_a_stray_kecamatan_database_points_to_the_desa_accounts",
    "tests/desa/test_desa_mode.py::test_loket_mode_desa_starts_the_desa_mode_on_its_own_database",
    "tests/desa/test_desa_mode.py::test_an_unknown_loket_mode_stops_the_start_with_one_indonesian_line",
    "tests/platform/test_windows_traps.py::test_cli_prints_indonesian_on_a_cp1252_console",
    "tests/platform/test_windows_traps.py::test_a_message_quoting_what_cp1252_cannot_show_is_still_printed",
    "tests/sync/test_edges_of_a_real_office.py::test_a_center_started_without_its_extra_says_how_to_install_it",
    # whole sync passes over a cut, stalled or closing link, and a day of backups restored in turn
    "tests/sync/test_streamed_packets.py::test_after_a_packet_cut_mid_body_only_the_items_that_did_not_arrive_go_again",
    "tests/sync/test_stall.py::test_a_pass_moves_off_a_stalled_connection_and_everything_arrives_once",
    "tests/sync/test_pipeline.py::test_the_upload_goes_on_one_connection_with_packets_written_ahead_of_their_answers",
    "tests/sync/test_pipeline.py::test_a_connection_that_closes_after_each_answer_loses_and_doubles_nothing",
    "tests/sync/test_edges_of_a_real_office.py::test_restoring_every_backup_of_a_day_in_turn_never_repeats_a_number",
    "tests/sync/test_center_pages.py::test_every_center_route_checks_roles_and_never_500s",
    # the tiers' own check: collects the structure guards twice, in processes of their own
    "tests/core/test_tiers.py::test_every_structure_guard_runs_in_the_fast_tier",
    # long property runs
    "tests/audit/test_trail_values.py::test_any_json_value_becomes_a_sentence_with_personal_fields_masked",
    # over 10 s each in a fast-tier run at load 8-9 with --durations (2-3 s on a quiet machine;
    # 2026-11-25): the center's API fuzzed, programs started, killed, restored or installed, two servers.
    # The rule and structure checks that long stay fast-tier: a change to a rule wants them at once.
    "tests/core/test_frame.py::test_first_start_creates_admin_with_one_time_password_and_serves",
    "tests/desa/test_numbers_property.py::test_numbers_after_any_restores_and_enrolments_are_accepted_and_unique",
    "tests/desa/test_relay.py::test_desa_forms_reach_the_counter_through_the_center_and_statuses_come_back",
    "tests/desa/test_relay_restore.py::test_the_desa_relay_lives_through_restores_of_the_kecamatan_and_the_desa_pc",
    "tests/platform/test_autostart.py::test_linux_install_status_remove_in_a_temporary_home",
    "tests/platform/test_autostart.py::test_linux_without_a_user_bus_says_what_to_do_and_is_not_terpasang",
    "tests/platform/test_windows_traps.py::test_data_is_accepted_before_or_after_the_subcommand",
    "tests/security/test_backup_keys.py::test_cli_restore_on_a_new_pc_with_the_recovery_key",
    "tests/security/test_bad_characters.py::test_the_center_refuses_nul_and_bidi_in_every_route_every_field_and_its_json_doors",
    "tests/security/test_encryption_at_rest.py::test_a_kill_during_conversion_leaves_a_usable_database_with_every_row",
    "tests/security/test_encryption_at_rest.py::test_without_its_key_the_app_refuses_to_start_with_a_message_and_keeps_the_file",
    "tests/survey/test_demo.py::test_demo_surveys_stay_within_two_years_whatever_the_day",
    "tests/sync/test_end_to_end.py::test_applications_flow_both_ways_between_two_running_servers",
    "tests/sync/test_kinerja_journey.py::test_two_kecamatan_approve_sync_and_the_pimpinan_sees_both_side_by_side",
    "tests/sync/test_pc_identity.py::test_a_backup_restored_on_a_new_pc_numbers_nothing_until_the_admin_says_it_replaces_the_old_one",
    "tests/sync/test_pc_identity.py::test_a_pc_tambahan_lists_what_it_leaves_to_the_other_pc_until_the_center_holds_it",
    "tests/sync/test_pc_identity.py::test_a_restore_on_a_new_pc_cut_at_each_step_leaves_the_old_state_or_a_pc_that_refuses",
    "tests/sync/test_pc_identity.py::test_the_old_pc_registering_after_its_backup_was_taken_over_still_delivers_that_application",
    "tests/sync/test_schemathesis.py::test_center_api_never_answers_5xx",
    "tests/sync/test_two_centers.py::test_two_center_processes_on_one_postgresql_serve_one_kecamatan_together",
)


@pytest.hookimpl(tryfirst=True)  # before pytest's own `-m` selection reads the markers
def pytest_collection_modifyitems(config, items):
    for item in items:
        if is_slow(item):
            item.add_marker(pytest.mark.slow)
        if _on_postgresql(item):
            item.add_marker(pytest.mark.on_postgresql)
    each_test_in_one_pass(items)
    first = {path: place for place, path in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: first.get(item.nodeid.split("::", 1)[0], len(first)))  # stable: the rest as collected


# The files that take longest in the full tier, longest first (CI's JUnit XML, test-artifacts/*.xml). xdist's
# loadfile hands out the files with the most tests first; among files with as many tests, these go first, in
# this order, so that a long file is not the one a worker runs alone at the end. (Handing out all of these
# first, with --no-loadscope-reorder, was tried: the run took 28 min instead of 27 on this machine, the long
# soaks and the browser walks slowing each other at the start.)
LONGEST_FILES = (
    # the normal pass
    "tests/desa/test_field_counter_renumber.py", "tests/updates/test_release_build.py",
    "tests/updates/test_field_launchers.py", "tests/updates/test_field_launchers_landed.py",
    "tests/updates/test_install.py", "tests/updates/test_first_updatable_refused_restore.py",
    "tests/simulation/test_office_year.py",
    "tests/updates/test_wheel_contents.py", "tests/updates/test_switch.py", "tests/simulation/test_found_seams.py",
    "tests/updates/test_update_power_cuts.py", "tests/updates/test_signer_check.py", "tests/desa/test_relay_faults.py",
    "tests/sync/test_edges_of_a_real_office.py", "tests/sync/test_pc_identity.py", "tests/sync/test_faults.py",
    "tests/sync/test_progress_bytes_rural.py", "tests/updates/test_walk.py", "tests/updates/test_lying_candidate.py",
    # the Windows-like pass
    "tests/browser/test_axe_every_page.py", "tests/browser/test_reflow.py", "tests/browser/test_desa_relay_journey.py",
    "tests/browser/test_wcag22.py", "tests/browser/test_pages_fit.py", "tests/browser/test_prints_at_regency_volume.py",
    "tests/browser/test_one_sheet.py", "tests/browser/test_prints_on_rolls.py",
    "tests/updates/test_guide_journey_windows_laptop.py", "tests/browser/test_newcomer_journey.py")


def is_slow(item) -> bool:
    path = item.nodeid.split("::", 1)[0]
    test = item.nodeid.split("[", 1)[0]
    return (any(item.get_closest_marker(name) for name in SLOW_MARKERS)
            or path.startswith(SLOW_FOLDERS) or test in SLOW_TESTS
            or any(test.startswith(slow + "::") for slow in SLOW_TESTS))


def each_test_in_one_pass(items):
    """The full tier's two passes (scripts/test.sh) run each test once. The Windows-like pass stands
    for the office PCs: the fast tier and `windows_pass`, not the tests on PostgreSQL (the center's
    database, on the regency's Linux server). The normal pass runs the rest: the slow tests that are
    not `windows_pass` and the fast tests on PostgreSQL. A `windows_pass` test that is also a soak or
    on PostgreSQL would fall between them: refused here."""
    never_run = [item.nodeid for item in items if item.get_closest_marker("windows_pass")
                 and (item.get_closest_marker("soak") or item.get_closest_marker("on_postgresql"))]
    if never_run:
        raise pytest.UsageError("these tests would run in neither pass (windows_pass with soak or on "
                                "PostgreSQL): " + ", ".join(never_run))


def _on_postgresql(item) -> bool:
    params = getattr(item, "callspec", None)
    return "pg_url" in item.fixturenames or any("postgresql" in str(value) for value in
                                                 (params.params.values() if params else ()))


@pytest.fixture(scope="module")
def module_centers(tmp_path_factory):
    """The module's running centers, one per database, each test's emptied (tests/sync/harness.SharedCenters)."""
    from tests.sync.harness import SharedCenters
    centers = SharedCenters(lambda: tmp_path_factory.mktemp("pusat"))
    yield centers
    centers.stop()


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """scrypt costs ~0.15 s a hash; the suite creates hundreds of accounts."""
    from app.frame import passwords
    passwords.HASH_METHOD = "pbkdf2:sha256:1000"
    yield
    passwords.HASH_METHOD = "scrypt"


MACHINE_HOME = os.path.realpath(os.path.expanduser("~"))  # before any test sets HOME


@pytest.fixture(autouse=True)
def no_key_search_of_the_machines_home(monkeypatch):
    """`release build` searches the user's home for key copies at any depth (sync/release/key_search.py: 21 s over
    this machine's, reading its files): a test gives it a home of its own (build(home=...); HOME for
    run.main and a process). This fails a test whose search would walk the machine's own home."""
    from sync.release import key_search
    search = key_search.key_copies

    def guarded(folders, depth=None, seen=None):
        if depth is None and any(os.path.realpath(folder) == MACHINE_HOME for folder in folders):
            raise AssertionError(f"a key search of this machine's home ({MACHINE_HOME}): give the test a home of its own")
        return search(folders, depth, seen)
    monkeypatch.setattr(key_search, "key_copies", guarded)


@pytest.fixture(autouse=True, scope="session")
def compiled_once():
    """URL rule builders and templates compiled once per process, not per app (tests/support/compiled_once.py)."""
    undo = keep_url_rule_builders()
    options = Flask.jinja_options
    Flask.jinja_options = {**options, "bytecode_cache": TemplatesCompiledOnce()}
    yield
    Flask.jinja_options = options
    undo()


class CsrfClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form, as the browser does.

    Pass `csrf=False` to a request to leave the token out (tests of the CSRF check itself).
    """

    def _token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", "test-raw-csrf-token")
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def open(self, *args, csrf=True, **kwargs):
        method = kwargs.get("method", "GET").upper()
        if csrf and method in ("POST", "PUT", "PATCH", "DELETE"):
            data = kwargs.get("data")
            if data is None:
                kwargs["data"] = data = {}
            if isinstance(data, dict) and "csrf_token" not in data:
                data["csrf_token"] = self._token()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def set_up_office_folder(tmp_path_factory):
    """A set-up office's data folder (schema, keys, identity), made once. Building the schema took
    half of an `app`'s 0.15 s, in most tests most of their time. Tests of the first start and of the
    migrations start from create_app on a folder of their own."""
    folder = tmp_path_factory.mktemp("kantor-siap")
    template = create_app({"DATA_DIR": folder, "SECRET_KEY": "test-secret", "TESTING": True})
    with template.app_context(), template.extensions["database"].connection_context():
        seed_identity("35.08.07")
    template.extensions["database"].close_all()
    (folder / LOCATION_FILE).unlink()  # each copy files its own place (app/frame/keystore.py)
    return folder


@pytest.fixture
def app(tmp_path, set_up_office_folder):
    shutil.copytree(set_up_office_folder, tmp_path, dirs_exist_ok=True)
    app = create_app({"DATA_DIR": tmp_path, "SECRET_KEY": "test-secret", "TESTING": True})
    app.test_client_class = CsrfClient
    yield app


@pytest.fixture
def db(app):
    database = app.extensions["database"]
    with app.app_context(), database.connection_context():
        yield database


@pytest.fixture
def users(db):
    """One active account per role, named after the role, password TEST_PASSWORD."""
    from tests.support.factory import staff_user
    return {role: staff_user(role, password=TEST_PASSWORD) for role in ALL_ROLES}


@pytest.fixture
def client(app):
    return app.test_client()


def sign_in_as(client, user) -> None:
    """Put `user` in the client's session without a login round trip (fast; login has its own tests)."""
    token = start_session(user)  # a server-side session, as a real login makes
    with client.session_transaction() as session:
        session[SESSION_TOKEN] = token


@pytest.fixture
def client_for(app, users):
    """client_for(role) -> a test client signed in with that role."""
    def make(role):
        client = app.test_client()
        sign_in_as(client, users[role])
        return client
    return make

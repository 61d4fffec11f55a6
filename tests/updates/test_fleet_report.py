"""Each PC reports its health with every pass (issue 81), through the real programs: an office PC
enrolled at a real center, whose update was taken back, whose backup is a month old and whose trail
has a gap, passes once; the center's Kesehatan Komputer page names it with what to do. Its next pass
counts only what came since (no gap twice); a pass with nothing new sends none."""
import json
import os
from datetime import timedelta
import time

import pytest

from app.backups.engine import AUTOMATIC_PREFIX, SUFFIX
from app.frame import audit
from app.frame.dates import utc_now
from app.updates import fleet_report, state
from app.updates.state import write_selection
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


def center_rows(center_app, now=None):
    from sync.center.fleet import fleet_rows
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        return fleet_rows(now=now)


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

    # The next pass has nothing new: it sends no report only to say 0 (a quiet pass stays two requests),
    # and the page keeps the gap (the center keeps it a week after the last report that carried one).
    assert not within(office_app, sync_once).error
    assert reports_kept(center_app) == 1
    [row] = center_rows(center_app)
    assert "jejak" in row.problems and row.trail_gaps_week == 1
    # A new gap goes with the next pass, counted once (never the first again).
    audit.note_gap(data_dir, ["complaint"], "app.example.other_writer")
    assert not within(office_app, sync_once).error
    assert reports_kept(center_app) == 2
    [row] = center_rows(center_app)
    assert row.report["trail_gaps"] == 1 and row.trail_gaps_week == 2
    # A day later the daily report goes, saying 0 since; the week's gaps still show, and no longer after it.
    sent = state.read_state(data_dir)[fleet_report.SENT_KEY]
    state.write_state(data_dir, **{fleet_report.SENT_KEY: dict(sent, at="2026-01-01T00:00:00")})
    assert not within(office_app, sync_once).error
    assert reports_kept(center_app) == 3
    [row] = center_rows(center_app)
    assert row.report["trail_gaps"] == 0 and "jejak" in row.problems and row.trail_gaps_week == 2
    from sync.center.fleet import TRAIL_GAPS_SHOWN
    [row] = center_rows(center_app, now=utc_now() + TRAIL_GAPS_SHOWN + timedelta(hours=1))
    assert "jejak" not in row.problems and row.trail_gaps_week == 0


def reports_kept(center_app) -> int:
    from sync.center.models import FleetReport
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        return FleetReport.select().count()


def test_the_report_is_small_and_holds_no_more_than_its_keys(tmp_path):
    office_app = kecamatan_app(tmp_path / "kantor")

    def built():
        return fleet_report.build_report(office_app.config, state.read_state(tmp_path / "kantor"))
    report, totals = within(office_app, built)
    from sync.center.fleet import cleaned_report
    assert cleaned_report(report)[0] is not None and len(json.dumps(report)) < 400
    assert report["update"] == {} and report["backup"] == {"age_hours": None, "where": None}
    assert totals == {"trail": 0, "errors": 0, "kinds": {}} and report["error_kinds"] == []


def test_a_pass_from_the_command_line_reports_the_version_that_serves(tmp_path, monkeypatch):
    """Issue 94, finding 5: `run.py sync` from the Task Scheduler runs the installed program's code, whose
    report named its own version, so the center's page flipped between "0.4.0 baik" and "0.3.1 versi
    tertinggal". The report names the version this PC's launcher runs; the served version itself names its own."""
    from app.updates import launcher
    office_app = kecamatan_app(tmp_path / "kantor")
    write_selection(tmp_path / "kantor", {"version": "9.4.0", "root": str(tmp_path / "v"), "state": "baik"})
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)

    def version():
        return fleet_report.build_report(office_app.config, state.read_state(tmp_path / "kantor"))[0]["version"]
    assert within(office_app, version) == "9.4.0"
    monkeypatch.setenv(launcher.CHILD_ENV, "9.4.0")  # the served version's own passes
    from app.updates.versions import running_version
    assert within(office_app, version) == running_version()


def test_the_center_names_the_version_an_older_installed_programs_report_says_was_taken():
    """Issue 94, finding 5 under the 0.3.0 and 0.3.1 launchers (tests/updates/test_field_launchers.py): their
    Task Scheduler pass runs the installed program's code, whose report names that program (running_version)
    while its own update block says the launcher took today's version ("diambil"), which serves. The center
    keeps the report as sent and reads the version that runs from it; a release refused or taken back, or an
    older one taken, leaves the report's."""
    from sync.center.fleet import cleaned_report
    from sync.center.updates import reported_version
    taken = {"outcome": "diambil", "version": "0.3.4", "why": "", "at": "2026-11-29T00:40:00+00:00"}

    def kept(version, update):
        report = {"version": version, "update": update, "backup": {"age_hours": None, "where": None},
                  "disk_free_mb": 144, "trail_gaps": 0, "errors": 0, "outbox": 0, "phone": ""}
        stored = cleaned_report(report)[0]
        assert stored["version"] == version  # as sent
        return reported_version(stored)
    assert kept("0.3.0", taken) == "0.3.4" and kept("0.3.1", taken) == "0.3.4" and kept("0.3.4", taken) == "0.3.4"
    assert kept("0.3.0", dict(taken, outcome="dikembalikan")) == "0.3.0"
    assert kept("0.3.0", dict(taken, outcome="ditolak")) == "0.3.0"
    assert kept("0.3.5", taken) == "0.3.5" and kept("0.3.0", {}) == "0.3.0"
    # 0.3.2 on names what runs from the command line too: a "diambil" of a later release is a walk from before a
    # going back, once "Coba lagi" took it off the failed ones, never the version that runs.
    assert kept("0.3.2", taken) == "0.3.2" and kept("0.3.3", taken) == "0.3.3"


def test_a_desa_pc_builds_its_report_and_its_pass_sends_it(desa_app):
    """A desa PC (MODE desa) has the same report: its pass runs the phase, its outbox is counted."""
    from sync.center.fleet import cleaned_report
    from sync.client.records import phases
    from tests.desa.test_desa_mode import bound_to
    assert fleet_report.send_report in phases("desa", "after") and fleet_report.send_report in phases(
        "kecamatan", "after")
    with bound_to(desa_app):
        report, _ = fleet_report.build_report(desa_app.config, state.read_state(desa_app.config["DATA_DIR"]))
    assert cleaned_report(json.loads(json.dumps(report)))[0]["outbox"] == 0


NIK, NAME = "3508071234560001", "Budi Santoso"


def center_admin(center_app):
    from sync.center.accounts import create_operator
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        return create_operator("kabupaten", "Admin Kabupaten", "admin", password="rahasia-pusat-1",
                               must_change_password=False)[0]


@pytest.mark.slow
def test_errors_reach_the_report_by_kind_and_never_with_a_value(office):
    """Finding (issue 81): errors since the last report, count and the first line of each kind, never a value.
    An error whose message carries a NIK and a name: the report, the center's database and its page hold its
    class and place only; the kinds outlive a restart (status.json) and are cleared once the center took them."""
    from app.updates.versions import running_version
    from sync.center.models import FleetLatest, FleetReport
    from tests.support.waiting import wait_until
    from tests.sync.test_center_pages import client_as
    center_app, office_app, data_dir = office
    office_app.config["PROPAGATE_EXCEPTIONS"] = False  # as served: an exception is the error page, not a raise
    within(office_app, lambda: fleet_report.watch_errors(office_app, running_version(), every=0))
    endpoint = next(rule.endpoint for rule in office_app.url_map.iter_rules() if rule.rule == "/masuk")

    def broken():
        raise ValueError(f"NIK {NIK} atas nama {NAME} sudah terdaftar")
    real, office_app.view_functions[endpoint] = office_app.view_functions[endpoint], broken
    try:
        client = office_app.test_client()
        assert [client.get("/masuk").status_code for _ in range(3)] == [500, 500, 500]
    finally:
        office_app.view_functions[endpoint] = real
    wait_until(lambda: sum(state.read_state(data_dir).get(fleet_report.ERROR_KINDS, {}).values()) == 3,
               what="three errors of one kind kept")
    [(line, count)] = state.read_state(data_dir)[fleet_report.ERROR_KINDS].items()  # on disk: a restart keeps it
    assert count == 3 and line == f"ValueError tests.updates.test_fleet_report:broken:{broken.__code__.co_firstlineno + 1} {endpoint}"
    assert not within(office_app, sync_once).error
    [row] = center_rows(center_app)
    assert row.report["error_kinds"] == [[3, line]] and row.report["errors"] == 3
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        stored = [r.report for r in FleetReport.select()] + [r.report for r in FleetLatest.select()]
        key_id = row.key.id
    text = client_as(center_app, center_admin(center_app)).get(f"/armada/{key_id}").get_data(as_text=True)
    for held in (*stored, text, json.dumps(state.read_state(data_dir))):
        assert NIK not in held and NAME not in held and "terdaftar" not in held
    assert state.read_state(data_dir)[fleet_report.ERROR_KINDS] == {}  # the center took them


def test_error_lines_hold_no_value_whatever_the_error_says():
    """The line is built from the class and the code's place: a message, a long digit run in a name, any
    character beyond a name's are not in it; the center's own check takes it."""
    from sync.center.fleet import ERROR_LINE, LONG_DIGITS

    class Gagal3508071234560001(Exception):
        pass
    try:
        raise Gagal3508071234560001(f"{NIK} {NAME}")
    except Gagal3508071234560001 as error:
        line = fleet_report.error_line(error, "pendaftaran.simpan")
    assert NIK not in line and NAME not in line and line.startswith("Gagal_ tests.updates.test_fleet_report:")
    assert ERROR_LINE.fullmatch(line) and not LONG_DIGITS.search(line) and line.endswith(" pendaftaran.simpan")


def test_an_error_line_names_the_programs_own_place_when_installed_from_the_wheel(tmp_path):
    """Installed from the wheel, the program sits in site-packages beside its dependencies: the line names the
    innermost frame of its own code, never a dependency's (the first version named none at all there)."""
    import traceback
    site = tmp_path / "Lib" / "site-packages"
    frames = [traceback.FrameSummary(str(site / "flask" / "app.py"), 900, "dispatch_request"),
              traceback.FrameSummary(str(site / "app" / "registration" / "views.py"), 212, "register"),
              traceback.FrameSummary(str(site / "peewee.py"), 3300, "execute_sql")]
    assert fleet_report.own_place(frames, site) == "app.registration.views:register:212"
    assert fleet_report.own_place(frames[:1] + frames[2:], site) == "-"


def test_the_report_stays_within_its_bound_at_its_worst(tmp_path):
    """MAX_REPORT_BYTES at worst: ten error kinds of 160 characters, a going back's reason of 300 characters
    outside ASCII, the telephone of 40: the kinds that do not fit wait for the next report."""
    from sync import protocol
    from sync.center.fleet import MAX_REPORT_BYTES, cleaned_report
    assert fleet_report.MAX_REPORT_BYTES == MAX_REPORT_BYTES
    office_app = kecamatan_app(tmp_path / "kantor")
    data_dir = tmp_path / "kantor"
    state.remember_failure(data_dir, "9.1.0", "rolled_back", "Versi 9.1.0 gagal " + "é" * 300)
    kinds = {f"KeyError app.x{n}:{'f' * 120}:{n} {'e' * 20}": 10 ** 6 for n in range(10)}
    state.write_state(data_dir, **{fleet_report.ERROR_KINDS: kinds})

    def built():
        from app.frame import store
        from app.frame.db import database
        with audit.without_trail("test: the office's telephone"), database.atomic():
            store.put("phone", "☎" * 40)
        return fleet_report.build_report(office_app.config, state.read_state(data_dir))
    report, totals = within(office_app, built)
    size = len(protocol.canonical_json(report))
    assert size <= MAX_REPORT_BYTES and cleaned_report(json.loads(protocol.canonical_json(report)))[0] is not None
    assert 0 < len(report["error_kinds"]) < 10 and list(totals["kinds"]) == [line for _, line in report["error_kinds"]]


@pytest.mark.slow
def test_a_center_that_says_true_gets_the_first_shape_and_the_kinds_wait(office, tmp_path):
    """Compatibility (issue 81): a 0.3.0 center's probe says "fleet_report": True and its cleaned_report refuses
    a key it does not know (read here from the field tree's own code): today's PC sends it the first shape, so
    its report is not lost every pass, and the error kinds it could not send wait for a center that takes them.
    The center here is today's with its probe's word replaced by 0.3.0's (starting 0.3.0's center from the
    field tree would need its own database at its own schema)."""
    import subprocess
    from sync.client import engine
    from tests.support.field_versions import ROOT, field_commit
    center_app, office_app, data_dir = office
    old_code = subprocess.run(["git", "show", f"{field_commit('previous')}:sync/center/fleet.py"], cwd=ROOT,
                              capture_output=True, text=True, check=True).stdout
    old = {}
    checks = old_code.split("@api_blueprint.post")[0]  # its imports, bounds and cleaned_report; not its routes
    exec(compile(checks, "0.3.0:sync/center/fleet.py", "exec"), old)  # noqa: S102  (the landed code, as is)
    state.write_state(data_dir, **{fleet_report.ERROR_KINDS: {"KeyError app.x:f:1 -": 2}})

    def shapes():
        return [fleet_report.build_report(office_app.config, state.read_state(data_dir), shape)[0] for shape in (1, 2)]
    first, second = within(office_app, shapes)
    assert old["cleaned_report"](json.loads(json.dumps(first)))[0] is not None
    refused = old["cleaned_report"](json.loads(json.dumps(second)))
    assert refused[0] is None and "kunci tidak dikenal: error_kinds" in refused[1]

    def pass_with_a_030_probe():
        link = engine.current_link()
        client = engine.client_for(link)
        client.negotiate()
        assert client.probed["fleet_report"] == 4  # today's center (4: the office stopped, issue 89)
        client.probed["fleet_report"] = True  # as 0.3.0's answers
        fleet_report.send_report(client, link, None, None)
    within(office_app, pass_with_a_030_probe)
    [row] = center_rows(center_app)
    assert row.report is not None and row.report["error_kinds"] == []
    assert state.read_state(data_dir)[fleet_report.ERROR_KINDS] == {"KeyError app.x:f:1 -": 2}  # not sent: kept
    # Today's center: the next pass sends them (the report is due: it says something new).
    assert not within(office_app, sync_once).error
    assert center_rows(center_app)[0].report["error_kinds"] == [[2, "KeyError app.x:f:1 -"]]
    assert state.read_state(data_dir)[fleet_report.ERROR_KINDS] == {}


@pytest.mark.slow
def test_the_centers_word_on_the_clock_is_said_on_the_offices_health_card(office, monkeypatch):
    """Issue 81: the center answers each report with the PC's clock offset; the PC keeps it and its own health
    card says it in the center's words before the 5-minute window refuses its passes (its clock untouched). This
    PC's clock runs 4 minutes slow (its signing clock shifted); once set right, the next pass clears the card."""
    import time as real_time
    from types import SimpleNamespace
    from app.backups import health
    from sync.client import transport
    center_app, office_app, data_dir = office
    monkeypatch.setattr(transport, "time", SimpleNamespace(time=lambda: real_time.time() - 240, sleep=real_time.sleep))
    assert not within(office_app, sync_once).error
    assert -250 <= state.read_state(data_dir)[fleet_report.CENTER_CLOCK]["offset"] <= -230

    def card():
        return [c for c in health.concerns(office_app.config) if c.title == "Jam komputer menurut pusat"]
    [concern] = within(office_app, card)
    assert concern.step.startswith("Menurut pusat kabupaten, jam komputer ini 4 menit lebih lambat; setel tanggal, "
                                   "jam dan zona waktu Windows.")
    assert "jam komputer kantor tidak tepat" in concern.camat
    monkeypatch.setattr(transport, "time", real_time)  # the admin set the clock
    assert not within(office_app, sync_once).error  # a clock said off is read again each pass
    assert within(office_app, card) == []


@pytest.mark.slow  # `run.py restore` in its own process
def test_a_going_back_tells_the_regency_how_many_saves_it_kept(monkeypatch, tmp_path):
    """Issue 81: the report's update says, structured, how many saves the data held once back (the launcher
    counts them after its restore: the audit trail's rows carrying a change), so the page reads "dikembalikan
    …, N simpanan dipertahankan". A row the failed version wrote after the switch is not among them."""
    from app import create_app
    from app.backups.engine import backup_database
    from app.frame.db import connect
    from app.updates import launcher
    from tests.updates.test_launcher import FAILED, installed_version
    folder = tmp_path / "desa-pc"
    desa = create_app({"DATA_DIR": folder, "SECRET_KEY": "desa-secret", "TESTING": True, "MODE": "desa"})
    before = launcher._saves(folder / "desa.sqlite3")

    def save(count: int) -> None:
        connection = connect(folder / "desa.sqlite3")
        for n in range(count):
            connection.execute('INSERT INTO "audit_event" ("at", "username", "address", "action", "entity", '
                               '"entity_id", "summary", "after") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
                               ("2026-11-27 08:00:00", "operator", "", "tambah", "pra_pendaftaran", str(n), "uji", "{}"))
        connection.close()
    save(3)  # three saves before the switch
    backup = backup_database(desa.config["DATABASE_PATH"], folder / "backups" / "sebelum-pembaruan-0.2.0.sqlite3")
    save(1)  # one the failed version wrote itself: restored away with the switch-time backup
    write_selection(folder, {"version": "0.2.0", "root": str(installed_version(folder / "versions" / "0.2.0")),
                             "state": "uji", "backup": str(backup), "previous": None,
                             "database": str(folder / "desa.sqlite3"), "mode": "desa"})
    monkeypatch.setattr(launcher, "trial_walk", lambda data_dir, selection: FAILED)
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    monkeypatch.delenv("LOKET_MODE", raising=False)
    assert launcher.serve(folder, ["serve", "--data", str(folder), "--mode", "desa"], lambda: "served") == "served"
    kept = state.read_state(folder)
    assert kept["rolled_back_kept"] == {"version": "0.2.0", "saves": before + 3}
    update = fleet_report._update(kept)
    assert update["outcome"] == "dikembalikan" and update["version"] == "0.2.0" and update["kept"] == before + 3


@pytest.mark.slow
def test_a_usb_export_with_nothing_waiting_carries_the_report(office, tmp_path):
    """Issue 89, finding 5: a USB-only office with nothing waiting wrote no file ("0 permohonan ditulis ke 0
    berkas"), so its report never reached the center, and the page's own advice ("minta kirim lewat berkas USB")
    again wrote nothing. It writes one file, 0 applications and its report; read at /impor, its row has it."""
    import io
    from sync.client.usb_files import export_batches
    from tests.conftest import CsrfClient
    from tests.sync.test_center_pages import client_as
    center_app, office_app, _ = office
    center_app.test_client_class = CsrfClient  # the form's token, as the page gives it
    files, applications = within(office_app, lambda: export_batches(tmp_path / "usb"))
    assert applications == 0 and len(files) == 1
    answer = client_as(center_app, center_admin(center_app)).post(
        "/impor", data={"batch": (io.BytesIO(files[0][1]), files[0][0])}, content_type="multipart/form-data")
    assert answer.status_code == 200 and "Laporan kesehatan komputer: disimpan." in answer.text, answer.text[-800:]
    [row] = center_rows(center_app)
    assert row.report is not None and row.usb_at is not None and "usb_saja" not in row.problems

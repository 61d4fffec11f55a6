"""Issue 24, findings 4 and 5: one live identity per counter PC, and statuses only for their own PC.

End to end through the real programs: the printing center runs as its own process (run.py center),
the kecamatan PCs are real apps talking to it over HTTP, the admin acts through the sync page. The
invariants are checked after every scenario: no number held by two applicants, every status applied
to its own applicant only, no "tidak diterapkan" row for another PC's number.
"""
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from app.backups.engine import backup_database, restore_database
from app.frame import installation
from app.frame.migrations import migrate
from app.frame.keystore import KeyStore
from sync.client.models import SyncLog
from tests.conftest import CsrfClient, sign_in_as
from tests.sync.harness import enrol_kecamatan, fill_kecamatan, kecamatan_app

ROOT = Path(__file__).resolve().parents[2]
SMALL = (60, 80)


# --- the programs and what a person does with them -------------------------------------------

def within(kec_app, fn):
    """fn() against this PC's database (the models' proxy points at one database at a time)."""
    from app.frame.db import database
    database.initialize(kec_app.extensions["database"])
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        return fn()


def fill(kec_app, count, first):
    from app.frame.db import database
    database.initialize(kec_app.extensions["database"])
    return fill_kecamatan(kec_app, count, SMALL, first=first)


def sync(kec_app):
    from sync.client import engine
    return within(kec_app, lambda: engine.sync_once(full=True))


def new_code(center_app):
    """The center's admin gives a new one-time enrolment code (the same kecamatan)."""
    from sync.center import keys
    from sync.center.models import Kecamatan
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        return keys.new_enrolment_code(Kecamatan.get())


def admin_client(kec_app, role="admin"):
    """A signed-in account of this PC's (possibly restored) database, as the browser would be."""
    from app.auth.accounts import create_user
    from app.auth.models import User
    username = f"{role}-uji"

    def make():
        user = User.get_or_none(User.username == username) or create_user(
            username, "Akun Uji", role, password="rahasia-uji-12", must_change_password=False)[0]
        kec_app.test_client_class = CsrfClient
        client = kec_app.test_client()
        sign_in_as(client, user)
        return client
    return within(kec_app, make)


def page(kec_app, client, path):
    return within(kec_app, lambda: client.get(path).get_data(as_text=True))


def post(kec_app, client, path, data):
    return within(kec_app, lambda: client.post(path, data=data))


def center_print_all(center_app):
    from sync.center import records
    from sync.center.db import center_database
    from sync.center.models import ReceivedApplication
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        with center_database.atomic():
            for application in ReceivedApplication.select().where(ReceivedApplication.status == "received"):
                assert records.move(application, "printed")


def recovery_key_of(kec_app) -> str:
    """The office's printed recovery key, which the admin types when restoring on a new PC."""
    return KeyStore(Path(kec_app.config["DATABASE_PATH"]).parent).recovery_key()


def an_enrolled_pc_that_delivered(folder: Path, server, code: str, count: int, **options):
    """PC A: a counter PC enrolled with `code` that registered `count` applications and delivered them in a
    pass. Returns (A, their numbers)."""
    old = kecamatan_app(folder, **options)
    fill(old, 0, 1)
    enrol_kecamatan(old, server.url, code)
    numbers = fill(old, count, 1)
    assert not sync(old).error
    return old, numbers


def taken_over_on_a_new_pc(old, backup, folder: Path, **options):
    """PC B: `backup` of the old PC restored on a new PC (its admin's restore, then the start's migration),
    and its admin says "PC ini menggantikan PC P1"."""
    new = kecamatan_app(folder, **options)
    restore_database(backup, new.config["DATABASE_PATH"], folder.parent / f"{folder.name}-aman", recovery_key_of(old))
    from app.frame.db import database
    within(new, lambda: migrate(database))
    answer = post(new, admin_client(new), "/sinkronisasi/identitas-pc/ganti", {"confirm": "ya"})
    assert answer.status_code == 303, answer.get_data(as_text=True)[-2000:]
    return new


def enrolled_as_a_pc_tambahan_from(old, backup, folder: Path, center_url: str, center_app):
    """PC B: `backup` of the old PC restored on a new PC whose admin enrols it as a PC tambahan with a new
    one-time code. Returns (B, its admin client)."""
    new = kecamatan_app(folder)
    restore_database(backup, new.config["DATABASE_PATH"], folder.parent / f"{folder.name}-aman", recovery_key_of(old))
    new = kecamatan_app(folder)
    admin = admin_client(new)
    answer = post(new, admin, "/sinkronisasi/daftar", {"center_url": center_url, "code": new_code(center_app)})
    assert answer.status_code == 303, answer.get_data(as_text=True)[-2000:]
    return new, admin


def refusal_to_number(kec_app):
    """Why the counter's form would not get a number now (what the clerk reads), or None."""
    from app.registration.records import current_prefix
    try:
        within(kec_app, current_prefix)
    except ValueError as problem:
        return str(problem)
    return None


# --- invariants -------------------------------------------------------------------------------

def local_view(kec_app):
    from app.registration.models import Application
    from sync.client.models import StatusIssue
    from app.frame.db import database
    device_code, _ = within(kec_app, lambda: installation.identity(database))

    def read():
        applications = {a.registration_number: (a.nik, a.status) for a in Application.select()}
        issues = [(i.registration_number, i.problem) for i in StatusIssue.select()]
        return applications, issues
    applications, issues = within(kec_app, read)
    return device_code, applications, issues


def assert_invariants(center_app, pcs, printed=()):
    """No number held by two applicants (at the center, and across PCs that still number with it);
    every status applied to its own applicant; no unapplied status for another PC's number."""
    from sync.center.models import ReceivedApplication
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        at_center = {r.registration_number: r.nik for r in ReceivedApplication.select()}
    holders = defaultdict(set)
    for kec_app in pcs:
        device_code, applications, issues = local_view(kec_app)
        for number, (nik, status) in applications.items():
            holders[number].add(nik)
            if number in at_center and status == "dicetak":
                assert at_center[number] == nik, (number, "a status reached another applicant")
        for number, problem in issues:
            assert number.split("-")[1] == device_code, (device_code, number, problem)
        for number in printed:  # on the PC numbering under its code (a PC tambahan's restored copies go stale)
            if number in applications and number.split("-")[1] == device_code:
                assert applications[number][1] == "dicetak", (device_code, number, applications[number])
    doubled = {number: niks for number, niks in holders.items() if len(niks) > 1}
    assert not doubled, doubled
    for number, niks in holders.items():
        if number in at_center:
            assert at_center[number] in niks, (number, "the center holds another applicant")


@pytest.fixture
def center(module_centers):
    """The module's running center, emptied for this test (harness.SharedCenters)."""
    server = module_centers.take()
    yield server.data_dir, server.app, server.enrolment_code, server
    module_centers.give_back(server)


# --- finding 5: two properly enrolled PCs ------------------------------------------------------

def test_two_enrolled_counter_pcs_hear_only_their_own_statuses(tmp_path, center):
    center_dir, center_app, code, server = center
    p1, p2 = kecamatan_app(tmp_path / "p1"), kecamatan_app(tmp_path / "p2")
    fill(p1, 0, 1)
    enrol_kecamatan(p1, server.url, code)
    fill(p2, 0, 1)
    enrol_kecamatan(p2, server.url, new_code(center_app))
    first, second = fill(p1, 4, 1), fill(p2, 4, 101)
    assert {n.split("-")[1] for n in first} == {"P1"} and {n.split("-")[1] for n in second} == {"P2"}
    for _ in range(2):
        assert not sync(p1).error and not sync(p2).error
        center_print_all(center_app)
    reports = [sync(p1), sync(p2)]
    assert [r.unapplied for r in reports] == [0, 0], reports
    for kec_app in (p1, p2):
        _, _, issues = local_view(kec_app)
        assert issues == []
        log = within(kec_app, lambda: " ".join(e.summary for e in SyncLog.select()))
        assert "tidak diterapkan" not in log
    assert_invariants(center_app, [p1, p2], printed=first + second)


# --- finding 4: a backup restored on a new PC, and the old PC back -----------------------------

def test_a_backup_restored_on_a_new_pc_numbers_nothing_until_the_admin_says_it_replaces_the_old_one(tmp_path,
                                                                                                   center):
    center_dir, center_app, code, server = center
    old, before = an_enrolled_pc_that_delivered(tmp_path / "lama", server, code, 3)
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")
    after = fill(old, 3, 11)  # the old PC goes on numbering after its backup
    assert not sync(old).error

    new = kecamatan_app(tmp_path / "baru")  # a new PC: the office restores the backup there
    restore_database(backup, new.config["DATABASE_PATH"], tmp_path / "baru-aman", recovery_key_of(old))
    from app.frame.db import database
    within(new, lambda: migrate(database))
    refusal = refusal_to_number(new)
    assert refusal and "PC P1" in refusal and "menggantikan" in refusal
    assert "menggantikan PC P1" in sync(new).error  # nothing goes out under the old PC's key either
    new = kecamatan_app(tmp_path / "baru")  # a restart changes nothing
    assert refusal_to_number(new)

    clerk = admin_client(new, "petugas_loket")  # the clerk is told why, and who chooses
    assert "Nomor pendaftaran ditahan" in page(new, clerk, "/")
    shown = page(new, clerk, "/sinkronisasi")
    assert "nomor pendaftaran baru ditahan" in shown and "Hubungi admin kantor" in shown
    assert "identitas-pc/ganti" not in shown
    admin = admin_client(new)
    shown = page(new, admin, "/sinkronisasi")
    assert "PC ini menggantikan PC P1" in shown and "PC tambahan" in shown
    assert post(new, admin, "/sinkronisasi/identitas-pc/ganti", {}).status_code == 422  # not confirmed
    server.stop()  # no link: the choice waits, and the PC still holds
    answer = post(new, admin, "/sinkronisasi/identitas-pc/ganti", {"confirm": "ya"})
    assert answer.status_code == 422 and "tidak dapat dihubungi" in answer.get_data(as_text=True)
    assert refusal_to_number(new)
    server.start()
    answer = post(new, admin, "/sinkronisasi/identitas-pc/ganti", {"confirm": "ya"})
    assert answer.status_code == 303, answer.get_data(as_text=True)[-2000:]
    made = fill(new, 3, 21)
    assert {n.split("-")[1] for n in made} == {"P1"}
    assert not set(made) & set(before + after)
    report = sync(new)
    assert (report.error, report.sent, report.conflicts) == ("", 3, 0)

    # The old PC comes back: the center refuses it with a clear message, and it stops numbering.
    report = sync(old)
    assert "digantikan" in report.error and "PC P1" in report.error
    refusal = refusal_to_number(old)
    assert refusal and "PC tambahan" in refusal
    # Its admin enrols it as an additional PC with a new code: it numbers under its own code.
    admin_old = admin_client(old)
    assert "PC tambahan" in page(old, admin_old, "/sinkronisasi")
    answer = post(old, admin_old, "/sinkronisasi/daftar", {"center_url": server.url, "code": new_code(center_app)})
    assert answer.status_code == 303, answer.get_data(as_text=True)[-2000:]
    extra = fill(old, 2, 31)
    assert {n.split("-")[1] for n in extra} == {"P2"}
    assert not sync(old).error

    center_print_all(center_app)
    sync(new)
    sync(old)
    assert_invariants(center_app, [new, old], printed=made + extra)
    from sync.center.models import Conflict
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        assert Conflict.select().count() == 0


def test_an_unenrolled_pcs_backup_on_a_new_pc_names_the_old_pc_by_its_code(tmp_path):
    """Issue 83, finding 3: after such a restore the sync page said "PC ini menggantikan PC ini" for PC 01 (a PC that
    numbers before its enrolment has no code of the center's, only its own, 01)."""
    old = kecamatan_app(tmp_path / "lama")
    fill(old, 2, 1)
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")
    new = kecamatan_app(tmp_path / "baru")
    restore_database(backup, new.config["DATABASE_PATH"], tmp_path / "baru-aman", recovery_key_of(old))
    from app.frame.db import database
    within(new, lambda: migrate(database))
    refusal = refusal_to_number(new)
    assert refusal and "(PC 01)" in refusal and "\u201cPC ini menggantikan PC 01\u201d" in refusal, refusal
    shown = page(new, admin_client(new), "/sinkronisasi")
    assert "PC ini menggantikan PC 01" in shown and "PC ini menggantikan PC ini" not in shown
    assert "PC ini menggantikan PC ini" not in refusal


def test_the_same_pc_restoring_its_own_backup_goes_on_numbering(tmp_path):
    kec_app = kecamatan_app(tmp_path / "k")
    fill(kec_app, 2, 1)
    backup = backup_database(kec_app.config["DATABASE_PATH"], tmp_path / "c.sqlite3")
    fill(kec_app, 2, 3)
    restore_database(backup, kec_app.config["DATABASE_PATH"], tmp_path / "aman")
    assert refusal_to_number(kec_app) is None


def test_a_new_pc_can_join_as_an_additional_pc_while_the_old_one_stays(tmp_path, center):
    center_dir, center_app, code, server = center
    old, _ = an_enrolled_pc_that_delivered(tmp_path / "lama", server, code, 2)
    waiting = fill(old, 2, 5)  # registered after the last sync: still in the outbox in the backup
    from app.frame.db import database
    within(old, lambda: database.execute_sql('UPDATE "installation" SET "former_codes" = \'P0\''))  # enrolled again once
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")
    new, admin = enrolled_as_a_pc_tambahan_from(old, backup, tmp_path / "baru", server.url, center_app)
    made = fill(new, 2, 11)
    assert {n.split("-")[1] for n in made} == {"P2"}
    assert within(new, lambda: installation.own_codes(database)) == {"P2"}  # the old PC's codes are its own
    older = fill(old, 2, 21)  # the old PC was never stopped
    assert {n.split("-")[1] for n in older} == {"P1"}
    report = sync(new)
    assert (report.error, report.sent) == ("", 2)  # its own two; the old PC's waiting ones are left to it
    report = sync(old)
    assert (report.error, report.sent, report.already) == ("", 4, 0)
    center_print_all(center_app)
    assert sync(new).unapplied == 0 and sync(old).unapplied == 0
    assert_invariants(center_app, [new, old], printed=made + older + waiting)


# --- kills: a restore on a new PC cut at each step ----------------------------------------------

RESTORER = """
import sys
from pathlib import Path
from app.backups.engine import restore_database
db_path, backup, safety = (Path(a) for a in sys.argv[1:4])
print("siap", flush=True)
sys.stdin.readline()
restore_database(backup, db_path, safety, recovery_key=sys.argv[4])
print("selesai", flush=True)
"""


def _old_state_or_refusal(new_dir, old_people):
    """After a cut: the new PC holds none of the old PC's applications and numbers as itself, or it
    holds them and refuses to number."""
    restarted = kecamatan_app(new_dir)
    _, applications, _ = local_view(restarted)
    held = {nik for nik, _ in applications.values()}
    refusal = refusal_to_number(restarted)
    if old_people <= held:
        assert refusal and "menggantikan" in refusal
        return "ditahan"
    assert not old_people & held and refusal is None
    return "lama"


def test_a_restore_on_a_new_pc_cut_at_each_step_leaves_the_old_state_or_a_pc_that_refuses(tmp_path):
    old = kecamatan_app(tmp_path / "lama")
    fill(old, 3, 1)
    old_people = {nik for nik, _ in local_view(old)[1].values()}
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")
    from app.backups.engine import open_backup
    from app.frame.db import connect
    seen = set()
    # Each step of restore_database by hand, cut after it (the steps a kill can fall between).
    for cut in ("reserved", "copied", "advanced"):
        new_dir = tmp_path / f"baru-{cut}"
        new = kecamatan_app(new_dir)
        fill(new, 1, 500)
        db_path = new.config["DATABASE_PATH"]
        target = connect(db_path)
        reserved = installation.reserve_before_restore(target, db_path)
        if cut != "reserved":
            with target.backup("main", open_backup(backup, db_path.parent, recovery_key_of(old))[0], "main") as copy:
                copy.step(-1)
        if cut == "advanced":
            installation.advance_after_restore(target, db_path, reserved)
        target.close()
        seen.add(_old_state_or_refusal(new_dir, old_people))
    assert seen == {"lama", "ditahan"}
    # And real kills of the restore's process at random moments.
    rng = random.Random(24)
    for attempt in range(4):
        new_dir = tmp_path / f"baru-bunuh-{attempt}"
        new = kecamatan_app(new_dir)
        fill(new, 1, 600 + attempt)
        child = subprocess.Popen([sys.executable, "-c", RESTORER, str(new.config["DATABASE_PATH"]), str(backup),
                                  str(tmp_path / f"aman-{attempt}"), recovery_key_of(old)], cwd=ROOT, stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True, env=dict(os.environ))
        assert child.stdout.readline().strip() == "siap"
        child.stdin.write("mulai\n")
        child.stdin.flush()
        time.sleep(rng.uniform(0, 0.3))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        _old_state_or_refusal(new_dir, old_people)


def test_a_pc_ignores_silently_the_statuses_of_another_pcs_numbers_from_an_older_center(tmp_path):
    """An older center sends every PC's statuses: another code's numbers are no problem of this PC;
    its own number missing here (made after a restored backup) still is."""
    from app.frame.db import database
    from sync.client import settle, statuses
    from sync.client.models import StatusIssue
    kec_app = kecamatan_app(tmp_path / "k")

    def apply():
        with database.atomic():
            installation.set_device_code(database, "P1")
            event = {"seq": 1, "version": 1, "status": "printed", "hash": "a" * 64}
            other = settle.apply_one(dict(event, id="350807-P2-000001"), lambda: None)
            own = settle.apply_one(dict(event, id="350807-P1-000009", seq=2), lambda: None)
        return other, own, [i.registration_number for i in StatusIssue.select()]
    assert within(kec_app, apply) == (statuses.NOT_OURS, statuses.UNAPPLIED, ["350807-P1-000009"])


def test_a_pc_enrolled_again_keeps_its_old_device_codes_numbers_as_its_own(tmp_path):
    """A PC that enrolled again (its key revoked, P1 became P3, the old key proved) still made the P1
    numbers: a status for one it holds no outbox row of (a backup from before it went out restored)
    is kept as an issue, never passed over as another PC's (the office year, seed 3002). A PC that
    took a new code without proving the old key (a PC tambahan holding another PC's backup) does not
    count the old code as its own."""
    from app.frame.db import database
    from sync.client import settle, statuses
    from sync.client.models import StatusIssue
    kec_app = kecamatan_app(tmp_path / "k")
    event = {"version": 1, "status": "printed", "hash": "a" * 64}

    def apply(keep_former):
        with database.atomic():
            StatusIssue.delete().execute()
            database.execute_sql('UPDATE "installation" SET "former_codes" = \'\' WHERE "id" = 1')
            installation.set_device_code(database, "P1")
            installation.set_device_code(database, "P3", keep_former=keep_former)
            outcomes = [settle.apply_one(dict(event, id=number, seq=seq), lambda: None)
                        for seq, number in enumerate(("350807-P1-000007", "350807-P2-000001", "350807-P3-000002"))]
            return (outcomes, [i.registration_number for i in StatusIssue.select().order_by(StatusIssue.id)],
                    sorted(installation.own_codes(database)))
    assert within(kec_app, lambda: apply(True)) == (
        [statuses.UNAPPLIED, statuses.NOT_OURS, statuses.UNAPPLIED], ["350807-P1-000007", "350807-P3-000002"],
        ["P1", "P3"])
    assert within(kec_app, lambda: apply(False)) == (
        [statuses.NOT_OURS, statuses.NOT_OURS, statuses.UNAPPLIED], ["350807-P3-000002"], ["P3"])


def test_each_counter_pc_of_a_usb_office_gets_a_status_file_of_its_own(tmp_path, center):
    """Two PCs of one office carry their statuses home on USB: the center's page gives a file per PC,
    signed for that PC's key and holding its own statuses only."""
    from sync.center.models import Kecamatan, Operator
    from sync.client import usb_files
    from tests.sync.test_center_pages import client_as
    center_dir, center_app, code, server = center
    p1, p2 = kecamatan_app(tmp_path / "p1"), kecamatan_app(tmp_path / "p2")
    fill(p1, 0, 1)
    enrol_kecamatan(p1, server.url, code)
    fill(p2, 0, 1)
    enrol_kecamatan(p2, server.url, new_code(center_app))
    first, second = fill(p1, 2, 1), fill(p2, 2, 101)
    assert not sync(p1).error and not sync(p2).error
    center_print_all(center_app)
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        operator = client_as(center_app, Operator.get(Operator.username == "operator"))
        kecamatan = Kecamatan.get()
        files = {device: operator.get(f"/ekspor-status/{kecamatan.id}?perangkat={device}") for device in ("P1", "P2")}
        assert operator.get(f"/ekspor-status/{kecamatan.id}?perangkat=P9").status_code == 404
    for device, kec_app, numbers in (("P1", p1, first), ("P2", p2, second)):
        assert files[device].status_code == 200
        applied = within(kec_app, lambda: usb_files.import_status_file(files[device].data))
        assert applied == len(numbers), device
        assert local_view(kec_app)[2] == []
    assert_invariants(center_app, [p1, p2], printed=first + second)


def test_a_takeover_whose_answer_was_lost_gets_the_same_key_and_no_other_pc_gets_one(center_app, center_db,
                                                                                       enrolled):
    """The center committed the new key, the answer was lost (a power cut at the new PC): the same
    PC asking again gets the same key; any other PC with the old key is refused, signed, in words."""
    from sync import protocol
    from sync.center.models import DeviceKey
    from sync.client.transport import CenterClient, Refused
    from tests.sync.test_client import FlaskSession
    _, (key_id, secret) = enrolled
    old_key = CenterClient("http://center", key_id, secret, session=FlaskSession(center_app))
    first = old_key.call_json("POST", protocol.API_PREFIX + "/replace", {"machine": "a" * 64})
    again = old_key.call_json("POST", protocol.API_PREFIX + "/replace", {"machine": "a" * 64})
    assert first == again and first["device_code"] == "P1" and first["key_id"] != key_id
    assert first["highest_sequence"] == 0
    for call in (lambda: old_key.call_json("POST", protocol.API_PREFIX + "/replace", {"machine": "b" * 64}),
                 old_key.probe, lambda: old_key.statuses(0)):
        with pytest.raises(Refused) as refused:
            call()
        assert refused.value.code == "replaced" and "digantikan" in str(refused.value)
    new_key = CenterClient("http://center", first["key_id"], first["secret"], session=FlaskSession(center_app))
    assert new_key.probe()["kecamatan_code"] == "35.08.07"
    assert DeviceKey.get(DeviceKey.key_id == key_id).replaced_by == first["key_id"]


# --- issue 42, finding 1: the old PC numbers after its backup, then hears it was replaced ----------

def check_code_of(kec_app, number):
    from app.public_status.models import PublicStatus
    return within(kec_app, lambda: PublicStatus.get(PublicStatus.number == number).check_code)


def public_words(server, kec_app, number) -> str:
    import requests
    return requests.get(server.url + "/cek", params={"n": number, "k": check_code_of(kec_app, number)}, timeout=10).text


def assert_every_application_is_at_the_center_or_waits_visibly(center_app, pcs):
    """Every application a PC holds as complete (or further) is at the center, or waits on this PC's
    outbox to be sent (pending): none is marked as another PC's business while no PC sends it."""
    from app.registration.models import Application
    from sync.center.models import ReceivedApplication
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        at_center = {r.registration_number for r in ReceivedApplication.select()}
    for kec_app in pcs:
        held = within(kec_app, lambda: {a.registration_number for a in Application.select()
                                        .where(Application.status != "diterima")})
        assert held <= at_center, (sorted(held - at_center), "left behind on", kec_app.config["DATABASE_PATH"])


@pytest.mark.parametrize("first, choice", [("lama", "pc_tambahan"), ("baru", "pc_tambahan"),
                                           ("lama", "daftar_ulang")])
def test_the_old_pc_registering_after_its_backup_was_taken_over_still_delivers_that_application(
        tmp_path, center, first, choice):
    """PC A is backed up; PC B restores the backup and "PC ini menggantikan PC P1". Before A's next
    contact a clerk completes an application on A. A is refused, its admin enrols it as a PC tambahan
    (or, "daftar_ulang", its admin enrols it again with a new code before it ever heard): that
    application goes to the center from A (B never had it), B sends what the backup held, no number
    is held by two people, and /cek never says Dukcapil processes a file the center lacks."""
    center_dir, center_app, code, server = center
    old, before = an_enrolled_pc_that_delivered(tmp_path / "lama", server, code, 3, public_status=True)
    in_backup = fill(old, 1, 5)  # complete, not yet sent when the backup is taken: B sends it
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")

    new = taken_over_on_a_new_pc(old, backup, tmp_path / "baru", public_status=True)

    late = fill(old, 1, 11)  # on A, link down: "tersimpan", "Berkas lengkap", a receipt printed
    assert late[0].split("-")[1] == "P1" and late[0] not in before + in_backup
    if choice == "pc_tambahan":
        report = sync(old)
        assert "digantikan" in report.error
    admin_old = admin_client(old)
    answer = post(old, admin_old, "/sinkronisasi/daftar", {"center_url": server.url, "code": new_code(center_app)})
    assert answer.status_code == 303, answer.get_data(as_text=True)[-2000:]
    made_on_b = fill(new, 2, 21)
    assert not set(made_on_b) & set(before + in_backup + late)  # B numbers apart from A's late number

    order = [old, new] if first == "lama" else [new, old]
    for kec_app in order:
        assert not sync(kec_app).error
        if kec_app is old and first == "lama":
            # A's public record of the backup's application reached the center before B sent it.
            assert "sedang diproses Dukcapil" not in public_words(server, old, in_backup[0])
    assert "sedang diproses Dukcapil" in public_words(server, old, late[0])
    assert_every_application_is_at_the_center_or_waits_visibly(center_app, [old, new])
    shown = page(old, admin_old, "/sinkronisasi")
    assert "Menunggu dikirim</dt><dd>0 " in shown

    center_print_all(center_app)
    for kec_app in order:
        assert sync(kec_app).unapplied == 0
    assert_invariants(center_app, [new, old], printed=made_on_b + in_backup)
    assert local_view(old)[1][late[0]][1] == "dicetak"  # its statuses came back to the PC that holds it
    assert local_view(new)[1][in_backup[0]][1] == "dicetak"  # and the backup's to B, which sent it
    from sync.center.models import Conflict
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        assert Conflict.select().count() == 0


def test_a_pc_tambahan_lists_what_it_leaves_to_the_other_pc_until_the_center_holds_it(tmp_path, center):
    """Issue 42: what a PC tambahan leaves to the PC that numbered it is never silently gone: the sync
    page lists each one the center does not hold yet (with the reason and "Kirim dari PC ini"), the
    applicant's page says why; a pass asks the center and the list empties as that PC delivers; the
    button sends one from here when that PC will not."""
    center_dir, center_app, code, server = center
    old, _ = an_enrolled_pc_that_delivered(tmp_path / "lama", server, code, 1)
    waiting = fill(old, 2, 5)  # complete on the old PC, not yet sent when the backup is taken
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")
    new, admin = enrolled_as_a_pc_tambahan_from(old, backup, tmp_path / "baru", server.url, center_app)
    assert not sync(new).error

    shown = page(new, admin, "/sinkronisasi")
    assert "Menunggu dikirim PC lain" in shown and all(number in shown for number in waiting)
    assert shown.count("Kirim dari PC ini") == 2 and "PC yang memberi nomornya" in shown
    from app.registration.models import Application
    first_id = within(new, lambda: Application.get(Application.registration_number == waiting[0]).id)
    clerk = admin_client(new, "petugas_loket")
    detail = page(new, clerk, f"/pendaftaran/{first_id}")
    assert "tidak dikirim dari komputer ini" in detail and "Kirim dari PC ini" in detail
    assert "Kirim dari PC ini</button>" not in page(new, clerk, "/sinkronisasi")  # the admin decides

    # The old PC is broken for now: the admin sends the first one from here.
    from sync.client.models import OutboxItem
    item_id = within(new, lambda: OutboxItem.get(OutboxItem.registration_number == waiting[0]).id)
    assert post(new, admin, f"/sinkronisasi/kirim-dari-sini/{item_id}", {}).status_code == 303
    assert "dikirim dari komputer ini pada sinkronisasi berikutnya" in page(new, admin, "/sinkronisasi")
    report = sync(new)
    assert (report.error, report.sent) == ("", 1)
    shown = page(new, admin, "/sinkronisasi")
    assert waiting[0] not in shown and waiting[1] in shown
    # The old PC comes back and sends what it holds; the next pass here finds the second at the center.
    report = sync(old)
    assert (report.error, report.sent, report.already) == ("", 1, 1)
    assert not sync(new).error
    shown = page(new, admin, "/sinkronisasi")
    assert "Menunggu dikirim PC lain" not in shown
    second_id = within(new, lambda: Application.get(Application.registration_number == waiting[1]).id)
    assert "Pusat sudah menerima permohonan" in page(new, clerk, f"/pendaftaran/{second_id}")
    assert_every_application_is_at_the_center_or_waits_visibly(center_app, [old, new])
    center_print_all(center_app)
    assert sync(new).unapplied == 0 and sync(old).unapplied == 0
    assert local_view(new)[1][waiting[0]][1] == "dicetak"  # sent from here: its statuses come here


@pytest.mark.slow  # a center process and two PCs, about 12 s each
@pytest.mark.parametrize("answer_lost", [False, True], ids=["terkirim", "jawaban-hilang"])
def test_what_the_old_pc_delivered_after_its_backup_hears_its_statuses_there_not_on_the_new_pc(tmp_path, center,
                                                                                              answer_lost):
    """Issue 42 (office year, nothing_waits_on_a_decision_the_center_already_made): PC A delivers an
    application numbered after its backup (or the center stores it and its answer is lost: A still
    has it waiting, and sends it again from its new key); PC B restores that backup and "PC ini
    menggantikan PC P1"; the center prints everything. B, which never held that application, is not
    told about it (no "tidak dapat diterapkan"); A, refused and enrolled as a PC tambahan, hears
    "dicetak" for it (the center knows A's old key delivered it), and later statuses too."""
    center_dir, center_app, code, server = center
    old, before = an_enrolled_pc_that_delivered(tmp_path / "lama", server, code, 2)
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")
    late = fill(old, 1, 11)  # numbered after the backup, delivered from A under its P1 key
    report = sync(old)
    assert (report.error, report.sent) == ("", 1)
    if answer_lost:  # the center stored it; the PC never heard (the line died before the answer)
        from sync.client.models import OutboxItem
        within(old, lambda: OutboxItem.update(state="pending", acked_at=None).where(
            OutboxItem.registration_number == late[0]).execute())

    new = taken_over_on_a_new_pc(old, backup, tmp_path / "baru")
    made_on_b = fill(new, 1, 21)
    assert not set(made_on_b) & set(before + late)

    center_print_all(center_app)
    report = sync(new)
    assert (report.error, report.unapplied) == ("", 0)
    assert local_view(new)[2] == []  # no status of an application B does not hold
    assert late[0] not in local_view(new)[1]

    assert "digantikan" in sync(old).error
    admin_old = admin_client(old)
    answer = post(old, admin_old, "/sinkronisasi/daftar", {"center_url": server.url, "code": new_code(center_app)})
    assert answer.status_code == 303, answer.get_data(as_text=True)[-2000:]
    report = sync(old)
    assert (report.error, report.unapplied) == ("", 0)
    assert local_view(old)[1][late[0]][1] == "dicetak"  # its status reached the PC that holds it
    # What the backup held too is followed on B (printed there); A's page says so, its copy is not updated.
    assert all(local_view(new)[1][number][1] == "dicetak" for number in before)
    from app.registration.models import Application
    shared = within(old, lambda: Application.get(Application.registration_number == before[0]).id)
    shown = page(old, admin_client(old, "petugas_loket"), f"/pendaftaran/{shared}")
    assert "dari pusat diikuti di PC lain yang memegang nomor ini" in shown and before[0] in shown
    late_id = within(old, lambda: Application.get(Application.registration_number == late[0]).id)
    assert "diikuti di PC" not in page(old, admin_client(old, "petugas_loket"), f"/pendaftaran/{late_id}")

    from sync.center import records
    from sync.center.db import center_database
    from sync.center.models import ReceivedApplication
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        with center_database.atomic():
            assert records.move(ReceivedApplication.get(ReceivedApplication.registration_number == late[0]), "shipped")
    assert sync(old).unapplied == 0 and sync(new).unapplied == 0
    assert local_view(old)[1][late[0]][1] == "dikirim"
    assert local_view(new)[2] == []
    assert_invariants(center_app, [new, old])


def register_incomplete(kec_app, n: int) -> str:
    """A clerk registers person n (photo taken), the checklist not yet complete: its number."""
    hashed = fill(kec_app, 1, n)[0]  # numbered and complete ...
    from app.registration.models import Application
    from app.registration.status import ApplicationStatus as S
    from sync.client.models import OutboxItem
    from app.frame.db import database

    def back():  # ... as the clerk's form leaves it before the checklist: nothing to send yet
        with database.atomic():
            Application.update(status=S.RECEIVED.value).where(Application.registration_number == hashed).execute()
            OutboxItem.delete().where(OutboxItem.registration_number == hashed).execute()
    within(kec_app, back)
    return hashed


def complete(kec_app, number: str) -> None:
    """The checklist completed at this PC ("Berkas lengkap")."""
    from app.frame.db import database
    from app.registration.models import Application
    from app.registration.status import ApplicationStatus as S, transition

    def done():
        with database.atomic():
            transition(Application.get(Application.registration_number == number), S.COMPLETE, note="lengkap")
    within(kec_app, done)


def taken_over_and_a_pc_tambahan_holding_an_incomplete_file(tmp_path, center):
    """PC A registers an application whose checklist is not complete yet; A is backed up; B restores the
    backup and "PC ini menggantikan PC P1"; A is refused and enrolled as a PC tambahan.
    Returns (A, B, the shared application's id, A's admin client)."""
    center_dir, center_app, code, server = center
    old = kecamatan_app(tmp_path / "lama")
    fill(old, 0, 1)
    enrol_kecamatan(old, server.url, code)
    shared = register_incomplete(old, 1)
    assert not sync(old).error
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")
    new = taken_over_on_a_new_pc(old, backup, tmp_path / "baru")
    assert not sync(new).error
    assert "digantikan" in sync(old).error
    admin_old = admin_client(old)
    answer = post(old, admin_old, "/sinkronisasi/daftar", {"center_url": server.url, "code": new_code(center_app)})
    assert answer.status_code == 303, answer.get_data(as_text=True)[-2000:]
    return old, new, shared, admin_old


@pytest.mark.windows_pass  # a center process and two PCs, about 10 s: the Windows-like pass only (the office PCs)
def test_what_the_backup_held_incomplete_and_both_pcs_completed_is_followed_on_the_pc_that_took_over(
        tmp_path, center):
    """Issue 42 (office year, seed 4400, nothing_waits_on_a_decision_the_center_already_made): PC A
    registers an application whose checklist is not complete yet; A is backed up; B restores the backup
    and "PC ini menggantikan PC P1"; A is refused and enrolled as a PC tambahan. The checklist is then
    completed on A and on B (both hold the file). A does not send it (B holds its number and follows
    it; A lists it under "Menunggu dikirim PC lain"); B sends it and hears "dicetak". Before, A sent it
    under its new key: the center answered B "already held" and served its statuses to A only, so B
    showed "terkirim" for ever."""
    center_dir, center_app, code, server = center
    old, new, shared, admin_old = taken_over_and_a_pc_tambahan_holding_an_incomplete_file(tmp_path, center)

    complete(old, shared)
    complete(new, shared)
    report = sync(old)
    assert (report.error, report.sent) == ("", 0)
    shown = page(old, admin_old, "/sinkronisasi")
    assert "Menunggu dikirim PC lain" in shown and shared in shown
    report = sync(new)
    assert (report.error, report.sent) == ("", 1)
    from sync.center.models import ReceivedApplication
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        assert ReceivedApplication.get(ReceivedApplication.registration_number == shared).sender_device == "P1"
    assert not sync(old).error  # asks the center: held, the list empties
    assert "Menunggu dikirim PC lain" not in page(old, admin_old, "/sinkronisasi")

    center_print_all(center_app)
    assert sync(new).unapplied == 0 and sync(old).unapplied == 0
    assert local_view(new)[1][shared][1] == "dicetak"  # the PC that holds its number hears its statuses
    assert_every_application_is_at_the_center_or_waits_visibly(center_app, [old, new])
    assert_invariants(center_app, [new, old])


@pytest.mark.slow  # a center process, two PCs and three restores, about 20 s
def test_the_old_pc_restoring_its_own_backup_from_before_the_takeover_gives_no_number_of_the_new_pc(
        tmp_path, center):
    """Issue 42 (office year, no_registration_number_held_by_two_people: 350807-P1-2000001 held by two
    NIKs): PC B restores PC A's backup and "PC ini menggantikan PC P1", and numbers P1 from the next
    generation. A hears it was taken over and becomes a PC tambahan; later its admin restores A's own
    backup from before the takeover, twice (a restore that went wrong is done again). That backup still
    names A's machine and code P1: each restore raises A's generation, so A would number P1 where B
    does. A remembers, outside its database, that P1 is no longer its code: it numbers nothing until
    its admin enrols it again, and then under a code of its own."""
    center_dir, center_app, code, server = center
    old, before = an_enrolled_pc_that_delivered(tmp_path / "lama", server, code, 2)
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")

    new = taken_over_on_a_new_pc(old, backup, tmp_path / "baru")
    made_on_b = fill(new, 3, 21)
    assert not sync(new).error

    assert "digantikan" in sync(old).error
    answer = post(old, admin_client(old), "/sinkronisasi/daftar", {"center_url": server.url,
                                                                   "code": new_code(center_app)})
    assert answer.status_code == 303, answer.get_data(as_text=True)[-2000:]
    assert {n.split("-")[1] for n in fill(old, 1, 31)} == {"P2"}

    from app.frame.db import database
    for attempt in range(2):  # the admin restores A's own backup from before the takeover, then again
        restore_database(backup, old.config["DATABASE_PATH"], tmp_path / f"lama-aman-{attempt}", recovery_key_of(old))
        old = kecamatan_app(tmp_path / "lama")
        within(old, lambda: migrate(database))
        refusal = refusal_to_number(old)
        assert refusal and "menggantikan PC P1" in refusal and "PC tambahan" in refusal, refusal
    shown = page(old, admin_client(old), "/sinkronisasi")
    assert "PC tambahan" in shown and "PC ini menggantikan PC P1" not in shown
    report = sync(old)
    assert report.sent == 0 and "menggantikan PC P1" in report.error  # nothing goes out under P1's old key

    answer = post(old, admin_client(old), "/sinkronisasi/daftar", {"center_url": server.url,
                                                                   "code": new_code(center_app)})
    assert answer.status_code == 303, answer.get_data(as_text=True)[-2000:]
    made_on_a = fill(old, 3, 41)
    assert {n.split("-")[1] for n in made_on_a} == {"P3"}
    assert not set(made_on_a) & set(before + made_on_b)
    assert not sync(old).error and not sync(new).error
    assert_invariants(center_app, [new, old])


def held_at_center(center_app, number):
    """The device whose key the center holds `number` under, or None when it holds no such application."""
    from sync.center.models import ReceivedApplication
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        row = ReceivedApplication.get_or_none(ReceivedApplication.registration_number == number)
        return row.sender_device if row is not None else None


def completed_during_the_pass(monkeypatch, number):
    """The clerk completes `number`'s checklist on this PC while its pass runs: after the pass's steps
    before the push (the check of what other PCs follow among them), before the push chooses what to send."""
    from app.frame.db import database
    from app.registration.models import Application
    from app.registration.status import ApplicationStatus as S, transition
    from sync.client import engine
    push = engine.push

    def clerk_then_push(*args, **kwargs):
        with database.atomic():
            transition(Application.get(Application.registration_number == number), S.COMPLETE, note="lengkap")
        return push(*args, **kwargs)
    monkeypatch.setattr(engine, "push", clerk_then_push)


@pytest.mark.slow  # a center process and two PCs, about 10 s
def test_what_the_old_pc_completes_while_its_pass_runs_goes_from_the_pc_that_took_over_unless_its_admin_sends_it(
        tmp_path, center, monkeypatch):
    """Issue 42: PC B restores A's backup and "PC ini menggantikan PC P1"; A, enrolled as a PC tambahan,
    holds an application of that backup whose checklist was not complete. A clerk completes it on A while
    A's pass is running, after the pass looked for such applications: it still does not go from A (the
    center would hold it under A's key and B, which holds its number, would never hear its statuses);
    A lists it under "Menunggu dikirim PC lain". B is broken: A's admin presses "Kirim dari PC ini", and
    the next pass sends it from A, which then hears its statuses."""
    center_dir, center_app, code, server = center
    old, new, shared, admin_old = taken_over_and_a_pc_tambahan_holding_an_incomplete_file(tmp_path, center)

    with monkeypatch.context() as patched:
        completed_during_the_pass(patched, shared)
        report = sync(old)
    assert (report.error, report.sent) == ("", 0)
    assert held_at_center(center_app, shared) is None
    shown = page(old, admin_old, "/sinkronisasi")
    assert "Menunggu dikirim PC lain" in shown and shared in shown and "Kirim dari PC ini" in shown

    from sync.client.models import OutboxItem
    item_id = within(old, lambda: OutboxItem.get(OutboxItem.registration_number == shared).id)
    assert post(old, admin_old, f"/sinkronisasi/kirim-dari-sini/{item_id}", {}).status_code == 303
    report = sync(old)
    assert (report.error, report.sent) == ("", 1)
    assert held_at_center(center_app, shared) == "P2"
    assert "Menunggu dikirim PC lain" not in page(old, admin_old, "/sinkronisasi")
    center_print_all(center_app)
    assert sync(old).unapplied == 0 and sync(new).unapplied == 0
    assert local_view(old)[1][shared][1] == "dicetak"  # sent from A: its statuses come to A


@pytest.mark.slow  # a center process and two PCs, about 10 s
def test_a_pc_tambahan_leaves_what_the_backup_held_and_was_completed_there_after_its_enrolment_to_the_pc_that_numbered_it(
        tmp_path, center, monkeypatch):
    """Issue 42, both PCs in use: B restores A's backup and is enrolled as a PC tambahan; the backup holds
    an application numbered on A whose checklist was not complete. Completed on B after the enrolment
    (before or during a pass), it does not go from B: A holds its number and follows it; B lists it
    under "Menunggu dikirim PC lain" until A delivers it."""
    center_dir, center_app, code, server = center
    old = kecamatan_app(tmp_path / "lama")
    fill(old, 0, 1)
    enrol_kecamatan(old, server.url, code)
    shared = [register_incomplete(old, 1), register_incomplete(old, 2)]
    assert not sync(old).error
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")
    new, admin = enrolled_as_a_pc_tambahan_from(old, backup, tmp_path / "baru", server.url, center_app)
    made = fill(new, 1, 11)
    assert {n.split("-")[1] for n in made} == {"P2"}

    complete(new, shared[0])
    with monkeypatch.context() as patched:
        completed_during_the_pass(patched, shared[1])
        report = sync(new)
    assert (report.error, report.sent) == ("", 1)  # its own only
    assert [held_at_center(center_app, number) for number in shared] == [None, None]
    shown = page(new, admin, "/sinkronisasi")
    assert "Menunggu dikirim PC lain" in shown and all(number in shown for number in shared)

    for number in shared:
        complete(old, number)
    report = sync(old)
    assert (report.error, report.sent) == ("", 2)
    assert [held_at_center(center_app, number) for number in shared] == ["P1", "P1"]
    assert not sync(new).error  # asks the center: held, the list empties
    assert "Menunggu dikirim PC lain" not in page(new, admin, "/sinkronisasi")
    center_print_all(center_app)
    assert sync(old).unapplied == 0 and sync(new).unapplied == 0
    assert all(local_view(old)[1][number][1] == "dicetak" for number in shared)
    assert_every_application_is_at_the_center_or_waits_visibly(center_app, [old, new])
    assert_invariants(center_app, [new, old], printed=made + shared)


@pytest.mark.windows_pass  # a center process and two PCs, about 10 s: the Windows-like pass only (the office PCs)
def test_a_pc_tambahan_says_where_the_backups_delivered_applications_are_followed(tmp_path, center):
    """Issue 42 (office year, seed 9200, nothing_waits_on_a_decision_the_center_already_made: "P1:
    350807-P1-000001 versi 1 masih diterima_pusat, padahal pusat sudah resend ... tidak pernah dikirim ke
    kunci PC ini"): an application the backup held as delivered is followed by the PC that numbered it,
    which hears the center's decisions; on a PC tambahan holding that backup its copy is never updated.
    Its page says so there, for a backup of a PC still in use as for one taken over, however the copy
    came to be acknowledged (here a conflict the center decided after the enrolment)."""
    center_dir, center_app, code, server = center
    old, delivered = an_enrolled_pc_that_delivered(tmp_path / "lama", server, code, 2)
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")
    new, admin = enrolled_as_a_pc_tambahan_from(old, backup, tmp_path / "baru", server.url, center_app)
    from app.sync_page import identity
    from sync.client import engine
    from sync.client.models import OutboxItem

    def decided_after_the_enrolment():  # as a pass applies the center's decision of a conflict
        item = OutboxItem.get(OutboxItem.registration_number == delivered[1])
        OutboxItem.update(state="conflict", last_error="pusat memegang isi lain").where(OutboxItem.id == item.id).execute()
        engine._mark_sent(OutboxItem.get_by_id(item.id))
    within(new, decided_after_the_enrolment)
    assert not sync(new).error
    center_print_all(center_app)
    assert not sync(old).error and not sync(new).error
    assert [local_view(pc)[1][delivered[0]][1] for pc in (old, new)] == ["dicetak", "diterima_pusat"]

    from app.registration.models import Application
    clerk = admin_client(new, "petugas_loket")
    for number in delivered:
        shown = page(new, clerk, f"/pendaftaran/{within(new, lambda: Application.get(Application.registration_number == number).id)}")  # noqa: B023
        assert f"Status permohonan {number} dari pusat diikuti di PC lain" in shown, number
        assert "statusnya tidak diperbarui lagi" in shown
    assert within(new, lambda: {i.last_error for i in OutboxItem.select().where(
        OutboxItem.registration_number.in_(delivered))}) == {identity.FOLLOWED_ELSEWHERE}

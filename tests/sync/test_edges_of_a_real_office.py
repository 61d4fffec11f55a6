"""Issue 12: a restore, a second PC, a long outage, a center that changes its mind.

Each test starts from a finding of the issue: one applicant must never receive another's
statuses, every center event is applied or shown to a person, a month's backlog travels by USB,
enrolment survives a lost answer, a wrong clock explains itself, and the center stores nothing
it has not checked. Real kecamatan apps (SQLite), the real center app (SQLite and PostgreSQL).
"""
import io
import time
from json import dumps
from itertools import chain


from app.backups.engine import open_backup
from app.frame.db import connect
import pytest

from app.frame import installation
from app.backups.engine import backup_database, restore_database
from app.registration.models import Application
from app.registration.status import ApplicationStatus as S, transition
from sync import protocol, usb
from sync.center import keys, records
from sync.center.models import Conflict, DeviceKey, Kecamatan, ReceivedApplication, UsedNonce
from app.registration.center_notices import center_notices
from app.registration.sync_records import CENTER_TO_LOCAL
from sync.client import engine, enrolment, usb_files
from sync.client.models import StatusIssue
from sync.client.transport import CenterClient, ClockSkew, EnrolmentError
from tests.conftest import CsrfClient, sign_in_as
from tests.sync.harness import fill_kecamatan, kecamatan_app
from tests.sync.helpers import call, packet_call, packet_item, record_for
from tests.support.factory import numbered_photo_jpeg, person_name, sync_link_row
from tests.sync.test_center_pages import client_as, operators  # noqa: F401  (fixture)
from tests.sync.test_client import FlaskSession


def run(kec_app, fn):
    """fn() against this kecamatan app's database (the models' proxy points at one file at a time)."""
    from app.frame.db import database
    database.initialize(kec_app.extensions["database"])
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        return fn()


def fill(kec_app, count, size=None, first=None):
    from app.frame.db import database
    database.initialize(kec_app.extensions["database"])
    return fill_kecamatan(kec_app, count, size or SMALL, first=first)


SMALL = (60, 80)


class EnrolSession(FlaskSession):
    """FlaskSession plus the `post(url, json=...)` that enrolment uses."""

    def post(self, url, json=None, timeout=None, allow_redirects=False):
        path = "/" + url.split("://", 1)[1].split("/", 1)[1]
        response = self.center_app.test_client().post(path, data=dumps(json), content_type="application/json")
        from types import SimpleNamespace
        return SimpleNamespace(status_code=response.status_code, headers=response.headers, content=response.data)


def enrolled_installation(path, center_app, kecamatan: Kecamatan):
    """A fresh kecamatan app enrolled with a new one-time code: it gets its own device code."""
    kec_app = kecamatan_app(path)
    code = keys.new_enrolment_code(kecamatan)
    run(kec_app, lambda: fill(kec_app, 0))  # office identity (kecamatan code) in settings
    run(kec_app, lambda: enrolment.enrol("http://center", "35.08.07", code, "01", session=EnrolSession(center_app)))
    return kec_app


def sync(kec_app, center_app):
    def once():
        current = engine.current_link()
        client = CenterClient(current.center_url, current.key_id, current.secret, session=FlaskSession(center_app))
        return engine.sync_once(client=client, full=True)
    return run(kec_app, once)


def local_statuses(kec_app):
    return run(kec_app, lambda: {a.registration_number: a.status for a in Application.select()})


def center_move(number, *moves):
    from sync.center.db import center_database
    with center_database.atomic():
        application = ReceivedApplication.get(ReceivedApplication.registration_number == number)
        for to_status in moves:
            assert records.move(application, to_status, "uji"), (number, application.status, to_status)


# --- 1. numbers: a restore, every backup of a day, two installations ---------------------------

def test_restore_then_new_applicants_never_get_the_old_numbers_or_their_statuses(tmp_path, center_app, center_db,
                                                                                   enrolled):
    kecamatan, _ = enrolled
    kec_app = enrolled_installation(tmp_path / "k", center_app, kecamatan)
    db_path = kec_app.config["DATABASE_PATH"]
    morning = backup_database(db_path, tmp_path / "pagi.sqlite3")
    first = fill(kec_app, 5, SMALL, first=1)
    assert sync(kec_app, center_app).sent == 5
    restore_database(morning, db_path, tmp_path / "pengaman")
    second = fill(kec_app, 5, SMALL, first=101)  # five other people
    assert not set(first) & set(second), (first, second)
    report = sync(kec_app, center_app)
    assert (report.sent, report.conflicts) == (5, 0)
    center_move(first[0], "printed")  # the number today's code handed out again after the restore
    sync(kec_app, center_app)
    after = local_statuses(kec_app)
    assert {after[n] for n in second} == {S.RECEIVED_BY_CENTER.value}, after


def test_restoring_every_backup_of_a_day_in_turn_never_repeats_a_number(tmp_path):
    kec_app = kecamatan_app(tmp_path / "k")
    db_path = kec_app.config["DATABASE_PATH"]
    handed_out, backups, person = [], [], 1
    for hour in range(4):  # a backup every two hours, registrations between them
        backups.append(backup_database(db_path, tmp_path / f"jam-{8 + 2 * hour}.sqlite3"))
        handed_out += fill(kec_app, 2, SMALL, first=person)
        person += 2
    for backup in backups + [backups[1], backups[0]]:
        restore_database(backup, db_path, tmp_path / "pengaman")
        handed_out += fill(kec_app, 2, SMALL, first=person)
        person += 2
    # A restore killed after the generation was reserved and the copy made, before it was
    # written into the database: the next start lifts the database to the reserved generation.
    target = connect(db_path)  # keyed: the office database and its backups are encrypted (issue 14)
    installation.reserve_before_restore(target, db_path)
    with target.backup("main", open_backup(backups[2], db_path.parent)[0], "main") as copy:
        copy.step(-1)
    target.close()
    restarted = kecamatan_app(tmp_path / "k")
    handed_out += fill(restarted, 2, SMALL, first=person)
    assert len(handed_out) == len(set(handed_out)), sorted(handed_out)


def test_two_installations_of_one_kecamatan_get_their_own_numbers_from_the_center(tmp_path, center_app, center_db,
                                                                                  enrolled):
    kecamatan, _ = enrolled
    counter_a = enrolled_installation(tmp_path / "a", center_app, kecamatan)
    counter_b = enrolled_installation(tmp_path / "b", center_app, kecamatan)
    numbers_a = fill(counter_a, 3, SMALL, first=1)
    numbers_b = fill(counter_b, 3, SMALL, first=4)  # same counting (other people: one card in the making each)
    assert not set(numbers_a) & set(numbers_b)
    assert {n.split("-")[1] for n in numbers_a} != {n.split("-")[1] for n in numbers_b}
    assert all(n.split("-")[1].startswith("P") for n in numbers_a + numbers_b)
    assert sync(counter_a, center_app).sent == 3
    report = sync(counter_b, center_app)
    assert (report.sent, report.conflicts) == (3, 0)


# --- 2. conflicts: never applied across content, decided at the center, travel back ------------

def _two_pcs_on_one_device_id(tmp_path, enrolled):
    """Two PCs left on LOKET_DEVICE_ID=01 (the old world): the same numbers, other people."""
    _, key = enrolled
    pcs = []
    for name, first in (("a", 1), ("b", 51)):
        kec_app = kecamatan_app(tmp_path / name)
        fill(kec_app, 2, SMALL, first=first)

        def link_up():
            from app.frame.db import database
            from datetime import datetime
            with database.atomic():
                sync_link_row(key_id=key[0], secret=key[1], enrolled_at=datetime(2026, 1, 1))
        run(kec_app, link_up)
        pcs.append(kec_app)
    return pcs


@pytest.mark.parametrize("decision", ["keep", "accept", "reject"])
def test_statuses_of_a_number_in_conflict_never_reach_the_other_applicant_until_the_center_decides(
        tmp_path, center_app, center_db, enrolled, operators, decision):  # noqa: F811
    pc_a, pc_b = _two_pcs_on_one_device_id(tmp_path, enrolled)
    assert sync(pc_a, center_app).sent == 2
    report = sync(pc_b, center_app)
    assert report.conflicts == 2
    number = "350807-01-000001"
    center_move(number, "printed")  # pc A's applicant's card
    report = sync(pc_b, center_app)
    assert local_statuses(pc_b)[number] == S.COMPLETE.value  # not "dicetak": that card is someone else's
    assert report.unapplied >= 1

    def applicant_page():
        from app.auth.accounts import create_user
        from app.frame.roles import KASI
        user, _ = create_user("kasi-uji", "Kasi Uji", KASI, password="rahasia-uji-12", must_change_password=False)
        pc_b.test_client_class = CsrfClient
        client = pc_b.test_client()
        sign_in_as(client, user)
        application = Application.get(Application.registration_number == number)
        return client.get(f"/pendaftaran/{application.id}").get_data(as_text=True)
    page = run(pc_b, applicant_page)
    assert "Konflik nomor di pusat" in page and "hubungi petugas pusat" in page

    # The operator decides on the second number (not printed yet); the decision travels back.
    second = "350807-01-000002"
    conflict = Conflict.get(Conflict.registration_number == second)
    center = client_as(center_app, operators["operator"])
    answer = center.post(f"/konflik/{conflict.id}/selesai", data={"decision": decision, "note": "diperiksa"})
    assert answer.status_code == 303 and Conflict.get_by_id(conflict.id).decision == decision
    sync(pc_b, center_app)
    if decision == "keep":
        renumbered = run(pc_b, lambda: Application.get(Application.full_name == person_name(52)))
        assert renumbered.registration_number != second
        report = sync(pc_b, center_app)  # the next pass sends it under its new number
        assert report.sent == 1
        assert local_statuses(pc_b)[renumbered.registration_number] == S.RECEIVED_BY_CENTER.value
        assert ReceivedApplication.get(ReceivedApplication.registration_number == second).full_name == person_name(2)
    elif decision == "accept":
        assert local_statuses(pc_b)[second] == S.RECEIVED_BY_CENTER.value
        sync(pc_a, center_app)  # and PC A's applicant, whose content the center replaced, is left alone
        assert local_statuses(pc_a)[second] == S.RECEIVED_BY_CENTER.value
        assert run(pc_a, lambda: StatusIssue.select().where(StatusIssue.registration_number == second).count()) == 1
    else:
        assert local_statuses(pc_b)[second] == S.REJECTED.value
    assert local_statuses(pc_b)[number] == S.COMPLETE.value


# --- 3. every center move is applied or shown ---------------------------------------------------

def _paths(graph, start="received"):
    """Every path from `start` through the center's lifecycle, as lists of moves."""
    found = []
    for to_status in sorted(graph[start]):
        found.append([to_status])
        found.extend([to_status] + rest for rest in _paths(graph, to_status))
    return found


def test_every_center_transition_is_applied_at_the_kecamatan(tmp_path, center_app, center_db, enrolled):
    paths = _paths(records.CENTER_TRANSITIONS)
    walked = {(a, b) for path in paths for a, b in zip(["received"] + path, path)}
    every = {(a, b) for a, targets in records.CENTER_TRANSITIONS.items() for b in targets}
    assert walked == every and ("printed", "rejected") in every and ("shipped", "rejected") in every
    kecamatan, _ = enrolled
    kec_app = enrolled_installation(tmp_path / "k", center_app, kecamatan)
    numbers = fill(kec_app, len(paths), SMALL, first=1)
    assert sync(kec_app, center_app).sent == len(paths)
    for number, path in zip(numbers, paths):
        center_move(number, *path)
    report = sync(kec_app, center_app)
    assert report.unapplied == 0 and not report.error
    local = local_statuses(kec_app)
    for number, path in zip(numbers, paths):
        assert local[number] == CENTER_TO_LOCAL[path[-1]].value, (number, path, local[number])


def test_a_move_the_counter_cannot_follow_is_counted_and_shown(tmp_path, center_app, center_db, enrolled):
    kecamatan, _ = enrolled
    kec_app = enrolled_installation(tmp_path / "k", center_app, kecamatan)
    number, = fill(kec_app, 1, SMALL, first=1)
    sync(kec_app, center_app)
    center_move(number, "printed", "shipped")
    sync(kec_app, center_app)

    def hand_over():
        from app.frame.db import database
        application = Application.get(Application.registration_number == number)
        with database.atomic():
            transition(application, S.READY)
            transition(application, S.HANDED_OVER)
    run(kec_app, hand_over)
    center_move(number, "rejected")  # the center finds a defect after the card was handed over
    report = sync(kec_app, center_app)
    assert report.unapplied == 1 and local_statuses(kec_app)[number] == S.HANDED_OVER.value
    notices = run(kec_app, lambda: center_notices(Application.get(Application.registration_number == number)))
    assert any("tidak dapat diterapkan" in n for n in notices)
    log = run(kec_app, lambda: engine.SyncLog.select().order_by(engine.SyncLog.id.desc()).first().summary)
    assert "status tidak diterapkan 1" in log


# --- 4. USB for any backlog ---------------------------------------------------------------------

@pytest.mark.soak  # a month of files both ways: run once, in the normal pass (scripts/test.sh)
# On the center's own database only: the office's half is the same whatever the center runs on, and
# the SQLite center imports files in test_center_pages.py, test_usb_encrypted.py and the killed USB
# import (test_kills_restore_usb.py). The month took 100 s a run on each.
@pytest.mark.parametrize("center_app", ["postgresql"], indirect=True)
def test_a_month_offline_travels_by_usb_in_numbered_files_in_any_order(tmp_path, center_app, center_db, enrolled,
                                                                        operators):  # noqa: F811
    kecamatan, _ = enrolled
    kec_app = enrolled_installation(tmp_path / "k", center_app, kecamatan)
    # Its length (issue 93): ten files at the real limit of 200 applications a file (usb.MAX_BATCH_FILE_ITEMS, what
    # the center's import takes), the fewest whose names sort in order only with the number's padding ("-10-" after
    # "-09-"); the photos are small, as splitting by bytes has its own test below.
    numbers = fill(kec_app, 2000, (30, 40), first=1)
    files, count = run(kec_app, lambda: usb_files.export_batches(tmp_path / "usb"))
    assert count == 2000 and len(files) == 10
    names = [name for name, _ in files]
    assert names == sorted(names) and names[2].endswith("-03-dari-10.lkb")
    assert sorted(p.name for p in (tmp_path / "usb").iterdir()) == names
    for _, content in files:
        assert len(content) <= usb.MAX_BATCH_FILE_BYTES
    operator = client_as(center_app, operators["operator"])
    for name, content in reversed(files[3:]):  # any order
        answer = operator.post("/impor", data={"batch": (io.BytesIO(content), name)},
                               content_type="multipart/form-data", headers={"X-Loket-Upload": "satu"})
        assert answer.status_code == 200 and "disimpan 200" in answer.get_data(as_text=True)
    # Several at once (a folder) in one form post; one of them already imported.
    several = operator.post("/impor", data={"batch": [(io.BytesIO(c), n) for n, c in files[:4]]},
                            content_type="multipart/form-data").get_data(as_text=True)
    assert "Berkas 4 dari 10 sudah pernah diimpor" in several
    assert several.count("disimpan 200") == 3
    assert ReceivedApplication.select().count() == 2000
    assert {r.registration_number for r in ReceivedApplication.select()} == set(numbers)
    key = DeviceKey.select().order_by(DeviceKey.id.desc()).get()
    status_file = usb.write_status_file(key, [records.event_json(e) for e in records.events_after(kecamatan, 0, 5000)])
    assert run(kec_app, lambda: usb_files.import_status_file(status_file)) == 2000
    assert set(local_statuses(kec_app).values()) == {S.RECEIVED_BY_CENTER.value}


def test_files_are_split_by_bytes_as_well_as_by_count():
    items = [packet_item(n, photo=numbered_photo_jpeg(n, size=(300, 400))) for n in range(1, 41)]
    limit = 4 * len(items[0][1]) + 6000
    groups = usb.split_for_files(items, max_bytes=limit, max_items=7)
    assert list(chain.from_iterable(groups)) == items and len(groups) > 40 // 7 + 1
    contents = usb.write_batch_files("k", "s" * 43, items, "set", max_bytes=limit, max_items=7)
    assert all(len(c) <= limit for c in contents) and len(contents) == len(groups)


def test_an_old_oversize_file_and_an_oversize_upload_get_exact_indonesian_answers(center_app, enrolled, operators):  # noqa: F811
    _, key = enrolled
    # A file from the old single-file export with 260 applications.
    items = [packet_item(n, photo=numbered_photo_jpeg(1, size=(8, 8))) for n in range(1, 261)]
    packet = protocol.encode_packet(items, (key[1], usb.USB_SEAL_NONCE))
    content = usb.seal_batch_packet(key[0], key[1], packet, len(items))
    operator = client_as(center_app, operators["operator"])
    answer = operator.post("/impor", data={"batch": (io.BytesIO(content), "lama.lkb")},
                           content_type="multipart/form-data")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "berisi 260 permohonan, lebih dari batas 200" in text and "rusak" not in text
    big = operator.post("/impor", data={"batch": (io.BytesIO(b"x" * (protocol.MAX_PACKET_BYTES + 1)), "besar.lkb")},
                        content_type="multipart/form-data")
    assert big.status_code == 413 and "Berkas terlalu besar" in big.get_data(as_text=True)
    api = center_app.test_client().post("/api/v1/packets", data=b"x" * (protocol.MAX_PACKET_BYTES + 1))
    assert api.status_code == 413 and "paket terlalu besar" in api.get_json()["message"]


# --- 5. enrolment that survives a lost answer; a clock that explains itself ------------------

def test_enrolment_retry_after_a_lost_answer_gets_the_same_key(center_db, enrolled):
    kecamatan, _ = enrolled
    code = keys.new_enrolment_code(kecamatan)
    _, first = keys.enrol("35.08.07", code, "01", "token-pc-a")
    _, again = keys.enrol("35.08.07", code, "01", "token-pc-a")  # the answer was lost; same PC asks again
    assert (again.key_id, again.secret, again.device_code) == (first.key_id, first.secret, first.device_code)
    with pytest.raises(keys.EnrolmentRefused) as other:
        keys.enrol("35.08.07", code, "01", "token-pc-b")
    assert other.value.kind == "used_code"
    from datetime import timedelta
    from app.frame.dates import utc_now
    Kecamatan.update(enrolment_used_at=utc_now() - timedelta(hours=1)).execute()
    with pytest.raises(keys.EnrolmentRefused):
        keys.enrol("35.08.07", code, "01", "token-pc-a")  # the window is short
    assert DeviceKey.select().where(DeviceKey.key_id == first.key_id).count() == 1


def test_enrolment_errors_have_a_kind_and_an_indonesian_message(tmp_path, center_app, center_db, enrolled):
    kecamatan, _ = enrolled
    kec_app = kecamatan_app(tmp_path / "k")
    session = EnrolSession(center_app)
    code = keys.new_enrolment_code(kecamatan)

    def attempt(url="http://center", the_code=code, use=session):
        with pytest.raises(EnrolmentError) as problem:
            enrolment.enrol(url, "35.08.07", the_code, "01", session=use)
        return problem.value.kind, str(problem.value)
    assert run(kec_app, lambda: attempt(the_code="salah-salah-salah"))[0] == "wrong_code"
    assert run(kec_app, lambda: attempt(url="http://127.0.0.1:9", use=None))[0] == "unreachable"

    class Hotspot:
        def post(self, *args, **kwargs):
            from types import SimpleNamespace
            return SimpleNamespace(status_code=200, headers={}, content=b"<html>Login Wi-Fi</html>")
    kind, message = run(kec_app, lambda: attempt(use=Hotspot()))
    assert kind == "unsigned" and "bukan dari komputer pusat" in message
    made = run(kec_app, lambda: enrolment.enrol("http://center", "35.08.07", code, "01", session=session))
    retried = run(kec_app, lambda: enrolment.enrol("http://center", "35.08.07", code, "01", session=session))
    assert retried.key_id == made.key_id  # a second click after a lost answer
    Kecamatan.update(enrolment_expires_at=Kecamatan.enrolment_expires_at).execute()
    fresh = keys.new_enrolment_code(kecamatan)
    Kecamatan.update(enrolment_expires_at=__import__("datetime").datetime(2020, 1, 1)).execute()
    kind, message = run(kec_app, lambda: attempt(the_code=fresh))
    assert kind == "expired" and "kedaluwarsa" in message


def test_a_wrong_clock_is_named_with_minutes_and_sync_works_once_it_is_right(tmp_path, center_app, center_db,
                                                                             enrolled, monkeypatch):
    kecamatan, _ = enrolled
    kec_app = enrolled_installation(tmp_path / "k", center_app, kecamatan)
    fill(kec_app, 2, SMALL, first=1)
    from types import SimpleNamespace
    from sync.client import transport
    # Only this PC's clock is 17 minutes fast; the center (same process here) keeps the real time.
    monkeypatch.setattr(transport, "time", SimpleNamespace(time=lambda: time.time() + 17 * 60, sleep=time.sleep))
    report = sync(kec_app, center_app)
    assert "Jam komputer ini selisih 17 menit dari pusat" in report.error and "Waktu & bahasa" in report.error
    assert run(kec_app, lambda: engine.current_link().last_error) == report.error  # what the sync page shows
    with pytest.raises(ClockSkew):
        run(kec_app, lambda: CenterClient("http://center", engine.current_link().key_id, engine.current_link().secret,
                                          session=FlaskSession(center_app)).probe())
    monkeypatch.setattr(transport, "time", time)
    report = sync(kec_app, center_app)
    assert (report.sent, report.error) == (2, "")


# --- 6. the center checks everything it stores -------------------------------------------------

def _with_size(photo: bytes, width: int, height: int) -> bytes:
    """The same JPEG with its frame header (SOF0) claiming another size."""
    at = photo.index(b"\xff\xc0")
    return photo[:at + 5] + height.to_bytes(2, "big") + width.to_bytes(2, "big") + photo[at + 9:]


def test_photos_are_decoded_fully_within_a_pixel_limit_and_a_bad_one_spoils_only_itself(center_db, enrolled):
    kecamatan, key = enrolled
    good = numbered_photo_jpeg(1, size=(300, 400))
    # Cut inside its tables, end marker put back: the header alone still reads as 300x400.
    truncated = good[:good.index(b"\xff\xda") - 10] + b"\xff\xd9"
    huge_broken = _with_size(good, 12000, 9000)
    header_bomb = _with_size(good, 65000, 65000)
    items = [packet_item(1, photo=truncated), packet_item(2, photo=huge_broken), packet_item(3, photo=header_bomb),
             packet_item(4), packet_item(5)]
    from flask import current_app
    answer = packet_call(current_app.test_client(), key, "/api/v1/packets", items)
    assert answer.status_code == 200
    results = [r["result"] for r in answer.get_json()["results"]]
    assert results == ["rejected", "rejected", "rejected", "stored", "stored"]
    assert ReceivedApplication.select().count() == 2


def _speckled_jpeg(size=(300, 400)) -> bytes:
    """A photo with detail everywhere, so its scan data is long enough to cut in the middle."""
    from PIL import Image
    pixels = bytes((x * 7 + y * 13 + (x * y) % 251) % 256 for y in range(size[1]) for x in range(size[0]) for _ in "rgb")
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_photo_cut_inside_its_scan_data_is_refused_per_item(center_db, enrolled):
    """Pillow (libjpeg) fills a scan cut short with grey and only warns: such a photo was stored."""
    kecamatan, key = enrolled
    good = _speckled_jpeg()
    scan = good.index(b"\xff\xda")
    assert good.endswith(b"\xff\xd9") and len(good) - scan > 4000
    middle = (scan + len(good)) // 2
    cut_photos = [good[:middle],                        # cut mid-scan, nothing after it
                  good[:middle] + b"\xff\xd9",          # cut mid-scan, end marker put back
                  good[:-3] + b"\xff\xd9"]              # only the last scan byte missing, marker back
    items = [packet_item(1, photo=cut_photos[0]), packet_item(2), packet_item(3, photo=cut_photos[1]),
             packet_item(4, photo=cut_photos[2]), packet_item(5, photo=good)]
    from flask import current_app
    answer = packet_call(current_app.test_client(), key, "/api/v1/packets", items)
    assert answer.status_code == 200
    results = answer.get_json()["results"]
    assert [r["result"] for r in results] == ["rejected", "stored", "rejected", "rejected", "stored"]
    for refused in (results[0], results[2], results[3]):
        assert refused["reason"] == "foto JPEG terpotong atau rusak (data gambar tidak utuh); kirim ulang foto aslinya"
    assert sorted(a.registration_number for a in ReceivedApplication.select()) == [
        record_for(2)["registration_number"], record_for(5)["registration_number"]]
    stored = ReceivedApplication.get(ReceivedApplication.registration_number == record_for(5)["registration_number"])
    assert bytes(stored.photo) == good and (stored.photo_width, stored.photo_height) == (300, 400)


@pytest.mark.parametrize("change", [
    {"birth_date": ""}, {"birth_date": "kemarin"}, {"sex": "X"}, {"address": "<b>"}, {"desa_code": "99.99.99.9999"},
    {"religion": "Jedi"}, {"rt": "abc"}, {"kk_number": "123"}, {"marital_status": ""}, {"reason": "iseng"},
    {"full_name": "R0bot"}, {"biometric_done": "ya"}, {"occupation": None}])
def test_every_record_field_is_checked_by_the_counters_rules(center_db, enrolled, change):
    kecamatan, _ = enrolled
    record = dict(record_for(1), **change)
    outcome = records.store_application(kecamatan, *packet_item(1, record=record))
    assert outcome.result == "rejected" and outcome.reason.startswith("isian"), outcome
    assert records.store_application(kecamatan, *packet_item(2)).result == "stored"


def test_cursors_methods_and_nonces_are_bounded(center_app, center_db, enrolled):
    _, key = enrolled
    client = center_app.test_client()
    for after in (2 ** 63, 2 ** 64, -1):
        assert call(client, key, "GET", f"/api/v1/statuses?after={after}").status_code == 400
    wrong = call(client, key, "GET", "/api/v1/packets")
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "OPTIONS, POST"
    from datetime import timedelta
    from app.frame.dates import utc_now
    UsedNonce.create(key_id=key[0], nonce="ab" * 16, seen_at=utc_now() - timedelta(minutes=11))
    UsedNonce.create(key_id=key[0], nonce="cd" * 16, seen_at=utc_now())
    from sync.center.app import prune_nonces
    from sync.center.program import PROGRAM
    assert (60, prune_nonces) in PROGRAM.jobs()
    prune_nonces(center_app)
    assert {n.nonce for n in UsedNonce.select()} >= {"cd" * 16} and "ab" * 16 not in {n.nonce for n in UsedNonce.select()}


def test_the_center_login_is_throttled(center_app, operators):  # noqa: F811
    client = center_app.test_client()
    for _ in range(5):
        assert client.post("/masuk", data={"username": "operator", "password": "salah"}).status_code == 401
    blocked = client.post("/masuk", data={"username": "operator", "password": "rahasia-pusat-1"})
    assert blocked.status_code == 429 and "Terlalu banyak percobaan" in blocked.get_data(as_text=True)


@pytest.mark.parametrize("package", ["simplejpeg", "cheroot"])
def test_a_center_started_without_its_extra_says_how_to_install_it(tmp_path, package):
    """simplejpeg and cheroot (the center's server) are in the center's extra only: an office
    install running `run.py center` is told why."""
    import subprocess
    import sys
    from pathlib import Path
    script = (f"import sys; sys.modules['{package}'] = None\n"  # as if not installed
              "import run; sys.exit(run.main(['center', '--data', sys.argv[1]]))")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path)], cwd=Path(__file__).parents[2],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1, out.stderr
    assert f"Paket pusat belum terpasang ({package})" in out.stderr and "pip install -e '.[center]'" in out.stderr


def test_the_regency_admin_makes_release_keys_on_an_office_install(tmp_path):
    """`run.py release keys` runs on the admin's laptop, which may carry only the office install:
    neither cheroot nor simplejpeg (the center's extra) is needed to make the key folder."""
    import subprocess
    import sys
    from pathlib import Path
    script = ("import sys; sys.modules['cheroot'] = sys.modules['simplejpeg'] = None\n"  # as if not installed
              "import run; sys.exit(run.main(['release', 'keys', '--keys', sys.argv[1], '--root', sys.argv[2]]))")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "kunci"), str(tmp_path / "stik-root" / "kunci-root")],
                         cwd=Path(__file__).parents[2],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Kunci rilis dibuat" in out.stdout and (tmp_path / "kunci" / "online.pem").exists()

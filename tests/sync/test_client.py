"""The kecamatan end against an in-process center: outbox, acknowledgements, rejections, statuses, USB."""
import random
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from app.registration.models import Application, ApplicationPhoto, StatusEvent
from app.registration.status import ApplicationStatus as S, transition
from sync import usb
from sync.center import records
from sync.center.models import DeviceKey, ReceivedApplication
from sync.client import engine, outbox, scheduler, usb_files
from sync.client.models import OutboxItem, SyncLink
from sync.client.link_down import LinkDown
from sync.client.transport import CenterClient
from tests.sync.harness import fill_kecamatan, kecamatan_app
from tests.support.factory import sync_link_row


class FlaskSession:
    """requests.Session look-alike that hands each request to the center app in this process."""

    def __init__(self, center_app):
        self.center_app = center_app
        self.paths = []

    def request(self, method, url, data=None, headers=None, timeout=None, allow_redirects=False):
        path = url.split("://", 1)[1].split("/", 1)[1]
        self.paths.append("/" + path.split("?")[0])
        response = self.center_app.test_client().open("/" + path, method=method, data=data, headers=headers)
        return SimpleNamespace(status_code=response.status_code, headers=response.headers, content=response.data)


class HotspotSession:
    """A captive portal: 200 and a login page for everything."""

    def request(self, *args, **kwargs):
        return SimpleNamespace(status_code=200, headers={}, content=b"<html>Silakan login Wi-Fi</html>")


@pytest.fixture
def kecamatan(tmp_path, center_app, enrolled):
    """A kecamatan app with 3 complete applications, enrolled with the in-process center."""
    kecamatan_row, key = enrolled
    kec_app = kecamatan_app(tmp_path / "kecamatan", public_status=True)
    fill_kecamatan(kec_app, 3, photo_size=(60, 80))
    with kec_app.app_context(), kec_app.extensions["database"].connection_context() as _:
        from app.frame.db import database
        with database.atomic():
            sync_link_row(key_id=key[0], secret=key[1], enrolled_at=datetime(2026, 1, 1))
    return kec_app


def run(kec_app, fn):
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        return fn()


def client_of(center_app, session=None):
    current = engine.current_link()
    return CenterClient(current.center_url, current.key_id, current.secret, session=session or FlaskSession(center_app))


def statuses():
    return {a.registration_number: a.status for a in Application.select()}


def test_outbox_row_is_written_in_the_same_transaction_as_complete(kecamatan):
    def check():
        from app.frame.db import database
        application = Application.get(Application.registration_number == "350807-01-000001")
        assert OutboxItem.select().where((OutboxItem.source_id == application.id) & (OutboxItem.kind == "permohonan")).count() == 1
        new = Application.create(**{k: getattr(application, k) for k in (
            "nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "address", "rt", "rw", "desa_code",
            "religion", "marital_status", "occupation", "reason", "created_at", "updated_at")},
            registration_number="350807-01-000099", status=S.RECEIVED.value)
        with pytest.raises(RuntimeError):
            with database.atomic():
                transition(new, S.COMPLETE)
                raise RuntimeError("the save failed after the status change")
        assert OutboxItem.select().where(OutboxItem.registration_number == "350807-01-000099").count() == 0
        assert Application.get_by_id(new.id).status == S.RECEIVED.value
    run(kecamatan, check)


def test_sync_sends_acknowledges_and_pulls_statuses(kecamatan, center_app, center_db):
    def check():
        report = engine.sync_once(client=client_of(center_app))
        assert (report.sent, report.statuses, report.error) == (3, 3, ""), report
        assert set(statuses().values()) == {S.RECEIVED_BY_CENTER.value}
        assert {i.state for i in OutboxItem.select()} == {"acked"}
        session = FlaskSession(center_app)
        again = engine.sync_once(client=client_of(center_app, session))
        assert (again.sent, again.statuses) == (0, 0) and "/api/v1/packets" not in session.paths
    run(kecamatan, check)


def test_center_rejection_goes_back_to_the_counter_with_its_reason_and_does_not_block_others(
        kecamatan, center_app, center_db):
    def check():
        from app.frame.db import database
        bad = Application.get(Application.registration_number == "350807-01-000002")
        # A NIK the center refuses (the hash kept honest for the altered snapshot, as a real one would be).
        item = OutboxItem.get((OutboxItem.source_id == bad.id) & (OutboxItem.kind == "permohonan"))
        import json
        from sync import protocol
        item.record_json = item.record_json.replace(bad.nik, "12345")
        item.content_hash = protocol.content_hash(json.loads(item.record_json), item.photo_sha256)
        item.save()
        report = engine.sync_once(client=client_of(center_app))
        assert report.rejected == 1 and report.sent == 2
        assert Application.get_by_id(bad.id).status == S.REJECTED.value
        note = StatusEvent.select().where((StatusEvent.application == bad) & (StatusEvent.to_status == S.REJECTED.value)).get().note
        assert "NIK" in note
        # The clerk corrects it: a new version with the same number, which the center takes beside the old.
        with database.atomic():
            transition(Application.get_by_id(bad.id), S.COMPLETE, note="diperbaiki")
        assert OutboxItem.get((OutboxItem.source_id == bad.id) & (OutboxItem.kind == "permohonan") & (OutboxItem.version == 2)).state == "pending"
        second = engine.sync_once(client=client_of(center_app))
        assert second.sent == 1 and Application.get_by_id(bad.id).status == S.RECEIVED_BY_CENTER.value
    run(kecamatan, check)
    assert ReceivedApplication.select().where(ReceivedApplication.registration_number == "350807-01-000002").count() == 1


def test_resend_request_from_the_center_reaches_the_counter(kecamatan, center_app, center_db):
    run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))
    from sync.center.db import center_database
    with center_database.atomic():
        records.move(ReceivedApplication.get(ReceivedApplication.registration_number == "350807-01-000003"),
                     "resend", "foto buram")

    def check():
        engine.sync_once(client=client_of(center_app))
        application = Application.get(Application.registration_number == "350807-01-000003")
        assert application.status == S.RESEND_REQUESTED.value
        assert StatusEvent.select().where(StatusEvent.application == application).order_by(StatusEvent.id.desc()).get().note == (
            "keterangan pusat: \u201cfoto buram\u201d")  # said as the center's words (issue 69)
    run(kecamatan, check)


def test_hotspot_login_page_is_not_the_center(kecamatan):
    def check():
        current = engine.current_link()
        hotspot = CenterClient(current.center_url, current.key_id, current.secret, session=HotspotSession())
        with pytest.raises(LinkDown):
            hotspot.probe()
        report = engine.sync_once(client=hotspot)
        assert report.error and {i.state for i in OutboxItem.select()} == {"pending"}
        assert set(statuses().values()) == {S.COMPLETE.value}
    run(kecamatan, check)


def test_photo_changed_after_complete_fails_alone_with_a_reason(kecamatan, center_app, center_db):
    def check():
        ApplicationPhoto.update(jpeg=b"\xff\xd8\xff changed").where(ApplicationPhoto.application == 1).execute()
        report = engine.sync_once(client=client_of(center_app))
        assert report.sent == 2 and report.failed == 1
        item = OutboxItem.get((OutboxItem.source_id == 1) & (OutboxItem.kind == "permohonan"))
        assert item.state == "pending" and "foto" in item.last_error and item.next_attempt_at is not None
    run(kecamatan, check)


def test_usb_batch_and_status_file_round_trip_exactly_once(kecamatan, center_app, center_db, enrolled):
    kecamatan_row, _ = enrolled
    files, count = run(kecamatan, usb_files.export_batches)
    assert count == 3 and len(files) == 1
    content = files[0][1]
    key, items = usb.read_batch_file(content, lambda key_id: DeviceKey.get_or_none(DeviceKey.key_id == key_id))
    # The public status records ride in the same file (issue 28), each header naming its kind.
    assert [records.store_application(kecamatan_row, h, p, via="usb").result for h, p in items
            if "kind" not in h] == ["stored"] * 3
    assert sum(1 for h, _ in items if h.get("kind") == "status_publik") == 3
    from sync.center.models import StatusEvent as CenterEvent
    status_file = usb.write_status_file(key, [records.event_json(e) for e in CenterEvent.select().order_by(CenterEvent.seq)])

    def check():
        assert usb_files.import_status_file(status_file) == 3
        assert usb_files.import_status_file(status_file) == 0  # the same file again changes nothing
        assert set(statuses().values()) == {S.RECEIVED_BY_CENTER.value}
        assert {i.state for i in OutboxItem.select().where(OutboxItem.kind == "permohonan")} == {"acked"}  # the status proved they arrived
        with pytest.raises(usb.BatchFileError):
            usb_files.import_status_file(status_file.replace(b"received", b"shipped!"))
    run(kecamatan, check)


def test_retry_delays_grow_and_are_jittered():
    rng = random.Random(1)
    first = [outbox.retry_delay(1, rng) for _ in range(50)]
    sixth = [outbox.retry_delay(6, rng) for _ in range(50)]
    assert all(15 <= d <= 45 for d in first) and len(set(first)) == 50
    assert min(sixth) > max(first) and all(d <= 1.5 * 3600 for d in (outbox.retry_delay(30, rng) for _ in range(20)))


def test_the_link_has_one_retry_policy_for_requests_and_packet_connections(monkeypatch):
    """Issue 31: the jittered backoff was spelled twice (requests, and packet connections that
    brought no answer). One policy now: pauses that grow and are jittered, three failures in a
    row and the link is down; a packet connection that brings no answer counts like a request."""
    from sync.client import engine
    pauses = []
    monkeypatch.setattr(engine.time, "sleep", pauses.append)

    def dead():
        raise LinkDown("putus")
    with pytest.raises(LinkDown):
        engine.with_retries(dead, random.Random(3))
    request_pauses, pauses[:] = list(pauses), []
    assert len(request_pauses) == engine.PACKET_TRIES - 1
    assert 0.1 <= request_pauses[0] <= 0.3 and 0.2 <= request_pauses[1] <= 0.6  # 0.2 s, 0.4 s, +-50 %

    class DeadStream:
        def open_stream(self):
            raise LinkDown("putus")
    upload = engine.Upload.__new__(engine.Upload)
    upload.__dict__.update(client=DeadStream(), rng=random.Random(3), queue=[object()], unanswered=[],
                           written=set(), answered_any=False, report=engine.PassReport(),
                           line=engine.PassConnection(DeadStream()))
    gave_up = []
    monkeypatch.setattr(engine.Upload, "give_up", lambda self, failure: gave_up.append(failure))
    with pytest.raises(LinkDown):
        upload.send_all()
    assert pauses == request_pauses and len(gave_up) == 1  # the same pauses, the same count


def test_nightly_full_sync_is_due_once_per_local_day():
    current = SimpleNamespace(last_full_sync_on="", key_id="k-nightly")
    offset = scheduler.nightly_offset_minutes(current.key_id)
    start = datetime(2026, 3, 2, 21, 0) + timedelta(minutes=offset)
    assert not scheduler.nightly_due(current, "21:00", start - timedelta(minutes=1))
    assert scheduler.nightly_due(current, "21:00", start)
    current.last_full_sync_on = "2026-03-02"
    assert not scheduler.nightly_due(current, "21:00", datetime(2026, 3, 2, 23, 0))
    assert scheduler.nightly_due(current, "21:00", datetime(2026, 3, 3, 21, 30))


def test_a_regencys_nightly_passes_are_spread_over_half_an_hour():
    """Every kecamatan keeps the same night time: their full passes start at their own minutes
    (the same each night), and one set late in the evening still runs that night."""
    offsets = [scheduler.nightly_offset_minutes(f"k{n:04d}") for n in range(50)]
    assert all(0 <= o < scheduler.NIGHTLY_SPREAD_MINUTES for o in offsets)
    assert len(set(offsets)) >= 15 and max(offsets) - min(offsets) >= 20
    assert offsets == [scheduler.nightly_offset_minutes(f"k{n:04d}") for n in range(50)]
    late = SimpleNamespace(last_full_sync_on="", key_id=next(f"k{n}" for n in range(100)
                                                             if scheduler.nightly_offset_minutes(f"k{n}") > 10))
    assert scheduler.nightly_due(late, "23:55", datetime(2026, 3, 2, 23, 59))


def test_an_older_status_file_neither_moves_the_cursor_back_nor_replays_events(kecamatan, center_app, center_db,
                                                                                enrolled):
    """The status cursor: events at or below it were applied; a stale USB file changes nothing."""
    kecamatan_row, _ = enrolled
    files, _count = run(kecamatan, usb_files.export_batches)
    content = files[0][1]
    key, items = usb.read_batch_file(content, lambda key_id: DeviceKey.get_or_none(DeviceKey.key_id == key_id))
    for header, photo in items:
        records.store_application(kecamatan_row, header, photo, via="usb")
    from sync.center.models import StatusEvent as CenterEvent
    events = [records.event_json(e) for e in CenterEvent.select().order_by(CenterEvent.seq)]
    newest = usb.write_status_file(key, events)
    oldest_only = usb.write_status_file(key, events[:1])

    def check():
        from sync.client.models import SyncLog
        assert usb_files.import_status_file(newest) == 3
        cursor = engine.current_link().status_cursor
        assert cursor == max(e["seq"] for e in events)
        logged = SyncLog.select().where(SyncLog.kind == "status").count()
        assert usb_files.import_status_file(oldest_only) == 0
        assert usb_files.import_status_file(newest) == 0
        assert engine.current_link().status_cursor == cursor  # never back to an older event
        assert SyncLog.select().where(SyncLog.kind == "status").count() == logged  # nothing replayed
    run(kecamatan, check)


def test_a_refused_relay_step_does_not_hold_back_the_applications(kecamatan, center_app, center_db, monkeypatch):
    """The desa relay runs before the push; a center that refuses it (an older center, a relay
    fault) is reported, but the KTP-el applications still go and their statuses come back."""
    from app.desa import relay
    from sync.client import records
    from sync.client.transport import Refused

    def refused(client, link, report, progress):
        raise Refused(404, "pusat menolak langkah relay")
    monkeypatch.setattr(records, "_phases", [("kecamatan", "before", refused)])

    def check():
        report = engine.sync_once(client=client_of(center_app))
        assert report.error == "pusat menolak langkah relay"
        assert report.sent == 3 and report.statuses == 3, report
        assert set(statuses().values()) == {S.RECEIVED_BY_CENTER.value}
        assert SyncLink.get().last_error == "pusat menolak langkah relay"
    assert records.phases("kecamatan", "before") == [refused] and relay.kecamatan_before_push
    run(kecamatan, check)


def test_a_pass_skips_an_outbox_row_a_clerk_changed_under_it_and_says_so(kecamatan, center_app, center_db,
                                                                         monkeypatch):
    """Issue 42, finding 3: a clerk's change supersedes a public status row the pass has on the wire
    (its pending version deleted, a newer one queued) between the pass's read and its use of the
    answer. The pass skips that row and says so in Indonesian; no traceback; the next pass sends it."""
    from app.frame.db import database
    from app.public_status import records as public_records
    real_answer, changed = engine._packet_answer, []

    def clerk_changes_the_file_while_the_answer_is_on_its_way(answer, in_order):
        read = real_answer(answer, in_order)
        publik = [item for item in in_order if item.kind == "status_publik"]
        if publik and not changed:
            with database.atomic():  # the clerk records the applicant's SMS consent at the counter
                public_records.give_sms_consent("ktp", publik[0].source_id, "081234567890")
            changed.append(publik[0])
        return read
    monkeypatch.setattr(engine, "_packet_answer", clerk_changes_the_file_while_the_answer_is_on_its_way)

    def check():
        report = engine.sync_once(client=client_of(center_app))
        assert changed and report.error == "" and report.sent == 3
        assert report.changed == 1
        summary = engine.SyncLog.select().order_by(engine.SyncLog.id.desc()).get().summary
        assert "1 kiriman berubah selama sinkronisasi" in summary, summary
        waiting = OutboxItem.get((OutboxItem.kind == "status_publik") & (OutboxItem.state == "pending"))
        assert waiting.source_id == changed[0].source_id and waiting.version == changed[0].version + 1
        again = engine.sync_once(client=client_of(center_app))
        assert (again.error, again.changed, again.published) == ("", 0, 1)
        assert not OutboxItem.select().where(OutboxItem.state == "pending").exists()
    run(kecamatan, check)


def test_a_version_the_center_already_decided_is_followed_when_this_pc_sends_it_after_its_cursor_passed(
        kecamatan, center_app, center_db):
    """Long mode, seed 8000 on PostgreSQL, step 3036: two PCs held one application since a restore; one
    sent the correction, the center printed and shipped it, and the other PC's pull passed those events
    while it still held the old version. Its clerk then made the same correction: the center answered
    "duplicate" and the application stayed "terkirim" for ever while its card was at the kecamatan.
    The state is made here directly: the version complete and unsent, the cursor past its events."""
    run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))
    from sync.center.db import center_database
    with center_database.atomic():
        received = ReceivedApplication.get(ReceivedApplication.registration_number == "350807-01-000003")
        records.move(received, "printed")
        records.move(ReceivedApplication.get_by_id(received.id), "shipped")
        last_seq = max(e.seq for e in received.events)

    def check():
        from app.frame.db import database
        application = Application.get(Application.registration_number == "350807-01-000003")
        with database.atomic():  # this PC pulled past the events while it did not hold this version
            SyncLink.update(status_cursor=last_seq).execute()
            Application.update(status=S.COMPLETE.value).where(Application.id == application.id).execute()
            OutboxItem.update(state="pending", acked_at=None).where(
                OutboxItem.registration_number == "350807-01-000003").execute()
        report = engine.sync_once(client=client_of(center_app))
        assert report.error == "" and report.already == 1, report
        application = Application.get_by_id(application.id)
        assert application.status == S.SHIPPED.value
        assert [e.to_status for e in StatusEvent.select().where(StatusEvent.application == application)
                .order_by(StatusEvent.id)][-3:] == [S.RECEIVED_BY_CENTER.value, S.PRINTED.value, S.SHIPPED.value]
        from sync.client.models import StatusIssue
        assert StatusIssue.select().where(StatusIssue.resolved_at.is_null()).count() == 0
        # Its other applications, already followed, are untouched; a second pass changes nothing.
        assert {a.status for a in Application.select().where(Application.id != application.id)} \
            == {S.RECEIVED_BY_CENTER.value}
        again = engine.sync_once(client=client_of(center_app))
        assert (again.sent, again.statuses, again.error) == (0, 0, "")
        assert Application.get_by_id(application.id).status == S.SHIPPED.value
    run(kecamatan, check)


def test_a_duplicate_answer_for_a_version_already_followed_applies_nothing_again(kecamatan, center_app, center_db):
    """The usual duplicate: an answer lost, the events pulled meanwhile (they acknowledged the row): the
    events the answer carries are not applied a second time and no problem is recorded."""
    run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))
    from sync.center.db import center_database
    with center_database.atomic():
        received = ReceivedApplication.get(ReceivedApplication.registration_number == "350807-01-000001")
        records.move(received, "printed")

    def check():
        assert engine.sync_once(client=client_of(center_app)).error == ""
        item = OutboxItem.get(OutboxItem.registration_number == "350807-01-000001")
        history = list(StatusEvent.select().order_by(StatusEvent.id))
        result = engine.apply_result(item, {"result": "duplicate", "events": [
            {"seq": 1, "id": item.registration_number, "version": 1, "status": "received", "reason": "",
             "hash": item.content_hash}]})
        assert result == "duplicate"
        assert list(StatusEvent.select().order_by(StatusEvent.id)) == history
        from sync.client.models import StatusIssue
        assert StatusIssue.select().count() == 0
        assert Application.get(Application.registration_number == "350807-01-000001").status == S.PRINTED.value
    run(kecamatan, check)


def test_nothing_another_pc_follows_is_sent_from_here_whenever_it_came_to_wait(kecamatan, center_app, center_db):
    """Issue 42: this PC, a PC tambahan, holds applications numbered under a code another PC follows up
    to the backup this PC restored ("01" up to 000002; 000003 is its own). Their rows wait in the outbox
    although nothing left them to that PC (made ready while a pass ran, after its step that lists them):
    neither a pass nor a USB file takes them, nor their public records; the pass's step before the push
    lists them; the admin's "Kirim dari PC ini" sends one from here, and its later versions too."""
    from app.frame import installation
    from app.frame.db import database
    from app.sync_page import identity
    own, *_ = shared = ["350807-01-000003", "350807-01-000001", "350807-01-000002"]

    def numbers(items):
        return sorted(item.registration_number for item in items)

    def check():
        with database.atomic():
            installation.set_device_code(database, "P2")
            installation.follow_elsewhere({"01": 2})
        assert OutboxItem.select().where(OutboxItem.state == "pending").count() == 6  # restored as they were
        assert numbers(outbox.due_items(datetime(2030, 1, 1), ignore_delays=True)) == [own, "status:" + own]
        assert usb_files.export_batches()[1] == 1
        report = engine.sync_once(client=client_of(center_app))
        assert (report.error, report.sent) == ("", 1)
        assert numbers(identity.left_to_their_pc()) == sorted(shared[1:])
        assert not OutboxItem.select().where(OutboxItem.state == "pending").exists()
        assert identity.send_from_here(OutboxItem.get(OutboxItem.registration_number == shared[1]).id)
        from app.frame.audit_event import AuditEvent  # the admin's act, its own line (issue 91)
        assert AuditEvent.get(AuditEvent.action == "kirim_dari_sini").entity_id == shared[1]
        report = engine.sync_once(client=client_of(center_app))
        assert (report.error, report.sent) == ("", 1)
        application = Application.get(Application.registration_number == shared[1])
        with database.atomic():  # the center asked for it again, the clerk corrects it: version 2 goes from here too
            transition(application, S.RESEND_REQUESTED, note="foto buram")
            transition(application, S.COMPLETE, note="foto baru")
        assert OutboxItem.get((OutboxItem.registration_number == shared[1]) & (OutboxItem.version == 2)).state == "pending"
        report = engine.sync_once(client=client_of(center_app))
        assert (report.error, report.sent) == ("", 1)
    run(kecamatan, check)
    held = ReceivedApplication.select().where(ReceivedApplication.registration_number.in_(shared))
    assert sorted((r.registration_number, r.version) for r in held) == [(shared[1], 1), (shared[1], 2), (own, 1)]

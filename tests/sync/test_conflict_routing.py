"""Issue 61, finding 1: a conflict's decision reaches the PC that offered the other version, and only it.

Two counter PCs of one office number before enrolment with the default LOKET_DEVICE_ID (01), so both
hold 350807-01-000001 and -000002 for other people; each then enrols (its own key and device code)
and syncs. PC A's versions are stored, PC B's meet them at the center as conflicts. When both PCs
enrolled with the id they numbered under, the center knows the number was given twice and decides at
once (the renumber goes to B, no operator); when it cannot know (B enrolled under another id than it
numbered with), the conflicts wait, and whatever the operator decides, the event goes to the PC it
concerns, once; the other PC's sent applications stay sent. Since issue 61 a PC enrolling with such
numbers, after another PC of its office that numbered under the same id, gives its own new numbers at
once (the last test); the others stand for PCs enrolled by an older version. Real kecamatan apps and
the real center app (SQLite and PostgreSQL).
"""
import pytest

from app.frame import installation
from app.frame.db import database
from app.registration.models import Application, StatusEvent
from app.registration.status import ApplicationStatus as S
from sync.center import keys, records
from sync.center.models import Conflict, DeviceKey, ReceivedApplication
from sync.client import enrolment
from sync.client.models import OutboxItem, StatusIssue, SyncLog
from tests.sync.harness import kecamatan_app
from tests.support.factory import person_name, person_nik, sync_link_row
from tests.sync.test_center_pages import client_as, operators  # noqa: F401  (fixture)
from tests.sync.test_edges_of_a_real_office import EnrolSession, fill, local_statuses, run, sync

FIRST, SECOND = "350807-01-000001", "350807-01-000002"


def _pc_enrolled_by_an_older_version(path, kecamatan, first_person, device_id="01", count=2, public_status=False):
    """A PC installed as the README says (LOKET_DEVICE_ID 01): two applicants, then enrolled by a version
    before issue 61, which kept the numbers it made before (what two upgraded offices hold). `device_id`:
    the id it enrolled under ("02": its admin changed LOKET_DEVICE_ID after it numbered under 01, so the
    center cannot know in which series its numbers were made). `public_status`: the citizens' /cek records on,
    as in every office (tests/sync/test_renumbered_public_status.py)."""
    kec_app = kecamatan_app(path, public_status=public_status)
    numbers = fill(kec_app, count, first=first_person)
    _, key = keys.enrol("35.08.07", keys.new_enrolment_code(kecamatan), device_id)

    def link_up():
        with database.atomic():
            sync_link_row(key_id=key.key_id, secret=key.secret)
            installation.set_device_code(database, key.device_code)
    run(kec_app, link_up)
    return kec_app, numbers, key


def _pc_numbering_before_enrolment(path, center_app, kecamatan, first_person, count=2):
    """A PC installed as the README says (LOKET_DEVICE_ID 01): two applicants, then enrolment."""
    kec_app = kecamatan_app(path)
    numbers = fill(kec_app, count, first=first_person)
    code = keys.new_enrolment_code(kecamatan)
    made = run(kec_app, lambda: enrolment.enrol("http://center", "35.08.07", code, "01", session=EnrolSession(center_app)))
    return kec_app, numbers, DeviceKey.get(DeviceKey.key_id == made.key_id)


def _feed(kecamatan, key):
    return [(e["id"], e["status"], e["hash"])
            for e in map(records.event_json, records.events_after(kecamatan, 0, 1000, keys.device_codes(key)))]


def _outbox_states(kec_app):
    return run(kec_app, lambda: {(o.registration_number, o.state) for o in OutboxItem.select()})


def _issues(kec_app):
    return run(kec_app, lambda: StatusIssue.select().count())


def _decide(center_app, operator, number, decision):
    conflict = Conflict.get(Conflict.registration_number == number)
    answer = client_as(center_app, operator).post(f"/konflik/{conflict.id}/selesai",
                                                  data={"decision": decision, "note": "diperiksa"})
    assert answer.status_code == 303 and Conflict.get_by_id(conflict.id).decision == decision


def _name_of(kec_app, person):
    return run(kec_app, lambda: Application.get(Application.full_name == person_name(person)).registration_number)


@pytest.mark.parametrize("decision", ["keep", "accept", "reject"])
def test_a_conflict_decision_goes_to_the_pc_that_offered_the_other_version(tmp_path, center_app, center_db, enrolled,
                                                                          operators, decision):  # noqa: F811
    kecamatan, _ = enrolled
    pc_a, numbers_a, key_a = _pc_enrolled_by_an_older_version(tmp_path / "a", kecamatan, 1)
    pc_b, numbers_b, key_b = _pc_enrolled_by_an_older_version(tmp_path / "b", kecamatan, 51, device_id="02")
    assert numbers_a == numbers_b == [FIRST, SECOND]  # one series on two PCs: the finding's start
    assert sync(pc_a, center_app).sent == 2
    assert sync(pc_b, center_app).conflicts == 2
    conflict = Conflict.get(Conflict.registration_number == SECOND)  # the center knows who offered it
    assert (conflict.offered_device, conflict.offered_key) == (key_b.device_code, key_b.key_id)
    assert conflict.existing_device == key_a.device_code
    page = client_as(center_app, operators["operator"]).get("/konflik").get_data(as_text=True)
    assert f"(ditawarkan PC {key_b.device_code}; keputusan dikirim ke PC itu)" in page
    assert f"(dikirim PC {key_a.device_code})" in page
    sync(pc_a, center_app)
    a_before = local_statuses(pc_a)
    assert set(a_before.values()) == {S.RECEIVED_BY_CENTER.value}

    _decide(center_app, operators["operator"], SECOND, decision)
    feed_a, feed_b = _feed(kecamatan, key_a), _feed(kecamatan, key_b)
    decided = [e for e in feed_b if e[0] == SECOND]
    assert len(decided) == 1 and decided[0][2] == conflict.offered_hash  # once, about B's version
    sync(pc_b, center_app)
    sync(pc_b, center_app)  # a second pass hears nothing twice

    if decision == "keep":
        assert feed_a == [(n, "received", ReceivedApplication.get(ReceivedApplication.registration_number == n)
                           .content_hash) for n in numbers_a]  # PC A hears nothing new
        renumbered = _name_of(pc_b, 52)
        assert renumbered.startswith(f"350807-{key_b.device_code}-")
        assert local_statuses(pc_b)[renumbered] == S.RECEIVED_BY_CENTER.value
        assert ReceivedApplication.get(ReceivedApplication.registration_number == SECOND).full_name == person_name(2)
    elif decision == "reject":
        assert local_statuses(pc_b)[SECOND] == S.REJECTED.value
    else:  # the center now holds B's applicant under the number: A's applicant is given a new one
        assert local_statuses(pc_b)[SECOND] == S.RECEIVED_BY_CENTER.value
        assert [e[1] for e in feed_a if e[0] == SECOND] == ["received", "renumber"]
        sync(pc_a, center_app)
        renumbered = _name_of(pc_a, 2)
        assert renumbered.startswith(f"350807-{key_a.device_code}-")
        assert local_statuses(pc_a)[renumbered] == S.RECEIVED_BY_CENTER.value
        assert ReceivedApplication.get(ReceivedApplication.registration_number == SECOND).full_name == person_name(52)
        a_before = {renumbered if n == SECOND else n: s for n, s in a_before.items()}
    sync(pc_a, center_app)
    # The PC whose version the center kept: its sent applications stay sent, nothing turned "konflik".
    assert local_statuses(pc_a) == a_before
    assert not {state for _, state in _outbox_states(pc_a)} & {"conflict"} and _issues(pc_a) == 0
    assert local_statuses(pc_b)[FIRST] == S.COMPLETE.value  # still undecided: waits at the center


def test_after_every_decision_each_applicant_is_at_the_center_once_under_a_number_of_their_own(
        tmp_path, center_app, center_db, enrolled, operators):  # noqa: F811
    kecamatan, _ = enrolled
    pc_a, _, _ = _pc_enrolled_by_an_older_version(tmp_path / "a", kecamatan, 1)
    pc_b, _, _ = _pc_enrolled_by_an_older_version(tmp_path / "b", kecamatan, 51, device_id="02")
    sync(pc_a, center_app)
    sync(pc_b, center_app)
    _decide(center_app, operators["operator"], FIRST, "keep")
    _decide(center_app, operators["operator"], SECOND, "accept")
    for _ in range(2):  # decisions heard, then the renumbered applications sent
        sync(pc_a, center_app)
        sync(pc_b, center_app)
    held = {}
    for application in ReceivedApplication.select():
        held.setdefault(application.registration_number, []).append(application.full_name)
    names = sorted(name for each in held.values() for name in each)
    assert names == sorted(person_name(n) for n in (1, 2, 51, 52))  # everyone once
    assert all(len(each) == 1 for each in held.values())  # under a number of their own
    for pc, people in ((pc_a, (1, 2)), (pc_b, (51, 52))):
        numbers = {person_name(n): _name_of(pc, n) for n in people}
        assert all(held[number] == [name] for name, number in numbers.items())
        assert set(local_statuses(pc).values()) == {S.RECEIVED_BY_CENTER.value}


def _everyone_once_under_a_number_of_their_own(pcs):
    held = {}
    for application in ReceivedApplication.select():
        held.setdefault(application.registration_number, []).append(application.full_name)
    assert sorted(n for each in held.values() for n in each) == sorted(person_name(p) for _, people in pcs for p in people)
    for pc, people in pcs:
        for person in people:
            assert held[_name_of(pc, person)] == [person_name(person)]
        assert set(local_statuses(pc).values()) == {S.RECEIVED_BY_CENTER.value}


def test_a_second_pc_that_numbered_under_the_same_device_id_renumbers_at_enrolment_and_nothing_conflicts(
        tmp_path, center_app, center_db, enrolled):
    kecamatan, _ = enrolled  # its key enrolled with device id 01 too, having numbered nothing
    pc_a, numbers_a, key_a = _pc_numbering_before_enrolment(tmp_path / "a", center_app, kecamatan, 1)
    pc_b, numbers_b, key_b = _pc_numbering_before_enrolment(tmp_path / "b", center_app, kecamatan, 51)
    assert numbers_a == numbers_b == [FIRST, SECOND]  # both numbered in one series before enrolment
    assert (key_a.numbered_before, key_b.numbered_before) == (2, 2)
    assert run(pc_a, lambda: sorted(a.registration_number for a in Application.select())) == numbers_a  # the first keeps
    renumbered = run(pc_b, lambda: sorted(a.registration_number for a in Application.select()))
    assert all(n.startswith(f"350807-{key_b.device_code}-") for n in renumbered), renumbered
    note = run(pc_b, lambda: StatusEvent.get(StatusEvent.note.contains(FIRST)).note)
    assert "juga dipakai PC lain kantor ini; berikan bukti pendaftaran baru" in note
    said = run(pc_b, lambda: SyncLog.get(SyncLog.summary.contains("sebelum pendaftaran")).summary)
    assert said.startswith("2 nomor pendaftaran yang dibuat sebelum pendaftaran juga dipakai PC lain"), said
    assert run(pc_b, lambda: sorted(o.registration_number for o in OutboxItem.select())) == renumbered
    assert sync(pc_a, center_app).sent == 2
    report = sync(pc_b, center_app)
    assert (report.sent, report.conflicts) == (2, 0)
    for pc in (pc_a, pc_b):
        sync(pc, center_app)
    assert Conflict.select().count() == 0
    _everyone_once_under_a_number_of_their_own([(pc_a, (1, 2)), (pc_b, (51, 52))])


# --- a number given twice before enrolment is settled by the center at once (issue 61) ----------

def _page(center_app, operator, decided=False):
    return client_as(center_app, operator).get("/konflik" + ("?tampil=selesai" if decided else "")).get_data(as_text=True)


@pytest.mark.parametrize("b_enrolled_by", ["an older version", "this version"])
def test_two_pcs_that_numbered_in_one_series_before_enrolment_never_wait_for_the_operator(
        tmp_path, center_app, center_db, enrolled, operators, b_enrolled_by):  # noqa: F811
    """Both PCs enrolled by an older version, or A by an older one (it said nothing of its numbers) and
    B, installed later beside it, by this one: B keeps its numbers at enrolment, and they meet A's."""
    kecamatan, _ = enrolled
    pc_a, numbers_a, key_a = _pc_enrolled_by_an_older_version(tmp_path / "a", kecamatan, 1, count=3)
    if b_enrolled_by == "this version":
        pc_b, numbers_b, key_b = _pc_numbering_before_enrolment(tmp_path / "b", center_app, kecamatan, 51, count=3)
        assert (key_a.numbered_before, key_b.numbered_before) == (0, 3)
    else:
        pc_b, numbers_b, key_b = _pc_enrolled_by_an_older_version(tmp_path / "b", kecamatan, 51, count=3)
    assert numbers_a == numbers_b  # both on the default id: one series on two PCs
    assert sync(pc_a, center_app).sent == 3
    a_before = local_statuses(pc_a)
    report = sync(pc_b, center_app)  # each number held for another applicant...
    # ...renumbered in the same pass: told as such, not as conflicts waiting for the operator
    assert (report.conflicts, report.renumbered, report.statuses) == (0, 3, 3)
    said = run(pc_b, lambda: SyncLog.select().order_by(SyncLog.id.desc()).get().summary)
    assert said.startswith("terkirim 0, sudah ada 0, konflik 0, ditolak 0, gagal 0, status 3, diberi nomor baru 3 "
                           "(nomornya dipakai pemohon lain di pusat; dikirim ulang dengan nomor baru; berikan bukti "
                           "pendaftaran baru kepada pemohonnya: Buku Register, daftar “Nomor diganti, bukti belum "
                           "dicetak ulang”)"), said
    conflicts = list(Conflict.select())
    assert len(conflicts) == 3 and all(c.resolved_at is not None for c in conflicts)  # ...settled as it arrived
    assert {c.decision for c in conflicts} == {records.GIVEN_TWICE}
    assert Conflict.select().where(Conflict.resolved_at.is_null()).count() == 0
    # Each PC is told only what concerns it: B one renumber per number, about its own version; A nothing.
    feed_a, feed_b = _feed(kecamatan, key_a), _feed(kecamatan, key_b)
    assert [(n, status) for n, status, _ in feed_a] == [(n, "received") for n in numbers_a]
    assert sorted(feed_b) == sorted((c.registration_number, "renumber", c.offered_hash) for c in conflicts)
    page = _page(center_app, operators["operator"])
    assert "Tidak ada konflik yang menunggu keputusan." in page and "Belum diputuskan (0)" in page
    decided = _page(center_app, operators["operator"], decided=True)
    assert decided.count("Diselesaikan otomatis (tidak menunggu petugas pusat)") == 3
    for _ in range(2):  # the new numbers sent, their receipts heard
        sync(pc_b, center_app)
        sync(pc_a, center_app)
    _everyone_once_under_a_number_of_their_own([(pc_a, (1, 2, 3)), (pc_b, (51, 52, 53))])
    assert all(_name_of(pc_b, p).startswith(f"350807-{key_b.device_code}-") for p in (51, 52, 53))
    assert local_statuses(pc_a) == a_before  # the PC whose versions were kept heard nothing
    assert _outbox_states(pc_a) == {(n, "acked") for n in numbers_a} and _issues(pc_a) == 0
    assert _issues(pc_b) == 0 and not {state for _, state in _outbox_states(pc_b)} & {"conflict", "pending"}
    note = run(pc_b, lambda: StatusEvent.get(StatusEvent.note.contains(FIRST)).note)
    assert f"keterangan pusat: nomor ini juga diberikan PC {key_a.device_code} kantor ini" in note
    # Nothing is left for the operator: deciding one again is refused.
    answer = client_as(center_app, operators["operator"]).post(
        f"/konflik/{conflicts[0].id}/selesai", data={"decision": "accept", "note": "diperiksa"})
    assert answer.status_code == 303 and Conflict.get_by_id(conflicts[0].id).decision == records.GIVEN_TWICE


def _offer(kecamatan, key, person, nik_of=None, address="Dusun Krajan"):
    """Person `person`'s application under FIRST, as `key`'s PC sends it (device code "" : a sender unknown)."""
    from tests.sync.helpers import packet_item, record_for
    record = dict(record_for(person), registration_number=FIRST, address=address)
    if nik_of is not None:
        record["nik"] = person_nik(nik_of)
    header, photo = packet_item(person, record=record)
    return records.store_packet_item(kecamatan, header, photo, device_code=key.device_code if key else "",
                                     key_id=key.key_id if key else "")


@pytest.mark.parametrize("case", ["two PCs, one series", "the same applicant", "the same PC", "another series",
                                  "one PC enrolled again", "a sender unknown"])
def test_only_a_number_given_twice_by_two_pcs_is_settled_at_once(center_db, enrolled, case):
    kecamatan, _ = enrolled
    key_a = keys.enrol("35.08.07", keys.new_enrolment_code(kecamatan), "01")[1]
    key_b = keys.enrol("35.08.07", keys.new_enrolment_code(kecamatan), "02" if case == "another series" else "01")[1]
    if case == "one PC enrolled again":  # B is A enrolled anew after its key was revoked
        DeviceKey.update(previous_key=key_a.key_id).where(DeviceKey.id == key_b.id).execute()
        key_b = DeviceKey.get_by_id(key_b.id)
    assert _offer(kecamatan, None if case == "a sender unknown" else key_a, 1).result == "stored"
    if case == "the same applicant":  # the same person's data differs: a person decides which is right
        outcome = _offer(kecamatan, key_b, 51, nik_of=1)
    elif case == "the same PC":  # its own number, other data (a restore, an edit): not given twice
        outcome = _offer(kecamatan, key_a, 51)
    else:
        outcome = _offer(kecamatan, key_b, 51)
    conflict = Conflict.get(Conflict.registration_number == FIRST)
    assert (outcome.id, outcome.version, outcome.result) == (FIRST, 1, "conflict")
    if case == "two PCs, one series":
        assert conflict.decision == records.GIVEN_TWICE and conflict.resolved_at is not None
        assert "otomatis, tanpa menunggu petugas pusat" in outcome.reason
        assert [e[1] for e in _feed(kecamatan, key_b)] == ["renumber"]
        assert [e[1] for e in _feed(kecamatan, key_a)] == ["received"]
    else:
        assert (conflict.decision, conflict.resolved_at) == ("", None)
        assert outcome.reason.endswith("menunggu pemeriksaan petugas pusat")

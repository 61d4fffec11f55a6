"""A number given again follows the citizen's /cek record (found walking two counter PCs as an office does,
issue 61 finding 1, with the public status on as in every office; the two-PC tests run without it).

PC B numbered 350807-01-000001 and -000002 before enrolment, as PC A did; at its enrolment B gives its
applications new numbers, but their public status records waited in the outbox under the old numbers: B's
sync page listed them as "konflik di pusat" for ever, and a version of B's above A's would have replaced A's
applicant's /cek record (another check code: A's citizen no longer finds it). Now the record follows the
new number before it travels, with its check code, and nothing of B's waits under a number it gave away.
When the center cannot know (B enrolled under another id than it numbered with), the center refuses B's
records of the numbers it holds for A's applicants until the operator decides (the last test).
"""
from app.public_status.models import PublicStatus as LocalStatus
from app.registration.models import Application
from sync import public_status as vocabulary
from sync.center import keys
from sync.center.models import DeviceKey, PublicStatus, PublicStatusWaiting
from sync.center.public_status_records import code_key
from sync.client import enrolment
from sync.client.models import OutboxItem
from tests.sync.harness import kecamatan_app
from tests.sync.test_center_pages import operators  # noqa: F401  (fixture)
from tests.sync.test_conflict_routing import _pc_enrolled_by_an_older_version
from tests.sync.test_edges_of_a_real_office import EnrolSession, fill, run, sync
from tests.sync.test_public_status import page

OLD = ["350807-01-000001", "350807-01-000002"]


def _pc(path, center_app, kecamatan, first_person):
    """A counter PC with the public status on: two applicants before enrolment (LOKET_DEVICE_ID 01), then enrolment."""
    kec_app = kecamatan_app(path, public_status=True)
    numbers = fill(kec_app, 2, first=first_person)
    code = keys.new_enrolment_code(kecamatan)
    made = run(kec_app, lambda: enrolment.enrol("http://center", "35.08.07", code, "01", session=EnrolSession(center_app)))
    return kec_app, numbers, DeviceKey.get(DeviceKey.key_id == made.key_id)


def _status_keys(kec_app):
    return run(kec_app, lambda: sorted(o.registration_number for o in OutboxItem.select().where(
        OutboxItem.kind == vocabulary.KIND)))


def test_a_pc_renumbered_at_enrolment_sends_its_public_status_under_the_new_numbers(tmp_path, center_app, center_db,
                                                                                   enrolled):
    kecamatan, _ = enrolled
    pc_a, numbers_a, _ = _pc(tmp_path / "a", center_app, kecamatan, 1)
    pc_b, numbers_b, key_b = _pc(tmp_path / "b", center_app, kecamatan, 51)
    assert numbers_a == numbers_b == OLD
    renumbered = run(pc_b, lambda: sorted(a.registration_number for a in Application.select()))
    assert all(n.startswith(f"350807-{key_b.device_code}-") for n in renumbered), renumbered
    # Nothing of B's waits under a number it gave away: its records follow the new numbers.
    assert _status_keys(pc_b) == [vocabulary.wire_key(n) for n in renumbered]
    codes_b = run(pc_b, lambda: {row.number: row.check_code for row in LocalStatus.select()})
    assert sorted(codes_b) == renumbered
    sync(pc_a, center_app)
    report = sync(pc_b, center_app)
    assert report.conflicts == 0, report
    assert run(pc_b, lambda: OutboxItem.select().where(OutboxItem.state == "conflict").count()) == 0
    codes_a = run(pc_a, lambda: {row.number: row.check_code for row in LocalStatus.select()})
    for number, code in [*codes_a.items(), *codes_b.items()]:  # each citizen finds their own record
        row = PublicStatus.get(PublicStatus.number == number)
        assert row.code_key == code_key(vocabulary.code_digest(number, code)), number


def _pc_enrolled_elsewhere(path, kecamatan, first_person, device_id):
    """A PC that numbered under 01 and enrolled, by an older version, under `device_id`, with its /cek records on."""
    return _pc_enrolled_by_an_older_version(path, kecamatan, first_person, device_id, public_status=True)[0]


def _more_public_versions(kec_app, number, times=3):
    """What the public sees changes `times` more (a file returned and completed again, a promise moved)."""
    from app.frame.db import database
    from app.public_status import records as public
    with database.atomic():
        application = Application.get(Application.registration_number == number)
        row = LocalStatus.get(LocalStatus.number == number)
        for step in range(times):
            row.content_hash = f"changed {step}"
            public._queue(row, public.application_record(application, row))


def _two_series_in_conflict(tmp_path, center_app, enrolled):
    """PC A's applications reach the center first; PC B numbers the same series and its /cek versions of the
    first number are newer: B's pass leaves the applications waiting for the operator. Returns both PCs and the
    check codes of the first number's citizen at A and at B."""
    kecamatan, _ = enrolled
    pc_a = _pc_enrolled_elsewhere(tmp_path / "a", kecamatan, 1, "01")
    pc_b = _pc_enrolled_elsewhere(tmp_path / "b", kecamatan, 51, "02")
    sync(pc_a, center_app)
    code_a = run(pc_a, lambda: LocalStatus.get(LocalStatus.number == OLD[0]).check_code)
    run(pc_b, lambda: _more_public_versions(pc_b, OLD[0]))
    code_b = run(pc_b, lambda: LocalStatus.get(LocalStatus.number == OLD[0]).check_code)
    assert sync(pc_b, center_app).conflicts >= 2  # the applications wait for the operator
    return pc_a, pc_b, code_a, code_b


def test_a_number_held_by_another_pc_at_the_center_keeps_its_citizens_record(tmp_path, center_app, center_db, enrolled,
                                                                            operators):  # noqa: F811
    """The conflicts of two series wait for the operator; meanwhile PC B's /cek versions of the numbers the center
    holds for PC A's applicants, newer than A's, replaced A's citizen's record (A's check code no longer found
    it). They are refused as the application is; the operator's decision moves B's record with its number."""
    from tests.sync.test_conflict_routing import _decide
    pc_a, pc_b, code_a, fresh_code = _two_series_in_conflict(tmp_path, center_app, enrolled)  # fresh: B's receipt
    row = PublicStatus.get(PublicStatus.number == OLD[0])
    assert row.code_key == code_key(vocabulary.code_digest(OLD[0], code_a))  # A's citizen still finds it
    # Issue 83, finding 2: B's citizen's fresh receipt is told the truth while the conflict waits, not "tidak cocok"
    status, body = page(center_app, OLD[0], fresh_code)
    assert status == 200 and "Nomor sedang diperiksa" in body and "sedang diperiksa di Dukcapil kabupaten" in body
    assert "tidak cocok" not in body and code_a not in body
    assert page(center_app, OLD[0], "ZZZZZZ")[0] == 404  # a wrong code is the calm miss still
    _decide(center_app, operators["operator"], OLD[0], "keep")
    sync(pc_b, center_app)
    sync(pc_b, center_app)
    renumbered = run(pc_b, lambda: Application.get(Application.registration_number != OLD[1]).registration_number)
    assert renumbered not in OLD
    code_b = run(pc_b, lambda: LocalStatus.get(LocalStatus.number == renumbered).check_code)
    assert PublicStatus.get(PublicStatus.number == renumbered).code_key == code_key(
        vocabulary.code_digest(renumbered, code_b))
    assert PublicStatus.get(PublicStatus.number == OLD[0]).code_key == code_key(
        vocabulary.code_digest(OLD[0], code_a))
    # B's page keeps nothing about a number it gave away
    assert vocabulary.wire_key(OLD[0]) not in _status_keys(pc_b)
    # the receipt, renumbered, is an old receipt now: changed, ask for the new one (issue 72), no longer "checked"
    assert not PublicStatusWaiting.select().where(PublicStatusWaiting.number == OLD[0]).exists()
    body = page(center_app, OLD[0], fresh_code)[1]
    assert "Nomor pendaftaran sudah diganti" in body and "sedang diperiksa" not in body


def test_an_old_receipt_is_said_changed_once_the_center_decided_whatever_its_pc_does(tmp_path, center_app, center_db,
                                                                                     enrolled, operators):  # noqa: F811
    """Issue 94 finding 6 (keep): a counter on 6ce2a857 renumbers its application at the center's decision but
    never moves its /cek record, so its citizen's receipt said "Nomor sedang diperiksa" for good. The center
    knows the decision: the receipt is an old one from then on, before (or without) that PC's next pass."""
    from tests.sync.test_conflict_routing import _decide
    kecamatan, _ = enrolled
    pc_a = _pc_enrolled_elsewhere(tmp_path / "a", kecamatan, 1, "01")
    pc_b = _pc_enrolled_elsewhere(tmp_path / "b", kecamatan, 51, "02")
    sync(pc_a, center_app)
    for number in OLD:
        run(pc_b, lambda number=number: _more_public_versions(pc_b, number))
    receipt, other = (run(pc_b, lambda number=number: LocalStatus.get(LocalStatus.number == number).check_code)
                      for number in OLD)
    assert sync(pc_b, center_app).conflicts >= 2
    assert "Nomor sedang diperiksa" in page(center_app, OLD[0], receipt)[1]
    _decide(center_app, operators["operator"], OLD[0], "keep")  # B's application takes a new number
    status, body = page(center_app, OLD[0], receipt)  # B has not synced since (an old counter never moves it)
    assert status == 200 and "Nomor pendaftaran sudah diganti" in body and "sedang diperiksa" not in body
    assert "Minta bukti pendaftaran baru di loket Kantor Kecamatan" in body and "tidak cocok" not in body
    # the other number's receipt, its conflict not decided yet, is still being checked
    assert "Nomor sedang diperiksa" in page(center_app, OLD[1], other)[1]


def test_the_old_receipt_of_a_record_the_operator_replaced_is_said_changed(tmp_path, center_app, center_db, enrolled,
                                                                          operators):  # noqa: F811
    """Issue 94 finding 6 (accept): the center held PC A's application under the number; the operator takes PC B's
    in its place, so A gives its applicant a new number. The center deleted A's /cek record under the number, and a
    counter on 6ce2a857 moves it without the old number (`previous`): A's citizen's receipt read "tidak cocok" for
    good. The center knows it gave the number away: that receipt reads as an old one, nothing of either record
    shown; the same number with another code is any mismatch; B's citizen finds B's record once B passes."""
    from tests.sync.test_conflict_routing import _decide
    pc_a, pc_b, code_a, code_b = _two_series_in_conflict(tmp_path, center_app, enrolled)
    assert "Permohonan KTP-el" in page(center_app, OLD[0], code_a)[1]  # A's citizen finds A's record
    _decide(center_app, operators["operator"], OLD[0], "accept")  # B's takes the number: A's is renumbered
    status, body = page(center_app, OLD[0], code_a)  # A has not passed since (an old counter never says the old number)
    assert status == 200 and "Nomor pendaftaran sudah diganti" in body, body[-1500:]
    assert "Minta bukti pendaftaran baru di loket Kantor Kecamatan" in body
    assert "tidak cocok" not in body and "sedang diperiksa" not in body and "Status sekarang" not in body
    assert page(center_app, OLD[0], "ZZZZZZ")[0] == 404  # another code: the calm miss, nothing more learnt
    for _ in range(2):  # B hears the decision; its record then takes the number: its citizen finds it
        sync(pc_b, center_app)
    status, body = page(center_app, OLD[0], code_b)
    assert status == 200 and "Status sekarang" in body and "sudah diganti" not in body, body[-1500:]
    assert "Nomor pendaftaran sudah diganti" in page(center_app, OLD[0], code_a)[1]
    for _ in range(2):  # A takes the renumber; today's A sends the old number with its moved record (issue 72)
        sync(pc_a, center_app)
    body = page(center_app, OLD[0], code_a)[1]
    assert "Nomor pendaftaran sudah diganti" in body and "Status sekarang" not in body

"""The center's relay record follows a renumber of a relayed form's application (issue 72, finding 1), and only
one the center itself asked for: the counter PC's "nomor_diganti" step is stored when the center holds a
`renumber` event of the old number for that PC; its later steps under the new number are the form's, and a
step under the old number is now the one superseded. Before, the first accepted number stayed the form's for
good: every later step of the renumbered application answered "superseded"."""
from types import SimpleNamespace

import pytest

from sync.center import desk_records, records, relay
from sync.center.models import Conflict, ReceivedApplication, RelayStatus
from tests.sync.helpers import packet_item, record_for
from tests.sync.test_relay_answers_exact import APPLICATION, NUMBER, answer, desa_key, form, status_header

NEW = "350807-01-000010"


def _counter(kecamatan, device_code="01"):
    return SimpleNamespace(kecamatan_id=kecamatan.id, device_code=device_code, key_id=f"kec-{device_code}",
                           previous_key=None)


def _renumber(step, relayed, old=APPLICATION, new=NEW, **record):
    return status_header(step=step, status="nomor_diganti", application_number=new, pra_hash=relayed["hash"],
                         renumbered_from=old, **record)


def _decided_conflict(kecamatan, device_code: str, person: int) -> None:
    """Another applicant's version under APPLICATION from PC `device_code` meets the one the center holds, and
    the operator keeps the center's: that PC alone is told to give its applicant a new number."""
    if not ReceivedApplication.select().where(ReceivedApplication.registration_number == APPLICATION).exists():
        header, photo = packet_item(9)
        assert records.store_packet_item(kecamatan, header, photo, device_code="03").result == "stored"
    header, photo = packet_item(person, record=dict(record_for(person), registration_number=APPLICATION))
    assert records.store_packet_item(kecamatan, header, photo, device_code=device_code).result == "conflict"
    conflict = Conflict.get((Conflict.offered_device == device_code) & Conflict.resolved_at.is_null())
    assert desk_records.resolve_conflict(conflict, records.KEEP, "diperiksa")


@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_a_renumber_the_center_asked_for_moves_the_forms_number_and_no_other_is_taken(center_app, center_db,
                                                                                      enrolled):
    kecamatan = enrolled[0]
    counter = _counter(kecamatan)
    relayed = form()
    assert relay.store_pre_registration(desa_key(kecamatan), relayed, b"").result == "stored"
    assert relay.store_status(counter, status_header(step=1, pra_hash=relayed["hash"]), b"").result == "stored"
    # The center never told this PC to give APPLICATION a new number: refused, the form keeps its number.
    never = (NUMBER, 2, "rejected", f"pusat tidak pernah meminta nomor baru untuk permohonan {APPLICATION}", "")
    assert answer(relay.store_status(counter, _renumber(2, relayed), b"")) == never
    _decided_conflict(kecamatan, "02", 8)  # the operator's decision told PC 02 to renumber, not this one
    assert answer(relay.store_status(counter, _renumber(2, relayed), b"")) == never
    _decided_conflict(kecamatan, "01", 7)
    incomplete = (NUMBER, 2, "rejected", "penggantian nomor permohonan tidak lengkap", "")
    for fault in (_renumber(2, relayed, old=""), _renumber(2, relayed, old="350807-01"),
                  _renumber(2, relayed, new="x" * 20),
                  status_header(step=2, status="terkirim", application_number=NEW, pra_hash=relayed["hash"],
                                renumbered_from=APPLICATION)):
        assert answer(relay.store_status(counter, fault, b"")) == incomplete, fault
    assert answer(relay.store_status(counter, _renumber(2, relayed), b"")) == (NUMBER, 2, "stored", "", "")
    assert relay.current_number(relay.winning_acceptance(kecamatan.id, NUMBER)) == NEW
    # Its next step under the new number is the form's; one under the old number is the one superseded.
    printed = status_header(step=3, status="dicetak", application_number=NEW, pra_hash=relayed["hash"])
    assert answer(relay.store_status(counter, printed, b"")) == (NUMBER, 3, "stored", "", "")
    old = status_header(step=4, status="dicetak", application_number=APPLICATION, pra_hash=relayed["hash"])
    assert answer(relay.store_status(counter, old, b""))[2:] == (
        "superseded", f"Formulir desa {NUMBER} sudah diterima di loket lain kecamatan ini dengan nomor permohonan "
                      f"{NEW}", NEW)
    # A renumber of a number the form no longer has (a second counter's duplicate): superseded, not taken.
    assert answer(relay.store_status(counter, _renumber(4, relayed, new="350807-01-000011"), b""))[2] == "superseded"
    assert [row.application_number for row in RelayStatus.select().order_by(RelayStatus.seq)] == [
        APPLICATION, NEW, NEW]


@pytest.mark.parametrize("center_app", ["sqlite"], indirect=True)
def test_a_renumber_meant_for_one_pc_is_claimed_by_that_pc_alone(center_app, center_db, enrolled):
    """A conflict offered by a PC without a device code (enrolled before codes) is decided with a renumber
    addressed to "" (records.resolve_conflict): that is the PC the center asked, not every PC of the
    kecamatan. Before, any other counter PC could claim the relayed form's renumber with it."""
    kecamatan = enrolled[0]
    winner, other = _counter(kecamatan, ""), _counter(kecamatan, "02")
    relayed = form()
    assert relay.store_pre_registration(desa_key(kecamatan), relayed, b"").result == "stored"
    assert relay.store_status(winner, status_header(step=1, pra_hash=relayed["hash"]), b"").result == "stored"
    _decided_conflict(kecamatan, "", 7)
    never = (NUMBER, 2, "rejected", f"pusat tidak pernah meminta nomor baru untuk permohonan {APPLICATION}", "")
    assert answer(relay.store_status(other, _renumber(2, relayed), b"")) == never
    assert answer(relay.store_status(winner, _renumber(2, relayed), b"")) == (NUMBER, 2, "stored", "", "")
    assert [row.application_number for row in RelayStatus.select().order_by(RelayStatus.seq)] == [APPLICATION, NEW]


@pytest.mark.parametrize("center_app", ["sqlite"], indirect=True)
def test_a_pc_without_a_device_code_claims_no_renumber_addressed_to_another_pc(center_app, center_db, enrolled):
    """A key without a device code hears every status of its kecamatan, but the center asks it for a new
    number only by a renumber addressed to "": one addressed to PC 02 is PC 02's to claim."""
    kecamatan = enrolled[0]
    uncoded, meant = _counter(kecamatan, ""), _counter(kecamatan, "02")
    relayed = form()
    assert relay.store_pre_registration(desa_key(kecamatan), relayed, b"").result == "stored"
    assert relay.store_status(meant, status_header(step=1, pra_hash=relayed["hash"]), b"").result == "stored"
    _decided_conflict(kecamatan, "02", 7)
    never = (NUMBER, 2, "rejected", f"pusat tidak pernah meminta nomor baru untuk permohonan {APPLICATION}", "")
    assert answer(relay.store_status(uncoded, _renumber(2, relayed), b"")) == never
    assert answer(relay.store_status(meant, _renumber(2, relayed), b"")) == (NUMBER, 2, "stored", "", "")


@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_an_older_pcs_next_step_under_the_new_number_is_the_renumber_it_never_sent(center_app, center_db, enrolled):
    """Issue 80, finding 2: a counter PC of a version before the "nomor_diganti" step takes the new number the
    center asked for and sends only the form's next step under it. The center takes that step as the renumber
    from the PC it asked, for numbers of that PC's own series; any other step naming another number stays
    superseded. Before, every such step was superseded: the old PC called its own application a duplicate."""
    from app.frame import statements
    kecamatan = enrolled[0]
    counter = _counter(kecamatan)
    relayed = form()
    assert relay.store_pre_registration(desa_key(kecamatan), relayed, b"").result == "stored"
    assert relay.store_status(counter, status_header(step=1, pra_hash=relayed["hash"]), b"").result == "stored"

    def step(status="terkirim", number=NEW, key=counter):
        header = status_header(step=2, status=status, application_number=number, pra_hash=relayed["hash"])
        return answer(relay.store_status(key, header, b""))
    superseded = (NUMBER, 2, "superseded", f"Formulir desa {NUMBER} sudah diterima di loket lain kecamatan ini "
                                           f"dengan nomor permohonan {APPLICATION}", APPLICATION)
    assert step() == superseded  # the center asked no one for a new number
    _decided_conflict(kecamatan, "02", 8)
    assert step() == superseded  # it asked PC 02, not this one
    _decided_conflict(kecamatan, "01", 7)
    assert step(key=_counter(kecamatan, "")) == superseded  # a key without a device code: never sure it is its own
    assert step(status="diterima_loket") == superseded  # a second acceptance is a duplicate, never the renumber
    assert step(number="350807-02-000011") == superseded  # a number of another PC's series
    assert step(number="350806-01-000011") == superseded  # of another kecamatan
    assert step() == (NUMBER, 2, "stored", "", "")
    assert step() == (NUMBER, 2, "duplicate", "", "")  # its answer lost: the same step again
    assert relay.current_number(relay.winning_acceptance(kecamatan.id, NUMBER)) == NEW
    assert [(row.status, row.application_number, row.renumbered_from)
            for row in RelayStatus.select().order_by(RelayStatus.seq)] == [
        ("diterima_loket", APPLICATION, ""), ("terkirim", NEW, APPLICATION)]
    # The inbox carries it to the kecamatan's other counter PCs (as a renumber: relay_inbox's `settled`).
    carried = statements.rows(relay._inbox_acceptances, 100, each_run=(kecamatan.id, 0))
    assert [(row.status, row.renumbered_from) for row in carried] == [("diterima_loket", ""), ("terkirim", APPLICATION)]
    printed = status_header(step=3, status="dicetak", application_number=NEW, pra_hash=relayed["hash"])
    assert answer(relay.store_status(counter, printed, b"")) == (NUMBER, 3, "stored", "", "")
    # A PC that does send the step, whose later step committed first and was taken as it: stored too.
    late = _renumber(4, relayed)
    assert answer(relay.store_status(counter, late, b"")) == (NUMBER, 4, "stored", "", "")

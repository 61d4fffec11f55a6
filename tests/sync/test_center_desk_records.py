"""Issue 31: the center's changes go through one path (sync/center/desk_records.py) that checks,
writes and audits in one transaction; the print-run and shipment rules live there, not in views."""
import pytest

from sync.center import desk_records, records
from sync.center.models import CenterAudit, PrintRun, ReceivedApplication, Shipment
from tests.sync.helpers import packet_item


def _received(kecamatan, count):
    for n in range(1, count + 1):
        assert records.store_application(kecamatan, *packet_item(n)).result == "stored"
    return list(ReceivedApplication.select().order_by(ReceivedApplication.id))


def _failing_audit(monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("disk full")
    monkeypatch.setattr(desk_records, "audit", refuse)


def test_a_print_run_takes_only_what_awaits_print_and_audits_with_it(center_app, enrolled, monkeypatch):
    kecamatan, _ = enrolled
    first, second, third = _received(kecamatan, 3)
    assert desk_records.move_with_reason(third, "rejected", "foto buram", "Ditolak")  # audited (sync/center/trail.py)
    with center_app.test_request_context():
        run = desk_records.create_print_run([first.id, third.id], "petugas")
        assert [a.id for a in run.applications] == [first.id]
        assert desk_records.create_print_run([first.id, third.id], "petugas") is None  # nothing awaits any more
        assert PrintRun.select().count() == 1
        assert CenterAudit.select().where(CenterAudit.action == "buat_cetak").count() == 1
        _failing_audit(monkeypatch)
        with pytest.raises(RuntimeError):
            desk_records.create_print_run([second.id], "petugas")
    assert PrintRun.select().count() == 1 and ReceivedApplication.get_by_id(second.id).print_run_id is None


def test_a_shipment_takes_the_printed_cards_and_rolls_back_without_its_audit(center_app, enrolled, monkeypatch):
    kecamatan, _ = enrolled
    first, second = _received(kecamatan, 2)
    with center_app.test_request_context():
        assert desk_records.create_shipment(kecamatan, "petugas", "") is None  # nothing printed yet
        run = desk_records.create_print_run([first.id, second.id], "petugas")
        assert desk_records.mark_printed(run, {first.id}) == 1
        _failing_audit(monkeypatch)
        with pytest.raises(RuntimeError):
            desk_records.create_shipment(kecamatan, "petugas", "")
        assert Shipment.select().count() == 0 and ReceivedApplication.get_by_id(first.id).status == "printed"
        monkeypatch.undo()
        shipment = desk_records.create_shipment(kecamatan, "petugas", "lewat kurir")
    assert [(a.id, a.status) for a in shipment.applications] == [(first.id, "shipped")]
    assert ReceivedApplication.get_by_id(second.id).status == "received"

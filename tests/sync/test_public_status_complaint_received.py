"""A complaint's history on /cek starts from the day the office received it (issue 71, finding 2): a letter
received ten days before it was typed in shows that day, and one forwarded as it was recorded has its
"received" line too. Read from the record the kecamatan queues for the center."""
import json
from datetime import timedelta

from app.frame.dates import to_local, utc_now
from sync import public_status as vocabulary
from sync.client.models import OutboxItem
from tests.support.factory import recorded_complaint
from tests.sync.test_client import kecamatan, run  # noqa: F401  (kecamatan is a fixture)


def _recorded(kec_app, **how) -> list:
    def record():
        complaint = recorded_complaint(channel="surat", complainant_contact="", **how)
        item = (OutboxItem.select().where((OutboxItem.kind == vocabulary.KIND)
                                          & (OutboxItem.registration_number == vocabulary.wire_key(complaint.tracking_number)))
                .order_by(OutboxItem.id.desc()).first())
        return json.loads(item.record_json)["steps"]
    return run(kec_app, record)


def test_a_letter_received_before_it_was_typed_shows_the_day_it_was_received(kecamatan):
    received = utc_now() - timedelta(days=10)
    steps = _recorded(kecamatan, received_at=received)
    assert steps == [["diterima", to_local(received, "Asia/Jakarta").date().isoformat()]]


def test_a_complaint_forwarded_as_it_was_recorded_has_its_received_line(kecamatan):
    received = utc_now() - timedelta(days=3)
    steps = _recorded(kecamatan, received_at=received, status="diteruskan")
    today = to_local(utc_now(), "Asia/Jakarta").date().isoformat()
    assert steps == [["diterima", to_local(received, "Asia/Jakarta").date().isoformat()], ["diteruskan", today]]

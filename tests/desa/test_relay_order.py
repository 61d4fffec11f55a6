"""Statuses of a relayed form reach the desa in the center's order, which is not always the kecamatan's:
two packets on the wire at once (and a retried packet) commit at the center in either order, so a later
step ("diserahkan") can get a lower cursor number than an earlier one ("dikirim"). Found by the
three-server journey (tests/browser/test_desa_relay_journey.py): 8 of 20 cards handed over stayed
"Dikirim ke kecamatan" on the desa's list. The desa keeps the furthest step it has seen."""
import re

from app.desa import mode
from app.desa import records as pre_records
from app.desa.models import PreRegistration
from app.registration import intake
from app.registration.views import desa_list
from sync.client import engine
from sync.client.models import OutboxItem, SyncLink
from tests.desa.conftest import DARUNGAN
from tests.desa.test_desa_mode import bound_to, desa_app, kecamatan  # noqa: F401  (fixtures)
from tests.support.factory import applicant_form, sync_link_row


def _relayed_form_at_the_desa(desa_app, kecamatan, client_as):
    from app.frame.db import database
    database.initialize(kecamatan.extensions["database"])
    page = client_as("admin").post("/admin/operator-desa/kode-komputer", data={"desa": DARUNGAN})
    code = re.search(r'<code class="enrolment-code">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    with bound_to(desa_app):
        mode.enrol_this_pc(code)
        # The link's key as the center's relay enrolment leaves it (only the status cursor matters here).
        link = sync_link_row(center_url="http://127.0.0.1:9", key_id="d-uji", secret="0" * 64,
                             role="desa")
        clean, errors, _ = intake.validate_application(applicant_form(), desa_list(), pre_records.today())
        assert not errors
        pre = pre_records.create_pre_registration(clean)
        sent = OutboxItem.get(OutboxItem.registration_number == pre.number)
    return link.id, pre.number, sent.content_hash


def test_an_earlier_step_arriving_after_a_later_one_does_not_undo_it(desa_app, kecamatan, client_as):
    link_id, number, digest = _relayed_form_at_the_desa(desa_app, kecamatan, client_as)
    application = "350807-P1-000004"
    # The center's cursor order, as the journey saw it: steps 7 and 8 committed before step 6.
    arrivals = [(1, "diterima_loket"), (5, "dicetak"), (7, "siap_diambil"), (8, "diserahkan"), (6, "dikirim")]
    with bound_to(desa_app):
        for seq, (step, status) in enumerate(arrivals, start=1):
            event = {"seq": seq, "id": number, "version": 1, "hash": digest, "step": step, "status": status,
                     "label": status, "reason": "", "application_number": application, "at": "2026-11-22T10:00:00"}
            assert engine.apply_event(link_id, event) == "applied"
        pre = PreRegistration.get(PreRegistration.number == number)
        assert (pre.relay_status, pre.relay_step) == ("diserahkan", 8)
        assert SyncLink.get_by_id(link_id).status_cursor == len(arrivals)  # the older step is read, not re-asked


def test_events_without_a_step_still_apply_in_cursor_order(desa_app, kecamatan, client_as):
    """A center from before steps were sent: each event applies as it comes, as before."""
    link_id, number, digest = _relayed_form_at_the_desa(desa_app, kecamatan, client_as)
    with bound_to(desa_app):
        for seq, status in enumerate(["diterima_loket", "dicetak", "siap_diambil"], start=1):
            event = {"seq": seq, "id": number, "version": 1, "hash": digest, "status": status, "label": status,
                     "reason": "", "application_number": "350807-P1-000004", "at": "2026-11-22T10:00:00"}
            engine.apply_event(link_id, event)
        assert PreRegistration.get(PreRegistration.number == number).relay_status == "siap_diambil"

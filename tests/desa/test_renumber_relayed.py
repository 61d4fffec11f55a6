"""A relayed desa form whose application the center has renumbered (issue 72, finding 1): the operator's
decision on a conflict of its number gives the counter PC's application a new one. The desa PC that sent the
form, the citizen's /cek of the F-1.07, the center's relay record and the kecamatan's other counter PC all take
the new number; at the next steps (printed, handed over) the counter PC that accepted the form is never told it
holds "a duplicate of another counter". Before, the desa kept the old number (now another person's card) for
good, and the counter PC was offered "Tandai sebagai duplikat / batalkan di PC ini" for its own printed card.

Real programs: a desa PC, two counter PCs, a running center on SQLite and on PostgreSQL; the other content
under the number comes from the second counter PC's own key through the center's packet route, and the
operator decides on the center's conflict page. Both decisions that renumber: keep (the center keeps the
other content; the relayed application is the offered one) and accept (the other content replaces the
relayed application, which was held first)."""
import json
import re

import pytest
import requests

from app.desa.models import PreRegistration
from app.frame.audit_event import AuditEvent
from app.public_status.models import PublicStatus as LocalStatus
from app.registration.models import Application
from app.registration.status import ApplicationStatus as S, transition
from sync import protocol
from sync.client.models import OutboxItem, SyncLink
from tests.conftest import CsrfClient
from tests.desa.test_desa_mode import bound_to, desa_app, kecamatan, operator_client, text  # noqa: F401  (fixtures)
from tests.desa.test_relay import center, enrolled_desa, sync  # noqa: F401  (fixtures)
from tests.desa.test_relay_two_counters import _accept, _center, two_counters_list_one_desa_form
from tests.sync.helpers import packet_call, packet_item, record_for

DUPLICATE_WORDS = ("Tandai sebagai duplikat", "duplikat", "loket lain")


def _other_content_under(center, pc, number: str) -> str:
    """Another applicant's application under `number`, sent with `pc`'s own key (two counter PCs that gave
    one number: a PC cloned from another's disk). Returns the center's answer word."""
    with bound_to(pc):
        link = SyncLink.get()
        key = (link.key_id, link.secret)
    item = packet_item(90, record=dict(record_for(90), registration_number=number))
    answer = packet_call(center.app.test_client(), key, protocol.API_PREFIX + "/packets", [item])
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_json()["results"][0]["result"]


def _decide(center, number: str, decision: str) -> None:
    """The center's operator decides on the conflict's page."""
    from app.frame.signin import SESSION_TOKEN, start_session
    from sync.center.accounts import create_operator
    from sync.center.models import Conflict

    def decide():
        operator = create_operator("operator-konflik", "Operator Pusat", "operator", password="rahasia-pusat-1",
                                   must_change_password=False)[0]
        client = CsrfClient(center.app, center.app.response_class, use_cookies=True)
        with center.app.test_request_context():
            token = start_session(operator)
        with client.session_transaction() as session:
            session[SESSION_TOKEN] = token
        conflict = Conflict.get((Conflict.registration_number == number) & Conflict.resolved_at.is_null())
        answer = client.post(f"/konflik/{conflict.id}/selesai", data={"decision": decision, "note": "diperiksa"})
        assert answer.status_code == 303, answer.get_data(as_text=True)[:800]
        assert Conflict.get_by_id(conflict.id).decision == decision
    _center(center, decide)


def _center_moves(center, number: str, *steps) -> None:
    from sync.center import records as center_records
    from sync.center.db import center_database
    from sync.center.models import ReceivedApplication

    def move():
        with center_database.atomic():
            card = ReceivedApplication.get(ReceivedApplication.registration_number == number)
            for step in steps:
                assert center_records.move(card, step), step
    _center(center, move)


def _public_record(center, number: str) -> dict:
    from sync.center.models import PublicStatus
    return _center(center, lambda: json.loads(PublicStatus.get(PublicStatus.number == number).record_json))


def _relay_numbers(center, number: str) -> list[str]:
    from sync.center.models import RelayStatus
    return _center(center, lambda: [row.application_number for row in RelayStatus.select()
                                    .where(RelayStatus.number == number).order_by(RelayStatus.seq)])


def _counter_is_right(pc, clerk, application_id: int, number: str) -> None:
    """The counter PC that accepted the form: its own application, under `number`, no duplicate, nothing
    it is offered to cancel, nothing of the form superseded at the center."""
    with bound_to(pc):
        application = Application.get_by_id(application_id)
        assert application.registration_number == number
        pre = PreRegistration.get(PreRegistration.application == application_id)
        assert pre.relay_status not in ("duplikat_loket_lain", "duplikat_ditutup"), pre.relay_note
        states = {(o.kind, o.state) for o in OutboxItem.select().where(OutboxItem.kind.in_(["permohonan", "pra_status"]))}
        assert not {state for _, state in states} & {"duplicate", "closed", "superseded", "rejected", "conflict"}, states
        page = text(clerk.get(f"/pendaftaran/{application_id}"))
    assert "Tandai sebagai duplikat" not in page and "loket lain" not in page


def _desa_is_right(desa_app, operator, center, pre_number: str, number: str, old: str, stage: str) -> None:
    for _ in range(2):  # the status comes in; the /cek record it changed goes out
        assert sync(desa_app).error == ""
    with bound_to(desa_app):
        pre = PreRegistration.get()
        assert (pre.relay_application_number, pre.relay_status) == (number, stage)
        check_code = LocalStatus.get(LocalStatus.number == pre_number).check_code
    page = text(operator.get(f"/desa/pra-pendaftaran/{pre.id}")) + text(operator.get("/desa"))
    assert number in page and old not in page and "Nomor permohonan diganti kecamatan menjadi" in page
    record = _public_record(center, pre_number)
    assert number in record["follow_up"] and old not in record["follow_up"] and "nomor baru" in record["follow_up"]
    # The citizen's /cek of the F-1.07 on the running center, with the code printed on the form.
    cek = requests.get(center.url + "/cek", params={"n": pre_number, "k": check_code}, timeout=30)
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cek.text))
    assert cek.status_code == 200 and number in shown and old not in shown and "nomor baru" in shown, shown[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("center", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("decision", ["keep", "accept"])
def test_a_relayed_application_renumbered_by_the_center_reaches_the_desa_cek_and_both_counters(
        desa_app, kecamatan, client_as, center, tmp_path, decision):
    world = two_counters_list_one_desa_form(desa_app, kecamatan, client_as, center, tmp_path)
    p1, p2, p1_clerk, operator = world.p1, world.p2, world.p1_clerk, world.operator
    with bound_to(desa_app):
        pre_number = PreRegistration.get().number

    application = _accept(p1, p1_clerk)
    old = application.registration_number
    if decision == "keep":  # the other content reached the center first: the relayed application is offered
        assert _other_content_under(center, p2, old) == "stored"
        report = sync(p1)
        assert report.error == "" and report.conflicts >= 1, report  # the application (and its /cek record)
    else:  # the relayed application was held first; the operator takes the other content in its place
        assert sync(p1).error == ""
        assert _other_content_under(center, p2, old) == "conflict"
    _decide(center, old, decision)

    for _ in range(2):  # the renumber event, the new number's application and the desa's step of it
        assert sync(p1).error == ""
    with bound_to(p1):
        new = Application.get_by_id(application.id).registration_number
    assert new != old and new.startswith("350807-")
    _counter_is_right(p1, p1_clerk, application.id, new)
    assert _relay_numbers(center, pre_number)[-1] == new  # the center's relay record follows
    with bound_to(p1):
        stage = PreRegistration.get().relay_status
    _desa_is_right(desa_app, operator, center, pre_number, new, old, stage)
    assert sync(p2).error == ""
    with bound_to(p2):  # the other counter PC's queue names the number the application has now
        assert PreRegistration.get().relay_application_number == new
    with bound_to(desa_app):  # the desa PC's trail says it, by the pass (no one at the desa acted)
        trail = [(row.summary, row.username) for row in AuditEvent.select().where(AuditEvent.action == "ubah_nomor")]
    assert trail == [(f"Pra-pendaftaran {pre_number}: nomor permohonan {old} diganti kecamatan menjadi {new}",
                      "sinkronisasi")], trail

    # Printed at the center, then shipped, ready and handed over at the counter: right at every step.
    _center_moves(center, new, "printed")
    for _ in range(2):
        assert sync(p1).error == ""
    _counter_is_right(p1, p1_clerk, application.id, new)
    _desa_is_right(desa_app, operator, center, pre_number, new, old, "dicetak")
    _center_moves(center, new, "shipped")
    assert sync(p1).error == ""
    with bound_to(p1) as db:
        with db.atomic():
            for step in (S.READY, S.HANDED_OVER):
                transition(Application.get_by_id(application.id), step, note="diserahkan kepada pemohon")
    assert sync(p1).error == ""
    _counter_is_right(p1, p1_clerk, application.id, new)
    _desa_is_right(desa_app, operator, center, pre_number, new, old, "diserahkan")
    assert sync(p2).error == ""
    with bound_to(p2):
        assert PreRegistration.get().relay_application_number == new
        assert not OutboxItem.select().where(OutboxItem.kind == "permohonan").exists()
    assert all(number == new for number in _relay_numbers(center, pre_number)[_relay_numbers(center, pre_number)
                                                                               .index(new):])

"""One desa form, one outcome (issue 42, finding 2): both counter PCs of a kecamatan list a relayed form and
both accept it before either syncs. The acceptance that reaches the center first wins: the desa follows that
application only (never "Ditolak Dukcapil" for a card being made), the center holds one application and no
conflict, and the other counter's application becomes one item on its page with one action that closes it
here. Two counter PCs, one desa PC, a real center on SQLite and on PostgreSQL, both orders of arrival."""
import io
from types import SimpleNamespace

import pytest

from app.desa.models import PreRegistration
from app.frame.audit_event import AuditEvent
from app.registration.models import Application
from app.registration.status import ApplicationStatus as S, transition
from sync.client.models import OutboxItem
from tests.desa.conftest import DARUNGAN, pre_register
from tests.desa.test_desa_mode import bound_to, desa_app, kecamatan, operator_client, text  # noqa: F401  (fixtures)
from tests.desa.test_f107_kecamatan_key import YOSOWILANGUN, counter_pc, enrol_at_sync_page, signed_in
from tests.desa.test_relay import center, enrolled_desa, sync  # noqa: F401  (fixtures)
from tests.support.factory import applicant_form, photo_jpeg


def _accept(pc, clerk) -> Application:
    """The counter clerk takes the relayed form in and finds the file complete."""
    with bound_to(pc) as db:
        pre = PreRegistration.get()
        accepted = clerk.post(f"/pra-pendaftaran/{pre.id}/terima", content_type="multipart/form-data",
                              data=applicant_form(nik=pre.nik, full_name=pre.full_name, rt=pre.rt, rw=pre.rw))
        assert accepted.status_code == 302, text(accepted)[:1500]
        application = PreRegistration.get_by_id(pre.id).application
        with db.atomic():
            transition(application, S.COMPLETE, note="berkas lengkap")  # its outbox row is written
        return Application.get_by_id(application.id)


def two_counters_list_one_desa_form(desa_app, kecamatan, client_as, center, tmp_path):
    """P1 (the kecamatan app) and P2, both enrolled, and a desa PC enrolled through P1 whose form both counters'
    queues list after a pass each: the two apps, their signed-in clients and the desa operator's."""
    from app.frame.db import database
    p1, p2 = kecamatan, counter_pc(tmp_path, "p2", YOSOWILANGUN)
    database.initialize(p1.extensions["database"])
    p1_admin, p1_clerk = client_as("admin"), client_as("petugas_loket")
    p2_admin = signed_in(p2, "admin")
    enrol_at_sync_page(p1, p1_admin, center, YOSOWILANGUN, "Yosowilangun")
    enrol_at_sync_page(p2, p2_admin, center, YOSOWILANGUN, "Yosowilangun")
    enrolled_desa(desa_app, p1, client_as)
    operator = operator_client(desa_app)
    with bound_to(desa_app):
        saved = pre_register(operator, applicant_form(), {"photo": (io.BytesIO(photo_jpeg()), "foto.jpg")})
        assert saved.status_code == 302, text(saved)[:800]
    assert sync(desa_app).error == ""
    assert sync(p1).relayed == 1 and sync(p2).relayed == 1  # both queues list the form
    return SimpleNamespace(p1=p1, p2=p2, p1_admin=p1_admin, p1_clerk=p1_clerk, p2_admin=p2_admin, operator=operator)


def _center(center, fn):
    with center.app.app_context(), center.app.extensions["center_database"].connection_context():
        return fn()


@pytest.mark.parametrize("center", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("first", ["p1", "p2"])
def test_two_counters_accepting_one_desa_form_give_one_outcome(desa_app, kecamatan, client_as, center, tmp_path,
                                                               monkeypatch, first):
    world = two_counters_list_one_desa_form(desa_app, kecamatan, client_as, center, tmp_path)
    p1, p2, p1_admin, p1_clerk, p2_admin, operator = (world.p1, world.p2, world.p1_admin, world.p1_clerk,
                                                      world.p2_admin, world.operator)
    p2_clerk = signed_in(p2, "petugas_loket")

    # Both accept it before either syncs (the window is one pass, or a whole day offline).
    mine = {"p1": _accept(p1, p1_clerk), "p2": _accept(p2, p2_clerk)}
    second = "p2" if first == "p1" else "p1"
    pcs = {"p1": p1, "p2": p2}
    winner, loser = mine[first], mine[second]
    if first == "p2":
        # The loser's pass met its inbox before the winner's acceptance was at the center: it learns it
        # lost from the center's answer to its own acceptance, not from the inbox.
        from app.desa import relay
        monkeypatch.setattr(relay, "pull_inbox", lambda *args, **kwargs: None)
    assert sync(pcs[first]).error == ""
    report = sync(pcs[second])
    assert report.error == "" and report.conflicts == 0 and report.rejected == 0, report

    def at_center():
        from sync.center.models import Conflict, ReceivedApplication, RelayStatus
        held = [a.registration_number for a in ReceivedApplication.select()]
        told = {(s.status, s.application_number) for s in RelayStatus.select()}
        return held, told, Conflict.select().count()
    held, told, conflicts = _center(center, at_center)
    assert held == [winner.registration_number] and conflicts == 0
    assert {number for _, number in told} == {winner.registration_number}  # the desa hears of the winner only

    with bound_to(pcs[second]):  # the other counter: one clear item, nothing undecidable
        rows = {(row.kind, row.state) for row in OutboxItem.select().where(OutboxItem.kind != "status_publik")}
        assert ("permohonan", "duplicate") in rows and not {state for _, state in rows} & {"conflict", "pending"}
    with bound_to(pcs[second]):
        clerk = p1_clerk if second == "p1" else p2_clerk
        page = text(clerk.get(f"/pendaftaran/{loser.id}"))
        assert (f"sudah diterima di loket lain kecamatan ini dengan nomor permohonan {winner.registration_number}"
                in page) and "Tandai sebagai duplikat / batalkan di PC ini" in page
        admin = p1_admin if second == "p1" else p2_admin
        sync_page = text(admin.get("/sinkronisasi"))
        assert sync_page.count("duplikat: sudah diterima di loket lain") == 1 and "konflik di pusat" not in sync_page

    assert sync(desa_app).error == ""
    with bound_to(desa_app):
        pre = PreRegistration.get()
        assert pre.relay_application_number == winner.registration_number and pre.relay_status != "ditolak_pusat"
    desa_page = text(operator.get("/desa"))
    assert "Ditolak" not in desa_page and winner.registration_number in desa_page

    with bound_to(pcs[second]):  # the one action: closed here, on the timeline and in the trail
        pre = PreRegistration.get()
        closed = clerk.post(f"/pra-pendaftaran/{pre.id}/duplikat")
        assert closed.status_code == 303
        assert clerk.post(f"/pra-pendaftaran/{pre.id}/duplikat").status_code == 303  # twice: one mark
        assert OutboxItem.get((OutboxItem.kind == "permohonan") & (OutboxItem.source_id == loser.id)).state == "closed"
        assert AuditEvent.select().where(AuditEvent.action == "tutup_duplikat").count() == 1
        page = text(clerk.get(f"/pendaftaran/{loser.id}"))
        assert "Duplikat, dibatalkan di PC ini" in page and "Tandai sebagai duplikat" not in page
        assert "duplikat: sudah diterima di loket lain" not in text(admin.get("/sinkronisasi"))
    assert sync(pcs[second]).error == "" and sync(pcs[first]).error == ""

    def print_it():  # the winner's card is printed; the desa follows it
        from sync.center import records as center_records
        from sync.center.db import center_database
        from sync.center.models import ReceivedApplication
        with center_database.atomic():
            card = ReceivedApplication.get(ReceivedApplication.registration_number == winner.registration_number)
            assert center_records.move(card, "printed")
    _center(center, print_it)
    for pc in (pcs[first], pcs[second], pcs[first], desa_app):  # two winner passes: its status, then the desa's
        assert sync(pc).error == ""
    with bound_to(desa_app):
        pre = PreRegistration.get()
        assert (pre.relay_status, pre.relay_application_number) == ("dicetak", winner.registration_number)
    assert "Sudah dicetak" in text(operator.get(f"/desa/daftar?desa={DARUNGAN}"))

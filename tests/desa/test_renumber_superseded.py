"""A counter PC never calls its own application of a relayed desa form a duplicate because the center renumbered
it (issue 72, finding 1). The center's renumber event gives the application a new number and the form's step
"nomor_diganti" (with the number it replaces) is queued for the desa; a center of the previous release, which
keeps the first accepted number, answers that step "superseded" naming the application's own former number: this
PC's application stays its own. A number of another counter PC still makes it the duplicate it is."""
import json
from datetime import date, datetime

from app.desa.models import PreRegistration
from app.frame import installation
from app.frame.db import database
from app.registration.models import Application
from sync import protocol
from sync.client import engine, settle
from sync.client.models import OutboxItem
from tests.sync.harness import fill_kecamatan, kecamatan_app
from tests.support.factory import sync_link_row


def _in(app, fn):
    with app.app_context(), app.extensions["database"].connection_context():
        return fn()


def _relayed_application(tmp_path):
    """One complete application made of a relayed F-1.07, sent and stored at the center."""
    app = kecamatan_app(tmp_path / "loket", strict=True)
    fill_kecamatan(app, 1, photo_size=(30, 40))

    def setup():
        with database.atomic():
            sync_link_row(center_url="http://pusat", key_id="kunci", secret="rahasia", enrolled_at=datetime(2026, 1, 1))
            a = Application.get()
            installation.set_device_code(database, protocol.REGISTRATION_NUMBER.match(a.registration_number).group(2))
            PreRegistration.create(
                number="PRA-3508072001-D1-000001", nik=a.nik, kk_number=a.kk_number, full_name=a.full_name,
                birth_place=a.birth_place, birth_date=a.birth_date, sex=a.sex, address=a.address, rt=a.rt, rw=a.rw,
                desa_code=a.desa_code, religion=a.religion, marital_status=a.marital_status,
                occupation=a.occupation, reason=a.reason, status=PreRegistration.ACCEPTED, source="relay",
                entered_by_name="Kaur Umum", entered_at=datetime(2026, 1, 2), expires_on=date(2027, 1, 1),
                application=a.id, accepted_at=datetime(2026, 1, 3), relay_version=1, relay_hash="h" * 64,
                relay_status="diterima_loket", relay_step=1, relay_application_number=a.registration_number)
        item = OutboxItem.get(OutboxItem.kind == "permohonan")
        engine.apply_result(item, {"result": "stored"})
        return a.id, a.registration_number, item.content_hash
    return app, *_in(app, setup)


def test_a_renumbered_relayed_application_is_never_its_own_duplicate(tmp_path):
    app, application_id, old, digest = _relayed_application(tmp_path)

    def renumber():
        with database.atomic():
            assert settle.apply_one({"seq": 1, "id": old, "version": 1, "hash": digest, "status": "renumber",
                                     "reason": "nomor ini sudah dipakai permohonan lain; beri nomor baru"},
                                    lambda: None) == "applied"
        new = Application.get_by_id(application_id).registration_number
        step = OutboxItem.select().where(OutboxItem.kind == "pra_status").order_by(OutboxItem.id.desc()).first()
        return new, step, json.loads(step.record_json), PreRegistration.get()
    new, step, record, pre = _in(app, renumber)
    assert new != old
    assert (record["status"], record["application_number"], record["renumbered_from"]) == ("nomor_diganti", new, old)
    # Its stage stays the one the desa knows (sent to Dukcapil), one step further, under the new number.
    assert (step.version, pre.relay_step, pre.relay_application_number, pre.relay_status) == (3, 3, new, "terkirim")

    def old_center_answers(accepted_as):
        item = (OutboxItem.select().where((OutboxItem.kind == "pra_status") & (OutboxItem.state == "pending"))
                .order_by(OutboxItem.id.desc()).first())
        engine.apply_result(item, {"result": "superseded", "accepted_as": accepted_as,
                                   "reason": f"sudah diterima di loket lain dengan nomor permohonan {accepted_as}"})
        pre = PreRegistration.get()
        return pre.relay_status, {o.state for o in OutboxItem.select().where(OutboxItem.kind == "permohonan")}
    # A center of the previous release names the application's own former number: it stays this PC's own.
    status, states = _in(app, lambda: old_center_answers(old))
    assert status == "terkirim" and not states & {"duplicate", "closed"}, (status, states)

    def next_step():  # the application's next step goes to the desa, under its new number
        from app.desa import relay
        with database.atomic():
            relay.send_status(PreRegistration.get(), "diterima_pusat", application_number=new)
    _in(app, next_step)
    # Another counter PC's number: this PC's application is the duplicate it is.
    status, states = _in(app, lambda: old_center_answers("350807-P9-000001"))
    assert status == "duplikat_loket_lain" and "duplicate" in states, (status, states)

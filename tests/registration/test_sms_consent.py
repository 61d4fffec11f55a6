"""One SMS when the card is ready, consent only (issue 28): the counter's tick sends the phone with the
public status record; without the tick no number leaves the PC; a tick without a usable number is a
clear 422 with nothing saved."""
import json

from app.public_status.models import PublicStatus
from app.registration.models import Application
from sync.client.models import OutboxItem
from tests.support.factory import applicant_form, photo_jpeg


def _post(loket, **changes):
    import io
    data = dict(applicant_form(**changes), photo=(io.BytesIO(photo_jpeg()), "foto.jpg"))
    return loket.post("/pendaftaran/baru", data=data, content_type="multipart/form-data")


def _newest_record(application) -> dict:
    row = PublicStatus.get((PublicStatus.kind == "ktp") & (PublicStatus.source_id == application.id))
    item = (OutboxItem.select().where((OutboxItem.kind == "status_publik") & (OutboxItem.source_id == row.id))
            .order_by(OutboxItem.id.desc()).first())
    return json.loads(item.record_json)


def test_the_ticked_consent_sends_the_phone_with_the_public_record(loket):
    assert 'name="sms_consent"' in loket.get("/pendaftaran/baru").get_data(as_text=True)
    assert _post(loket, sms_consent="1").status_code == 302
    application = Application.get()
    record = _newest_record(application)
    assert record["sms"] == "081234567890"
    row = PublicStatus.get(PublicStatus.source_id == application.id)
    assert row.sms_phone == "081234567890" and row.sms_consent_at is not None


def test_without_the_tick_no_phone_leaves_the_pc(loket):
    assert _post(loket).status_code == 302
    application = Application.get()
    assert application.phone == "081234567890"  # kept at the counter, as before
    assert "sms" not in _newest_record(application)
    assert PublicStatus.get(PublicStatus.source_id == application.id).sms_phone == ""


def test_a_tick_without_a_phone_is_refused_with_nothing_saved(loket):
    response = _post(loket, sms_consent="1", phone="")
    assert response.status_code == 422
    assert "Untuk SMS, isi nomor HP" in response.get_data(as_text=True)
    assert Application.select().count() == 0 and OutboxItem.select().count() == 0

"""One SMS when a complaint is closed, consent only (issue 28): at the desk and the kiosk, for a
complainant who gives a phone number and is not anonymous."""
import json

from app.complaints.models import Complaint
from app.public_status.models import PublicStatus
from sync.client.models import OutboxItem
from tests.complaints.test_kiosk import kiosk_form


def _newest_record(complaint) -> dict:
    row = PublicStatus.get((PublicStatus.kind == "pgd") & (PublicStatus.source_id == complaint.id))
    item = (OutboxItem.select().where((OutboxItem.kind == "status_publik") & (OutboxItem.source_id == row.id))
            .order_by(OutboxItem.id.desc()).first())
    return json.loads(item.record_json)


def _desk(client, category, **changes):
    page = client.get("/pengaduan/catat").get_data(as_text=True)
    received = page.split('name="received_at" type="datetime-local" value="')[1].split('"')[0]
    form = {"channel": "meja_informasi", "category_id": str(category.id), "text": "Antrean perekaman lama",
            "complainant_name": "Sri Wahyuni", "complainant_contact": "0812 3456 7890",
            "received_at": received, "step": "baru", "form_token": "desk-token-0123456789"}
    form.update(changes)
    return client.post("/pengaduan/catat", data=form)


def test_the_desk_sends_the_consented_phone_and_refuses_an_anonymous_tick(client_for, category):
    client = client_for("petugas_informasi")
    assert 'name="sms_consent"' in client.get("/pengaduan/catat").get_data(as_text=True)
    refused = _desk(client, category, sms_consent="1", is_anonymous="1")
    assert refused.status_code == 422 and "tidak anonim" in refused.get_data(as_text=True)
    assert Complaint.select().count() == 0
    assert _desk(client, category, sms_consent="1").status_code == 303
    assert _newest_record(Complaint.get())["sms"] == "081234567890"


def test_the_kiosk_needs_a_phone_for_the_tick_and_sends_nothing_without_it(client, category):
    refused = client.post("/pengaduan/kios", data=kiosk_form(category, sms_consent="1",
                                                            complainant_contact="Jl. Mawar 3"))
    assert refused.status_code == 422 and "Untuk SMS, isi nomor HP" in refused.get_data(as_text=True)
    assert client.post("/pengaduan/kios", data=kiosk_form(category, complainant_contact="081298765432",
                                                          sms_consent="1")).status_code == 303
    assert _newest_record(Complaint.get())["sms"] == "081298765432"
    assert client.post("/pengaduan/kios", data=kiosk_form(category, form_token="tok-" + "b" * 20,
                                                          complainant_contact="081298765432")).status_code == 303
    second = Complaint.select().order_by(Complaint.id.desc()).first()
    assert "sms" not in _newest_record(second)

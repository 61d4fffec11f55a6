"""The office's opening hours and address, set on Pengaturan Kantor, reach the center's public status page
with the next public record (issue 28)."""
import json

from app.frame import store
from app.public_status.models import PublicStatus
from sync.client.models import OutboxItem
from tests.settings.test_office_settings import VALID


def test_hours_set_by_the_admin_travel_with_the_public_record(client_for, db):
    from app.firstrun import seed_identity
    seed_identity("35.08.07")
    admin = client_for("admin")
    page = admin.get("/admin/kantor").get_data(as_text=True)
    assert 'name="office_hours"' in page
    form = dict(VALID, address="Jl. Raya Yosowilangun 1", office_hours="Senin-Jumat 07.30-15.00")
    too_long = admin.post("/admin/kantor", data=dict(form, office_hours="x" * 201))
    assert too_long.status_code == 422 and "Jam layanan terlalu panjang" in too_long.get_data(as_text=True)
    assert admin.post("/admin/kantor", data=form).status_code == 302
    assert store.get("office_hours") == "Senin-Jumat 07.30-15.00"
    from app.complaints import book
    from app.complaints.models import ComplaintCategory
    with db.atomic():
        category = ComplaintCategory.create(name="Sarana")
    with db.atomic():
        complaint, _ = book.record_complaint({"channel": "kiosk", "category_id": category.id, "complainant_name": "",
                                             "complainant_contact": "", "is_anonymous": False,
                                             "is_confidential": False, "registration_number": "",
                                             "text": "Kursi kurang"})
    row = PublicStatus.get(PublicStatus.source_id == complaint.id)
    record = json.loads(OutboxItem.get(OutboxItem.source_id == row.id).record_json)
    assert record["hours"] == "Senin-Jumat 07.30-15.00"
    assert record["office_address"] == "Jl. Raya Yosowilangun 1"

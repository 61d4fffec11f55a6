"""Every slip carries the way to follow it from a phone (issue 28): the center's public address, the
number and the check code printed for typing, and a standard QR that opens the page with both."""
import re

from app.public_status.models import PublicStatus
from app.registration.models import Application
from sync.client.models import OutboxItem
from tests.support.factory import ready_for_pickup, sync_link_row


def shown_text(html: str) -> str:
    """The page's text without its markup (an address is printed in parts that never break, issue 62)."""
    return re.sub(r"<[^>]+>", "", html)


def enrol(db):
    from datetime import datetime
    with db.atomic():
        sync_link_row(center_url="https://dukcapil.example.go.id", key_id="k", secret="s",
                      enrolled_at=datetime(2026, 1, 1))


def test_registration_receipt_prints_number_code_and_the_centers_page(db, loket, saved):
    enrol(db)
    from app.frame import store
    store.put("public_address", "https://loket.lumajangkab.go.id")  # the survey's QR only for an address phones open (issue 90)
    application = Application.get_by_id(saved)
    row = PublicStatus.get((PublicStatus.kind == "ktp") & (PublicStatus.source_id == saved))
    assert row.number == application.registration_number and re.fullmatch(r"[2-9A-HJKMNP-TW-Z]{6}", row.check_code)
    receipt = loket.get(f"/pendaftaran/{saved}/bukti").get_data(as_text=True)
    assert "https://dukcapil.example.go.id/cek" in shown_text(receipt)  # printed whole (templates/_whole_url.html)
    assert row.check_code in receipt and application.registration_number in receipt
    assert receipt.count("<svg") >= 3  # the counter's QR, the phone's QR and the survey's
    # The QR is the standard one that opens the page with both fields filled.
    import segno
    from app.frame.templating import qr_svg
    address = f"https://dukcapil.example.go.id/cek?n={row.number}&k={row.check_code}"
    expected = segno.make(address, error="m")
    assert str(qr_svg(address)) in receipt
    assert not expected.is_micro
    # Registered at the counter: the public record is queued in the same transaction.
    assert OutboxItem.select().where((OutboxItem.kind == "status_publik")
                                     & (OutboxItem.source_id == row.id)).count() == 1


def test_handover_receipt_carries_the_same_number_and_code(db, loket, saved):
    enrol(db)
    ready_for_pickup(saved)
    assert loket.post(f"/pendaftaran/{saved}/serah", data={"collector": "pemohon"}).status_code == 302
    code = PublicStatus.get((PublicStatus.kind == "ktp") & (PublicStatus.source_id == saved)).check_code
    receipt = loket.get(f"/pendaftaran/{saved}/tanda-terima").get_data(as_text=True)
    assert code in receipt and "https://dukcapil.example.go.id/cek" in shown_text(receipt)


def test_unenrolled_office_still_prints_number_and_code(loket, saved):
    receipt = loket.get(f"/pendaftaran/{saved}/bukti").get_data(as_text=True)
    code = PublicStatus.get((PublicStatus.kind == "ktp") & (PublicStatus.source_id == saved)).check_code
    assert code in receipt and "Cek status dari HP" in receipt
    # No center page yet, so no QR on the slip: it does not tell the citizen to scan one (issue 25).
    slip = receipt[receipt.index('class="survey-code public-track"'):]
    slip = slip[:slip.index("</div>\n</div>")]
    assert "<svg" not in slip and "pindai" not in slip and "tanyakan alamat halaman cek status di loket" in slip

"""Issue 72, finding 3: a number given again (at enrolment, or at the center's word) was a count in the admin's
sync log and a line on the application's timeline; the clerk's home and register said nothing, so the
citizens kept receipts with numbers that are another applicant's now. The register lists "nomor diganti,
bukti belum dicetak ulang", the clerk's home counts it with a link, and printing the receipt again (recorded
on the timeline and in the audit trail) takes the application off the list."""
from app.frame.audit_event import AuditEvent
from app.frame.db import database
from app.registration import sync_records
from app.registration.models import Application, StatusEvent

LIST = "Nomor diganti, bukti belum dicetak ulang"


def _renumber(application_id: int) -> tuple[str, str]:
    application = Application.get_by_id(application_id)
    old = application.registration_number
    with database.atomic():
        new = sync_records._new_number(application, "nomor lama sudah dipakai permohonan lain di pusat")
    return old, new


def test_a_renumbered_receipt_is_listed_until_it_is_printed_again(saved, loket, client_as):
    assert LIST not in loket.get("/pendaftaran").get_data(as_text=True)
    assert "Bukti perlu dicetak ulang" not in loket.get("/").get_data(as_text=True)
    old, new = _renumber(saved)
    page = loket.get("/pendaftaran").get_data(as_text=True)
    assert f"{LIST} (1)" in page
    assert f"<td class=\"nowrap\">{old}</td>" in page and f">{new}</a>" in page
    assert f'action="/pendaftaran/{saved}/bukti/cetak-ulang"' in page and "Cetak ulang bukti" in page
    home = loket.get("/").get_data(as_text=True)
    assert "Bukti perlu dicetak ulang" in home and 'href="/pendaftaran#cetak-ulang"' in home
    detail = loket.get(f"/pendaftaran/{saved}").get_data(as_text=True)  # the application's page says it too
    assert f"bukti yang dipegang pemohon masih bernomor {old}" in detail
    assert f'action="/pendaftaran/{saved}/bukti/cetak-ulang"' in detail

    printed = loket.post(f"/pendaftaran/{saved}/bukti/cetak-ulang")
    assert printed.status_code == 303 and printed.headers["Location"].endswith(f"/pendaftaran/{saved}/bukti")
    receipt = loket.get(f"/pendaftaran/{saved}/bukti").get_data(as_text=True)
    assert new in receipt
    assert LIST not in loket.get("/pendaftaran").get_data(as_text=True)  # emptied by the print
    assert "masih bernomor" not in loket.get(f"/pendaftaran/{saved}").get_data(as_text=True)
    assert "Bukti perlu dicetak ulang" not in loket.get("/").get_data(as_text=True)
    note = f"Bukti pendaftaran dicetak ulang dengan nomor {new}"
    assert StatusEvent.select().where((StatusEvent.application == saved) & (StatusEvent.note == note)).count() == 1
    row = AuditEvent.get((AuditEvent.action == "cetak_ulang_bukti") & (AuditEvent.entity_id == str(saved)))
    assert row.summary == note and row.username != "sistem"
    trail = client_as("admin").get("/audit").get_data(as_text=True)
    assert "mencetak ulang bukti pendaftaran" in trail

    # given again once more: listed again, with the number the citizen's receipt now carries
    _, newest = _renumber(saved)
    page = loket.get("/pendaftaran").get_data(as_text=True)
    assert f"{LIST} (1)" in page and f"<td class=\"nowrap\">{new}</td>" in page and f">{newest}</a>" in page


def test_only_the_counter_clerk_prints_a_receipt_again(saved, loket, client_as):
    _renumber(saved)
    kasi = client_as("kasi_pelayanan")
    assert kasi.post(f"/pendaftaran/{saved}/bukti/cetak-ulang").status_code == 403
    assert "Cetak ulang bukti" not in kasi.get("/pendaftaran").get_data(as_text=True)
    assert loket.post("/pendaftaran/999999/bukti/cetak-ulang").status_code == 404
    assert AuditEvent.select().where(AuditEvent.action == "cetak_ulang_bukti").count() == 0


def _center_renumbers(application_id: int) -> tuple[str, str]:
    """The center's word "renumber" on the application's sent version, through the PC's own handling of it."""
    from app.registration.status import ApplicationStatus as S, transition
    from sync.client import statuses
    from sync.client.models import OutboxItem
    application = Application.get_by_id(application_id)
    if application.status == S.RECEIVED.value:  # complete, so its version is in the outbox to be sent
        with database.atomic():
            transition(application, S.COMPLETE)
    old = application.registration_number
    item = OutboxItem.get((OutboxItem.source_id == application_id) & (OutboxItem.registration_number == old))
    event = {"seq": 1, "id": old, "version": item.version, "hash": item.content_hash, "status": statuses.RENUMBER,
             "reason": "bentrok di pusat"}
    with database.atomic():
        assert statuses.apply_unplanned(event, None) == statuses.APPLIED
    return old, Application.get_by_id(application_id).registration_number


def test_the_sync_notice_of_a_center_renumber_says_when_the_receipt_was_printed_again(saved, loket):
    """The center's notice "Nomor lama X diganti…; berikan bukti pendaftaran baru" stayed on the application's
    page after "Cetak ulang bukti"; it says the new receipt was printed once that is recorded, and asks again
    when the number is changed once more."""
    give = "diganti karena bentrok di pusat; berikan bukti pendaftaran baru kepada pemohon"
    old, new = _center_renumbers(saved)
    assert f"Nomor lama {old} {give}" in loket.get(f"/pendaftaran/{saved}").get_data(as_text=True)

    assert loket.post(f"/pendaftaran/{saved}/bukti/cetak-ulang").status_code == 303
    page = loket.get(f"/pendaftaran/{saved}").get_data(as_text=True)
    assert give not in page
    assert f"Nomor lama {old} diganti karena bentrok di pusat; bukti pendaftaran baru bernomor {new} sudah dicetak ulang" in page

    _, newest = _center_renumbers(saved)  # given again: the receipt printed with `new` is old now
    page = loket.get(f"/pendaftaran/{saved}").get_data(as_text=True)
    assert f"Nomor lama {new} {give}" in page
    assert f"Nomor lama {old} diganti karena bentrok di pusat; bukti pendaftaran baru bernomor {new} sudah dicetak ulang" in page

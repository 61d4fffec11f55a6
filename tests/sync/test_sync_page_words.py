"""The sync page's "Status dari pusat yang tidak diterapkan" told the clerk the center's status in the wire's
English ("received") after a restore (found restoring a backup on a WITA office and syncing): each is said in
the app's words, as the center's own pages say them."""
import pytest

from sync import protocol


@pytest.mark.parametrize("status", [*protocol.CENTER_STATUSES, "renumber"])
def test_a_center_status_not_applied_is_said_in_indonesian(client_for, db, status):
    from app.frame.dates import utc_now
    from sync.client.models import StatusIssue
    StatusIssue.create(seq=9, registration_number="350807-01-000001", version=1, status=status, content_hash="",
                       reason="", problem="Nomor/versi ini tidak ada di komputer ini.", at=utc_now())
    page = client_for("petugas_loket").get("/sinkronisasi").get_data(as_text=True)
    row = page[page.index("350807-01-000001</a>"):]
    row = row[:row.index("</tr>")]
    assert f"<td>{status}</td>" not in row
    assert f"<td>{protocol.CENTER_STATUS_WORDS[status]}</td>" in row


def test_a_public_status_record_that_failed_is_named_by_its_number(client_for, db):
    """Its outbox key ("status:350807-01-000001") was shown as the number: the clerk reads the number and
    what it is, the citizen's /cek record of that application."""
    from app.frame.dates import utc_now
    from sync import public_status
    from sync.client.models import OutboxItem
    OutboxItem.create(kind=public_status.KIND, source_id=1, registration_number=public_status.wire_key(
        "350807-01-000001"), version=3, content_hash="0" * 64, record_json="{}", photo_sha256="", size=2,
        state="conflict", last_error="nomor ini dipegang permohonan PC lain kecamatan ini di pusat", created_at=utc_now())
    page = client_for("petugas_loket").get("/sinkronisasi").get_data(as_text=True)
    assert "status:350807" not in page
    assert "350807-01-000001 (cek status warga)" in " ".join(page.replace("<span class=\"muted small\">", "")
                                                             .replace("</span>", "").split())

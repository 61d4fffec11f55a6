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

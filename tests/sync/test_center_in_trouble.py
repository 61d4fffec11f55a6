"""Issue 61, finding 7: a center whose disk is full is a center in trouble, not a forger.

The center answers a request it cannot store with HTTP 507 before it knows the key (the nonce it
keeps against replays is its first write), so the answer carries no signature. The office read that
as "jawaban bukan dari pusat (HTTP 507, tanpa tanda tangan sah)"; it now says the center's storage
is full and whom to call, and tries again later. Unsigned 2xx and 4xx answers keep the forgery wording.
"""
import pytest

from sync.center.models import ReceivedApplication
from sync.client.transport import CenterClient, LinkDown
from sync.client.models import OutboxItem, SyncLink
from tests.sync.test_edges_of_a_real_office import enrolled_installation, fill, run, sync

FULL = "penyimpanan di komputer pusat penuh (HTTP 507): kiriman belum disimpan pusat; hubungi kabupaten"


@pytest.mark.parametrize("center_app", ["sqlite"], indirect=True)
def test_a_full_disk_at_the_center_reads_as_the_centers_trouble_and_is_tried_again(tmp_path, center_app,
                                                                                   center_db, enrolled):
    kecamatan, _ = enrolled
    pc = enrolled_installation(tmp_path / "k", center_app, kecamatan)
    fill(pc, 2)
    # The center's SQLite may grow no more (its real SQLITE_FULL, as on a full disk).
    pages = center_db.execute_sql("PRAGMA page_count").fetchone()[0]
    center_db.execute_sql(f"PRAGMA max_page_count = {pages}")
    try:
        report = sync(pc, center_app)
    finally:
        center_db.execute_sql("PRAGMA max_page_count = 1073741823")
    assert report.error.startswith(FULL), report.error
    assert "tanpa tanda tangan" not in report.error and "bukan dari pusat" not in report.error
    assert FULL in run(pc, lambda: SyncLink.get().last_error)
    assert "pending" in run(pc, lambda: {o.state for o in OutboxItem.select()})  # kept for the next pass
    assert not sync(pc, center_app).error  # space made: the next pass sends the rest
    assert run(pc, lambda: {o.state for o in OutboxItem.select()}) == {"acked"}
    assert ReceivedApplication.select().count() == 2  # nothing lost


@pytest.mark.parametrize("status, words", [
    (507, FULL), (500, "pusat sedang bermasalah (HTTP 500); dicoba lagi nanti"),
    (502, "pusat sedang bermasalah (HTTP 502); dicoba lagi nanti"),
    (200, "jawaban bukan dari pusat (HTTP 200, tanpa tanda tangan sah)"),
    (404, "jawaban bukan dari pusat (HTTP 404, tanpa tanda tangan sah)")])
def test_an_unsigned_5xx_is_trouble_at_the_center_and_an_unsigned_2xx_or_4xx_is_not_from_it(status, words):
    client = CenterClient("http://center", "350807-abc", "rahasia")
    _, ticket = client.signed_headers("POST", "/api/v1/packet", b"{}", "application/json")
    with pytest.raises(LinkDown) as raised:
        client.verified(ticket, status, {"Content-Type": "text/html"}, b"<html>Terjadi kesalahan</html>")
    assert str(raised.value).startswith(words)

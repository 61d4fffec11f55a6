"""Issue 61, finding 7: a center whose disk is full is a center in trouble, not a forger.

The center answers a request it cannot store with HTTP 507 before it knows the key (the nonce it
keeps against replays is its first write), so the answer carries no signature. The office read that
as "jawaban bukan dari pusat (HTTP 507, tanpa tanda tangan sah)"; it now says the center's storage
is full and whom to call, and tries again later. Unsigned 2xx and 4xx answers keep the forgery wording.
"""
from contextlib import contextmanager

import pytest

from app.frame.errors import is_disk_full

from sync.center.models import ReceivedApplication
from sync.client.transport import CenterClient, LinkDown
from sync.client.models import OutboxItem, SyncLink
from tests.sync.test_edges_of_a_real_office import enrolled_installation, fill, run, sync

@contextmanager
def full_disk(center_db):
    """The center's SQLite may grow no more and every page is used (its real SQLITE_FULL, as on a full disk)."""
    center_db.execute_sql('CREATE TABLE "filler" ("b" BLOB)')
    pages = center_db.execute_sql("PRAGMA page_count").fetchone()[0]
    center_db.execute_sql(f"PRAGMA max_page_count = {pages}")
    size = 4096
    while size:
        try:
            center_db.execute_sql('INSERT INTO "filler" VALUES (zeroblob(?))', (size,))
        except Exception as full:
            assert is_disk_full(full), full
            size //= 2
    try:
        yield
    finally:
        center_db.execute_sql("PRAGMA max_page_count = 1073741823")
        center_db.execute_sql('DROP TABLE "filler"')


FULL = "penyimpanan di komputer pusat penuh (HTTP 507): kiriman belum disimpan pusat; hubungi kabupaten"


@pytest.mark.parametrize("center_app", ["sqlite"], indirect=True)
def test_a_full_disk_at_the_center_reads_as_the_centers_trouble_and_is_tried_again(tmp_path, center_app,
                                                                                   center_db, enrolled):
    kecamatan, _ = enrolled
    pc = enrolled_installation(tmp_path / "k", center_app, kecamatan)
    fill(pc, 2)
    with full_disk(center_db):
        report = sync(pc, center_app)
    assert report.error.startswith(FULL), report.error
    assert "tanpa tanda tangan" not in report.error and "bukan dari pusat" not in report.error
    assert FULL in run(pc, lambda: SyncLink.get().last_error)
    # What the center could not store waits for the next pass (what it freed room for, it holds).
    assert "pending" in run(pc, lambda: {o.state for o in OutboxItem.select()})
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


@pytest.mark.parametrize("center_app", ["sqlite"], indirect=True)
def test_an_enrolment_the_centers_full_disk_refused_says_so(tmp_path, center_app, center_db, enrolled):
    from sync.center import keys
    from sync.client.transport import EnrolmentError, enrol
    from tests.sync.test_edges_of_a_real_office import EnrolSession
    kecamatan, _ = enrolled
    with full_disk(center_db), pytest.raises(EnrolmentError) as raised:
        for _ in range(200):  # PCs enrol while the room left in the key table's pages lasts
            enrol("http://center", "35.08.07", keys.new_enrolment_code(kecamatan), "01",
                  session=EnrolSession(center_app))
    code = keys.new_enrolment_code(kecamatan)
    assert str(raised.value).startswith("Penyimpanan di komputer pusat penuh (HTTP 507)"), str(raised.value)
    assert raised.value.kind == "unreachable" and "bukan dari" not in str(raised.value)
    assert enrol("http://center", "35.08.07", code, "01", session=EnrolSession(center_app))["key_id"]

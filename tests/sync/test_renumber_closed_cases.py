"""Conflicts the center's operator closed leave the Sinkronisasi page's "needs attention" list (issue 72,
finding 4). Two counter PCs of one office numbered in one series (PC B enrolled under another id, so the center
cannot decide at once): B's three applications and their citizens' /cek records meet A's at the center. A pass
said "konflik 6" where the center held 3 conflicts, and after the operator refused one, accepted one and kept
the center's for the third, B's /cek records of the first two stayed "konflik di pusat" for ever (and every
later version of the refused one's came back as one more). Now a pass counts the conflicts the center holds,
and each row of a closed case leaves the list with what happened: refused ("ditolak pusat: <reason>"), or
accepted (sent again and stored: "diselesaikan operator pusat"). The real center app, in-process."""
import re

import pytest

from app.public_status.models import PublicStatus as LocalStatus
from sync import public_status as vocabulary
from sync.center.models import PublicStatus
from sync.center.public_status_records import code_key
from sync.client import outbox
from sync.client.models import OutboxItem, SyncLog
from tests.sync.test_center_pages import client_as, operators  # noqa: F401  (fixture)
from tests.sync.test_conflict_routing import _decide, _pc_enrolled_by_an_older_version
from tests.sync.test_edges_of_a_real_office import run, sync
from tests.conftest import sign_in_as
from tests.support.factory import staff_user


def _sync_page(pc) -> str:
    def page():
        client = pc.test_client()
        sign_in_as(client, staff_user("admin", username="admin-sinkron"))
        return client.get("/sinkronisasi").get_data(as_text=True)
    html = run(pc, page)
    return re.sub(r"\s+", " ", html)


def _rows(pc, kind=vocabulary.KIND):
    return run(pc, lambda: sorted((o.registration_number, o.state, o.last_error)
                                  for o in OutboxItem.select().where(OutboxItem.kind == kind)))


@pytest.mark.slow
@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_a_pass_counts_the_centers_conflicts_and_closed_cases_leave_the_list_with_what_happened(
        tmp_path, center_app, center_db, enrolled, operators):  # noqa: F811
    kecamatan, _ = enrolled
    pc_a, _, _ = _pc_enrolled_by_an_older_version(tmp_path / "a", kecamatan, 1, count=3, public_status=True)
    pc_b, numbers, _ = _pc_enrolled_by_an_older_version(tmp_path / "b", kecamatan, 51, device_id="02", count=3,
                                                        public_status=True)
    assert sync(pc_a, center_app).sent == 3
    report = sync(pc_b, center_app)
    assert report.conflicts == 3, report  # three applications wait for the operator; their /cek records with them
    assert run(pc_b, lambda: SyncLog.select().order_by(SyncLog.id.desc()).first().summary).startswith(
        "terkirim 0, sudah ada 0, konflik 3,")
    refused, accepted, kept = numbers
    for number, decision in ((refused, "reject"), (accepted, "accept"), (kept, "keep")):
        _decide(center_app, operators["operator"], number, decision)
    for _ in range(3):  # the decisions heard; what they made ready sent; nothing left
        report = sync(pc_b, center_app)
        assert report.conflicts == 0 and report.error == "", report

    rows = _rows(pc_b)
    assert not [row for row in rows if row[1] == "conflict"], rows
    # Refused: the /cek records of its number stay here, closed, with the operator's refusal (every version).
    closed = [row for row in rows if row[0] == vocabulary.wire_key(refused)]
    assert closed and all(state == "closed" and error == "ditolak pusat: diperiksa" for _, state, error in closed), closed
    # Accepted: the center holds B's applicant under the number now, and the citizen's record with it.
    assert {state for key, state, _ in rows if key == vocabulary.wire_key(accepted)} == {"acked"}
    code = run(pc_b, lambda: LocalStatus.get(LocalStatus.number == accepted).check_code)
    held = PublicStatus.get(PublicStatus.number == accepted)
    assert held.code_key == code_key(vocabulary.code_digest(accepted, code))  # B's citizen reads it with B's code
    # Kept: renumbered, nothing of it waits under the number it gave away.
    assert not [row for row in rows if row[0] == vocabulary.wire_key(kept)], rows

    page = _sync_page(pc_b)
    assert "konflik di pusat" not in page
    # What happened, in the sync log the page shows: one line for each case the operator closed.
    assert page.count(f"Konflik nomor {refused} ditolak pusat: diperiksa (kembali ke loket)") == 1
    assert page.count(f"Konflik nomor {accepted} diselesaikan operator pusat: versi PC ini diterima") == 1
    assert run(pc_b, lambda: outbox.failed_count()) == 0

"""What the sync client does with a conflict the center's operator closed (issue 72, finding 4), on one office
database: the /cek records of an application refused at the center leave the "needs attention" list closed with
the refusal, every later version of them too; those of an application the center accepted go again. A /cek
record's conflict is its application's. The whole way through the center is
tests/sync/test_renumber_closed_cases.py."""
from datetime import datetime

from app.frame import installation
from app.frame.db import database
from app.registration.models import Application
from sync import protocol, public_status as vocabulary
from sync.client import engine, outbox, settle
from sync.client.models import OutboxItem, SyncLog
from tests.sync.harness import fill_kecamatan, kecamatan_app
from tests.support.factory import sync_link_row

HELD = "nomor ini dipegang permohonan PC lain kecamatan ini di pusat"


def _in(app, fn):
    with app.app_context(), app.extensions["database"].connection_context():
        return fn()


def _rows(number):
    return sorted((o.state, o.last_error) for o in OutboxItem.select().where(
        (OutboxItem.kind == vocabulary.KIND) & (OutboxItem.registration_number == vocabulary.wire_key(number))))


def test_the_rows_of_a_case_the_center_closed_leave_the_list_with_what_happened(tmp_path):
    app = kecamatan_app(tmp_path / "loket", public_status=True)
    fill_kecamatan(app, 2, photo_size=(30, 40))

    def conflicts():
        with database.atomic():
            sync_link_row(center_url="http://pusat", key_id="kunci", secret="rahasia", enrolled_at=datetime(2026, 1, 1))
            first = Application.select().order_by(Application.id).first()
            installation.set_device_code(database, protocol.REGISTRATION_NUMBER.match(first.registration_number).group(2))
        for item in OutboxItem.select().order_by(OutboxItem.id):
            reason = HELD if item.kind == vocabulary.KIND else "nomor dan versi ini sudah diterima dengan isi berbeda"
            assert engine.apply_result(item, {"result": "conflict", "reason": reason}) == "conflict"
        return {item.registration_number: item.content_hash
                for item in OutboxItem.select().where(OutboxItem.kind == "permohonan")}
    hashes = _in(app, conflicts)
    refused, accepted = sorted(hashes)
    assert _in(app, outbox.failed_count) == 4  # two applications and their /cek records wait for the operator

    def decided():
        with database.atomic():
            for seq, (number, status, reason) in enumerate(((refused, "rejected", "foto bukan pemohon"),
                                                            (accepted, "received", "versi baru diterima"))):
                assert settle.apply_one({"seq": seq + 1, "id": number, "version": 1, "hash": hashes[number],
                                         "status": status, "reason": reason}, lambda: None) == "applied"
        return _rows(refused), _rows(accepted), [row.summary for row in SyncLog.select().order_by(SyncLog.id)]
    refused_rows, accepted_rows, log = _in(app, decided)
    assert log == [f"Konflik nomor {refused} ditolak pusat: foto bukan pemohon (kembali ke loket); status publiknya "
                   "tidak dikirim selama nomor itu dipegang permohonan lain di pusat",
                   f"Konflik nomor {accepted} diselesaikan operator pusat: versi PC ini diterima; status publiknya "
                   "dikirim lagi"]
    # Refused: closed with the refusal; the version its move back to the counter made waits to go.
    assert ("closed", "ditolak pusat: foto bukan pemohon") in refused_rows and ("conflict", HELD) not in refused_rows
    # Accepted: the center holds this PC's applicant under the number now: its record goes again.
    assert accepted_rows and all(state == "pending" for state, _ in accepted_rows), accepted_rows

    def the_next_version_meets_the_same_answer():
        item = OutboxItem.get((OutboxItem.registration_number == vocabulary.wire_key(refused))
                              & (OutboxItem.state == "pending"))
        assert engine.apply_result(item, {"result": "conflict", "reason": HELD}) == "conflict"
        return _rows(refused), outbox.failed_count()
    refused_rows, failed = _in(app, the_next_version_meets_the_same_answer)
    assert refused_rows == [("closed", "ditolak pusat: foto bukan pemohon")] * len(refused_rows), refused_rows
    assert failed == 0

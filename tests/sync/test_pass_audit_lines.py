"""The sync pass writes the center's decisions onto applications, and each move it makes has its audit line
(issue 70, finding 1). The pass is not exempt from the office's audit guard as a whole: its own bookkeeping
(outbox, cursors, the link's state, its log) is no one's act by its tables (app/frame/audit.NOT_ACTS), and a
write of anything else in a pass without its audit row is refused in a test like any capability's."""
import json

from app.frame.db import database
from app.registration.models import Application, StatusEvent
from app.registration.status import ApplicationStatus as S
from sync.client import engine
from tests.desa.test_desa_mode import desa_app, kecamatan  # noqa: F401  (fixtures)
from tests.registration.conftest import client_as, loket, office, saved  # noqa: F401  (fixtures)
from tests.sync.harness import CenterServer, enrol_kecamatan, fill_kecamatan, kecamatan_app, prepare_center
from tests.support.factory import sync_link_row

COUNT = 18
PRINTED, REJECTED, RESEND, REJECTED_AFTER_PRINT = range(0, 12), (12, 13), (14, 15), (6,)
SHIPPED = [n for n in PRINTED if n not in REJECTED_AFTER_PRINT]  # every printed card still good goes out


def _in(app, fn):
    with app.app_context(), app.extensions["database"].connection_context():
        return fn()


def _moves_and_lines(after_event: int, after_line: int):
    """The pass's moves of each application (its timeline) and the audit lines of moves it wrote."""
    moves = sorted((e.application_id, e.from_status, e.to_status) for e in
                   StatusEvent.select().where(StatusEvent.id > after_event) if e.from_status != e.to_status)
    lines = []
    for row in database.execute_sql('SELECT entity_id, before, after, username FROM audit_event WHERE id > ? AND '
                                    'action = ? AND entity = ?', (after_line, "status", "permohonan_ktp")).fetchall():
        assert row[3] == "sinkronisasi"  # the center decided; no clerk, and not "sistem"
        lines.append((int(row[0]), json.loads(row[1])["status"], json.loads(row[2])["status"]))
    return moves, sorted(lines)


def _last_ids():
    return (StatusEvent.select().order_by(StatusEvent.id.desc()).first().id,
            database.execute_sql("SELECT coalesce(max(id), 0) FROM audit_event").fetchone()[0])


def test_every_move_a_pass_makes_of_the_centers_decisions_has_its_audit_line(tmp_path):
    """Sent, received, printed, shipped, rejected (before and after printing) and sent back for a resend,
    decided at a real center: as many audit lines as moves, each naming its application and statuses."""
    center_app, code = prepare_center(tmp_path / "center")
    center = CenterServer(tmp_path / "center").start()
    try:
        office = kecamatan_app(tmp_path / "kecamatan")
        numbers = fill_kecamatan(office, COUNT, photo_size=(30, 40))
        enrol_kecamatan(office, center.url, code)
        before = _in(office, _last_ids)
        first = _in(office, engine.sync_once)
        assert first.error == "" and first.sent == COUNT
        _center_decides(center_app, numbers)
        second = _in(office, engine.sync_once)
        assert second.error == "" and second.statuses >= COUNT - 2
        moves, lines = _in(office, lambda: _moves_and_lines(*before))
    finally:
        center.stop()
    assert {to for *_, to in moves} >= {s.value for s in (S.SENT, S.RECEIVED_BY_CENTER, S.PRINTED, S.SHIPPED,
                                                          S.REJECTED, S.RESEND_REQUESTED)}, moves
    assert len(moves) >= 3 * COUNT
    assert lines == moves  # one audit line for each move, no more, no fewer

    def statuses():
        return {a.registration_number: a.status for a in Application.select()}
    held = _in(office, statuses)

    def trail_page():  # the Camat reads the center's moves in the trail
        from app.auth.accounts import create_user
        from tests.conftest import sign_in_as
        client = office.test_client()
        camat, _ = create_user("camat", "Bapak Camat", "camat", password="camat-rahasia-1", must_change_password=False)
        sign_in_as(client, camat)
        return client.get("/audit?entitas=permohonan_ktp")
    page = _in(office, trail_page)
    assert page.status_code == 200
    assert f"{numbers[SHIPPED[-1]]}: {S.PRINTED.label} → {S.SHIPPED.label}" in page.get_data(as_text=True)
    assert [held[numbers[n]] for n in SHIPPED] == [S.SHIPPED.value] * len(SHIPPED)
    assert [held[numbers[n]] for n in REJECTED + REJECTED_AFTER_PRINT] == [S.REJECTED.value] * 3


def _center_decides(center_app, numbers):
    """The center's operator at work: a print run, a shipment, rejections and resends with reasons."""
    from sync.center import desk_records
    from sync.center.models import Kecamatan, ReceivedApplication
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        held = {a.registration_number: a for a in ReceivedApplication.select()}
        run = desk_records.create_print_run([held[numbers[n]].id for n in PRINTED], "operator")
        assert desk_records.mark_printed(run, set()) == len(PRINTED)
        for n in REJECTED_AFTER_PRINT:
            assert desk_records.move_with_reason(ReceivedApplication.get_by_id(held[numbers[n]].id), "rejected",
                                                 "kartu rusak", "Ditolak")
        for n in REJECTED:
            assert desk_records.move_with_reason(held[numbers[n]], "rejected", "foto buram", "Ditolak")
        for n in RESEND:
            assert desk_records.move_with_reason(held[numbers[n]], "resend", "sidik jari diulang", "Minta kirim ulang")
        assert desk_records.create_shipment(Kecamatan.get(), "operator", "kurir") is not None


# A capability's new record kind whose status moves write its records without their audit row: compiled as a
# capability's module would be, so the guard names it (tests/core/test_audit_attached.py does the same).
FORGETFUL_KIND = '''
class ForgetfulKind:
    name, path, photo_codecs = "contoh", "/contoh", False

    def apply_status(self, event, arrived):
        arrived()
        Application.update(notes="dicetak di pusat").execute()
        return True
'''


def _office(tmp_path):
    from datetime import datetime
    office = kecamatan_app(tmp_path / "kecamatan")
    fill_kecamatan(office, 1, photo_size=(30, 40))

    def link():
        with database.atomic():
            return sync_link_row(center_url="http://pusat", key_id="kunci", secret="rahasia",
                                 enrolled_at=datetime(2026, 1, 1)).id
    return office, _in(office, link)


def test_a_write_in_the_pass_that_leaves_no_trail_is_caught(tmp_path, caplog):
    """The pass was exempt as a whole (`without_trail("the sync pass")`): a kind's moves without their audit
    rows committed unseen. Now the office's guard catches its commit: logged, and kept for the admin's health
    card with the table and the function that wrote it, not the pass's that committed (issue 82, finding 4;
    this office app is not a test's: the write is kept)."""
    import logging
    from pathlib import Path
    from app.frame import audit
    from app.frame.dates import utc_now
    from sync.client import records
    from sync.client.models import OutboxItem
    office, link_id = _office(tmp_path)
    writer = Path(__file__).resolve().parents[2] / "app" / "contoh" / "sync_records.py"
    scope = {"Application": Application}
    exec(compile(FORGETFUL_KIND, str(writer), "exec"), scope)
    records.plug(scope["ForgetfulKind"]())

    def settle():
        with database.atomic():
            OutboxItem.create(kind="contoh", source_id=1, registration_number="C-1", version=1, content_hash="h",
                              record_json="{}", photo_sha256="", size=0, state="acked", attempts=1, last_error="",
                              created_at=utc_now())
        event = {"seq": 1, "id": "C-1", "version": 1, "status": "printed", "reason": "", "at": "", "hash": ""}
        with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
            engine.apply_events(link_id, [event])
    try:
        _in(office, settle)
    finally:
        records._kinds.pop("contoh", None)
    named = "/".join(("app", "contoh", "sync_records.py"))  # a module no one wrote (the references test reads paths)
    assert f"perubahan tanpa catatan audit: tabel application ({named}:apply_status)" in caplog.text
    assert [(gap["tables"], gap["writer"]) for gap in audit.trail_gaps(tmp_path / "kecamatan")] == [
        ("application", f"{named}:apply_status")]


def test_what_the_pass_keeps_for_itself_is_no_ones_act(tmp_path):
    """An event kept for a person (no such number here), the cursor moved and the outbox acknowledged:
    the pass's own bookkeeping commits with no audit row, as nobody acted."""
    office, link_id = _office(tmp_path)

    def settle():
        lines = database.execute_sql("SELECT count(*) FROM audit_event").fetchone()[0]
        event = {"seq": 1, "id": "350807-01-999999", "version": 1, "status": "printed", "reason": "", "at": "",
                 "hash": ""}
        outcome = engine.apply_events(link_id, [event])
        item = engine.OutboxItem.get()
        assert engine.apply_result(item, {"result": "stored"}) == "stored"
        return (outcome, engine.current_link().status_cursor,
                database.execute_sql("SELECT count(*) FROM audit_event").fetchone()[0] - lines)
    # The acknowledgement moves the application (sent): that move alone is someone's act, with its line.
    assert _in(office, settle) == (["unapplied"], 1, 1)


def test_every_move_of_a_relayed_form_the_desa_pc_hears_of_has_its_audit_line(desa_app, kecamatan, client_as):
    """At the desa PC the pass writes what the center and the kecamatan did with its forms (at the center,
    accepted at the counter, printed, handed over): each move in its trail, an older step read and passed."""
    from app.desa.models import PreRegistration
    from app.frame.audit_event import AuditEvent
    from app.frame.audit_sentences import readable
    from tests.desa.test_desa_mode import bound_to
    from tests.desa.test_relay_order import _relayed_form_at_the_desa
    link_id, number, digest = _relayed_form_at_the_desa(desa_app, kecamatan, client_as)
    arrivals = [(1, "diterima_loket"), (5, "dicetak"), (8, "diserahkan"), (6, "dikirim")]
    with bound_to(desa_app):
        pre = PreRegistration.get(PreRegistration.number == number)
        item = engine.OutboxItem.get(engine.OutboxItem.registration_number == number)
        assert engine.apply_result(item, {"result": "stored"}) == "stored"
        for seq, (step, status) in enumerate(arrivals, start=1):
            event = {"seq": seq, "id": number, "version": 1, "hash": digest, "step": step, "status": status,
                     "label": status, "reason": "NIK ganda", "application_number": "350807-P1-000004",
                     "at": "2026-11-22T10:00:00"}
            assert engine.apply_event(link_id, event) == "applied"
        lines = [(json.loads(row[0])["relay_status"], json.loads(row[1])["relay_status"], row[2]) for row in
                 database.execute_sql('SELECT before, after, summary FROM audit_event WHERE entity = ? AND action = ? '
                                      'AND entity_id = ? ORDER BY id', ("pra_pendaftaran", "status", str(pre.id)))]
    assert [(before, after) for before, after, _ in lines] == [
        ("", "di_pusat"), ("di_pusat", "diterima_loket"), ("diterima_loket", "dicetak"), ("dicetak", "diserahkan")]
    assert lines[-1][2] == f"Pra-pendaftaran {number}: Sudah dicetak → Sudah diserahkan"
    assert not any("NIK" in summary for *_, summary in lines)  # the kecamatan's note stays out of the trail
    with bound_to(desa_app):  # in the trail's own words
        told = readable(AuditEvent.select().where(AuditEvent.entity == "pra_pendaftaran").order_by(AuditEvent.id))
    assert told[-1]["sentence"] == f"sinkronisasi mengubah status pra pendaftaran {pre.id}", told[-1]

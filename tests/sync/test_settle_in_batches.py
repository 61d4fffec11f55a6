"""A page of the center's statuses, and a packet's answers, settled together (issue 45) reach exactly
the rows, audit lines, public status records, desa relay steps and outbox rows that settling them one
by one reaches. One by one (engine.apply_event, engine.apply_result) each is a settlement of one, read
and written alone: a page's settlement, which reads once and decides in memory, must reach the same.
Both run on copies of one kecamatan database and every table they touch is compared."""
import random
import re
import shutil
from datetime import date, datetime

import pytest

from app.desa.models import PreRegistration
from app.frame import installation
from app.frame.db import database
from app.registration.models import Application
from sync import protocol
from sync.client import engine
from sync.client.models import OutboxItem
from tests.sync.harness import fill_kecamatan, kecamatan_app
from tests.support.factory import sync_link_row

COUNT = 16
DESA_FORMS = (3, 4, 9, 14)  # applications the counter made of relayed F-1.07 forms
ACKED_BEFORE = (0, 1, 4, 5, 7, 8, 10, 12)  # their answers came in an earlier pass; the rest arrive by status
TABLES = ("application", "application_status_event", "audit_event", "public_status", "pre_registration",
          "sync_status_issue", "sync_link", "sync_photo_transit")
MOMENT_SEEN = "<saat>"
MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?")


def _in(app, fn):
    with app.app_context(), app.extensions["database"].connection_context():
        return fn()


def _prepare(folder):
    """COUNT complete applications (4 of them made of relayed desa forms), some acknowledged, enrolled."""
    app = kecamatan_app(folder, public_status=True)
    fill_kecamatan(app, COUNT, photo_size=(30, 40))

    def setup():
        with database.atomic():
            sync_link_row(center_url="http://pusat", key_id="kunci", secret="rahasia", enrolled_at=datetime(2026, 1, 1))
            applications = list(Application.select().order_by(Application.id))
            own = protocol.REGISTRATION_NUMBER.match(applications[0].registration_number).group(2)
            installation.set_device_code(database, own)  # as enrolment does: another code is another PC's
            for n in DESA_FORMS:
                a = applications[n]
                PreRegistration.create(
                    number=f"PRA-{n:04d}", nik=a.nik, kk_number=a.kk_number, full_name=a.full_name,
                    birth_place=a.birth_place, birth_date=a.birth_date, sex=a.sex, address=a.address, rt=a.rt,
                    rw=a.rw, desa_code=a.desa_code, religion=a.religion, marital_status=a.marital_status,
                    occupation=a.occupation, reason=a.reason, status=PreRegistration.ACCEPTED, source="relay",
                    entered_by_name="Kaur Umum", entered_at=datetime(2026, 1, 2), expires_on=date(2027, 1, 1),
                    application=a.id, accepted_at=datetime(2026, 1, 3), relay_version=1, relay_hash="h" * 64,
                    relay_status="diterima", relay_step=1)
        items = {i.source_id: i for i in OutboxItem.select().where(OutboxItem.kind == "permohonan")}
        for n in ACKED_BEFORE:
            engine.apply_result(items[applications[n].id], {"result": "stored"})
        return [(a.registration_number, items[a.id].content_hash) for a in applications]
    keys = _in(app, setup)
    app.extensions["database"].close()
    return keys


def _events(keys) -> list[dict]:
    """Every kind of status: received, printed, shipped, rejected with a reason, resend; one already
    there, one the rules refuse, one for another content, one for no such number or version, an
    unknown status, a renumbering, and a page that repeats an older event."""
    per_application = {
        0: [("received", "")],
        1: [("received", ""), ("printed", ""), ("shipped", "")],
        2: [("received", ""), ("printed", "")],
        3: [("received", ""), ("printed", ""), ("shipped", "")],
        4: [("received", ""), ("rejected", "foto buram")],
        5: [("received", ""), ("resend", "sidik jari diulang")],
        6: [("rejected", "NIK ganda")],
        7: [("printed", ""), ("received", ""), ("printed", "")],  # printed before received: refused, then fine
        8: [("received", ""), ("received", "")],  # the second is already there
        9: [("resend", "")],
        10: [("received", "conflict")],  # the center holds other content under this number
        11: [("received", "version")],  # a version this PC never sent
        12: [("renumber", "nomor dipakai pemohon lain")],
        13: [("lost", "")],  # a status the counter does not know
        14: [("received", ""), ("printed", ""), ("rejected", "kartu rusak")],
        15: [("received", ""), ("printed", ""), ("shipped", "")],
    }
    rng = random.Random(45)
    queues = {n: list(steps) for n, steps in per_application.items()}
    order = []
    while queues:
        n = rng.choice(sorted(queues))
        order.append((n, queues[n].pop(0)))
        if not queues[n]:
            del queues[n]
    events = []
    for seq, (n, (status, note)) in enumerate(order, start=1):
        number, digest = keys[n]
        event = {"seq": seq, "id": number, "version": 1, "status": status, "reason": note, "at": "", "hash": digest}
        if note == "conflict":
            event.update(hash="0" * 64, reason="")
        elif note == "version":
            event.update(version=2, reason="")
        events.append(event)
    events.append({"seq": 5, "id": keys[0][0], "version": 1, "status": "printed", "reason": "", "at": "",
                   "hash": keys[0][1]})  # an older page again: its cursor has passed
    events.append({"seq": len(order) + 1, "id": "350807-99-000001", "version": 1, "status": "received",
                   "reason": "", "at": "", "hash": ""})  # not this PC's number
    return events


def _snapshot() -> dict:
    """Every table the settling touches, moments blanked (they differ by when the code ran); the
    outbox by kind in the order it sends (its ids interleave the kinds differently)."""
    def blank(value):
        if isinstance(value, (datetime, date)):
            return MOMENT_SEEN
        return MOMENT.sub(MOMENT_SEEN, value) if isinstance(value, str) else value

    def rows(table, order="1"):
        names = [column.name for column in database.get_columns(table)]
        cursor = database.execute_sql(f'SELECT * FROM "{table}" ORDER BY {order}')
        return [{k: blank(v) for k, v in zip(names, row)} for row in cursor.fetchall()]
    shot = {table: rows(table) for table in TABLES}
    # A record that names its moment hashes it too: its blanked record is compared instead of the hash.
    shot["outbox"] = [{k: v for k, v in row.items() if k != "id" and (k != "content_hash" or MOMENT_SEEN not in row["record_json"])}
                      for row in rows("sync_outbox", "kind, id")]
    return shot


@pytest.mark.parametrize("page", [4, 500])
def test_a_page_of_statuses_settled_together_equals_one_by_one(tmp_path, page):
    keys = _prepare(tmp_path / "one")
    shutil.copytree(tmp_path / "one", tmp_path / "together")
    events = _events(keys)

    def one_by_one():
        link_id = engine.current_link().id
        return [engine.apply_event(link_id, event) for event in events], _snapshot()

    def in_pages():
        link_id, outcomes = engine.current_link().id, []
        for start in range(0, len(events), page):
            with engine.write_transaction():  # as the pull commits a page with its cursor
                outcomes += engine.apply_events(link_id, events[start:start + page])
        return outcomes, _snapshot()
    expected_outcomes, expected = _in(kecamatan_app(tmp_path / "one", public_status=True), one_by_one)
    outcomes, found = _in(kecamatan_app(tmp_path / "together", public_status=True), in_pages)
    assert outcomes == expected_outcomes
    assert {"applied", "unapplied", "not_ours", None} <= set(expected_outcomes)
    for table in expected:
        assert found[table] == expected[table], table
    # The reference did every kind of work: relay steps for the desa forms, public records, issues.
    assert any(r["kind"] == "pra_status" for r in expected["outbox"])
    assert any(r["kind"] == "status_publik" for r in expected["outbox"])
    assert len(expected["sync_status_issue"]) >= 4


def test_a_packets_answers_settled_together_equal_one_by_one(tmp_path):
    """The pass's bookkeeping of one packet: stored, duplicate, rejected and conflict answers, then the
    received statuses whose seqs follow the cursor, planned in one Settlement (engine.settle_packet)."""
    _prepare(tmp_path / "one")
    shutil.copytree(tmp_path / "one", tmp_path / "together")

    def answers():
        batch = list(OutboxItem.select().where((OutboxItem.kind == "permohonan") & (OutboxItem.state == "pending"))
                     .order_by(OutboxItem.id))
        results, seq = {}, 0
        for n, item in enumerate(batch):
            word = ("rejected", "conflict", "duplicate")[n] if n < 3 else "stored"
            seq += word == "stored"
            results[(item.registration_number, item.version)] = (
                {"result": word, "reason": "foto tidak sah"} if word != "stored" else {"result": word, "seq": seq})
        return batch, results

    def one_by_one():
        batch, results = answers()
        report = engine.PassReport()
        with engine.write_transaction():
            for item in batch:
                engine.apply_result(item, results[(item.registration_number, item.version)])
            link = engine.current_link()
            for item in batch:
                result = results[(item.registration_number, item.version)]
                if result["result"] == "stored":
                    engine.count_outcome(report, engine.apply_event(link.id, {
                        "seq": result["seq"], "id": item.registration_number, "version": item.version,
                        "status": "received", "reason": "", "at": "", "hash": item.content_hash}))
        return report.statuses, _snapshot()

    def together_():
        batch, results = answers()
        report = engine.PassReport()
        with engine.write_transaction():
            again = engine.settle_packet(batch, results, report, engine.Progress(), random.Random(1))
        assert again == [] and (report.sent, report.already, report.rejected, report.conflicts) == (5, 1, 1, 1)
        return report.statuses, _snapshot()
    expected_statuses, expected = _in(kecamatan_app(tmp_path / "one", public_status=True), one_by_one)
    found_statuses, found = _in(kecamatan_app(tmp_path / "together", public_status=True), together_)
    assert found_statuses == expected_statuses == 5
    for table in expected:
        assert found[table] == expected[table], table

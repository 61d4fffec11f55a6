"""The public status page (issue 28): the kecamatan's minimal public record travels in the sync
pass; the center answers a citizen with the number and the slip's check code, the same calm page
for an unknown number and a wrong code, throttled; never a name, NIK, address or confidential text."""
import html
import json
import re

import pytest

from app.frame.db import database
from app.public_status.models import PublicStatus as KecamatanPublicStatus
from app.registration.models import Application
from app.registration.status import ApplicationStatus as S, transition
from sync import protocol, public_status as vocabulary
from sync.center import public_status_records as center_public, records
from sync.center.db import center_database
from sync.center.models import Kecamatan, PublicStatus, ReceivedApplication
from sync.client import engine
from sync.client.models import OutboxItem
from tests.sync.test_client import client_of, kecamatan, run  # noqa: F401  (kecamatan is a fixture)
from tests.support.factory import kecamatan_row, person_name, person_nik

FIRST = "350807-01-000001"
ALLOWED = {"kind", "number", "code_digest", "step", "steps", "promised", "follow_up", "follow_up_due", "office",
           "hours", "changed_at"}


def code_of(kec_app, number=FIRST) -> str:
    return run(kec_app, lambda: KecamatanPublicStatus.get(KecamatanPublicStatus.number == number).check_code)


def page(center_app, number, code, address="203.0.113.7"):
    response = center_app.test_client().get("/cek", query_string={"n": number, "k": code},
                                            environ_base={"REMOTE_ADDR": address})
    return response.status_code, response.get_data(as_text=True)


def stored_and_read(center_app, kecamatan, record: dict, code: str) -> str:
    """`record` stored as the kecamatan sends it (its code's digest added), then its /cek page's text as a
    citizen reads it."""
    record = dict(record, code_digest=vocabulary.code_digest(record["number"], code))
    header = {"id": vocabulary.wire_key(record["number"]), "version": 1, "record": record,
              "hash": protocol.content_hash(record, protocol.sha256_hex(b""))}
    assert center_public.store_public(kecamatan, header, b"").result == "stored"
    status, body = page(center_app, record["number"], code)
    assert status == 200
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def without_echo(body: str) -> str:
    """The page minus the values the visitor typed (echoed in the form)."""
    return re.sub(r'value="[^"]*"', 'value=""', body)


def test_every_application_queues_a_public_record_with_nothing_personal(kecamatan):
    def check():
        rows = list(OutboxItem.select().where(OutboxItem.kind == vocabulary.KIND).order_by(OutboxItem.id))
        assert [r.registration_number for r in rows] == [vocabulary.wire_key(f"350807-01-00000{n}") for n in (1, 2, 3)]
        for n, row in enumerate(rows, start=1):
            record = json.loads(row.record_json)
            assert set(record) == ALLOWED
            mine = KecamatanPublicStatus.get(KecamatanPublicStatus.number == record["number"])
            assert record["code_digest"] == vocabulary.code_digest(record["number"], mine.check_code)
            assert mine.check_code not in row.record_json  # only its digest leaves the PC
            application = Application.get(Application.registration_number == record["number"])
            for personal in (application.nik, application.full_name, application.address, application.kk_number,
                             person_nik(n), person_name(n)):
                assert personal not in row.record_json
            assert record["step"] == "diproses" and record["office"] == "Yosowilangun"
            assert record["promised"] == application.promised_date.isoformat()
    run(kecamatan, check)


def test_a_pass_carries_the_records_and_the_page_answers_number_and_code(kecamatan, center_app, center_db):
    report = run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))
    assert report.error == "" and report.sent == 3 and report.published == 3
    rows = list(PublicStatus.select())
    assert len(rows) == 3
    code = code_of(kecamatan)
    row = PublicStatus.get(PublicStatus.number == FIRST)
    assert code not in row.record_json and code not in row.code_key
    assert row.code_key != vocabulary.code_digest(FIRST, code)  # keyed: the stored digest is not the sent one
    status, body = page(center_app, FIRST, code.lower())  # typed in lower case, as a phone keyboard does
    assert status == 200
    assert "Berkas lengkap, sedang diproses Dukcapil" in body
    assert "Terakhir diperbarui" in body and "Yosowilangun" in body
    application = ReceivedApplication.get(ReceivedApplication.registration_number == FIRST)
    for personal in (application.nik, application.full_name, "Dusun Krajan", "3508070101900001"):
        assert personal not in body
    assert "<script" not in body
    # The number as people type it from the slip or hear it: no dashes, spaces, any case.
    for typed in (FIRST.replace("-", ""), FIRST.replace("-", " "), f" {FIRST.replace('-', '.')} "):
        assert "Berkas lengkap, sedang diproses Dukcapil" in page(center_app, typed, code.lower())[1], typed
    # The outbox rows of the pass are settled; an unchanged state sends nothing again.
    assert run(kecamatan, lambda: {i.state for i in OutboxItem.select().where(OutboxItem.kind == vocabulary.KIND)}) \
        == {"acked"}
    assert run(kecamatan, lambda: KecamatanPublicStatus.get(KecamatanPublicStatus.number == FIRST).step) == 1


@pytest.mark.parametrize("typed, readings", [
    ("350807-01-000003", ["350807-0-1000003", "350807-01-000003"]),
    ("350807 01 000003", ["350807-0-1000003", "350807-01-000003"]),
    ("pgd7k3m9q", ["PGD-7K3M9Q"]), ("PGD – 7K3M9Q", ["PGD-7K3M9Q"]),
    ("pra 3508072001 d1 000007", ["PRA-3508072001-D-1000007", "PRA-3508072001-D1-000007"]),
    ("<script>", []), ("", []), (None, []), ("9" * 5000, []),
])
def test_a_typed_number_is_read_every_way_it_can_be(typed, readings):
    assert vocabulary.number_candidates(typed) == readings


def test_unknown_number_and_wrong_code_get_the_same_calm_page(kecamatan, center_app, center_db):
    run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))
    code = code_of(kecamatan)
    wrong = "2222222" if code != "222222" else "333333"
    answers = [page(center_app, FIRST, wrong[:6]), page(center_app, "350807-01-000999", code),
               page(center_app, "PGD-7K3M9Q", code)]
    assert {status for status, _ in answers} == {404}
    assert len({without_echo(body) for _, body in answers}) == 1
    assert "tidak cocok" in answers[0][1]
    # A number alone is not enough; malformed and huge input is the same page, never a 5xx.
    for number, typed in ((FIRST, ""), ("x" * 5000, "y" * 5000), ("<script>", "%00"), ("", "ABCDEF")):
        status, body = page(center_app, number, typed, address="198.51.100.1")
        assert status in (404, 429), (number[:20], status)
        assert "Berkas lengkap" not in body


def test_wrong_guesses_are_throttled_per_address_and_for_everyone(kecamatan, center_app, center_db):
    run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))
    code = code_of(kecamatan)
    center_app.config.update(PUBLIC_STATUS_FREE=3, PUBLIC_STATUS_ALL_FREE=8)
    for _ in range(3):
        assert page(center_app, FIRST, "ZZZZZZ")[0] == 404
    status, body = page(center_app, FIRST, code)  # even the right code waits: the guesser cannot tell
    assert status == 429 and "Terlalu banyak percobaan" in body and "Berkas lengkap" not in body
    assert page(center_app, FIRST, code, address="192.0.2.50")[0] == 200  # another phone is not held
    for n in range(5):  # a flood from many addresses
        page(center_app, FIRST, "ZZZZZZ", address=f"192.0.2.{100 + n}")
    assert page(center_app, FIRST, code, address="192.0.2.60")[0] == 429


def test_each_step_reaches_the_page_and_the_newest_version_wins(kecamatan, center_app, center_db):
    run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))
    code = code_of(kecamatan)
    received = ReceivedApplication.get(ReceivedApplication.registration_number == FIRST)
    with center_database.atomic():
        records.move(received, "printed")
    # Printed at the center: shown at once, before the kecamatan's PC syncs again.
    assert "Kartu sudah dicetak di Dukcapil" in page(center_app, FIRST, code)[1]
    with center_database.atomic():
        records.move(ReceivedApplication.get_by_id(received.id), "shipped")
    run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))  # pulls printed, shipped
    assert "Kartu sudah dicetak, dikirim ke kecamatan" in page(center_app, FIRST, code)[1]

    def ready():
        with database.atomic():
            transition(Application.get(Application.registration_number == FIRST), S.READY, note="kartu tiba")
        return engine.sync_once(client=client_of(center_app))
    assert run(kecamatan, ready).error == ""
    body = page(center_app, FIRST, code)[1]
    assert "Siap diambil di Kantor Kecamatan Yosowilangun, bawa tanda terima" in body
    newest = PublicStatus.get(PublicStatus.number == FIRST)
    assert newest.version >= 3
    # A late packet with an older version changes nothing.
    older = json.loads(newest.record_json) | {"step": "diproses"}
    header = {"id": vocabulary.wire_key(FIRST), "version": 1, "record": older,
              "hash": protocol.content_hash(older, protocol.sha256_hex(b""))}
    kecamatan_row = Kecamatan.get(Kecamatan.code == "35.08.07")
    assert center_public.store_public(kecamatan_row, header, b"").result == "duplicate"
    assert "Siap diambil" in page(center_app, FIRST, code)[1]


def test_the_center_refuses_a_record_that_carries_more_or_another_office(enrolled, center_db):
    kecamatan_row, _ = enrolled

    def header(record, number=FIRST, version=1):
        return {"id": vocabulary.wire_key(number), "version": version, "record": record,
                "hash": protocol.content_hash(record, protocol.sha256_hex(b""))}
    good = {"kind": "ktp", "number": FIRST, "code_digest": "a" * 64, "step": "diproses",
            "steps": [["diproses", "2026-11-20"]], "promised": "2026-12-08", "follow_up": "", "follow_up_due": "",
            "office": "Yosowilangun", "hours": "08.00-15.00", "changed_at": "2026-11-20T03:00:00"}
    assert center_public.store_public(kecamatan_row, header(good), b"").result == "stored"
    assert center_public.store_public(kecamatan_row, header(good | {"nik": "3508070101900001"}, version=2),
                                      b"").result == "rejected"
    other = "350801-01-000001"
    assert center_public.store_public(kecamatan_row, header(good | {"number": other}, number=other),
                                      b"").result == "rejected"
    assert center_public.store_public(kecamatan_row, header(good | {"step": "hilang"}, version=2),
                                      b"").result == "rejected"
    assert center_public.store_public(kecamatan_row, header(good, version=1), b"photo").result == "rejected"
    assert PublicStatus.get(PublicStatus.number == FIRST).version == 1


def test_complaints_follow_the_same_way_and_a_confidential_text_never_travels(kecamatan, center_app, center_db):
    from app.complaints import book
    from app.complaints.models import ComplaintCategory

    def record_two():
        category = ComplaintCategory.get(ComplaintCategory.name == "Waktu tunggu")
        values = {"channel": "kios", "category_id": category.id, "complainant_name": "Sri Wahyuni",
                  "complainant_contact": "081234567890", "is_anonymous": False, "is_confidential": False,
                  "registration_number": "", "text": "Antrean perekaman sangat lama"}
        public, _ = book.record_complaint(values, tindak_lanjut="")
        secret, _ = book.record_complaint(values | {"is_confidential": True, "text": "Pungutan liar oleh oknum"})
        return public.tracking_number, secret.tracking_number
    public_number, secret_number = run(kecamatan, record_two)

    def follow_up():
        from app.auth.accounts import create_user
        from app.complaints.models import Complaint
        kasi = create_user("kasi-uji", "Kasi Uji", "kasi_pelayanan", password="kasi-rahasia-123",
                           must_change_password=False)[0]
        for number, text in ((public_number, "Loket perekaman ditambah satu mulai Senin"),
                             (secret_number, "Oknum RAHASIA-TL sudah diperiksa")):
            book.change_status(Complaint.get(Complaint.tracking_number == number), "selesai", kasi, tindak_lanjut=text)
        return engine.sync_once(client=client_of(center_app))
    assert run(kecamatan, follow_up).error == ""
    sent = run(kecamatan, lambda: " ".join(r.record_json for r in OutboxItem.select().where(
        OutboxItem.kind == vocabulary.KIND)))
    assert "RAHASIA-TL" not in sent and "Pungutan liar" not in sent and "Sri Wahyuni" not in sent
    assert "081234567890" not in sent
    body = page(center_app, public_number, code_of(kecamatan, public_number))[1]
    typed = public_number.replace("-", " ").lower()  # 'pgd 7k3m9q', as read out on the phone
    assert "Selesai ditindaklanjuti" in page(center_app, typed, code_of(kecamatan, public_number))[1]
    assert "Selesai ditindaklanjuti" in body and "Loket perekaman ditambah satu mulai Senin" in body
    secret_body = page(center_app, secret_number, code_of(kecamatan, secret_number))[1]
    assert "Selesai ditindaklanjuti" in secret_body and "RAHASIA-TL" not in secret_body
    assert "Sri Wahyuni" not in body + secret_body


def test_records_are_deleted_a_set_time_after_handover_and_a_reopened_one_is_kept(enrolled, center_db):
    from datetime import timedelta
    from app.frame.dates import utc_now
    kecamatan_row, _ = enrolled

    def store(number, step, version):
        record = {"kind": "ktp", "number": number, "code_digest": "b" * 64, "step": step, "steps": [[step, ""]],
                  "promised": "", "follow_up": "", "follow_up_due": "", "office": "Yosowilangun", "hours": "",
                  "changed_at": ""}
        header = {"id": vocabulary.wire_key(number), "version": version, "record": record,
                  "hash": protocol.content_hash(record, protocol.sha256_hex(b""))}
        assert center_public.store_public(kecamatan_row, header, b"").result == "stored"
    store("350807-01-000001", "diserahkan", 1)
    store("350807-01-000002", "siap", 1)
    store("350807-01-000003", "diserahkan", 1)
    store("350807-01-000003", "perbaikan", 2)  # taken back after handover: no longer counting down
    later = utc_now() + timedelta(days=89)
    assert center_public.forget_finished(90, now=later) == 0
    assert center_public.forget_finished(90, now=later + timedelta(days=2)) == 1
    assert sorted(r.number for r in PublicStatus.select()) == ["350807-01-000002", "350807-01-000003"]
    assert center_app_setting_default() == 90


def center_app_setting_default() -> int:
    from sync.center.app import center_config
    import tempfile
    return center_config({"DATA_DIR": tempfile.mkdtemp()})["PUBLIC_STATUS_KEEP_DAYS"]


def test_usb_files_carry_the_public_records_to_the_center(kecamatan, center_app, center_db):
    from sync.center.views import import_one_file
    from sync.client import usb_files
    files, count = run(kecamatan, lambda: usb_files.export_batches())
    assert count == 3  # the clerk's figure counts applications
    with center_app.test_request_context():
        answers = [import_one_file(content, name) for name, content in files]
    assert all(not a["error"] for a in answers) and sum(a["summary"]["stored"] for a in answers) == 3
    assert sorted(r.number for r in PublicStatus.select()) == [f"350807-01-00000{n}" for n in (1, 2, 3)]
    assert page(center_app, FIRST, code_of(kecamatan))[0] == 200


def test_a_desa_pre_registration_is_followed_and_another_kecamatans_is_refused(enrolled, center_db):
    kecamatan_row, _ = enrolled

    def store(number, step="menunggu", version=1):
        record = {"kind": "pra", "number": number, "code_digest": vocabulary.code_digest(number, "7K3M9Q"),
                  "step": step, "steps": [[step, "2026-11-20"]], "promised": "", "follow_up": "", "follow_up_due": "",
                  "office": "Yosowilangun", "hours": "", "changed_at": ""}
        header = {"id": vocabulary.wire_key(number), "version": version, "record": record,
                  "hash": protocol.content_hash(record, protocol.sha256_hex(b""))}
        return center_public.store_public(kecamatan_row, header, b"")
    assert store("PRA-3508072001-D1-000001").result == "stored"
    refused = store("PRA-3508012001-D1-000001")  # a desa of another kecamatan
    assert refused.result == "rejected" and "bukan milik" in refused.reason
    view = center_public.view_of(PublicStatus.get(PublicStatus.number == "PRA-3508072001-D1-000001"))
    assert view["step"].startswith("Menunggu di Kantor Kecamatan Yosowilangun")


def test_without_the_sms_gateway_the_center_keeps_no_phone_number(enrolled, center_db):
    from sync.center.models import SmsConsent, SmsMessage
    kecamatan_row, _ = enrolled
    record = {"kind": "ktp", "number": FIRST, "code_digest": "d" * 64, "step": "siap", "steps": [["siap", ""]],
              "promised": "", "follow_up": "", "follow_up_due": "", "office": "Yosowilangun", "hours": "",
              "changed_at": "", "sms": "081234567890"}
    header = {"id": vocabulary.wire_key(FIRST), "version": 1, "record": record,
              "hash": protocol.content_hash(record, protocol.sha256_hex(b""))}
    assert center_public.store_public(kecamatan_row, header, b"").result == "stored"
    assert "081234567890" not in PublicStatus.get(PublicStatus.number == FIRST).record_json
    assert SmsConsent.select().count() == 0 and SmsMessage.select().count() == 0


def test_a_remembered_refusal_opens_no_database_connection_nor_session(center_app, monkeypatch):
    """A flood of guesses from a refused address is turned away before Flask builds a request: no
    connection lent, no cookie session opened, no operator session read; the same calm page."""
    from flask import request_started
    center_app.config.update(PUBLIC_STATUS_FREE=2)
    assert [page(center_app, FIRST, "ZZZZZZ")[0] for _ in range(2)] == [404, 404]
    decided = center_app.test_client().get("/cek", query_string={"n": FIRST, "k": "ZZZZZZ"},
                                           environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert decided.status_code == 429 and int(decided.headers["Retry-After"]) > 0
    db, opened = center_app.extensions["center_database"], []
    real_connect, real_open = db.connect, center_app.session_interface.open_session
    monkeypatch.setattr(db, "connect", lambda *a, **k: opened.append("connection") or real_connect(*a, **k))
    monkeypatch.setattr(center_app.session_interface, "open_session",
                        lambda *a, **k: opened.append("session") or real_open(*a, **k))
    started = []
    request_started.connect(started.append, center_app, weak=False)
    try:
        remembered = center_app.test_client().get("/cek", query_string={"n": f" {FIRST}<b>", "k": "ABCDEF"},
                                                  environ_base={"REMOTE_ADDR": "203.0.113.7"})
        assert (opened, started) == ([], [])
        assert remembered.status_code == 429 and 0 < int(remembered.headers["Retry-After"]) <= 2 * 60
        body = remembered.get_data(as_text=True)
        assert "Terlalu banyak percobaan" in body and f'value="{FIRST}&lt;b&gt;"' in body and "<b>" not in body
        # The same calm page and head as the refusal the page itself decided.
        calm = [re.sub(r"dalam \d+ (detik|menit)", "dalam ...", without_echo(text))
                for text in (body, decided.get_data(as_text=True))]
        assert calm[0] == calm[1]
        same = ("Content-Type", "Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")
        assert [remembered.headers.get(h) for h in same] == [decided.headers.get(h) for h in same]
        # Another phone, and the empty form, still go through the page and the database.
        assert page(center_app, FIRST, "ZZZZZZ", address="192.0.2.9")[0] == 404
        assert "connection" in opened and "session" in opened and len(started) == 1
        assert center_app.test_client().get("/cek", environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 200
    finally:
        request_started.disconnect(started.append, center_app)


def test_terakhir_diperbarui_is_the_offices_last_delivery_not_any_signed_request(kecamatan, center_app, center_db,
                                                                                 monkeypatch):
    """"Terakhir diperbarui" tells how fresh the office's own state is: its counter PC's USB file or pass.
    A week offline, a desa PC's probe (or the counter PC's own probe) leaves the page on the last known
    step, its date and the old date; the office's next USB file, then its next pass, move it on."""
    from datetime import timedelta, timezone
    from types import SimpleNamespace
    from app.frame.dates import format_date, format_datetime, to_local
    from sync import usb
    from sync.center.models import DeviceKey
    from sync.center.views import import_one_file
    from sync.client import usb_files
    from sync.client.transport import CenterClient
    from tests.sync.test_client import FlaskSession

    def import_usb():
        files, _ = run(kecamatan, usb_files.export_batches)
        with center_app.test_request_context():
            assert not any(import_one_file(content, name)["error"] for name, content in files)

    def fresh_line():
        status, body = page(center_app, FIRST, code)
        assert status == 200 and "Berkas lengkap, sedang diproses Dukcapil" in body  # the last known step
        assert f'<time datetime="{step_day.isoformat()}">{format_date(step_day)}</time>' in body  # and its date
        return " ".join(re.search(r"Terakhir diperbarui dari kecamatan: ([^<]*)</p>", body).group(1).split())

    def center_clock(moment):  # the center's clock only: requests are still signed and checked in real time
        for module in ("sync.center.keys", "sync.center.public_status_records"):
            monkeypatch.setattr(f"{module}.utc_now", lambda: moment)

    import_usb()  # the office's state reaches the center on a stick
    # The moment the file was written, read back: a week from it is 7 days, not 6 days and 23 hours.
    day0 = Kecamatan.get(Kecamatan.code == "35.08.07").public_synced_at
    step_day = to_local(day0).date()  # the office dates its steps in its own zone
    code = code_of(kecamatan)
    assert fresh_line() == format_datetime(day0)

    # A week later: the office stays offline; a desa PC of the kecamatan and the counter PC's own probe sign in.
    week = day0 + timedelta(days=7)
    center_clock(week)
    desa = DeviceKey.create(kecamatan=Kecamatan.get(Kecamatan.code == "35.08.07"), key_id="350807-d-uji",
                            secret=protocol.new_secret(), created_at=day0, device_code="D1",
                            desa_code="35.08.07.2001")
    CenterClient("http://center", desa.key_id, desa.secret, session=FlaskSession(center_app)).probe()
    run(kecamatan, lambda: client_of(center_app).probe())
    assert Kecamatan.get(Kecamatan.code == "35.08.07").last_seen_at == week  # what the page read before
    assert fresh_line() == f"{format_datetime(day0)} (7 hari yang lalu)"

    # The office's next USB file, written a week on: the page is as fresh as the file.
    monkeypatch.setattr(usb, "time", SimpleNamespace(time=lambda: week.replace(tzinfo=timezone.utc).timestamp()))
    import_usb()
    assert fresh_line() == format_datetime(week)
    # A pass cut after its manifest offered records the center lacks: the page does not claim them.
    center_clock(day0 + timedelta(days=7, hours=12))
    offered = [{"id": vocabulary.wire_key("350807-01-000999"), "version": 1, "hash": "a" * 64, "size": 10}]
    assert run(kecamatan, lambda: client_of(center_app).manifest(offered, vocabulary.PATH))["need"]
    assert fresh_line() == format_datetime(week)
    # Its next passes: one that pushes (the file's records again, as duplicates), one with nothing to push.
    for days in (8, 9):
        center_clock(day0 + timedelta(days=days))
        assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app))).error == ""
        assert fresh_line() == format_datetime(day0 + timedelta(days=days))
    assert run(kecamatan, lambda: OutboxItem.select().where(OutboxItem.state != "acked").count()) == 0


@pytest.mark.parametrize("hops", [0, 1])
def test_behind_the_regencys_proxy_each_phone_is_throttled_on_its_own(tmp_path, hops):
    """nginx in front (docs/operations.md): every request comes from 127.0.0.1. With the proxy counted
    (LOKET_CENTER_PROXY_HOPS=1), one guesser's misses hold only its own address, in the page and in the
    refusal gate alike; without it, a made-up X-Forwarded-For does not get a guesser past the throttle."""
    from sync.center.app import create_center_app
    app = create_center_app({"DATA_DIR": tmp_path / "center", "SECRET_KEY": "center-test", "TESTING": True,
                             "PROXY_HOPS": hops, "PUBLIC_STATUS_FREE": 2})

    def ask(visitor):
        return app.test_client().get("/cek", query_string={"n": FIRST, "k": "ZZZZZZ"},
                                     environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                     headers={"X-Forwarded-For": visitor}).status_code
    assert [ask("203.0.113.7") for _ in range(4)] == [404, 404, 429, 429]  # the last one by the gate
    assert ask("198.51.100.20") == (404 if hops else 429)


def test_terakhir_diperbarui_is_told_in_the_kecamatans_own_zone(center_app, center_db):
    """A citizen of Jayapura (WIT) reads the moment as the office's clock showed it, whatever the
    center's own zone."""
    from datetime import datetime
    from sync.center import public_status_records
    jayapura = kecamatan_row("91.71.01", "Jayapura Utara",
                             public_synced_at=datetime(2026, 11, 23, 2, 30))  # UTC: 11.30 WIT
    number, code = "917101-01-000001", "7K3M9Q"
    with center_app.app_context():
        PublicStatus.create(kecamatan=jayapura, kind="ktp", number=number, version=1, content_hash="x" * 64,
                            code_key=public_status_records.code_key(vocabulary.code_digest(number, code)),
                            record_json=json.dumps({"kind": "ktp", "step": "diterima", "steps": [["diterima", "2026-11-23"]]}),
                            received_at=datetime(2026, 11, 23, 2, 30))
    status, body = page(center_app, number, code)
    assert status == 200 and "23 November 2026 11.30 WIT" in body and "WIB" not in body


def test_the_page_never_says_dukcapil_processes_a_file_the_center_does_not_hold(kecamatan, center_app, center_db):
    """Issue 42: the public record travels on its own (an old PC's application left behind, a packet
    refused): while the center holds no application under the number, a complete file is "menunggu
    dikirim", never "sedang diproses Dukcapil"; once the center holds it, it is."""
    from sync.client import records as client_records

    def publish_only():
        client = client_of(center_app)
        report = engine.PassReport()
        engine.push_kind(client, client_records.kind(vocabulary.KIND), report, engine.Progress())
        return report
    assert run(kecamatan, publish_only).published == 3
    assert ReceivedApplication.select().count() == 0
    code = code_of(kecamatan)
    status, body = page(center_app, FIRST, code)
    assert status == 200
    assert "sedang diproses Dukcapil" not in body
    assert "Berkas lengkap di Kantor Kecamatan Yosowilangun, menunggu dikirim ke Dukcapil" in body
    assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app))).sent == 3
    assert "Berkas lengkap, sedang diproses Dukcapil" in page(center_app, FIRST, code)[1]


@pytest.mark.parametrize("status", ["selesai", "bukan_kewenangan"])
def test_a_follow_up_as_long_as_the_kasis_form_takes_reaches_cek_whole(kecamatan, center_app, center_db, status):
    """Issue 92, finding 2: /cek showed the first 2,000 characters of a follow-up, cut mid-word without a mark,
    though the Kasi's form takes 5,000 and says the complainant reads it; forwarded, with the other office's name."""
    from app.complaints import book
    from app.complaints.form_rules import OFFICE_MAX, TINDAK_LANJUT_MAX
    from app.complaints.models import Complaint, ComplaintCategory
    text = ("Loket perekaman ditambah satu mulai Senin. " * 200)[:TINDAK_LANJUT_MAX - 7] + " AKHIR."
    other = ("Dinas Kependudukan dan Pencatatan Sipil Kabupaten Lumajang, Bidang Pelayanan Pendaftaran Penduduk, "
             "Seksi Identitas Penduduk, Jalan Kyai Haji Ahmad Dahlan Nomor 28 Lumajang, Jawa Timur 67311 Indonesia")
    other = other[:OFFICE_MAX]

    def recorded_and_followed():
        from app.auth.accounts import create_user
        category = ComplaintCategory.get(ComplaintCategory.name == "Waktu tunggu")
        values = {"channel": "kios", "category_id": category.id, "complainant_name": "Sri Wahyuni",
                  "complainant_contact": "081234567890", "is_anonymous": False, "is_confidential": False,
                  "registration_number": "", "text": "Antrean perekaman sangat lama"}
        complaint, _ = book.record_complaint(values, tindak_lanjut="")
        kasi = create_user("kasi-uji", "Kasi Uji", "kasi_pelayanan", password="kasi-rahasia-123",
                           must_change_password=False)[0]
        book.change_status(Complaint.get_by_id(complaint.id), status, kasi, tindak_lanjut=text,
                           **({"other_office": other} if status == "bukan_kewenangan" else {}))
        assert engine.sync_once(client=client_of(center_app)).error == ""
        return complaint.tracking_number
    number = run(kecamatan, recorded_and_followed)
    status_code, body = page(center_app, number, code_of(kecamatan, number))
    assert status_code == 200
    shown = html.unescape(body)
    assert len(text) == TINDAK_LANJUT_MAX and text in shown
    if status == "bukan_kewenangan":
        assert f"Diteruskan ke: {other}" in shown

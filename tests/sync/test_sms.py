"""One SMS per event, consent only, through gammu-smsd (issue 28, sync/center/sms.py).

The center writes ONE message into gammu-smsd's own `outbox` table (its documented PostgreSQL
schema) when a consented record reaches the event; the real gammu-smsd, with its dummy phone
(`connection = none`), sends what waits there and moves it to `sentitems`, which is what it "sent".
PostgreSQL only: the SQLite center is encrypted and gammu cannot open it."""
import json
import os
import shutil
import signal
import subprocess
import time
from urllib.parse import urlparse

import pytest

from app.frame.db import database
from app.public_status import records as public_records
from app.registration.models import Application
from app.registration.status import ApplicationStatus as S, transition
from sync import protocol, public_status as vocabulary
from sync.center import public_status_records as center_public, records, sms
from sync.center.app import create_center_app
from sync.center.db import center_database
from sync.center.models import CenterAudit, Kecamatan, PublicStatus, ReceivedApplication, SmsConsent, SmsMessage
from sync.client import engine
from tests.sync.conftest import NO_PG, PG_URL
from tests.support.center_postgres import fresh_center_database
from tests.support.factory import kecamatan_row
from tests.sync.test_client import client_of, kecamatan, run  # noqa: F401  (kecamatan is a fixture)

FIRST, SECOND = "350807-01-000001", "350807-01-000002"
PHONE = "081234567890"
GAMMU = shutil.which("gammu-smsd") or "/usr/bin/gammu-smsd"


@pytest.fixture
def center_app(tmp_path):
    """The center on PostgreSQL with the gateway switched on (overrides tests/sync/conftest.py's)."""
    if not PG_URL:
        pytest.skip(NO_PG)
    fresh_center_database(PG_URL)
    app = create_center_app({"DATA_DIR": tmp_path / "center", "SECRET_KEY": "center-test", "TESTING": True,
                             "DATABASE_URL": PG_URL, "SMS_GATEWAY": True,
                             "PUBLIC_URL": "https://dukcapil.example.go.id"})
    from tests.conftest import CsrfClient
    app.test_client_class = CsrfClient
    yield app
    app.extensions["center_database"].close_all()


class Gateway:
    """gammu-smsd on the center's PostgreSQL, its phone the dummy driver (a folder, no modem)."""

    def __init__(self, folder):
        self.folder = folder
        self.proc = None
        url = urlparse(PG_URL)
        (folder / "phone").mkdir(parents=True, exist_ok=True)
        self.config = folder / "smsdrc"
        self.config.write_text(
            "[gammu]\ndevice = {phone}/\nconnection = none\n\n"
            "[smsd]\nservice = sql\ndriver = native_pgsql\nsql = pgsql\nhost = {host}:{port}\nuser = {user}\n"
            "password = {password}\ndatabase = {database}\nlogfile = {folder}/smsd.log\ndebuglevel = 1\n"
            "commtimeout = 1\nsendtimeout = 1\nloopsleep = 1\nstatusfrequency = 0\n"
            "checksecurity = 0\ncheckbattery = 0\ncheckSignal = 0\ncheckNetwork = 0\n".format(
                phone=folder / "phone", host=url.hostname, port=url.port or 5432, user=url.username or "postgres",
                password=url.password or "", database=url.path.lstrip("/"), folder=folder))

    def start(self):
        assert os.path.exists(GAMMU), "gammu-smsd is missing: scripts/test.sh installs Debian's gammu-smsd"
        self.proc = subprocess.Popen([GAMMU, "-c", str(self.config)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def log(self) -> str:
        path = self.folder / "smsd.log"
        return path.read_text(errors="replace") if path.exists() else ""


def waiting() -> list[tuple]:
    return center_database.execute_sql('SELECT "DestinationNumber", "TextDecoded", "CreatorID" FROM outbox').fetchall()


def sent() -> list[tuple]:
    return center_database.execute_sql(
        'SELECT "DestinationNumber", "TextDecoded", "CreatorID", "Status" FROM sentitems').fetchall()


def until(check, seconds=30.0):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def ready(numbers):
    def move():
        with database.atomic():
            for number in numbers:
                transition(Application.get(Application.registration_number == number), S.READY, note="kartu tiba")
    return move


def test_one_sms_when_the_card_is_ready_consent_only_and_sent_once_by_gammu(kecamatan, center_app, center_db,
                                                                            tmp_path):
    def consent():
        with database.atomic():
            application = Application.get(Application.registration_number == FIRST)
            public_records.give_sms_consent("ktp", application.id, PHONE)
    run(kecamatan, consent)
    assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app))).error == ""
    # The consent is recorded, its phone sealed; the public record and the trail never hold it.
    stored = SmsConsent.get(SmsConsent.number == FIRST)
    assert PHONE not in stored.phone_sealed and SmsConsent.select().count() == 1
    assert PHONE not in PublicStatus.get(PublicStatus.number == FIRST).record_json
    trail = " ".join(a.summary for a in CenterAudit.select())
    assert "Persetujuan SMS untuk " + FIRST in trail and PHONE not in trail
    assert waiting() == []  # not ready yet: nothing to say

    with center_database.atomic():  # printed and shipped at the center; the kecamatan pulls it
        for number in (FIRST, SECOND):
            received = ReceivedApplication.get(ReceivedApplication.registration_number == number)
            records.move(received, "printed")
            records.move(ReceivedApplication.get_by_id(received.id), "shipped")
    assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app))).error == ""
    assert waiting() == []  # shipped is not yet ready for pickup
    run(kecamatan, ready([FIRST, SECOND]))  # SECOND gave no consent
    assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app))).error == ""
    [(to, text, creator)] = waiting()
    assert to == "+6281234567890" and creator == f"loket:35.08.07|{FIRST}|siap"
    assert f"KTP-el no. {FIRST} siap diambil di Kantor Kecamatan Yosowilangun" in text and len(text) <= 160
    assert "https://dukcapil.example.go.id/cek" in text
    assert "SMS 'siap' untuk " + FIRST in " ".join(a.summary for a in CenterAudit.select())

    # The same packet again (an answer lost on the way) and a newer version at the same step: still one.
    row = PublicStatus.get(PublicStatus.number == FIRST)
    kecamatan_row = Kecamatan.get(Kecamatan.code == "35.08.07")
    record = dict(json.loads(row.record_json), sms=PHONE)
    for version, hours in ((row.version, None), (row.version + 1, "Senin-Jumat 08.00-15.00")):
        again = dict(record, hours=hours) if hours else record
        header = {"id": vocabulary.wire_key(FIRST), "version": version, "record": again,
                  "hash": protocol.content_hash(again, protocol.sha256_hex(b""))}
        center_public.store_public(kecamatan_row, header, b"")
    assert len(waiting()) == 1 and SmsMessage.select().count() == 1

    # The gateway was down: the message waited. gammu-smsd comes up and sends it, once.
    gateway = Gateway(tmp_path / "gateway").start()
    try:
        assert until(lambda: len(sent()) == 1), gateway.log()[-2000:]
        assert until(lambda: waiting() == [])
        [(to, text, creator, status)] = sent()
        assert to == "+6281234567890" and creator.endswith("|siap") and status.startswith("SendingOK")
        gateway.kill()  # killed and started again: nothing is sent a second time
        gateway.start()
        # A probe written after the restart: once the gateway has sent it, it has read the whole
        # outbox since starting again, so a second copy of the first message would be there too.
        center_database.execute_sql(
            'INSERT INTO outbox ("DestinationNumber", "TextDecoded", "Coding", "CreatorID") '
            "VALUES ('+6281200000000', 'uji', 'Default_No_Compression', 'uji:probe')")
        assert until(lambda: any(row[2] == "uji:probe" for row in sent())), gateway.log()[-2000:]
        assert sorted(row[2] for row in sent()) == [f"loket:35.08.07|{FIRST}|siap", "uji:probe"]
    finally:
        gateway.kill()


def test_a_complaint_closed_twice_over_sends_one_sms(enrolled_pg):
    kecamatan_row = enrolled_pg

    def store(step, version, phone=PHONE):
        record = {"kind": "pgd", "number": "PGD-7K3M9Q", "code_digest": "c" * 64, "step": step,
                  "steps": [[step, ""]], "promised": "", "follow_up": "Kursi sudah ditambah", "follow_up_due": "",
                  "office": "Yosowilangun", "hours": "", "changed_at": "", "office_address": "Jl. Raya 1"}
        if phone:
            record["sms"] = phone
        header = {"id": vocabulary.wire_key("PGD-7K3M9Q"), "version": version, "record": record,
                  "hash": protocol.content_hash(record, protocol.sha256_hex(b""))}
        return center_public.store_public(kecamatan_row, header, b"").result
    assert store("diteruskan", 1) == "stored" and waiting() == []
    assert store("selesai", 2) == "stored"
    assert store("bukan_kewenangan", 3) == "stored"  # reclassified after closing: the same event
    [(to, text, creator)] = waiting()
    assert "Jl. Raya 1" in center_public.view_of(PublicStatus.get())["office_address"]  # the office's address shows
    assert "Pengaduan PGD-7K3M9Q di Kantor Kecamatan Yosowilangun selesai ditindaklanjuti" in text
    # A bad number is refused with the record, never half-stored.
    assert store("selesai", 4, phone="12345") == "rejected"
    # Withdrawn at the counter: the consent and its number are forgotten.
    assert store("selesai", 5, phone=None) == "stored"
    assert SmsConsent.select().count() == 0
    # Given again, then the retention time passes: the consent and its number go with the record.
    assert store("selesai", 6) == "stored" and SmsConsent.select().count() == 1
    # Its phone changed at the counter: the new one kept, and its own line says so without it (issue 91)
    assert store("selesai", 7, phone="081298765432") == "stored" and SmsConsent.select().count() == 1
    [changed] = CenterAudit.select().where(CenterAudit.action == "ubah", CenterAudit.entity == "persetujuan_sms")
    assert "PGD-7K3M9Q" in changed.summary and "081298765432" not in changed.summary
    from datetime import timedelta
    from app.frame.dates import utc_now
    assert center_public.forget_finished(90, now=utc_now() + timedelta(days=91)) == 1
    assert SmsConsent.select().count() == 0 and PublicStatus.select().count() == 0


def test_old_sent_messages_forgotten_alone_leave_their_audit_line(center_db):
    """Retention forgets what the gateway sent (its rows hold phone numbers) even when no public record
    is due yet: that deletion carries its audit line (issue 70, sync/center/trail.py)."""
    from datetime import timedelta
    from app.frame.dates import utc_now
    center_database.execute_sql(
        'INSERT INTO sentitems ("Text", "UDH", "SenderID", "CreatorID", "SendingDateTime", "DestinationNumber") '
        "VALUES ('', '', '', %s, %s, %s)", (f"loket:35.08.07|{FIRST}|siap", utc_now() - timedelta(days=91),
                                            "+6281234567890"))
    assert center_public.forget_finished(90) == 0
    assert center_database.execute_sql("SELECT COUNT(*) FROM sentitems").fetchone()[0] == 0
    [line] = CenterAudit.select().where(CenterAudit.entity == "status_publik")
    assert "1 SMS terkirim" in line.summary and "0812" not in line.summary


@pytest.fixture
def enrolled_pg(center_db):
    with center_database.atomic():
        return kecamatan_row()


def test_a_sqlite_center_refuses_to_start_with_the_gateway(tmp_path):
    with pytest.raises(sms.GatewayNeedsPostgres, match="PostgreSQL"):
        create_center_app({"DATA_DIR": tmp_path / "c", "SECRET_KEY": "x", "SMS_GATEWAY": True})

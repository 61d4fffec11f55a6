"""SIGKILL the center while it takes the ready-for-pickup records in: each consented citizen still gets
exactly one SMS in gammu-smsd's outbox, and the gateway sends each once (issue 28)."""
import random
import time

import pytest

from tests.sync.conftest import NO_PG, PG_URL
from tests.sync.harness import CenterServer, Process, enrol_kecamatan, fill_kecamatan, kecamatan_app, prepare_center
from tests.support.center_postgres import fresh_center_database
from tests.sync.invariants import center_mark_all, sync_until_settled
from tests.sync.test_sms import Gateway, until

pytestmark = pytest.mark.soak  # SIGKILL soak: run once, in the normal pass (scripts/test.sh)

COUNT, KILLS = 5, 2


def public_records_settled(kec_app) -> bool:
    from sync.client.models import OutboxItem
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        return not OutboxItem.select().where((OutboxItem.kind == "status_publik")
                                             & (OutboxItem.state != "acked")).exists()


def test_killing_the_center_while_it_writes_messages_writes_each_once(tmp_path, monkeypatch):
    if not PG_URL:
        pytest.skip(NO_PG)
    fresh_center_database(PG_URL)
    monkeypatch.setenv("LOKET_CENTER_SMS_GATEWAY", "1")  # the center processes below inherit it
    rng = random.Random(28)
    center_dir, kecamatan_dir = tmp_path / "center", tmp_path / "kecamatan"
    center_app, code = prepare_center(center_dir, PG_URL)
    center = CenterServer(center_dir, PG_URL).start()
    try:
        kec_app = kecamatan_app(kecamatan_dir, public_status=True)
        numbers = fill_kecamatan(kec_app, COUNT, photo_size=(60, 80))
        enrol_kecamatan(kec_app, center.url, code)
        sync_until_settled(kec_app, expect_status="diterima_pusat")
        center_mark_all(center_app, ["printed", "shipped"])
        sync_until_settled(kec_app, expect_status="dikirim")
        phones = {number: f"08123{n:07d}" for n, number in enumerate(numbers)}

        def consent_and_ready():
            from app.frame.db import database
            from app.public_status import records as public_records
            from app.registration.models import Application
            from app.registration.status import ApplicationStatus as S, transition
            with database.atomic():
                for application in Application.select():
                    public_records.give_sms_consent("ktp", application.id, phones[application.registration_number])
                    transition(application, S.READY, note="kartu tiba")
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            consent_and_ready()
        for kill in range(KILLS):
            process = Process(["sync", "--data", str(kecamatan_dir), "--full"], tmp_path / f"sync-{kill}.log").start()
            time.sleep(rng.uniform(0.3, 1.5))  # manifest, mid-packet, mid-commit, answer on its way...
            center.kill()
            process.wait()
            center = CenterServer(center_dir, PG_URL, port=center.port).start()
        for _ in range(20):
            if public_records_settled(kec_app):
                break
            sync_until_settled(kec_app, expect_status="siap_diambil")
        assert public_records_settled(kec_app)

        db = center_app.extensions["center_database"]
        with db.connection_context():
            from sync.center.models import SmsMessage
            written = db.execute_sql('SELECT "DestinationNumber", "CreatorID" FROM outbox').fetchall()
            assert sorted(creator.split("|")[1] for _, creator in written) == sorted(numbers)
            assert sorted(to for to, _ in written) == sorted("+62" + p[1:] for p in phones.values())
            assert SmsMessage.select().count() == COUNT
            gateway = Gateway(tmp_path / "gateway").start()
            try:
                assert until(lambda: db.execute_sql("SELECT COUNT(*) FROM sentitems").fetchone()[0] == COUNT, 60), \
                    gateway.log()[-2000:]
                assert until(lambda: db.execute_sql("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0)
                sent = db.execute_sql('SELECT "DestinationNumber" FROM sentitems').fetchall()
                assert len({to for (to,) in sent}) == COUNT  # each citizen once
            finally:
                gateway.kill()
    finally:
        center.stop()

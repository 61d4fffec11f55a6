"""One F-1.07 key per kecamatan (issue 26): the center derives it and hands it to each counter PC it enrols
(and to PCs enrolled before, on their next pass), so a desa laptop's printed form scans at whichever counter
PC of its kecamatan is free; forms signed under a PC's own earlier key still scan at that PC; another
kecamatan refuses them; the key never reaches a desa laptop, a page or a log."""
import json
import logging
import re

import pytest

from app import create_app
from app.desa import mode, qr
from app.desa.models import PreRegistration
from app.firstrun import seed_identity
from app.frame import store
from app.frame.db import database
from sync import protocol
from sync.client import engine
from sync.client.transport import CenterClient, Refused
from tests.conftest import CsrfClient, sign_in_as
from tests.desa.conftest import DARUNGAN, pre_register
from tests.desa.test_desa_mode import bound_to, desa_admin, desa_app, kecamatan, operator_client, text  # noqa: F401  (fixtures)
from tests.desa.test_relay import (center, desa_code_from_kecamatan, enrolled_desa,  # noqa: F401
                                   linked_kecamatan, sync)
from tests.support.factory import applicant_form, kecamatan_row

YOSOWILANGUN, KUNIR = "35.08.07", "35.08.06"
KEY_PATH = protocol.API_PREFIX + "/relay/f107-key"


def center_side(center, fn):
    with center.app.app_context(), center.app.extensions["center_database"].connection_context():
        return fn()


def enrolment_code(center, kecamatan_code: str, name: str) -> str:
    """The center's admin gives a one-time code for one more counter PC of this kecamatan."""
    from sync.center import keys
    from sync.center.models import Kecamatan

    def make():
        kecamatan = Kecamatan.get_or_none(Kecamatan.code == kecamatan_code) or kecamatan_row(kecamatan_code, name)
        return keys.new_enrolment_code(kecamatan)
    return center_side(center, make)


def kecamatan_key_at_center(center, kecamatan_code: str) -> str:
    from sync.center import keys
    from sync.center.models import Kecamatan
    return center_side(center, lambda: keys.f107_key(Kecamatan.get(Kecamatan.code == kecamatan_code)))


def counter_pc(tmp_path, name: str, kecamatan_code: str):
    pc = create_app({"DATA_DIR": tmp_path / name, "SECRET_KEY": f"{name}-secret", "TESTING": True})
    pc.test_client_class = CsrfClient
    with bound_to(pc):
        seed_identity(kecamatan_code)
    return pc


def signed_in(pc, role: str):
    from app.auth.accounts import create_user
    with bound_to(pc):
        user = create_user(f"{role.replace('_', '-')}-uji", "Pegawai Uji", role, password="rahasia-uji-12",
                           must_change_password=False)[0]
        client = pc.test_client()
        sign_in_as(client, user)
    return client


def enrol_at_sync_page(pc, admin, center, kecamatan_code: str, name: str):
    """The PC's admin types the center's address and the one-time code on Sinkronisasi."""
    code = enrolment_code(center, kecamatan_code, name)
    with bound_to(pc):
        response = admin.post("/sinkronisasi/daftar", data={"center_url": center.url, "code": code})
    assert response.status_code in (302, 303), text(response)[:1500]


def scan(pc, clerk, code: str):
    with bound_to(pc):
        return clerk.post("/pra-pendaftaran/pindai", data={"kode": code})


def laptop_form(desa_app) -> tuple[str, dict]:
    """A form typed at the desa laptop: the text of its printed QR code (what the page prints,
    test_f107_qr.test_the_printed_qr_is_the_signed_form) and its payload."""
    operator = operator_client(desa_app)
    with bound_to(desa_app):
        assert pre_register(operator, applicant_form()).status_code == 302
        pre = PreRegistration.get()
        return qr.encode(pre), qr.payload_of(pre)


def setting(pc, name: str):
    with bound_to(pc):
        return store.get(name)


def test_a_laptop_enrolled_by_one_counter_pc_prints_a_form_the_other_accepts_and_another_kecamatan_refuses(
        desa_app, kecamatan, client_as, center, tmp_path):
    p1 = kecamatan  # Yosowilangun; its laptop is enrolled from here
    p2, k1 = counter_pc(tmp_path, "p2", YOSOWILANGUN), counter_pc(tmp_path, "k1", KUNIR)
    database.initialize(p1.extensions["database"])
    enrol_at_sync_page(p1, client_as("admin"), center, YOSOWILANGUN, "Yosowilangun")
    enrol_at_sync_page(p2, signed_in(p2, "admin"), center, YOSOWILANGUN, "Yosowilangun")
    enrol_at_sync_page(k1, signed_in(k1, "admin"), center, KUNIR, "Kunir")
    ours, theirs = kecamatan_key_at_center(center, YOSOWILANGUN), kecamatan_key_at_center(center, KUNIR)
    assert ours != theirs
    assert [setting(pc, "f107_signing_key") for pc in (p1, p2, k1)] == [ours, ours, theirs]

    enrolled_desa(desa_app, p1, client_as)  # the code from P1
    code, payload = laptop_form(desa_app)
    with bound_to(k1):  # Kunir's key signing a Yosowilangun form: not the kecamatan's key
        forged = qr.PREFIX + qr._serializer(qr.desa_key(DARUNGAN, pc=payload["n"].split("-")[2])).dumps(payload)
    p2_clerk = signed_in(p2, "petugas_loket")
    refused = scan(p2, p2_clerk, forged)
    assert refused.status_code == 422 and "Tanda tangan kode QR tidak cocok" in text(refused)

    opened = scan(p2, p2_clerk, code)  # the other counter PC: a citizen walks to whichever is free
    assert opened.status_code == 302 and opened.location.endswith("/terima")
    with bound_to(p2):
        assert PreRegistration.get().number == payload["n"]
    elsewhere = scan(k1, signed_in(k1, "petugas_loket"), code)
    assert elsewhere.status_code == 422 and "dibuat untuk kecamatan lain (35.08.07" in text(elsewhere)
    with bound_to(k1):
        assert PreRegistration.select().count() == 0


def test_a_form_signed_under_a_pcs_own_key_still_scans_there_after_the_kecamatan_key_came(darungan, loket):
    assert pre_register(darungan, applicant_form()).status_code == 302
    pre = PreRegistration.get()
    pre.number = pre.number.replace("-01-", "-D1-")  # typed at desa laptop D1, enrolled from here before
    own = qr.signing_key()
    before = qr.encode(pre, key=qr.desa_key(pre.desa_code, pc="D1"))
    kecamatan_key = "K" * 43
    other_pcs_own = qr.encode(pre, key=qr.desa_key(pre.desa_code, pc="D1", master="another-counter-pcs-own-key"))
    with database.atomic():
        PreRegistration.delete().execute()
    assert qr.adopt_kecamatan_key(kecamatan_key) is True
    assert qr.adopt_kecamatan_key(kecamatan_key) is False  # asked again: nothing changes
    assert (qr.signing_key(), store.get("f107_earlier_keys")) == (kecamatan_key, [own])

    assert scan_here(loket, other_pcs_own).status_code == 422  # never this PC's key, nor the kecamatan's
    response = scan_here(loket, before)
    assert response.status_code == 302 and PreRegistration.get().number == pre.number
    pre.number = pre.number.replace("-D1-", "-D2-")  # laptop D2, enrolled from here after the switch
    assert qr.verify(qr.encode(pre, key=qr.desa_key(pre.desa_code, pc="D2")))["n"] == pre.number
    assert qr.desa_key(pre.desa_code, pc="D2") == qr.desa_key(pre.desa_code, pc="D2", master=kecamatan_key)


def scan_here(client, code):
    return client.post("/pra-pendaftaran/pindai", data={"kode": code})


def test_a_pc_enrolled_before_gets_the_kecamatan_key_on_its_next_pass_and_asks_no_more(
        desa_app, linked_kecamatan, client_as, center, monkeypatch):
    asked = []
    call_json = CenterClient.call_json
    monkeypatch.setattr(CenterClient, "call_json", lambda self, method, path, value=None: (
        asked.append(path), call_json(self, method, path, value))[1])
    with bound_to(linked_kecamatan):  # enrolled by an older version: its own key, nothing from the center
        own = qr.signing_key()
        assert store.get("f107_key_from_center") is False
    enrolled_desa(desa_app, linked_kecamatan, client_as)  # a laptop whose key derives from the PC's own
    code, _ = laptop_form(desa_app)

    report = sync(linked_kecamatan)
    assert report.error == "" and asked.count(KEY_PATH) == 1
    expected = kecamatan_key_at_center(center, YOSOWILANGUN)
    with bound_to(linked_kecamatan):
        assert (qr.signing_key(), store.get("f107_earlier_keys")) == (expected, [own])
        assert qr.verify(code)  # the laptop's forms still scan here
    assert sync(linked_kecamatan).error == "" and asked.count(KEY_PATH) == 1  # held: not asked again

    with bound_to(desa_app):  # a desa laptop's key may not have it: it holds only the key derived for it
        with pytest.raises(Refused) as refused:
            engine.client_for(engine.current_link()).call_json("GET", KEY_PATH)
    assert refused.value.status == 403


def test_a_center_without_the_key_leaves_the_pc_its_own(kecamatan):
    class OlderCenter:
        def call_json(self, method, path, value=None):
            raise Refused(404, "tidak ditemukan")
    with bound_to(kecamatan):
        own = qr.signing_key()
        from app.desa import relay
        relay.fetch_f107_key(OlderCenter(), None, engine.PassReport(), engine.Progress())
        assert (qr.signing_key(), store.get("f107_key_from_center")) == (own, False)


def test_the_kecamatan_key_is_in_no_log_page_audit_record_or_desa_laptop(desa_app, kecamatan, client_as, center,
                                                                          caplog):
    caplog.set_level(logging.INFO)  # what the programs log (run.py); peewee's DEBUG lines carry every value
    database.initialize(kecamatan.extensions["database"])
    clients = {role: client_as(role) for role in ("admin", "petugas_loket")}
    enrol_at_sync_page(kecamatan, clients["admin"], center, YOSOWILANGUN, "Yosowilangun")
    key = kecamatan_key_at_center(center, YOSOWILANGUN)
    assert setting(kecamatan, "f107_signing_key") == key  # held: the checks below look for something real
    admin = enrolled_desa(desa_app, kecamatan, client_as)
    code, _ = laptop_form(desa_app)
    assert sync(kecamatan).error == "" and sync(desa_app).error == ""
    assert scan(kecamatan, clients["petugas_loket"], code).status_code == 302

    from app.frame.audit_event import AuditEvent
    from sync.client.models import SyncLog
    from app.frame.store import Setting
    pages = []
    with bound_to(kecamatan):
        for role, path in [("admin", "/sinkronisasi"), ("admin", "/admin/operator-desa"),
                           ("petugas_loket", "/pra-pendaftaran"), ("admin", "/audit")]:
            response = clients[role].get(path)
            assert response.status_code == 200, path
            pages.append(response.get_data(as_text=True))
        records = [json.dumps(row, default=str) for row in AuditEvent.select().dicts()]
        records += [row.summary for row in SyncLog.select()]
    desa_code = desa_code_from_kecamatan(kecamatan, client_as)
    with bound_to(desa_app):
        pages.append(admin.get("/admin/operator-desa").get_data(as_text=True))
        pages.append(desa_operator_page(desa_app))
        laptop_settings = [row.value for row in Setting.select()]
        records += [json.dumps(row, default=str) for row in AuditEvent.select().dicts()]
    from sync.center.models import CenterAudit
    records += center_side(center, lambda: [json.dumps(row, default=str) for row in CenterAudit.select().dicts()])
    logs = caplog.text + (center.data_dir / "server.log").read_text(errors="replace")
    assert len(pages) == 6 and records and laptop_settings
    assert not [page for page in pages if key in page]
    assert not [record for record in records if key in record]
    assert key not in logs
    assert not [value for value in laptop_settings if key in value]
    with bound_to(kecamatan):
        assert key not in json.dumps(mode.read_enrolment_code(desa_code))  # the code carries a derived key


def desa_operator_page(desa_app) -> str:
    operator = desa_operator_client(desa_app)
    pre = PreRegistration.get()
    return operator.get(f"/desa/pra-pendaftaran/{pre.id}/f107").get_data(as_text=True)


def desa_operator_client(desa_app):
    from app.auth.models import User
    client = desa_app.test_client()
    sign_in_as(client, User.get(User.role == "operator_desa"))
    return client


def test_a_laptop_revoked_at_one_counter_pc_is_refused_at_the_other_after_both_passes(
        desa_app, kecamatan, client_as, center, tmp_path):
    p1, p2 = kecamatan, counter_pc(tmp_path, "p2", YOSOWILANGUN)
    database.initialize(p1.extensions["database"])
    p1_admin, p2_admin = client_as("admin"), signed_in(p2, "admin")
    enrol_at_sync_page(p1, p1_admin, center, YOSOWILANGUN, "Yosowilangun")
    enrol_at_sync_page(p2, p2_admin, center, YOSOWILANGUN, "Yosowilangun")
    enrolled_desa(desa_app, p1, client_as)
    code, _ = laptop_form(desa_app)
    with bound_to(p1):  # the laptop is lost: the admin revokes Darungan's key at P1
        assert p1_admin.post("/admin/operator-desa/cabut-kunci", data={"desa": DARUNGAN}).status_code == 302
    assert sync(p1).error == "" and sync(p2).error == ""

    refused = scan(p2, signed_in(p2, "petugas_loket"), code)
    assert refused.status_code == 422 and "sudah dicabut di kecamatan" in text(refused)
    from app.frame.audit_event import AuditEvent
    with bound_to(p2):
        assert qr.generation_of(DARUNGAN) == 2
        assert AuditEvent.select().where((AuditEvent.action == "cabut") & (AuditEvent.entity_id == DARUNGAN)).count() == 1
        page = p2_admin.post("/admin/operator-desa/kode-komputer", data={"desa": DARUNGAN})
        new_code = re.search(r'<code class="enrolment-code">([^<]+)</code>', page.get_data(as_text=True)).group(1)
        assert mode.read_enrolment_code(new_code)["g"] == 2  # P2's next laptop code is not refused by the center
    assert sync(p2).error == ""  # known now: nothing raised twice
    with bound_to(p2):
        assert AuditEvent.select().where((AuditEvent.action == "cabut") & (AuditEvent.entity_id == DARUNGAN)).count() == 1


def p2_behind_a_revocation_at_p1(kecamatan, client_as, center, tmp_path):
    """Two counter PCs enrolled; P1 revoked Darungan's key and its pass told the center (generation 2);
    P2 has not heard. Returns P2 and its admin's client."""
    p1, p2 = kecamatan, counter_pc(tmp_path, "p2", YOSOWILANGUN)
    database.initialize(p1.extensions["database"])
    p1_admin, p2_admin = client_as("admin"), signed_in(p2, "admin")
    enrol_at_sync_page(p1, p1_admin, center, YOSOWILANGUN, "Yosowilangun")
    enrol_at_sync_page(p2, p2_admin, center, YOSOWILANGUN, "Yosowilangun")
    with bound_to(p1):
        assert p1_admin.post("/admin/operator-desa/cabut-kunci", data={"desa": DARUNGAN}).status_code == 302
    assert sync(p1).error == ""
    return p2, p2_admin


def test_a_counter_pc_asks_the_center_for_revocations_before_it_makes_a_desa_pc_code(
        desa_app, kecamatan, client_as, center, tmp_path):
    """P1 revoked Darungan's key and its pass told the center; P2 had not synced since. P2's desa PC
    code named the old key generation and the center refused the laptop ("dibuat sebelum kunci komputer
    desa dicabut"), as it did for a PC holding a backup from before a revocation. The PC now asks the
    center right before it makes a code; offline it makes the code with what it knows."""
    p2, p2_admin = p2_behind_a_revocation_at_p1(kecamatan, client_as, center, tmp_path)
    with bound_to(p2):
        assert qr.generation_of(DARUNGAN) == 1
        page = p2_admin.post("/admin/operator-desa/kode-komputer", data={"desa": DARUNGAN})
        code = re.search(r'<code class="enrolment-code">([^<]+)</code>', page.get_data(as_text=True)).group(1)
        assert mode.read_enrolment_code(code)["g"] == 2 and qr.generation_of(DARUNGAN) == 2
    admin, _ = desa_admin(desa_app)
    with bound_to(desa_app):
        enrolled = admin.post("/admin/komputer-desa", data={"kode": code, "center_url": ""})
        assert enrolled.status_code == 302, text(enrolled)[-2000:]
    center.stop()  # offline: the code is made all the same, with what P2 knows
    with bound_to(p2):
        page = p2_admin.post("/admin/operator-desa/kode-komputer", data={"desa": DARUNGAN})
        assert page.status_code == 200 and 'class="enrolment-code"' in page.get_data(as_text=True)


def test_a_counter_pc_holding_another_pcs_backup_neither_asks_the_center_nor_makes_a_code(
        kecamatan, client_as, center, tmp_path):
    """A PC holding another PC's backup does not talk to the center as that PC (sync_once waits too)
    and makes no desa PC code, through the page or through the function the page calls."""
    p2, p2_admin = p2_behind_a_revocation_at_p1(kecamatan, client_as, center, tmp_path)
    with bound_to(p2):
        p2.extensions["database"].execute_sql('UPDATE "installation" SET "machine" = ? WHERE "id" = 1', ("PC-lain",))
        refused = p2_admin.post("/admin/operator-desa/kode-komputer", data={"desa": DARUNGAN})
        assert refused.status_code == 422 and "Kode komputer desa juga bernomor dari PC ini" in text(refused)
        assert qr.generation_of(DARUNGAN) == 1  # the center was not asked
        with pytest.raises(mode.PcCodeRefused, match="Supaya satu nomor tidak dipakai"):
            mode.issue_enrolment_code(DARUNGAN)

"""Enrolment from the sync page against a real center (a `run.py center` subprocess): the admin
pastes the address and the one-time code; every failure is one clear Indonesian sentence."""
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.frame.dates import utc_now
from app.sync_page import enrolment
from sync.client.models import SyncLink
from tests.sync.harness import CenterServer, free_port, prepare_center


@pytest.fixture(scope="module")
def center(tmp_path_factory):
    data = tmp_path_factory.mktemp("center")
    center_app, _ = prepare_center(data)
    server = CenterServer(data).start()
    server.app = center_app
    yield server
    server.stop()


def fresh_code(center, expired=False) -> str:
    from sync.center import keys
    from sync.center.models import Kecamatan
    with center.app.extensions["center_database"].connection_context():
        kecamatan = Kecamatan.get(Kecamatan.code == "35.08.07")
        code = keys.new_enrolment_code(kecamatan)
        if expired:
            kecamatan.enrolment_expires_at = utc_now() - timedelta(minutes=1)
            kecamatan.save()
    return code


def enrol(client, url, code):
    return client.post("/sinkronisasi/daftar", data={"center_url": url, "code": code})


def test_the_admin_enrols_from_the_page_and_can_unlink(db, client_for, center):
    admin = client_for("admin")
    page = admin.get("/sinkronisasi").get_data(as_text=True)
    assert "run.py" not in page and 'name="center_url"' in page
    response = enrol(admin, center.url + "/", fresh_code(center))
    assert response.status_code == 303
    link = SyncLink.get()
    assert link.center_url == center.url and link.kecamatan_code == "35.08.07"
    assert "Putuskan tautan" in admin.get("/sinkronisasi").get_data(as_text=True)
    refused = admin.post("/sinkronisasi/putus", data={})
    assert refused.status_code == 422  # issue 15: the error summary points at the unticked checkbox
    assert 'href="#f-confirm_unlink"' in refused.get_data(as_text=True)
    assert 'aria-describedby="e-confirm_unlink"' in refused.get_data(as_text=True)
    assert admin.post("/sinkronisasi/putus", data={"confirm": "ya"}).status_code == 303
    assert SyncLink.select().count() == 0


def test_the_code_as_read_out_on_the_phone_is_accepted(db, client_for, center):
    """Issue 25: `FEZV MXGS 22NW` (as heard) was refused where `fezv-mxgs-22nw` worked."""
    heard = " ".join(fresh_code(center).upper().split("-"))
    assert " " in heard and heard == heard.upper()
    response = enrol(client_for("admin"), center.url, heard)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert SyncLink.get().kecamatan_code == "35.08.07"


def test_wrong_and_expired_codes_are_explained(db, client_for, center):
    admin = client_for("admin")
    fresh_code(center)
    wrong = enrol(admin, center.url, "AAAA-BBBB-CCCC")
    assert wrong.status_code == 422 and "Kode pendaftaran salah" in wrong.get_data(as_text=True)
    assert 'href="#f-code"' in wrong.get_data(as_text=True)  # the summary points at the code field
    assert 'aria-describedby="e-code"' in wrong.get_data(as_text=True)
    expired = enrol(admin, center.url, fresh_code(center, expired=True))
    assert expired.status_code == 422 and "kedaluwarsa" in expired.get_data(as_text=True)
    assert SyncLink.select().count() == 0


def test_an_unreachable_center_and_a_bad_address_are_explained(db, client_for):
    admin = client_for("admin")
    down = enrol(admin, f"http://127.0.0.1:{free_port()}", "AAAA-BBBB-CCCC")
    assert down.status_code == 422 and "tidak dapat dihubungi" in down.get_data(as_text=True)
    typo = enrol(admin, "pusat cetak lumajang", "AAAA-BBBB-CCCC")
    assert typo.status_code == 422 and "diawali http://" in typo.get_data(as_text=True)
    assert "data-error-summary" in typo.get_data(as_text=True) and 'href="#f-center_url"' in typo.get_data(as_text=True)
    assert SyncLink.select().count() == 0


def test_a_wrong_clock_is_caught_before_the_code_is_spent(db, center):
    code = fresh_code(center)
    with pytest.raises(enrolment.EnrolmentError, match="lebih cepat sekitar 1 jam dari"):
        enrolment.enrol_this_pc(center.url, code, "35.08.07", "01", now=utc_now() + timedelta(hours=1))
    # issue 25: in days and hours, not "2880 menit"
    with pytest.raises(enrolment.EnrolmentError, match="lebih lambat sekitar 2 hari dari"):
        enrolment.enrol_this_pc(center.url, code, "35.08.07", "01", now=utc_now() - timedelta(days=2))
    assert enrolment.enrol_this_pc(center.url, code, "35.08.07", "01").center_url == center.url  # still valid


class Impostor(BaseHTTPRequestHandler):
    """Something at the address that is not a signing center: a hotspot page, or a fake that answers
    the enrolment but cannot sign with the key it handed out."""
    mode = "hotspot"

    def log_message(self, *args):
        pass

    def _send(self, status, body, kind="application/json"):
        raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        if self.mode == "failing":  # the regency's proxy before a center that is down
            return self._send(503, "<html><body>503 Service Unavailable</body></html>", "text/html")
        if self.mode == "hotspot":
            return self._send(200, "<html><body>Login WiFi Desa</body></html>", "text/html")
        if self.path == "/api/openapi.json":
            return self._send(200, {"openapi": "3.1.0", "paths": {"/api/v1/enrol": {}}})
        return self._send(200, {"center": "palsu"})  # /api/v1/probe without a signature

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "hotspot":
            return self._send(200, "<html><body>Login WiFi Desa</body></html>", "text/html")
        return self._send(201, {"key_id": "350807-palsu", "secret": "00" * 32, "kecamatan_code": "35.08.07"})


@pytest.mark.parametrize("mode, message", [("hotspot", "bukan pusat cetak"), ("unsigned", "tidak bertanda tangan sah"),
                                           ("failing", "sedang bermasalah (HTTP 503)")])
def test_an_answer_that_is_not_a_signing_center_is_refused_and_nothing_kept(db, client_for, mode, message):
    handler = type("Handler", (Impostor,), {"mode": mode})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        response = enrol(client_for("admin"), f"http://127.0.0.1:{server.server_address[1]}", "AAAA-BBBB-CCCC")
    finally:
        server.shutdown()
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert SyncLink.select().count() == 0


def test_only_the_admin_enrols(db, client_for):
    for role in ("petugas_loket", "kasi_pelayanan", "camat"):
        assert client_for(role).post("/sinkronisasi/daftar", data={"center_url": "http://x", "code": "y"}).status_code in (403, 404)


def center_key(center, key_id):
    from sync.center.models import DeviceKey
    with center.app.extensions["center_database"].connection_context():
        return DeviceKey.get(DeviceKey.key_id == key_id)


def revoke_at_center(center, key_id):
    from sync.center import keys
    with center.app.extensions["center_database"].connection_context():
        keys.revoke(center_key(center, key_id))


@pytest.mark.parametrize("unlink_first", [True, False], ids=["putus-lalu-daftar", "daftar-lagi"])
def test_a_pc_enrolled_again_after_its_key_was_revoked_proves_it_held_the_old_key(db, client_for, center,
                                                                                  unlink_first):
    """Issue 26: the center revoked this PC's key; the admin unlinks (or not) and enrols with a new code.
    The PC proves it held the old key (kept through "Putus" until this enrolment), so the center's new
    key follows it and the old device code's statuses come here."""
    from sync.client.models import RetiredKey
    admin = client_for("admin")
    assert enrol(admin, center.url, fresh_code(center)).status_code == 303
    old = SyncLink.get()
    revoke_at_center(center, old.key_id)
    if unlink_first:
        assert admin.post("/sinkronisasi/putus", data={"confirm": "ya"}).status_code == 303
        assert SyncLink.select().count() == 0
        assert [(k.key_id, k.secret) for k in RetiredKey.select()] == [(old.key_id, old.secret)]
    assert enrol(admin, center.url, fresh_code(center)).status_code == 303
    new = SyncLink.select().order_by(SyncLink.id.desc()).first()
    assert new.key_id != old.key_id
    assert center_key(center, new.key_id).previous_key == old.key_id
    assert RetiredKey.select().count() == 0  # used by this enrolment: the old secret is not kept longer


def replace_at_center(center, key_id, restored_up_to):
    """Another PC restored this PC's backup and pressed "PC ini menggantikan" (sync/center/api.py, replace)."""
    from sync.center import keys
    with center.app.extensions["center_database"].connection_context():
        with center.app.extensions["center_database"].atomic():
            return keys.replace_device(center_key(center, key_id), "m" * 64, restored_up_to)


def test_a_pc_the_center_says_was_replaced_does_not_follow_its_old_key_when_enrolled_as_an_additional_pc(
        db, client_for, center):
    """Another PC took over this PC's code (its backup restored there): that code's statuses are that
    PC's now. Enrolled here as a PC tambahan, this PC proves its old key (issue 42: what it delivered
    after that backup is its own, sync/center/keys.py::hand_over_kept), but its new key does not
    follow the old one: it hears nothing the other PC sends under the code."""
    from app.frame import installation
    from app.frame.db import database
    admin = client_for("admin")
    assert enrol(admin, center.url, fresh_code(center)).status_code == 303
    old = SyncLink.get()
    replace_at_center(center, old.key_id, 0)
    with database.atomic():
        installation.retire(database, 0)  # as engine.note_refusal does on the center's "replaced"
    assert admin.post("/sinkronisasi/putus", data={"confirm": "ya"}).status_code == 303
    assert enrol(admin, center.url, fresh_code(center)).status_code == 303
    assert center_key(center, SyncLink.get().key_id).previous_key is None

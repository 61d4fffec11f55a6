"""A clerk's write costs one disk sync, its slip none (issue 64, finding 2).

On an office PC's spinning disk a sync takes 10-20 ms. The data folder here lives on the FUSE layer
of tests/support/fuse_power_cut.py, which tallies every fsync by path: a handover or a complaint and
the slip printed right after it must sync once (the commit's WAL sync, WAL mode with
synchronous=FULL), so the slip's survey code is issued in the write's own transaction, not by a
second one when the slip is first shown. bench/slow_pc.py measures every clerk action so.
"""
import io
import shutil

import pytest

from app import create_app
from app.survey.models import SurveyCode
from tests.support.factory import applicant_form, photo_jpeg, ready_for_pickup
from tests.support.fuse_power_cut import FuseCut, fuse_available

pytestmark = pytest.mark.skipif(fuse_available() is not None, reason=f"no FUSE file system here: {fuse_available()}")


@pytest.fixture
def app(tmp_path, set_up_office_folder):
    """The office's data folder on the counting layer."""
    from tests.conftest import CsrfClient
    backing, mount = tmp_path / "disk", tmp_path / "kantor"
    shutil.copytree(set_up_office_folder, backing)
    layer = FuseCut(backing, mount).start()
    app = create_app({"DATA_DIR": mount, "SECRET_KEY": "test-secret", "TESTING": True})
    app.test_client_class = CsrfClient
    app.layer = layer
    yield app
    app.extensions["database"].close_all()
    layer.unmount()


def syncs(app) -> int:
    return sum(app.layer.status()["syncs"].values())


def test_a_handover_and_its_receipt_sync_once(app, loket, saved):
    ready_for_pickup(saved)
    before = syncs(app)
    assert loket.post(f"/pendaftaran/{saved}/serah", data={"collector": "pemohon"}).status_code == 302
    receipt = loket.get(f"/pendaftaran/{saved}/tanda-terima").get_data(as_text=True)
    assert syncs(app) - before == 1, app.layer.status()["syncs"]
    code = SurveyCode.get(SurveyCode.service == "penyerahan").code
    assert f"{code[:4]}-{code[4:]}" in receipt  # the slip still carries its code


def test_a_registration_and_its_receipt_sync_once(app, loket, saved):
    before = syncs(app)
    response = loket.post("/pendaftaran/baru", content_type="multipart/form-data", data=applicant_form(
        nik="3508071205900002", full_name="Sri Rahayu", photo=(io.BytesIO(photo_jpeg()), "foto.jpg")))
    assert response.status_code == 302
    number = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    assert loket.get(f"/pendaftaran/{number}/bukti").status_code == 200
    assert syncs(app) - before == 1, app.layer.status()["syncs"]


def test_a_complaint_and_its_slip_sync_once(app, client_as):
    from app.complaints.models import ComplaintCategory
    info = client_as("petugas_informasi")
    page = info.get("/pengaduan/catat").get_data(as_text=True)
    token = page.split('name="form_token" value="')[1].split('"')[0]
    received = page.split('name="received_at"')[1].split('value="')[1].split('"')[0]
    before = syncs(app)
    response = info.post("/pengaduan/catat", data={
        "form_token": token, "channel": "telepon", "received_at": received, "step": "baru", "desk_answer_id": "",
        "category_id": ComplaintCategory.select().first().id, "text": "Antrean KTP-el lama sekali."})
    assert response.status_code == 303
    assert info.get(response.headers["Location"]).status_code == 200
    assert syncs(app) - before == 1, app.layer.status()["syncs"]

"""A clerk's action costs one disk sync, the page it leads to included (issues 64 and 73).

On an office PC's spinning disk a sync takes 10-20 ms. The data folder here lives on the FUSE layer
of tests/support/fuse_power_cut.py, which tallies every real fsync by path: each action and the page
its redirect shows must sync once (the commit's WAL sync, WAL mode with synchronous=FULL). A slip's
survey code is issued in the write's own transaction (issue 64), and so is the view of the
application's page where a registration, a checklist and a status move lead (UU PDP:
`audit.record_view_ahead`); that page then writes no second row for that signed-in session and record
(`audit.record_page_view`). A page with no such write before it, or whose write was undone, still
records its own view. bench/slow_pc.py measures every clerk action so.
"""
import io
import shutil
from datetime import timedelta

import pytest
from flask import g

from app import create_app
from app.complaints.models import ComplaintCategory
from app.frame import audit
from app.frame.audit_event import AuditEvent
from app.frame.db import database
from app.frame.dates import utc_now
from app.registration.models import Application
from app.registration.status import ApplicationStatus as S
from app.survey.models import SurveyCode
from tests.conftest import CsrfClient, sign_in_as
from tests.support.factory import applicant_form, moved, photo_jpeg, ready_for_pickup, staff_user
from tests.support.fuse_power_cut import FuseCut, fuse_available
from tests.survey.test_kiosk import fresh_key, full_form

counted = pytest.mark.skipif(fuse_available() is not None, reason=f"no FUSE file system here: {fuse_available()}")


@pytest.fixture
def layer_app(tmp_path, set_up_office_folder):
    """The office's data folder on the counting layer, its connection open in the test (as `db`)."""
    backing, mount = tmp_path / "disk", tmp_path / "kantor"
    shutil.copytree(set_up_office_folder, backing)
    layer = FuseCut(backing, mount).start()
    app = create_app({"DATA_DIR": mount, "SECRET_KEY": "test-secret", "TESTING": True})
    app.test_client_class = CsrfClient
    app.layer = layer
    try:
        with app.app_context(), app.extensions["database"].connection_context():
            yield app
    finally:
        app.extensions["database"].close_all()
        layer.unmount()


def syncs(app) -> int:
    return sum(app.layer.status()["syncs"].values())


def signed_in(app, role, username=None):
    client = app.test_client()
    sign_in_as(client, staff_user(role, username=username))
    return client


@pytest.fixture
def clerk(layer_app):
    return signed_in(layer_app, "petugas_loket")


def views_of(application_id) -> int:
    return AuditEvent.select().where(AuditEvent.action == "lihat", AuditEvent.entity == "permohonan_ktp",
                                     AuditEvent.entity_id == str(application_id)).count()


def registered(clerk, nik="3508071205900001") -> int:
    response = clerk.post("/pendaftaran/baru", content_type="multipart/form-data", data=applicant_form(
        nik=nik, photo=(io.BytesIO(photo_jpeg()), "foto.jpg")))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def action_and_page(app, client, path, data, **sent):
    """The syncs of one POST and the page its redirect shows (what the clerk waits for), and that page."""
    before = syncs(app)
    response = client.post(path, data=data, **sent)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return syncs(app) - before, page.get_data(as_text=True)


# --- one sync each, its page included --------------------------------------------------------------

@counted
def test_a_registration_and_the_application_page_it_leads_to_sync_once(layer_app, clerk):
    made, page = action_and_page(layer_app, clerk, "/pendaftaran/baru", applicant_form(
        nik="3508071205900002", full_name="Sri Rahayu", photo=(io.BytesIO(photo_jpeg()), "foto.jpg")),
        content_type="multipart/form-data")
    assert made == 1, layer_app.layer.status()["syncs"]
    application = Application.get(Application.nik == "3508071205900002")
    assert application.registration_number in page
    assert views_of(application.id) == 1  # the page shown is recorded, once


@counted
def test_a_registration_and_its_receipt_sync_once(layer_app, clerk):
    before = syncs(layer_app)
    number = registered(clerk)
    assert clerk.get(f"/pendaftaran/{number}/bukti").status_code == 200
    assert syncs(layer_app) - before == 1, layer_app.layer.status()["syncs"]


@counted
def test_a_checklist_and_its_page_sync_once(layer_app, clerk):
    number = registered(clerk)
    before = views_of(number)
    made, page = action_and_page(layer_app, clerk, f"/pendaftaran/{number}/persyaratan", {"syarat": []})
    assert made == 1, layer_app.layer.status()["syncs"]
    assert "Berkas belum lengkap" in page and views_of(number) == before + 1


@counted
def test_a_status_move_and_its_page_sync_once(layer_app, clerk):
    number = registered(clerk)
    moved(number, S.COMPLETE, S.SENT, S.RECEIVED_BY_CENTER, S.PRINTED, S.SHIPPED)
    before = views_of(number)
    made, page = action_and_page(layer_app, clerk, f"/pendaftaran/{number}/status", {"to_status": S.READY.value})
    assert made == 1, layer_app.layer.status()["syncs"]
    assert Application.get_by_id(number).status == S.READY.value and views_of(number) == before + 1


@counted
def test_a_handover_and_its_receipt_sync_once(layer_app, clerk):
    number = registered(clerk)
    ready_for_pickup(number)
    made, receipt = action_and_page(layer_app, clerk, f"/pendaftaran/{number}/serah", {"collector": "pemohon"})
    assert made == 1, layer_app.layer.status()["syncs"]
    code = SurveyCode.get(SurveyCode.service == "penyerahan").code
    assert f"{code[:4]}-{code[4:]}" in receipt  # the slip still carries its code


@counted
def test_a_complaint_and_its_slip_sync_once(layer_app):
    info = signed_in(layer_app, "petugas_informasi")
    form = info.get("/pengaduan/catat").get_data(as_text=True)
    token = form.split('name="form_token" value="')[1].split('"')[0]
    received = form.split('name="received_at"')[1].split('value="')[1].split('"')[0]
    made, slip = action_and_page(layer_app, info, "/pengaduan/catat", {
        "form_token": token, "channel": "telepon", "received_at": received, "step": "baru", "desk_answer_id": "",
        "category_id": ComplaintCategory.select().first().id, "text": "Antrean KTP-el lama sekali."})
    assert made == 1, layer_app.layer.status()["syncs"]


@counted
def test_a_survey_answer_and_its_thanks_sync_once(layer_app):
    kiosk = layer_app.test_client()
    assert kiosk.post("/survei", data=full_form(fresh_key(kiosk))).status_code == 303  # the WAL made: its first sync
    form = full_form(fresh_key(kiosk))  # the next visitor
    made, thanks = action_and_page(layer_app, kiosk, "/survei", form)
    assert made == 1, layer_app.layer.status()["syncs"]


# --- the view stays recorded (UU PDP): the trust decisions, on the plain disk ------------------------

@pytest.fixture
def desk(app, db):
    return signed_in(app, "petugas_loket")


def test_a_page_with_no_write_before_it_records_each_view(desk):
    number = registered(desk)
    desk.get(f"/pendaftaran/{number}")  # the page the registration led to: its view is the write's
    shown = views_of(number)
    desk.get(f"/pendaftaran/{number}")  # the clerk presses F5: shown again, recorded again
    desk.get(f"/pendaftaran/{number}")
    assert (shown, views_of(number)) == (1, 3)


def test_the_write_s_view_spares_only_its_own_session_and_record(app, desk):
    number, other = registered(desk), registered(desk, nik="3508071205900003")
    colleague = signed_in(app, "petugas_loket", username="loket-dua")
    desk.post(f"/pendaftaran/{number}/persyaratan", data={"syarat": []})
    counts = views_of(number), views_of(other)
    colleague.get(f"/pendaftaran/{number}")  # another clerk's session: recorded
    desk.get(f"/pendaftaran/{other}")  # another record: recorded
    assert (views_of(number), views_of(other)) == (counts[0] + 1, counts[1] + 1)
    desk.get(f"/pendaftaran/{number}")  # the pass went with the other page: this one records again
    assert views_of(number) == counts[0] + 2


def test_a_view_the_write_recorded_but_undid_is_recorded_by_the_page(app, desk):
    number = registered(desk)
    with app.test_request_context():
        g.staff_session_id, g.user = 1, None
        with pytest.raises(RuntimeError), database.atomic():
            audit.record_view_ahead("permohonan_ktp", number, "Data permohonan dibuka")
            raise RuntimeError("the write failed after its view")
        before = views_of(number)
        audit.record_page_view("permohonan_ktp", number, "Data permohonan dibuka")
        assert views_of(number) == before + 1


def test_a_view_recorded_long_before_the_page_does_not_count_for_it(app, desk, monkeypatch):
    number = registered(desk)
    with app.test_request_context():
        g.staff_session_id, g.user = 1, None
        with database.atomic():
            audit.record_view_ahead("permohonan_ktp", number, "Data permohonan dibuka")
        later = utc_now() + audit.VIEW_AHEAD_FOR + timedelta(seconds=1)
        monkeypatch.setattr(audit, "utc_now", lambda: later)  # the page asked for after the pass's time
        before = views_of(number)
        audit.record_page_view("permohonan_ktp", number, "Data permohonan dibuka")
        assert views_of(number) == before + 1


@counted
def test_a_confidential_complaint_s_follow_up_and_its_page_sync_once(layer_app):
    from tests.support.factory import recorded_complaint
    kasi = signed_in(layer_app, "kasi_pelayanan")
    secret = recorded_complaint(text="Pungutan liar oleh oknum", is_confidential=True)
    page = kasi.get(f"/pengaduan/{secret.id}").get_data(as_text=True)  # its view: recorded by the page
    version = page.split('name="version_read" value="')[1].split('"')[0]
    viewed = AuditEvent.select().where(AuditEvent.action == "lihat", AuditEvent.entity == "pengaduan").count
    before = viewed()
    made, page = action_and_page(layer_app, kasi, f"/pengaduan/{secret.id}/status", {
        "to_status": "ditindaklanjuti", "tindak_lanjut": "Petugas dipanggil Camat.", "note": "",
        "version_read": version})
    assert made == 1, layer_app.layer.status()["syncs"]
    assert "Petugas dipanggil Camat." in page and viewed() == before + 1

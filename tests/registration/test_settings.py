"""The admin's KTP-el settings: service days, the background rule, the requirements per reason."""
from app.frame import store


def test_admin_changes_service_days_and_requirements(client_as, office):
    admin = client_as("admin")
    assert "Persyaratan per alasan" in admin.get("/admin/pendaftaran").get_data(as_text=True)
    response = admin.post("/admin/pendaftaran", data={
        "service_days": "10", "photo_background_rule": "1", "row_count": "2",
        "label_0": "Surat pengantar RT/RW", "code_0": "", "reasons_0": ["baru", "rusak"],
        "label_1": "", "code_1": ""})
    assert response.status_code == 302
    assert store.get("service_days") == 10 and store.get("photo_background_rule") is True
    assert store.get("requirements") == [{"code": "surat_pengantar_rt_rw", "label": "Surat pengantar RT/RW",
                                          "reasons": ["baru", "rusak"]}]


def test_bad_settings_are_refused(client_as, office):
    admin = client_as("admin")
    response = admin.post("/admin/pendaftaran", data={"service_days": "0", "row_count": "1",
                                                      "label_0": "<script>", "reasons_0": []})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "1 sampai 60" in text and "paling sedikit satu alasan" in text
    assert store.get("service_days") == 12


def test_service_days_setting_drives_the_promise(client_as, saved):
    from app.frame.db import database
    from app.registration.models import Application
    from app.registration.status import ApplicationStatus as S, transition
    from app.frame.office_calendar import office_calendar
    with database.atomic():
        store.put("service_days", 5)
    application = Application.get_by_id(saved)
    with database.atomic():
        transition(application, S.COMPLETE)
    assert office_calendar().working_days_between(application.completed_at, application.promised_date) == 5


def test_background_rule_warns_on_the_application_page(client_as, saved):
    import html
    import io
    from flask import g
    from app.frame.db import database
    from tests.support.factory import photo_jpeg
    with database.atomic():
        store.put("photo_background_rule", True)
    g.pop("settings", None)  # test requests share this app context, and its per-request settings cache
    loket = client_as("petugas_loket")
    # Born 1990 (even): blue expected; a red photo draws the warning.
    response = loket.post(f"/pendaftaran/{saved}/foto", data={"photo": (io.BytesIO(photo_jpeg(colour=(200, 20, 20))), "f.jpg")},
                          content_type="multipart/form-data", follow_redirects=True)
    assert "seharusnya biru" in html.unescape(response.get_data(as_text=True))


def test_absurd_row_count_and_unicode_digits_are_answered_calmly(client_as, office):
    admin = client_as("admin")
    response = admin.post("/admin/pendaftaran", data={"service_days": "²", "row_count": "99999999999999999999"})
    assert response.status_code == 422
    assert "1 sampai 60" in response.get_data(as_text=True)

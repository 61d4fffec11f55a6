"""The privacy walk of the public pages issue 28 added or feeds: every page of the center and of the
kecamatan that needs no login (from each one's access table), with the center's /cek asked for every
public record the office sent (a KTP-el number, complaints confidential or not, desa pre-registration
numbers) and for a wrong code, the kiosk's receipt (to its sender and to a stranger) and
/pengaduan/status for every complaint. None of them shows a name, NIK, KK, address, birth date,
phone number or confidential complaint text of the people the office holds: those of the office's
own privacy walk (tests/registration/test_privacy_policy.py) and everyone else in its database."""
import re
from datetime import datetime

import pytest

from app.frame.access import PUBLIC
from app.frame.dates import format_date
from app.frame.roles import INFORMASI, KASI
from sync.client import engine
from sync.client.transport import CenterClient
from tests.complaints.test_kiosk import kiosk_form, tracking_number_in
from tests.registration.conftest import client_as, loket, office, saved  # noqa: F401  (fixtures)
from tests.registration.test_privacy_policy import (CLEAR, confidential_complaint, edited, g_user,  # noqa: F401
                                                     pre_registrations)
from tests.sync.test_client import FlaskSession
from tests.support.factory import sync_link_row

PHONE = re.compile(r"[0-9+][0-9 ()-]{8,}")
KIOSK_NAME, KIOSK_PHONE = "Rahmat Hidayat", "0813-5555-6666"
KIOSK_SECRET, SECRET_FOLLOW_UP = "Oknum meminta uang rekam 4455", "Oknum 4455 sudah diperiksa Inspektorat"


def _personal_values() -> set[str]:
    """The privacy walk's values, and every person's fields in the office's database."""
    from app.complaints.models import Complaint
    from app.desa.models import PreRegistration
    from app.registration.models import Application
    values = {v for listed in CLEAR.values() for v in (listed if isinstance(listed, tuple) else (listed,))}
    for person in [*Application.select(), *PreRegistration.select()]:
        born = person.birth_date
        values |= {person.full_name, person.nik, person.kk_number, person.address, person.phone,
                   born.isoformat(), format_date(born), f"{born:%d-%m-%Y}", f"{born:%d/%m/%Y}"}
    for complaint in Complaint.select():
        values |= {complaint.complainant_name, complaint.complainant_contact}
        if complaint.is_confidential:
            values |= {complaint.text, complaint.tindak_lanjut}
    values |= {re.sub(r"\D", "", value) for value in values if PHONE.fullmatch(value)}  # as typed and as dialled
    return {value for value in values if value}


def _public_pages(app):
    """(endpoint, path) of each GET page a visitor reaches without login; `<tracking_number>` left in."""
    policy = app.extensions["policy"]
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.endpoint != "static" and policy.allowed(rule.endpoint) is PUBLIC \
                and not rule.endpoint.startswith("center_api."):  # signed by a PC's key, not a page
            assert set(rule.arguments) <= {"tracking_number"}, f"the walk cannot fill {rule.rule}: add it"
            yield rule.endpoint, rule.rule.replace("<tracking_number>", "{number}")


@pytest.fixture
def kiosk_complaint(app, office):
    """A visitor's confidential complaint at the kiosk, with name, phone and consent to one SMS."""
    from app.complaints.models import ComplaintCategory
    visitor = app.test_client()
    category = ComplaintCategory.get(ComplaintCategory.name == "Waktu tunggu")
    sent = visitor.post("/pengaduan/kios", follow_redirects=True, data=kiosk_form(
        category, text=KIOSK_SECRET, complainant_name=KIOSK_NAME, complainant_contact=KIOSK_PHONE,
        is_confidential="1", sms_consent="1"))
    assert sent.status_code == 200, sent.get_data(as_text=True)[:1500]
    return visitor, tracking_number_in(sent.get_data(as_text=True))


def test_no_public_page_of_the_center_or_the_office_shows_a_persons_data(
        enrolled, center_app, app, client_as, edited, pre_registrations, confidential_complaint,  # noqa: F811
        kiosk_complaint):
    from app.complaints import book
    from app.complaints.models import Complaint
    from app.frame.db import database
    from app.public_status.models import PublicStatus
    _, (key_id, secret) = enrolled
    visitor, kiosk_number = kiosk_complaint
    client_as(KASI)
    # A complaint that is not confidential: its follow-up is public, its sender is not.
    desk, _ = book.record_complaint({
        "channel": "meja_informasi", "category_id": Complaint.get_by_id(confidential_complaint).category_id,
        "complainant_name": "Dewi Lestari", "complainant_contact": "081299887766", "is_anonymous": False,
        "is_confidential": False, "registration_number": "", "text": "Papan antrean mati"}, user=g_user(INFORMASI))
    with database.atomic():
        for number, follow_up in ((desk.tracking_number, "Papan antrean sudah diperbaiki"),
                                  (kiosk_number, SECRET_FOLLOW_UP)):
            book.change_status(Complaint.get(Complaint.tracking_number == number), "selesai", g_user(KASI),
                               tindak_lanjut=follow_up)
        sync_link_row(key_id=key_id, secret=secret, enrolled_at=datetime(2026, 1, 1))
    with app.app_context():
        report = engine.sync_once(client=CenterClient("http://center", key_id, secret,
                                                      session=FlaskSession(center_app)))
    assert report.error == "" and report.published >= 6, report
    personal = _personal_values()
    assert {KIOSK_NAME, KIOSK_SECRET, SECRET_FOLLOW_UP, "Dewi Lestari", "Budi Santoso", "12 Mei 1990",
            "081355556666"} <= personal
    records = [(row.kind, row.number, row.check_code) for row in PublicStatus.select()]
    assert {kind for kind, _, _ in records} == {"ktp", "pgd", "pra"}
    complaints = [number for kind, number, _ in records if kind == "pgd"]
    stranger, walked = app.test_client(), []

    def walk(client, path, expected=(200,)):
        response = client.get(path)
        assert response.status_code in expected, (path, response.status_code)
        data = response.get_data()  # a page, or a file such as the office's certificate (issue 84): its bytes read too
        text = data.decode("utf-8", "replace")
        shown = sorted(value for value in personal if value.encode() in data)
        assert not shown, f"{path} shows {shown}"
        walked.append(path)
        return text

    # The center: its public pages, /cek for every record the office sent, and a wrong code.
    phone = center_app.test_client()
    for _, path in _public_pages(center_app):  # /cek's empty form among them
        walk(phone, path)
    for kind, number, code in records:
        found = walk(phone, f"/cek?n={number}&k={code}")
        assert "Terakhir diperbarui" in found and number in found
        if number == desk.tracking_number:
            assert "Papan antrean sudah diperbaiki" in found  # the walk reads the follow-up it must show
    walk(phone, f"/cek?n={records[0][1]}&k=ZZZZZZ", expected=(404,))

    # The office: every page without login; the kiosk's receipt to its sender (with the check code)
    # and to a stranger, and the status page for every complaint.
    for endpoint, path in _public_pages(app):
        if "{number}" in path:
            for number in complaints:
                walk(stranger, path.format(number=number))
            sender_copy = walk(visitor, path.format(number=kiosk_number))
            assert "Cek status dari HP" in sender_copy  # the slip with the check code was walked too
        elif endpoint == "complaints.public_status":
            for number in complaints:
                walk(stranger, f"{path}?nomor={number}")
            walk(stranger, f"{path}?nomor=PGD-ZZZZZZ", expected=(404,))
        else:
            walk(stranger, path, expected=(200, 302, 404))  # the letterhead's logo: 404 until one is uploaded
    assert len(walked) > 20

"""docs/privacy.md as a test: every GET page and export, for every role, shows a personal field in
clear only when app.privacy.SEES gives that role the field. A new page is walked automatically: the walk
reads the URL map, fills each argument with a record of its kind, and fails on an argument it cannot fill."""
import base64
import io
import re
import zipfile
from pathlib import Path

import pytest

from app.frame import privacy
from app.frame.guides import KANTOR, guides_of
from app.frame.roles import ADMIN, ALL_ROLES, CAMAT, DESA
from tests.support.factory import DARUNGAN, applicant_form, bound_to_desa, photo_jpeg, recorded_complaint


NIK, KK, PHONE = "3508071205900001", "3508070101100007", "0812-3456-7890"
FIRST_ADDRESS, EDITED_ADDRESS, RELIGION = "Dusun Krajan No. 5", "Dusun Baru No. 7", "Khonghucu"
# A desa's pre-registration that the counter accepted with changes: both sides of each change.
PRE_NIK, PRE_KK, COUNTER_KK = "3508071306880003", "3508070202200009", "3508070303300008"
PRE_PHONE, COUNTER_PHONE = "0813-1111-2222", "0813-3333-4444"
PRE_ADDRESS, COUNTER_ADDRESS = "Dusun Lor Gang 3", "Dusun Kidul Gang 4"
WAITING_NIK, WAITING_ADDRESS = "3508074107950004", "Dusun Wetan Gang 8"
# The desa's free-text note and the counter's, and why the NIK disagrees (issue 42, finding 10).
PRE_NOTE, COUNTER_NOTE = "Pemohon tuna rungu 4471", "Didampingi ibu kandung 5582"
PRE_MISMATCH, COUNTER_MISMATCH = "Tanggal di akta beda 3381", "Salah cetak di KK lama 6693"
CLEAR = {"nik": (NIK, PRE_NIK, WAITING_NIK), "kk_number": (KK, PRE_KK, COUNTER_KK),
         "phone": (PHONE, PRE_PHONE, COUNTER_PHONE, "081311112222", "081333334444"),  # as typed and as stored
         "address": (FIRST_ADDRESS, EDITED_ADDRESS, PRE_ADDRESS, COUNTER_ADDRESS, WAITING_ADDRESS),
         "religion": RELIGION, "applicant_notes": (PRE_NOTE, COUNTER_NOTE, PRE_MISMATCH, COUNTER_MISMATCH)}
# A confidential complaint: who wrote it and what it says.
CONTACT, SECRET_TEXT = "0857-9999-1111", "Pungutan liar di loket rekam 7788"
CLEAR.update({"complainant_contact": (CONTACT, "085799991111"), "confidential_text": SECRET_TEXT})
OFFICE_GUIDES = [each.key for each in guides_of(KANTOR)]
# Path arguments that name no record the walk can make; each says why the page is left out.
NOT_WALKED = {
    "name": "a backup file (admin only; its bytes are encrypted, tests/security)",
    "folder": "a USB batch file (admin only; tests/sync)",
    "tracking_number": "the kiosk's receipt of its own complaint (no login, tests/complaints)",
}


def _readable(body: bytes) -> str:
    """The text a reader gets: an XLSX export is a zip, so its XML parts are read, not its bytes."""
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as sheet:
            return "\n".join(sheet.read(name).decode("utf-8", "replace") for name in sheet.namelist())
    return body.decode("utf-8", "replace")


def _pages(app, records: dict):
    """Every GET route, each argument filled with a record of its kind (`records`, by argument name;
    another id falls back to the application, and answers 404 where it is no such record)."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        args = {}
        for name, converter in rule._converters.items():
            if name in records:
                args[name] = records[name]
            elif type(converter).__name__ in ("BoundedIntConverter", "IntegerConverter"):
                args[name] = records["application_id"]
            elif name == "kind":
                args[name] = "csv"
            elif name == "key":  # every office guide, each with its quick reference (issue 74)
                args[name] = OFFICE_GUIDES[0]
            else:
                assert name in NOT_WALKED, f"the privacy walk cannot fill <{name}> of {rule.rule}: add it"
                break
        else:
            path = re.sub(r"<(?:[a-z]+:)?(\w+)>", lambda m: str(args[m.group(1)]), rule.rule)
            yield rule.endpoint, path
            for other in OFFICE_GUIDES[1:] if "key" in args else ():
                yield rule.endpoint, re.sub(r"<(?:[a-z]+:)?(\w+)>", lambda m: other if m.group(1) == "key"
                                            else str(args[m.group(1)]), rule.rule)
            if rule.endpoint == "registration.export":
                yield rule.endpoint, path + "?format=csv"
            if rule.endpoint == "desa.queue":
                yield rule.endpoint, path + "?desa=" + DARUNGAN


@pytest.fixture
def edited(loket, saved):
    """An application whose NIK-bearing fields went through an edit (so the audit trail holds them)."""
    form = applicant_form(phone="0812-3456-7891", address=EDITED_ADDRESS, religion=RELIGION)
    assert loket.post(f"/pendaftaran/{saved}/ubah", data=form, content_type="multipart/form-data").status_code == 302
    assert loket.post(f"/pendaftaran/{saved}/foto", data={"photo": (io.BytesIO(photo_jpeg()), "foto.jpg")},
                      content_type="multipart/form-data").status_code < 400
    loket.get(f"/pendaftaran/{saved}")
    return saved


@pytest.fixture
def pre_registrations(client_as, loket, edited):
    """Issue 24: a desa's pre-registration accepted at the counter with changed fields (the detail page
    shows both sides), and one still waiting in the queue."""
    from app.desa.models import PreRegistration
    desa = client_as(DESA)
    bound_to_desa(g_user(DESA), DARUNGAN)
    typed = applicant_form(nik=PRE_NIK, full_name="Joko Susilo", birth_date="1988-06-14", kk_number=PRE_KK,
                       phone=PRE_PHONE, address=PRE_ADDRESS, religion=RELIGION, notes=PRE_NOTE,
                       mismatch_reason=PRE_MISMATCH)  # the NIK says the 13th
    assert desa.post("/desa/pra-pendaftaran/baru", data=typed, content_type="multipart/form-data").status_code == 302
    pre = PreRegistration.get(PreRegistration.nik == PRE_NIK)
    changed = dict(typed, rt=pre.rt, rw=pre.rw, kk_number=COUNTER_KK, phone=COUNTER_PHONE, address=COUNTER_ADDRESS,
                   religion="Islam", notes=COUNTER_NOTE, mismatch_reason=COUNTER_MISMATCH)
    response = loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=changed, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    waiting = applicant_form(nik=WAITING_NIK, full_name="Sri Wahyuni", sex="P", birth_date="1995-07-01",
                         address=WAITING_ADDRESS)
    assert desa.post("/desa/pra-pendaftaran/baru", data=waiting, content_type="multipart/form-data").status_code == 302
    return pre.id


def g_user(role):
    from app.auth.models import User
    return User.get(User.username == role.replace("_", "-"))


@pytest.fixture
def confidential_complaint(client_as):
    from app.complaints.models import ComplaintCategory
    from app.frame.roles import INFORMASI
    client_as(INFORMASI)
    return recorded_complaint(ComplaintCategory.select().first().id, user=g_user(INFORMASI), complainant_contact=CONTACT,
                              is_confidential=True, text=SECRET_TEXT).id


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_page_and_export_follows_the_policy_table(app, client_as, loket, edited, pre_registrations,
                                                        confidential_complaint, role):
    photo = loket.get(f"/pendaftaran/{edited}/foto.jpg").get_data()
    assert photo[:2] == b"\xff\xd8"  # the walk looks for real photo bytes
    photo_marks = (photo[-120:-56], base64.b64encode(photo[-240:-192]))  # raw or embedded as base64
    photo_url = f"/pendaftaran/{edited}/foto"
    counter_view = loket.get(f"/pendaftaran/{edited}").get_data(as_text=True)
    assert EDITED_ADDRESS in counter_view and RELIGION in counter_view and photo_url in counter_view
    accepted_view = loket.get(f"/desa/pra-pendaftaran/{pre_registrations}").get_data(as_text=True)
    assert "Diubah di loket" in accepted_view and PRE_ADDRESS in accepted_view and COUNTER_KK in accepted_view
    assert all(note in accepted_view for note in (PRE_NOTE, COUNTER_NOTE, PRE_MISMATCH, COUNTER_MISMATCH))
    assert WAITING_NIK in loket.get(f"/pra-pendaftaran?desa={DARUNGAN}").get_data(as_text=True)
    desk_view = client_as("petugas_informasi").get(f"/pengaduan/{confidential_complaint}").get_data(as_text=True)
    assert SECRET_TEXT in desk_view and CONTACT.replace("-", "") in desk_view.replace("-", "")
    client = client_as(role)
    checked = 0
    for endpoint, path in _pages(app, {"application_id": edited, "pre_id": pre_registrations,
                                       "user_id": g_user(role).id, "complaint_id": confidential_complaint}):
        response = client.get(path)
        assert response.status_code < 500, (endpoint, path, response.status_code)
        body = response.get_data()
        text = _readable(body)
        for field, values in CLEAR.items():
            if not privacy.may_see(field, role):
                for value in (values if isinstance(values, tuple) else (values,)):
                    assert value not in text, f"{role} reads {field} in clear on {path}"
        if not privacy.may_see("photo", role):
            assert photo_url not in text, f"{role} is shown the photo link on {path}"
            assert not any(mark in body or mark.decode("latin-1") in text for mark in photo_marks), \
                f"{role} receives the photo on {path}"
        checked += 1
    assert checked > 40  # the walk reached the app's pages, not an empty map


def test_the_counter_reads_nik_and_the_admin_and_camat_do_not(client_as, saved):
    assert NIK in client_as("petugas_loket").get(f"/pendaftaran/{saved}").get_data(as_text=True)
    for role in (ADMIN, CAMAT):
        assert client_as(role).get(f"/pendaftaran/{saved}").status_code == 403
        assert client_as(role).get(f"/pendaftaran/{saved}/foto.jpg").status_code == 403
        assert client_as(role).get("/pendaftaran/ekspor?format=csv").status_code == 403


def test_masked_forms():
    assert privacy.mask("nik", NIK) == "3508•••••••••001"
    assert privacy.mask("kk_number", KK) == "3508•••••••••007"
    assert privacy.shown(NIK, "nik", CAMAT) == "3508•••••••••001"
    assert privacy.shown(NIK, "nik", "petugas_loket") == NIK
    assert NIK not in str(privacy.for_audit({"nik": NIK, "status": "diterima"}))


def test_a_phone_shows_its_first_four_and_last_two_digits_as_docs_privacy_says():
    """Issue 61, finding 6: a mask showing the last four digits passed every test; docs/privacy.md shows
    `0812••••••90` for a phone and a complainant's contact, in pages and in the audit trail."""
    documented = (Path(__file__).parents[2] / "docs" / "privacy.md").read_text(encoding="utf-8")
    assert "| Nomor HP, kontak | `0812••••••90` |" in documented
    for field in ("phone", "complainant_contact"):
        assert privacy.mask(field, "081234567890") == "0812••••••90"
        assert privacy.mask(field, "0812345690") == "0812••••90"
        assert privacy.mask(field, "+6281234567890") == "+628••••••••90"
        assert privacy.mask(field, "08123") == "•••"  # too short to keep any digit
    assert privacy.for_audit({"phone": "081398765422"}) == {"phone": "0813••••••22"}


def test_the_admin_reads_no_applicant_note_in_the_changed_at_the_counter_block(client_as, pre_registrations):
    """Issue 42, finding 10: the office admin read the desa's free-text note and the NIK-mismatch reason
    in clear in the "changed at the counter" block; docs/privacy.md: free text about a person, •••."""
    notes = (PRE_NOTE, COUNTER_NOTE, PRE_MISMATCH, COUNTER_MISMATCH)
    page = client_as(ADMIN).get(f"/desa/pra-pendaftaran/{pre_registrations}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Diubah di loket" in text and "Catatan" in text  # the change is named, its words are not
    assert not any(note in text for note in notes), "the admin reads a note about the applicant"
    assert not privacy.may_see("applicant_notes", ADMIN) and not privacy.may_see("applicant_notes", CAMAT)
    for role in ("petugas_loket", "kasi_pelayanan", DESA):
        assert privacy.may_see("applicant_notes", role)

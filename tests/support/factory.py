"""The one module that builds test data (issue 63; CTFd keeps one factory too): one builder per record kind.

Tests ask here for a person, a counter form, an application, a photo, a complaint, a survey answer, a staff
account, a desa operator, an office day, a kecamatan of the center, the office's link to the center;
tests/core/test_one_factory.py fails when a test module elsewhere defines a builder that writes one of these
tables itself (for the kecamatan and the link, when anything there writes one, a test's own steps too).
Builders write into the open database (the caller holds the app's context); `*_form` builders write nothing.
The long defaults are the demo's real long names (app/registration/demo.py), so a page or print sees them at
the length the counter meets.
"""
import hashlib
import io
import uuid
from datetime import date, datetime

DARUNGAN = "35.08.07.2001"  # the first desa of Kecamatan Yosowilangun (35.08.07), the tests' office
KRATON = "35.08.07.2002"
WOTGALIH = "35.08.07.2003"
KK_NUMBER = "3508070101900001"


# ---------------------------------------------------------------- people and photos

def person_name(n: int) -> str:
    """'Warga Nomor B', 'Warga Nomor Bc', ...: a distinct name per n that the counter's rules accept."""
    letters = ""
    while True:
        n, rest = divmod(n, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[rest] + letters
        if n == 0:
            return "Warga Nomor " + letters.capitalize()


def person_nik(n: int, region: str = "350807") -> str:
    """Person n's NIK, first issued in kecamatan `region` (6 digits): people of different kecamatan
    differ, so the center's one card in the making per NIK holds for each of them."""
    return f"{region}{(n % 28) + 1:02d}{(n % 12) + 1:02d}90{n % 10000:04d}"[:16]


def photo_jpeg(size=(600, 800), colour=(30, 70, 190), quality: int = 75) -> bytes:
    """A plain portrait-sized JPEG on the blue background the photo rules accept."""
    out = io.BytesIO()
    from PIL import Image
    Image.new("RGB", size, colour).save(out, "JPEG", quality=quality)
    return out.getvalue()


def numbered_photo_jpeg(n: int, size=(120, 160)) -> bytes:
    """A small JPEG whose colour (and hash) differs with n: a distinct photo per wire record."""
    return photo_jpeg(size, ((n * 37) % 256, (n * 91) % 256, 180), quality=70)


def noisy_photo_jpeg(n: int, size=(240, 320)) -> bytes:
    """A JPEG of noise that differs with n: compresses like a real photo (a sync's bytes are real)."""
    from PIL import Image
    out = io.BytesIO()
    Image.effect_noise(size, 40 + n % 20).convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


# ---------------------------------------------------------------- the counter's applications

def applicant_form(**changes) -> dict:
    """The KTP-el counter form of a man born 12 May 1990 whose NIK agrees with his birth date and sex."""
    form = {"nik": "3508071205900001", "kk_number": "3508070101100007", "full_name": "Budi Santoso",
            "birth_place": "Lumajang", "birth_date": "1990-05-12", "sex": "L", "address": "Dusun Krajan No. 5",
            "rt": "2", "rw": "1", "desa": "Darungan", "religion": "Islam", "marital_status": "Kawin",
            "occupation": "Petani/Pekebun", "phone": "0812-3456-7890", "reason": "rusak", "biometric_done": "1",
            "notes": "", "mismatch_reason": ""}
    form.update(changes)
    return form


def long_applicant_form(**changes) -> dict:
    """applicant_form of a woman with the demo's real long name, birth place and address (what a print or a
    narrow page must hold at the length the counter meets)."""
    from app.registration.demo import LONG_ADDRESSES, LONG_PLACES, LONG_WOMEN
    return applicant_form(**{"nik": "3508074107950003", "sex": "P", "birth_date": "1995-07-01",
                             "marital_status": "Belum Kawin", "full_name": LONG_WOMEN[1],
                             "birth_place": LONG_PLACES[0], "address": LONG_ADDRESSES[0], **changes})


def checked_applicant(**changes) -> dict:
    """applicant_form(**changes) as the counter's rules clean it (each way in checks it so); fails on a refusal."""
    from app.frame.places import desa_list
    from app.registration import intake
    from app.registration.service_time import office_today
    clean, errors, _ = intake.validate_application(applicant_form(**changes), desa_list(), office_today())
    assert not errors, errors
    return clean


def application_row(number: int, created_at: datetime, status="diterima", promised_date=None, handed_over_at=None,
                    **fields):
    """An application written straight into its table (no status walk, no audit): for figures and indicators."""
    from app.registration.models import Application
    values = dict(
        registration_number=f"3508070100{number:06d}", nik=f"35080701019{number:05d}", kk_number=KK_NUMBER,
        full_name=f"Warga {number}", birth_place="Lumajang", birth_date=date(1990, 1, 1), sex="L", address="Jl. Mawar",
        rt="001", rw="002", desa_code=DARUNGAN, religion="Islam", marital_status="Kawin", occupation="Petani",
        reason="baru", status=status, promised_date=promised_date, handed_over_at=handed_over_at,
        created_at=created_at, updated_at=created_at)
    values.update(fields)
    return Application.create(**values)


def application_photo_row(application, jpeg: bytes, size, uploaded_at: datetime):
    """The application's pas foto written straight into its table (red background, as the counter stores it)."""
    from app.registration.models import ApplicationPhoto
    return ApplicationPhoto.create(application=application, jpeg=jpeg, sha256=hashlib.sha256(jpeg).hexdigest(),
                                   width=size[0], height=size[1], background="merah", uploaded_at=uploaded_at)


def status_event(application, to_status: str, at: datetime, from_status="diterima"):
    """A line of the application's timeline written straight into its table (its status is left as it is)."""
    from app.registration.models import StatusEvent
    return StatusEvent.create(application=application, from_status=from_status, to_status=to_status, at=at,
                              username="loket")


def returned_event(application, at: datetime):
    """The timeline's record that the file went back to the applicant incomplete."""
    return status_event(application, "dikembalikan", at)


def moved(application_id: int, *steps, note=""):
    """The application walked through `steps` (ApplicationStatus) in one transaction; read back."""
    from app.frame.db import database
    from app.registration.models import Application
    from app.registration.status import transition
    application = Application.get_by_id(application_id)
    with database.atomic():
        for step in steps:
            transition(application, step, note=note)
    return Application.get_by_id(application_id)


def ready_for_pickup(application_id: int):
    """The application walked from received to ready at the counter (complete, sent, printed, shipped)."""
    from app.registration.status import ApplicationStatus as S
    return moved(application_id, S.COMPLETE, S.SENT, S.RECEIVED_BY_CENTER, S.PRINTED, S.SHIPPED, S.READY)


# ---------------------------------------------------------------- complaints and survey answers

def complaint_category(name="KTP-el"):
    from app.complaints.models import ComplaintCategory
    return ComplaintCategory.get_or_create(name=name)[0]


def complaint_row(received_at: datetime, channel="meja_informasi", category_name="KTP-el", status="baru",
                  first_response_at=None, followed_up_at=None, created_at=None, **fields):
    """A complaint written straight into its table; `received_at` etc. are naive UTC, as stored."""
    from app.complaints.models import Complaint
    return Complaint.create(
        tracking_number=f"PGD-{uuid.uuid4().hex[:8].upper()}", received_at=received_at, channel=channel,
        category=complaint_category(category_name), text=fields.pop("text", "Antrean terlalu lama"), status=status,
        first_response_at=first_response_at, followed_up_at=followed_up_at,
        created_at=created_at or received_at, updated_at=created_at or received_at, **fields)


def complaint_form(category_id: int | None = None, **changes) -> dict:
    """What the desk's form gives the book for one complaint (a named complainant at the information desk; the
    category "Waktu tunggu" of the migration unless told)."""
    if category_id is None:
        from app.complaints.models import ComplaintCategory
        category_id = ComplaintCategory.get(ComplaintCategory.name == "Waktu tunggu").id
    values = {"channel": "meja_informasi", "category_id": category_id, "complainant_name": "Sri Wahyuni",
              "complainant_contact": "081234567890", "is_anonymous": False, "is_confidential": False,
              "registration_number": "", "text": "Antrean perekaman sangat lama"}
    values.update(changes)
    return values


def recorded_complaint(category_id: int | None = None, user=None, **fields):
    """A complaint stored as the desk stores it (the book: timeline, tracking number, audit)."""
    from app.complaints import book
    extra = {k: fields.pop(k) for k in list(fields) if k in ("received_at", "status", "tindak_lanjut",
                                                             "answered_from_desk_info", "submission_token")}
    complaint, _ = book.record_complaint(complaint_form(category_id, **fields), user=user, **extra)
    return complaint


def box_opening(opened_on: date, created_at: datetime, slip_count=0):
    """The suggestion box opened on `opened_on`: empty, or with `slip_count` slips."""
    from app.complaints.models import SuggestionBoxSession
    return SuggestionBoxSession.create(opened_on=opened_on, created_at=created_at, slip_count=slip_count,
                                       is_empty=not slip_count)


def survey_response(submitted_at: datetime, scores, **fields):
    """One IKM survey answer: `scores` per element, or one score for every element (none: {})."""
    from app.survey.elements import ELEMENT_KEYS
    from app.survey.models import SurveyAnswer, SurveyResponse
    if isinstance(scores, int):
        scores = dict.fromkeys(ELEMENT_KEYS, scores)
    values = {"submission_key": uuid.uuid4().hex, "submitted_at": submitted_at, "address": "x", **fields}
    response = SurveyResponse.create(**values)
    for key, score in scores.items():
        SurveyAnswer.create(response=response, element=key, score=score)
    return response


# ---------------------------------------------------------------- the office: accounts and days

def staff_user(role: str, username: str | None = None, full_name: str | None = None, password: str | None = None):
    """An active staff account. Without a password it has none to log in with (hashing is slow): sign it in
    with tests.conftest.sign_in_as. With one it is made as the admin's page makes it (hash, audit)."""
    username = username or role.replace("_", "-")
    full_name = full_name or f"Pegawai {role}"
    if password is not None:
        from app.auth.accounts import create_user
        return create_user(username, full_name, role, password=password, must_change_password=False)[0]
    from app.auth.models import User
    from app.frame.dates import utc_now
    return User.create(username=username, full_name=full_name, role=role, password_hash="-",
                       must_change_password=False, is_active=True, created_at=utc_now())


def bound_to_desa(user, *codes):
    """`user` (a desa operator) may act for the desa `codes`; a binding already there stays."""
    from app.desa.models import UserDesa
    for code in codes:
        UserDesa.insert(user=user, desa_code=code).on_conflict_ignore().execute()
    return user


def desa_operator(username="kaur.darungan", full_name="Kaur Umum", codes=(DARUNGAN,), password: str | None = None):
    """A desa operator bound to `codes` (Darungan); the account of that username when it exists."""
    from app.auth.models import User
    user = User.get_or_none(User.username == username) or staff_user("operator_desa", username, full_name, password)
    return bound_to_desa(user, *codes)


def closed_day(day: date, name="Rapat", created_at: datetime | None = None):
    """A day the admin closed the office on (the calendar's generation moves, as the admin's page moves it)."""
    from app.frame.dates import utc_now
    from app.frame.db import database
    from app.frame.office_calendar import CLOSED, OfficeDay, bump_generation
    with database.atomic():
        row = OfficeDay.create(day=day, kind=CLOSED, name=name, created_by="admin", created_at=created_at or utc_now())
        bump_generation(day)
    return row


# ---------------------------------------------------------------- the regency's center and the office's link to it

def kecamatan_row(code="35.08.07", name="Yosowilangun", **fields):
    """A kecamatan of the regency written straight into the center's table (no enrolment code, no key yet);
    its digits are its code's, as the center's admin page makes them."""
    from app.frame.dates import utc_now
    from sync.center.models import Kecamatan
    values = {"code": code, "digits": code.replace(".", ""), "name": name, "created_at": utc_now()}
    values.update(fields)
    return Kecamatan.create(**values)


def sync_link_row(key_id="350807-x", secret="s", center_url="http://center", kecamatan_code="35.08.07", **fields):
    """This office PC's enrolment with the center written straight into its table (enrolled now unless told);
    the key works only when the center issued it (enrol there first)."""
    from app.frame.dates import utc_now
    from sync.client.models import SyncLink
    values = {"center_url": center_url, "kecamatan_code": kecamatan_code, "key_id": key_id, "secret": secret,
              "enrolled_at": utc_now()}
    values.update(fields)
    return SyncLink.create(**values)

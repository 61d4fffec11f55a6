"""The desa capability's writes, each whole or nothing with its audit row: pre-registrations (entry at the
desa, a scanned form refused, acceptance at the counter) and the admin's (the operators' desa, a desa PC's
code and its link to the center, the validity setting). The pages only read forms and call these.

The form rules are the counter's own (app/frame/person_rules.py); this module adds only what
is new for the desa: scope, one open pre-registration per NIK, expiry, the differences the counter
made. Both office programs use it, so it imports nothing of the counter: the counter's own checks
reach it through the kecamatan's `Side` (app/desa/views.py), and its acceptance is
app/desa/acceptance.py (kecamatan only).
"""
from datetime import date, datetime, timedelta, timezone

from flask import current_app, g
from peewee import SQL, fn

from app.auth import accounts
from app.frame import person_rules
from app.frame.office_calendar import office_calendar
from app.frame import audit, dates, installation, statements
from app.frame.db import database
from app.frame.fingerprint_text import without_fingerprints
from app.frame import reactions
from app.frame.roles import DESA
from app.desa.models import PreRegistration, UserDesa
from app.desa.qr import CARRIED_FIELDS
from app.desa.relay_records import REFUSED, REFUSED_BY_CENTER, relay_label
from app.desa.scope import desa_codes_of
from app.frame import numbering
from app.frame.applicant_photo import OUTPUT_HEIGHT, OUTPUT_WIDTH, NormalisedPhoto
from app.frame import store
from app.frame.audit_rule import act
from sync import protocol

# Validity in working days (two working weeks), so a holiday or cuti bersama never eats it.
store.register_defaults(pre_registration_days=10, desa_pc_number="")
# A desa laptop's clock may run ahead (a PC set to UTC shows WIB hours as UTC: 7-9 hours); beyond half a day, a
# form's date is not believed: it would stretch its validity and hold the NIK until then.
CLOCK_TOLERANCE = timedelta(hours=12)
FIELD_LABELS = {
    "nik": "NIK", "kk_number": "Nomor KK", "full_name": "Nama lengkap", "birth_place": "Tempat lahir",
    "birth_date": "Tanggal lahir", "sex": "Jenis kelamin", "address": "Alamat", "rt": "RT", "rw": "RW",
    "desa_code": "Desa/kelurahan", "religion": "Agama", "marital_status": "Status perkawinan",
    "occupation": "Pekerjaan", "phone": "No. HP", "reason": "Alasan permohonan",
    "biometric_done": "Perekaman biometrik", "notes": "Catatan", "mismatch_reason": "Alasan NIK tidak cocok",
    "photo": "Foto",
}


_changes = reactions.pre_registration_changed


def add_change_listener(fn) -> None:
    """fn(pre, created=False) runs inside the transaction of every change of a pre-registration that a
    phone may follow: its entry here, its acceptance at the counter, a status the relay brought back.
    The public status (app/public_status) subscribes: the F-1.07's code is followed from a phone (issue 28)."""
    _changes.add(fn)


def announce_change(pre, created: bool = False) -> None:
    _changes.announce(pre, created=created)


class Refused(ValueError):
    """A pre-registration the rules refuse; `field` names the form field, str() is Indonesian."""

    def __init__(self, message: str, field: str = "_form"):
        super().__init__(message)
        self.field = field


def today() -> date:
    return dates.local_today(store.get("timezone"))


def is_expired(pre: PreRegistration, on: date | None = None) -> bool:
    return pre.status == PreRegistration.WAITING and pre.expires_on < (on or today())


def status_label(pre: PreRegistration, on: date | None = None) -> str:
    if pre.relay_status:  # a relayed form: what the center or the kecamatan said last
        return relay_label(pre.relay_status)
    if pre.status == PreRegistration.ACCEPTED:
        return "Diterima di loket"
    if is_expired(pre, on):
        return "Kedaluwarsa"
    return "Menunggu ke kecamatan"


def refusal_reason(pre: PreRegistration) -> str:
    """Why the center or the kecamatan refused a relayed form (their words, in Indonesian, with no root
    fingerprint to type: app/frame/fingerprint_text.py), or ""."""
    return without_fingerprints(pre.relay_note) if pre.relay_status in (REFUSED, REFUSED_BY_CENTER) else ""


def expiry_for(entered_day: date) -> date:
    """Last day a pre-registration entered on `entered_day` can be accepted: the setting's number of
    working days after it, on the office calendar (the entered day itself does not count)."""
    return office_calendar().add_working_days(entered_day, int(store.get("pre_registration_days")))


def open_with_nik(nik: str, on: date | None = None):
    """The unexpired pre-registration still waiting for this NIK, if any."""
    return (PreRegistration.select().where((PreRegistration.nik == nik) & (PreRegistration.status == PreRegistration.WAITING)
                                           & (PreRegistration.expires_on >= (on or today()))).first())


# A desa sees its own villagers only: whatever holds a NIK in another desa (a waiting form, a running
# application, a card already handed over) is refused with these same words, at the page and through
# the relay, so the refusal tells a desa nothing about another desa's people (docs/privacy.md).
OUTSIDE_DESA_SCOPE = ("NIK ini tidak dapat dipra-daftarkan dari desa ini. Minta pemohon datang langsung ke loket "
                      "kecamatan: petugas loket memeriksa NIK-nya di sana.")


def refuse_duplicates(nik: str, exclude_id: int | None = None, reason: str | None = None,
                      scope_desa: str | None = None) -> None:
    """A NIK already pre-registered (unexpired) or with an application still running is refused.
    `scope_desa`: the asker sees only this desa (an operator desa, a form relayed from a desa PC)."""
    waiting = open_with_nik(nik)
    if waiting is not None and waiting.id != exclude_id:
        if scope_desa and waiting.desa_code != scope_desa:
            raise Refused(OUTSIDE_DESA_SCOPE, "nik")
        raise Refused(f"NIK ini sudah dipra-daftarkan ({waiting.number}, berlaku sampai "
                      f"{dates.format_date(waiting.expires_on)}). Tidak perlu didaftarkan lagi.", "nik")
    # What else holds a NIK: the counter's applications, at the kecamatan (a desa PC has none).
    if refusal := current_app.extensions["desa_side"].duplicate_check(nik, reason, scope_desa):
        raise Refused(refusal, "nik")


def desa_scope(user, source: str, desa_code: str) -> str | None:
    """The desa a new form's sender is limited to: a relayed form's, an operator desa's; None for the counter."""
    from app.desa.scope import scope_of
    if source == "relay" or scope_of(user) is not None:
        return desa_code
    return None


def own_device() -> str:
    """The device part of the numbers this PC makes: 'D3' on a desa PC; at a counter PC the code the
    center issued it ('P3'), as registration numbers use, else LOKET_DEVICE_ID ('01'): two counter
    PCs of one kecamatan never number a desa form alike."""
    return (store.get("desa_pc_number") or installation.identity(database)[0]
            or current_app.config["DEVICE_ID"])


def number_prefix(desa_code: str) -> str:
    """'PRA-3508072001-01': the desa and the PC that numbered it, so numbers never collide offline."""
    try:
        return protocol.pre_registration_number(desa_code.replace(".", ""), own_device(), 1).rpartition("-")[0]
    except ValueError:  # a desa PC enrolled by an older kecamatan after a restore ('D1000001')
        raise Refused(f"Nomor komputer ini ({own_device()[:20]}) tidak diterima pusat, jadi pra-pendaftaran tidak "
                      "dapat diberi nomor. Minta kode pendaftaran baru kepada admin kecamatan, lalu daftarkan ulang "
                      "komputer ini di halaman Operator Desa.") from None


def next_number(desa_code: str) -> str:
    """This PC's next number, in the one format the center takes (sync/protocol.py); one a scanned form took
    before its series was checked is passed over. Call inside the transaction that stores the form."""
    refusal = current_app.extensions["desa_side"].number_refusal()  # a counter PC holding another PC's backup
    if refusal:
        raise Refused(refusal)
    prefix = number_prefix(desa_code)
    while True:
        try:
            number = protocol.pre_registration_number(desa_code.replace(".", ""), own_device(),
                                                      numbering.reserve(prefix, 1))
        except ValueError:  # a sequence past 9 digits: about a thousand restores of this PC
            raise Refused("Nomor pra-pendaftaran komputer ini sudah habis; hubungi pengelola aplikasi.") from None
        if not PreRegistration.select().where(PreRegistration.number == number).exists():
            return number


def foreign_number_problem(number: str, desa_code: str) -> str | None:
    """Why a number made on another PC (a scanned QR, the relay) cannot be held here, or None: it must be in
    the center's format, of the form's own desa, and of a desa PC's series, never this kecamatan's own."""
    found = protocol.PRE_REGISTRATION_NUMBER.fullmatch(number)
    if found is None or found.group(1) != desa_code.replace(".", ""):
        return f"Nomor pra-pendaftaran {number[:40]} tidak sah untuk desa formulir ini."
    device = found.group(2)
    if not protocol.DESA_PC_CODE.fullmatch(device) or device == current_app.config["DEVICE_ID"]:
        return (f"Nomor {number} bukan nomor komputer desa (seri {device} milik loket kecamatan). "
                "Formulir ditolak; isi pra-pendaftaran di loket.")
    return None


def entered_at_problem(entered_at: datetime, now: datetime | None = None) -> str | None:
    """A form's date must be plausible: not ahead of the clock beyond CLOCK_TOLERANCE, not past its validity."""
    now = now or dates.utc_now()
    if entered_at > now + CLOCK_TOLERANCE:
        return (f"Tanggal pengisian formulir ({dates.format_date(entered_at)}) ada di masa depan: jam komputer desa "
                "salah. Formulir ditolak; betulkan tanggal di komputer desa lalu cetak ulang, atau isi di loket.")
    days = int(store.get("pre_registration_days"))
    entered_day = dates.to_local(entered_at, store.get("timezone")).date()
    if expiry_for(entered_day) < today():
        return (f"Formulir diisi {dates.format_date(entered_at)}, sudah lewat masa berlaku {days} hari kerja. "
                "Formulir ditolak; daftarkan pemohon langsung di loket.")
    return None


@act("buat")
def create_pre_registration(clean: dict, photo=None, *, user=None, source: str = "desa",
                            entered_by_name: str | None = None, entered_at=None, number: str | None = None,
                            relay: dict | None = None) -> PreRegistration:
    """Store a checked form (intake.validate_application's clean values) as a waiting pre-registration
    (`relay`: its relay_hash and relay_version, when the center brought it)."""
    user = user if user is not None else g.get("user")
    entered_at = entered_at or dates.utc_now()
    entered_day = dates.to_local(entered_at, store.get("timezone")).date()
    with database.atomic():
        refuse_duplicates(clean["nik"], reason=clean["reason"],  # inside the write lock: two desa saving at once cannot both pass
                          scope_desa=desa_scope(user, source, clean["desa_code"]))
        if number is not None and PreRegistration.select().where(PreRegistration.number == number).exists():
            raise Refused(f"Nomor pra-pendaftaran {number} sudah dipakai formulir lain di kecamatan ini. Formulir "
                          "ditolak; periksa formulirnya dengan desa, atau isi pra-pendaftaran di loket.")
        pre = PreRegistration.create(
            number=number or next_number(clean["desa_code"]),
            **{key: clean[key] for key in CARRIED_FIELDS},
            photo_jpeg=photo.jpeg if photo else None, photo_background=photo.background if photo else "",
            status=PreRegistration.WAITING, source=source,
            entered_by_name=entered_by_name or (user.full_name if user else "sistem"), entered_at=entered_at,
            expires_on=expiry_for(entered_day),
            created_by=user, **(relay or {}))
        audit.record("buat", "pra_pendaftaran", pre.id,
                     f"Pra-pendaftaran {pre.number} ({pre.full_name}) dicatat"
                     + {"qr": " dari kode QR F-1.07", "relay": " dari desa lewat pusat"}.get(source, ""), user=user)
        # A desa PC's form waits in the outbox for the link to the center (the app's step, not a global
        # listener's: tests hold both programs in one process).
        current_app.extensions["desa_side"].queue_form(pre)
        announce_change(pre, created=True)  # followed from a phone with the F-1.07's code (issue 28)
    return pre


def waiting_count() -> int:
    """Pre-registrations waiting at the counter (its menu badge and dashboard card)."""
    return statements.scalar(_waiting_on, today())


def _waiting_on(day):  # on every page the counter opens: its SQL text built once a day (app/frame/statements.py)
    return (PreRegistration.select(fn.COUNT(SQL("*")))
            .where((PreRegistration.status == PreRegistration.WAITING) & (PreRegistration.expires_on >= day)))


def pre_registration_from_payload(payload: dict, source: str, photo=None, relay: dict | None = None) -> PreRegistration:
    """A form typed at a desa PC (its QR code or the relay carry the same payload) passes the
    counter's checks again and becomes a waiting pre-registration here."""
    from app.frame.places import desa_list
    fields = person_rules.carried_form(payload["f"] if isinstance(payload.get("f"), dict) else {})
    clean, errors, _ = person_rules.validate_application(fields, desa_list(), today())
    if errors:
        raise Refused("Isian tidak lolos pemeriksaan di kecamatan: "
                      + "; ".join(f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in errors.items()))
    try:
        entered_at = datetime.fromisoformat(payload["t"])
        if entered_at.tzinfo is not None:
            entered_at = entered_at.astimezone(timezone.utc).replace(tzinfo=None)  # stored as naive UTC
    except (KeyError, TypeError, ValueError):
        raise Refused("Tanggal pengisian formulir tidak terbaca.") from None
    number = str(payload.get("n", ""))[:40]
    problem = foreign_number_problem(number, clean["desa_code"]) or entered_at_problem(entered_at)
    if problem:
        raise Refused(problem)
    return create_pre_registration(clean, photo, source=source, entered_by_name=str(payload.get("o", ""))[:100],
                                   entered_at=entered_at, number=number, relay=relay)


def _comparable(value) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)


def differences(pre: PreRegistration, clean: dict, photo_replaced: bool) -> dict:
    """{field: [what the desa typed, what the counter saved]} for every field the counter changed."""
    found = {key: [_comparable(getattr(pre, key)), _comparable(clean[key])] for key in CARRIED_FIELDS
             if _comparable(getattr(pre, key)) != _comparable(clean[key])}
    if photo_replaced and pre.photo_jpeg:
        found["photo"] = ["foto dari desa", "foto baru di loket"]
    return found


def stored_photo(pre: PreRegistration):
    if not pre.photo_jpeg:
        return None
    jpeg = bytes(pre.photo_jpeg)
    return NormalisedPhoto(jpeg=jpeg, width=OUTPUT_WIDTH, height=OUTPUT_HEIGHT, background=pre.photo_background,
                           quality=0, original_width=OUTPUT_WIDTH, original_height=OUTPUT_HEIGHT,
                           original_format="JPEG")


VIEWS = {"lihat": "dibuka", "lihat_foto": "fotonya dibuka", "cetak": "formulir F-1.07-nya dicetak"}


def record_view(pre: PreRegistration, action: str) -> None:
    """An opening of a pre-registration's personal data (its page, its photo, its F-1.07 print or the
    counter's acceptance form) in the trail: the number only, no name or NIK (docs/privacy.md)."""
    with database.atomic():
        audit.record(action, "pra_pendaftaran", pre.id, f"Pra-pendaftaran {pre.number} {VIEWS[action]}")


@act("tolak")
def record_refused_scan(reason: str) -> None:
    """A scanned F-1.07 the counter refused: nothing is stored but the refusal, for the trail."""
    with database.atomic():
        audit.record("tolak", "pra_pendaftaran", "", f"Kode QR F-1.07 ditolak: {reason}")


# ---- the admin's changes -------------------------------------------------------------------------

@act("ubah")
def create_operator(username: str, full_name: str, codes: list[str]):
    """A desa operator's account bound to its desa (checked codes); (user, its one-time password)."""
    with database.atomic():
        user, password = accounts.create_user(username, full_name, DESA)
        UserDesa.insert_many([{"user": user.id, "desa_code": code} for code in codes]).execute()
        audit.record("ubah", "pengguna", user.id, f"Akun {user.username} terikat ke desa: {', '.join(codes)}",
                     after={"desa": codes})
    return user, password


@act("ubah")
def bind_operator(user, codes: list[str]) -> None:
    """The desa an operator's account works for, replaced by `codes` (checked)."""
    with database.atomic():
        before = desa_codes_of(user)
        UserDesa.delete().where(UserDesa.user == user).execute()
        UserDesa.insert_many([{"user": user.id, "desa_code": code} for code in codes]).execute()
        audit.record("ubah", "pengguna", user.id, f"Desa akun {user.username} diubah: {', '.join(codes)}",
                     before={"desa": before}, after={"desa": codes})


@act("ubah")
def set_pre_registration_days(days: int) -> None:
    """How many working days a new pre-registration stays valid (those already made keep theirs)."""
    with database.atomic():
        before = store.get("pre_registration_days")
        store.put("pre_registration_days", days)
        audit.record("ubah", "pengaturan", "pra_pendaftaran", "Masa berlaku pra-pendaftaran diubah",
                     {"pre_registration_days": before}, {"pre_registration_days": days})

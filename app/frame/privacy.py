"""Who sees which personal field in clear (UU 27/2022): the one policy every page, export,
printout and the audit trail go through. docs/privacy.md says the same in the office's words.

    {{ application.nik|pribadi("nik") }}      ->  3508071203900001 or 3508•••••••••001
    privacy.may_see("nik")                    ->  for exports and views that choose columns

The audit trail never holds a personal value in clear: `for_audit` masks them when an event is
written, and the trail masks again when it is read (for rows written before this rule).
"""
from flask import g, has_request_context

from app.frame.roles import ADMIN, CAMAT, DESA, INFORMASI, KASI, LOKET

# Personal fields, with their Indonesian names (also used by the audit trail).
PERSONAL_FIELDS = {
    "nik": "NIK",
    "kk_number": "Nomor KK",
    "birth_date": "Tanggal lahir",
    "birth_place": "Tempat lahir",
    "address": "Alamat",
    "rt": "RT",
    "rw": "RW",
    "religion": "Agama",
    "marital_status": "Status perkawinan",
    "occupation": "Pekerjaan",
    "phone": "Nomor HP",
    "photo": "Foto",
    "handover_id_number": "NIK/nomor identitas pengambil",
    "complainant_contact": "Kontak pelapor",
    "confidential_text": "Isi dan tindak lanjut pengaduan rahasia",
    # Free text about an applicant (the desa's note, why the NIK disagrees with the birth date): it
    # may say anything about the person, so it goes with the applicant's record.
    "applicant_notes": "Catatan tentang pemohon",
}
# The record fields kept under "applicant_notes".
APPLICANT_NOTE_FIELDS = frozenset({"notes", "mismatch_reason"})

# Per role, the personal fields it sees in clear, because its work needs them (docs/privacy.md).
SEES = {
    # Registers, checks and hands over KTP-el: needs every field of the F-1.07 and the photo.
    LOKET: frozenset({"nik", "kk_number", "birth_date", "birth_place", "address", "rt", "rw", "religion",
                      "marital_status", "occupation", "phone", "photo", "handover_id_number", "applicant_notes"}),
    # Supervises the counter and the complaint book, answers for data corrections.
    KASI: frozenset({"nik", "kk_number", "birth_date", "birth_place", "address", "rt", "rw", "religion",
                     "marital_status", "occupation", "phone", "photo", "handover_id_number", "applicant_notes",
                     "complainant_contact", "confidential_text"}),
    # Keeps the complaint book: must call complainants back; no KTP-el data.
    INFORMASI: frozenset({"complainant_contact", "confidential_text"}),
    # Approves the recap and reads figures and names of applicants; no identity numbers.
    CAMAT: frozenset(),
    # Accounts, settings, backups: no personal data at all.
    ADMIN: frozenset(),
    # Types the F-1.07 of their own desa's applicants (issue 17) and checks it before printing.
    DESA: frozenset({"nik", "kk_number", "birth_date", "birth_place", "address", "rt", "rw", "religion",
                     "marital_status", "occupation", "phone", "photo", "applicant_notes"}),
}

BULLET = "•"


def mask(field: str, value) -> str:
    """The masked form of a personal value: numbers keep their region prefix and last digits."""
    if value is None or value == "":
        return ""
    text = str(value)
    if field in ("nik", "kk_number", "handover_id_number") and len(text) >= 8:
        return text[:4] + BULLET * (len(text) - 7) + text[-3:]
    if field in ("phone", "complainant_contact") and len(text) >= 7:  # at least one character hidden
        return text[:4] + BULLET * (len(text) - 6) + text[-2:]
    if field == "birth_date":
        return str(text)[:4] + "-••-••" if len(text) >= 4 and text[:4].isdigit() else BULLET * 3
    return BULLET * 3


def current_role() -> str | None:
    user = g.get("user") if has_request_context() else None
    return user.role if user else None


def may_see(field: str, role: str | None = None) -> bool:
    role = role if role is not None else current_role()
    if field not in PERSONAL_FIELDS:
        return True
    return field in SEES.get(role, frozenset())


def shown(value, field: str, role: str | None = None):
    """Jinja filter `pribadi`: the value in clear for roles that need it, masked otherwise. A record's
    note field (`notes`, `mismatch_reason`) follows "applicant_notes"."""
    field = "applicant_notes" if field in APPLICANT_NOTE_FIELDS else field
    return value if may_see(field, role) else mask(field, value)


# Free text (follow-ups, notes) may name anyone: the trail records that it changed, not what it says.
FREE_TEXT_FIELDS = frozenset({"tindak_lanjut", "text", "notes", "mismatch_reason", "note"})


def masked_value(field: str, value) -> str:
    """A personal value of any shape masked; a list or record under a personal field is hidden whole."""
    if isinstance(value, (list, tuple, dict)):
        return BULLET * 3 if value else ""
    return mask(field, value)


def _for_audit(key, value):
    if key in PERSONAL_FIELDS:
        return masked_value(key, value)
    if key in FREE_TEXT_FIELDS:
        return BULLET * 3 if value else ""
    if isinstance(value, dict):  # a record inside a record (the fields changed at the counter, ...)
        return {inner: _for_audit(inner, item) for inner, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_for_audit(key, item) for item in value]
    return value


def for_audit(values: dict | None) -> dict | None:
    """Personal values masked for every reader, at any depth: the audit trail is no back door."""
    if values is None:
        return None
    return {key: _for_audit(key, value) for key, value in values.items()}


def install(app) -> None:
    app.jinja_env.filters["pribadi"] = shown
    app.jinja_env.globals["boleh_lihat"] = may_see

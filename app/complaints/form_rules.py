"""Checks of a complaint as typed (pure): Indonesian messages per field, cleaned values.

Text is kept as the person wrote it (emoji, Javanese script ꦲꦏ, any language): only control
characters are dropped and the Unicode form made canonical (NFC) so searching finds it.
"""
import re
import unicodedata

from app.complaints.models import CHANNELS
from app.frame.request_cycle import bounded_int

TEXT_MAX = 5000
NAME_MAX = 120
CONTACT_MAX = 120
OFFICE_MAX = 200
TINDAK_LANJUT_MAX = 5000
REGISTRATION_NUMBER = re.compile(r"[A-Za-z0-9./\-]{3,40}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str:
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def clean_line(value: str | None) -> str:
    return re.sub(r"\s+", " ", clean_text(value))


def _length_problem(label: str, value: str, maximum: int) -> str | None:
    if len(value) > maximum:
        return f"{label} terlalu panjang: {len(value):,} karakter, paling banyak {maximum:,}.".replace(",", ".")
    return None


def check_complaint(form: dict, channels=tuple(CHANNELS), category_ids=()) -> tuple[dict, dict]:
    """(clean values, errors) for the fields every channel shares."""
    clean = {
        "channel": (form.get("channel") or "").strip(),
        "category_id": (form.get("category_id") or "").strip(),
        "complainant_name": clean_line(form.get("complainant_name")),
        "complainant_contact": clean_line(form.get("complainant_contact")),
        "is_anonymous": bool(form.get("is_anonymous")),
        "is_confidential": bool(form.get("is_confidential")),
        "registration_number": clean_line(form.get("registration_number")).upper(),
        "text": clean_text(form.get("text")),
    }
    errors = {}
    if clean["channel"] not in channels:
        errors["channel"] = "Pilih saluran pengaduan."
    category_id = bounded_int(clean["category_id"])
    if category_id not in category_ids:
        errors["category_id"] = "Pilih kategori pengaduan."
    else:
        clean["category_id"] = category_id
    if not clean["text"]:
        errors["text"] = "Isi pengaduan wajib diisi."
    elif problem := _length_problem("Isi pengaduan", clean["text"], TEXT_MAX):
        errors["text"] = problem
    if problem := _length_problem("Nama", clean["complainant_name"], NAME_MAX):
        errors["complainant_name"] = problem
    if problem := _length_problem("Kontak", clean["complainant_contact"], CONTACT_MAX):
        errors["complainant_contact"] = problem
    number = clean["registration_number"]
    if number and not REGISTRATION_NUMBER.fullmatch(number):
        errors["registration_number"] = "Nomor pendaftaran hanya huruf, angka, titik, garis miring atau tanda hubung (3–40)."
    return clean, errors

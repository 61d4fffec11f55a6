"""Checks of a complaint as typed (pure): Indonesian messages per field, cleaned values.

Text is kept as the person wrote it (emoji, Javanese script ꦲꦏ, any language): only control
characters are dropped and the Unicode form made canonical (NFC) so searching finds it.
"""
import re
import unicodedata
from datetime import datetime, timedelta

from app.complaints.models import CHANNELS
from app.frame.request_cycle import bounded_int

TEXT_MAX = 5000
NAME_MAX = 120
CONTACT_MAX = 120
OFFICE_MAX = 200
TINDAK_LANJUT_MAX = 5000
NOTE_MAX = 1000
# What the desk does with a complaint as it records it.
RECORD_STEPS = {"baru": "Catat dulu (status Baru)", "diteruskan": "Teruskan ke seksi yang menangani",
                "jawab": "Sudah dijawab langsung dari info meja (selesai)"}
REGISTRATION_NUMBER = re.compile(r"[A-Za-z0-9./\-]{3,40}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str:
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def clean_line(value: str | None) -> str:
    return re.sub(r"\s+", " ", clean_text(value))


def _length_problem(label: str, value: str, maximum: int) -> str | None:
    if len(value) > maximum:
        return (f"{label} terlalu panjang: {f'{len(value):,}'.replace(',', '.')} karakter, paling banyak "
                f"{f'{maximum:,}'.replace(',', '.')}.")  # the thousands' dots, not the sentence's comma
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


def check_desk_entry(received_at: datetime | None, step: str, tindak_lanjut: str, now: datetime) -> dict:
    """Errors of the desk's own fields: when it was received (read in the office's zone), the step taken,
    the answer given at once."""
    errors = {}
    if received_at is None:
        errors["received_at"] = "Isi tanggal dan jam diterima."
    elif received_at > now + timedelta(minutes=5):
        errors["received_at"] = "Waktu diterima tidak boleh di masa depan."
    elif received_at < now - timedelta(days=400):
        errors["received_at"] = "Waktu diterima lebih dari setahun yang lalu; periksa tanggalnya."
    if step not in RECORD_STEPS:
        errors["step"] = "Pilih langkah."
    if step == "jawab" and not tindak_lanjut:
        errors["tindak_lanjut"] = "Tuliskan jawaban yang diberikan."
    elif len(tindak_lanjut) > TINDAK_LANJUT_MAX:
        errors["tindak_lanjut"] = f"Jawaban terlalu panjang (paling banyak {TINDAK_LANJUT_MAX} karakter)."
    return errors


def check_status_change(tindak_lanjut: str, other_office: str, note: str) -> dict:
    """Errors of the lengths a status change may write: the follow-up, the other office, the note."""
    errors = {}
    if len(tindak_lanjut) > TINDAK_LANJUT_MAX:
        errors["tindak_lanjut"] = f"Tindak lanjut terlalu panjang (paling banyak {TINDAK_LANJUT_MAX} karakter)."
    if len(other_office) > OFFICE_MAX:
        errors["other_office"] = f"Nama instansi terlalu panjang (paling banyak {OFFICE_MAX} karakter)."
    if len(note) > NOTE_MAX:
        errors["note"] = "Catatan terlalu panjang (paling banyak 1.000 karakter)."
    return errors

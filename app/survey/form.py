"""Checking a submitted survey form: every element answered 1-4, profile from the lists."""
import re

from app.survey.elements import COMMENT_MAX, ELEMENTS, PROFILE_CHOICES
from app.frame.request_cycle import bounded_int

SUBMISSION_KEY = re.compile(r"[0-9a-f]{32}")


def answer_field(key: str) -> str:
    return f"unsur_{key}"


def parse_survey(form) -> tuple[dict, dict]:
    """(values, errors) from the posted form; errors map field -> Indonesian message."""
    errors: dict[str, str] = {}
    scores: dict[str, int] = {}
    for element in ELEMENTS:
        field = answer_field(element.key)
        raw = (form.get(field) or "").strip()
        # The summary leads each message with the question it links to (its fieldset's legend).
        if not raw:
            errors[field] = f"Pilih salah satu jawaban untuk {element.name.lower()}."
            continue
        if raw not in ("1", "2", "3", "4"):
            errors[field] = f"Jawaban untuk {element.name.lower()} harus salah satu dari 1 sampai 4."
            continue
        scores[element.key] = bounded_int(raw)
    profile = {}
    for field, choices in PROFILE_CHOICES.items():
        value = (form.get(field) or "").strip()
        if value and value not in choices:
            errors[field] = "Pilihan tidak dikenal; pilih dari daftar atau kosongkan."
        profile[field] = value
    comment = (form.get("comment") or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = f"Saran atau komentar maksimal {COMMENT_MAX} karakter."
    key = (form.get("submission_key") or "").strip()
    if not SUBMISSION_KEY.fullmatch(key):
        errors["submission_key"] = "Formulir tidak lengkap. Silakan isi ulang survei ini."
    code = (form.get("kode") or "").strip()[:40]
    return {"scores": scores, "profile": profile, "comment": comment, "submission_key": key, "code": code}, errors

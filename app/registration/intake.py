"""The application form's rules: what the clerk typed, checked and cleaned before anything is stored.

The record rules themselves live in the frame (app/frame/person_rules.py) because the center
applies them too; this module adds what only the counter's form needs (the inline NIK check).
"""
from app.frame.dates import parse_iso_date
from app.frame import nik as nik_rules
from app.frame.person_rules import (  # noqa: F401  (the counter's names for the shared rules)
    _NAME, _PLACE, EVER_MARRIED, FIELDS, KTP_AGE, LIMITS, MARITAL_STATUSES, OCCUPATION_SUGGESTIONS,
    OLDEST_BIRTH_YEAR, REASONS, RELIGIONS, SEXES, age_on, match_desa, match_reason, validate_application)


def nik_mismatch_messages(nik: str, birth_text: str, sex: str) -> list[str]:
    """For the inline check as the clerk types: problems or mismatches of the NIK (may be empty)."""
    if (message := nik_rules.check_nik_format(nik)) is not None:
        return [message]
    birth = parse_iso_date(birth_text)
    sex = (sex or "").strip().upper()
    return nik_rules.check_nik_matches(nik, birth, sex if sex in SEXES else None)

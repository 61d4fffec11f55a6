"""The application form's rules: what the clerk typed, checked and cleaned before anything is stored.

The record rules themselves live in the frame (app/frame/person_rules.py) because the center and
the desa PC apply them too; this module gives the counter's pages their names.
"""
from app.frame.dates import parse_iso_date  # noqa: F401
from app.frame import nik as nik_rules  # noqa: F401
from app.frame.person_rules import (  # noqa: F401  (the counter's names for the shared rules)
    _NAME, _PLACE, EVER_MARRIED, FIELDS, KTP_AGE, LIMITS, MARITAL_STATUSES, OCCUPATION_SUGGESTIONS,
    OLDEST_BIRTH_YEAR, REASONS, RELIGIONS, SEXES, age_on, match_desa, match_reason, nik_mismatch_messages,
    validate_application)

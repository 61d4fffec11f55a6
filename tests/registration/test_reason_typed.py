"""The reason field takes what a clerk types (issue 62, finding 6): "Baru" was refused until the whole
label "Baru (pemula, 17 tahun / sudah kawin)" was picked from the list."""
from datetime import date

import pytest

from app.frame.person_rules import match_reason, validate_application
from tests.support.factory import applicant_form


@pytest.mark.parametrize("typed, code", [
    ("Baru", "baru"), ("baru", "baru"), ("  BARU ", "baru"), ("pemula", "baru"), ("Baru (pemula, 17 tahun / sudah kawin)", "baru"),
    ("rusak", "rusak"), ("Hilang", "hilang"), ("kehilangan", "hilang"), ("Perubahan", "perubahan_data"),
    ("pindah", "pindah_datang"), ("pindah_datang", "pindah_datang"),
    ("data", None), ("da", None), ("p", None), ("iseng", None), ("", None)])
def test_a_typed_start_of_one_reasons_word_is_that_reason(typed, code):
    assert match_reason(typed) == code


def test_a_word_that_fits_two_reasons_is_refused_naming_both():
    desa = [type("Desa", (), {"code": "35.08.07.2001", "name": "Darungan"})()]
    clean, errors, _ = validate_application(applicant_form(reason="Baru"), desa, date(2026, 11, 27))
    assert clean["reason"] == "baru" and "reason" not in errors
    _, errors, _ = validate_application(applicant_form(reason="data"), desa, date(2026, 11, 27))
    assert errors["reason"] == "Cocok dengan 2 alasan (Perubahan data, Pindah datang): pilih satu dari daftar."

"""Issue 61, finding 8: a NIK whose province is not in the list (99) was refused outright while one whose
kecamatan is not in it only warned. Now every well-formed code missing from the list warns, at every
level, so a region made after the list was shipped never turns its people away; a malformed code (a
part "00", a province below 11) is still refused."""
import pytest

from app.frame.nik import check_kk_format, check_nik_format, region_code_warning
from app.frame.person_rules import validate_application


@pytest.mark.parametrize("nik, named", [
    ("9999011205900001", "provinsi 99"),  # no province 99 in the list
    ("9701011205900001", "provinsi 97"),  # a province after the 2022 Papua ones
    ("3599011205900001", "kabupaten/kota 35.99"),  # no kabupaten 35.99, now or before
])
def test_an_unknown_province_or_kabupaten_warns_like_an_unknown_kecamatan(nik, named):
    assert check_nik_format(nik) is None
    assert check_kk_format(nik[:6] + "0101200003") is None
    note = region_code_warning(nik)
    assert named in note and "Cocokkan dengan KTP-el/KK pemohon" in note


@pytest.mark.parametrize("nik", ["0012341205900001", "1001011205900001", "3500011205900001", "3508001205900001"])
def test_a_malformed_region_code_is_still_refused(nik):
    assert "bukan kode kecamatan Kemendagri" in check_nik_format(nik)
    assert region_code_warning(nik) is None


def test_the_counter_form_shows_the_province_note_next_to_the_nik_and_stores(app, db):
    _, errors, warnings = validate_application({"nik": "9999011205900001"}, [], __import__("datetime").date(2026, 11, 2))
    assert "nik" not in errors and "provinsi 99" in warnings["nik"]

"""NIK/KK messages that tell the clerk what is really wrong (findings of issue 15)."""
from datetime import date

import pytest

from app.registration import intake
from app.frame.nik import NikProblem, KkProblem, check_nik_matches, kk_problem, nik_problem
from tests.support.factory import applicant_form

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("table", [ARABIC_INDIC, FULLWIDTH], ids=["arabic-indic", "fullwidth"])
def test_non_ascii_digits_are_refused_as_not_digits(table):
    assert nik_problem("3508071205900001".translate(table)) is NikProblem.NOT_DIGITS
    assert str(NikProblem.NOT_DIGITS) == "NIK hanya boleh berisi angka"
    assert kk_problem("3508070101100007".translate(table)) is KkProblem.NOT_DIGITS


@pytest.mark.parametrize("entered", [date(1900, 3, 1), date(1925, 2, 28), date(1950, 2, 28), date(1950, 6, 1)])
def test_nik_born_29_february_2000_is_valid_and_compared_not_called_invalid(entered):
    nik = "3508072902000001"  # 29-02-(20)00, man
    assert nik_problem(nik) is None
    messages = check_nik_matches(nik, entered, "L")
    assert messages == [f"Tanggal lahir di NIK (29-02-2000) tidak sama dengan tanggal lahir yang diisi ({entered:%d-%m-%Y})"]
    assert check_nik_matches(nik, date(2000, 2, 29), "L") == []


@pytest.mark.parametrize("born", [date(1900, 1, 1), date(1931, 7, 15), date(1950, 12, 31)])
def test_birth_dates_1900_to_1950_agree_with_their_nik(born):
    nik = f"350807{born:%d%m%y}0001"
    assert check_nik_matches(nik, born, "L") == []


def test_region_warning_kept_when_a_date_or_sex_mismatch_is_also_shown(office):
    form = applicant_form(nik="3207201205900001", birth_date="1990-05-13", sex="P")  # old code 32.07.20, wrong date/sex
    _, errors, warnings = intake.validate_application(form, [], date(2025, 1, 6))
    assert "tidak sama dengan tanggal lahir" in warnings["nik"] and "NIK menunjukkan laki-laki" in warnings["nik"]
    assert "tidak ada di daftar Kemendagri 2025" in warnings["nik"]


def test_kk_with_an_unknown_kecamatan_code_is_warned(office, loket):
    _, errors, warnings = intake.validate_application(applicant_form(kk_number="3207200101100007"), [], date(2025, 1, 6))
    assert "kk_number" not in errors
    assert "Kode kecamatan 32.07.20 tidak ada di daftar Kemendagri 2025" in warnings["kk_number"]
    inline = loket.get("/pendaftaran/periksa-kk?kk_number=3207200101100007").get_data(as_text=True)
    assert "tidak ada di daftar Kemendagri 2025" in inline
    page = loket.post("/pendaftaran/baru", data=applicant_form(kk_number="3207200101100007", full_name=""),
                      content_type="multipart/form-data").get_data(as_text=True)
    assert 'id="w-kk_number"' in page

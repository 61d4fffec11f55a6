from datetime import date

import pytest

from app.frame.nik import (
    KkProblem, NikProblem, Sex, check_kk_format, check_nik_format, check_nik_matches,
    is_placeholder_number, kk_problem, nik_birth_info, nik_problem, normalise_number,
    region_code_warning,
)

# 35.08.07 is Kecamatan Yosowilangun, Kabupaten Lumajang (Kepmendagri 2025 list).
MAN_12_05_1990 = "3508071205900001"
WOMAN_12_05_1990 = "3508075205900001"


# --- normalising what the clerk typed -------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "3508071205900001", " 3508071205900001 ", "3508 0712 0590 0001", "35.08.07.120590.0001",
    "3508-0712-0590-0001", "3508\u00a00712\t05900001",
])
def test_normalise_number_drops_spaces_dots_and_dashes(typed):
    assert normalise_number(typed) == "3508071205900001"


def test_normalise_number_of_none_is_empty():
    assert normalise_number(None) == ""


def test_dotted_and_spaced_nik_is_accepted():
    assert check_nik_format("3508.0712.0590.0001") is None
    assert check_nik_format("3508 0752 0590 0001") is None


# --- structure ------------------------------------------------------------------------------

@pytest.mark.parametrize("nik", [MAN_12_05_1990, WOMAN_12_05_1990, "3171011708450001", "3508077112000123"])
def test_well_formed_nik_passes(nik):
    assert nik_problem(nik) is None
    assert check_nik_format(nik) is None


@pytest.mark.parametrize("typed", ["", "   ", None])
def test_empty_nik_is_required(typed):
    assert nik_problem(typed) is NikProblem.EMPTY
    assert check_nik_format(typed) == "NIK wajib diisi"


@pytest.mark.parametrize("typed", ["350807120590001", "35080712059000011", "3508"])
def test_nik_must_be_16_digits(typed):
    assert check_nik_format(typed) == "NIK harus 16 angka"


@pytest.mark.parametrize("typed", ["350807120590000O", "3508O71205900001", "NIK 3508071205900001",
                                   "350807120590000\u00b9", "\u0663508071205900001"])
def test_nik_with_letters_or_non_ascii_digits_is_refused(typed):
    # '\u00b9' (superscript one) and '\u0663' (Arabic-Indic three) pass str.isdigit(); they must not pass here.
    assert check_nik_format(typed) == "NIK hanya boleh berisi angka"


@pytest.mark.parametrize("nik", [
    "3508001205900001",  # 35.08.00 is the kabupaten itself, not a kecamatan
    "3500011205900001",  # 35.00: the province itself
    "0012341205900001",  # no province below 11 (an unknown but well-formed one only warns: issue 61)
])
def test_nik_region_must_be_a_kecamatan_code(nik):
    assert nik_problem(nik) is NikProblem.UNKNOWN_REGION
    assert "bukan kode kecamatan Kemendagri" in check_nik_format(nik)


@pytest.mark.parametrize("nik", [
    "3171011205900001",  # Gambir, Jakarta Pusat: another province entirely
    "1101011205900001",  # Bakongan, Aceh Selatan
    "9301011205900001",  # Papua Selatan, a province created in 2022
])
def test_nik_issued_in_another_kecamatan_is_accepted(nik):
    assert check_nik_format(nik) is None
    assert region_code_warning(nik) is None


@pytest.mark.parametrize("nik", [
    "3207201205900001",  # 32.07.20: a Ciamis kecamatan moved to Pangandaran (32.18) in 2012
    "9401991205900001",  # 94.01: Merauke before the 2022 Papua renumbering (kecamatan 99 is no longer listed)
])
def test_old_region_code_is_accepted_with_a_warning(nik):
    assert check_nik_format(nik) is None
    assert "tidak ada di daftar Kemendagri 2025" in region_code_warning(nik)


@pytest.mark.parametrize("nik", [
    "3508070005900001",  # day 00
    "3508073205900001",  # day 32
    "3508074005900001",  # day 40 (woman, day 0)
    "3508077205900001",  # day 72 (woman, day 32)
    "3508078505900001",  # day 85: stdnum.id.nik accepts this as the 5th
    "3508071200900001",  # month 00
    "3508071213900001",  # month 13
    "3508073102900001",  # 31 February
    "3508072902010001",  # 29 February 1901 / 2001: neither is a leap year
])
def test_impossible_birth_date_in_nik_is_refused(nik):
    assert nik_problem(nik) is NikProblem.INVALID_BIRTH_DATE
    assert "Tanggal lahir di NIK" in check_nik_format(nik)


def test_29_february_00_is_valid_because_2000_was_a_leap_year():
    assert check_nik_format("3508072902000001") is None
    assert nik_birth_info("3508072902000001", 2000) == (date(2000, 2, 29), Sex.LAKI_LAKI)


def test_serial_0000_is_refused():
    assert nik_problem("3508071205900000") is NikProblem.ZERO_SERIAL
    assert check_nik_format("3508071205900000") == "Nomor urut NIK (4 angka terakhir) tidak boleh 0000"


def test_serial_0001_is_the_first_valid_one():
    assert check_nik_format("3508071205900001") is None


# --- placeholders -------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "0", "0000000000000000", "1111111111111111", "9999999999999999", "00000",
    "sementara", "SEMENTARA", "belum ada", "tidak ada", "-", "--", "...", "xxx",
    "1234567890123456", "123456",
])
def test_placeholder_nik_sends_the_visitor_to_dukcapil(typed):
    assert is_placeholder_number(typed)
    assert nik_problem(typed) is NikProblem.PLACEHOLDER
    assert "Dukcapil" in check_nik_format(typed)


@pytest.mark.parametrize("typed", [MAN_12_05_1990, "35080712", "3508O71205900001", ""])
def test_real_or_mistyped_numbers_are_not_placeholders(typed):
    assert not is_placeholder_number(typed)


# --- what the NIK says about the person ---------------------------------------------------

def test_birth_info_of_a_man():
    assert nik_birth_info(MAN_12_05_1990, 1990) == (date(1990, 5, 12), Sex.LAKI_LAKI)


def test_birth_info_of_a_woman_removes_the_40():
    assert nik_birth_info(WOMAN_12_05_1990, 1990) == (date(1990, 5, 12), Sex.PEREMPUAN)


def test_birth_info_of_day_31_woman():
    assert nik_birth_info("3508077112850001", 1985) == (date(1985, 12, 31), Sex.PEREMPUAN)


@pytest.mark.parametrize("hint, expected_year", [
    (2005, 2005), (2010, 2005), (1960, 2005),  # the year ending in 05 nearest the hint
    (1905, 1905), (1930, 1905), (1950, 1905),
])
def test_birth_century_comes_from_the_entered_year(hint, expected_year):
    born, _ = nik_birth_info("3508071205050001", hint)
    assert born.year == expected_year


def test_child_born_in_2003_is_not_put_in_1903():
    # stdnum guesses 1900 first; a baby's NIK must give 2003 when the form says 2003.
    assert nik_birth_info("3508070103030001", 2003)[0] == date(2003, 3, 1)


def test_birth_century_near_the_turn_picks_the_closest_year():
    assert nik_birth_info("3508071205990001", 2000)[0] == date(1999, 5, 12)
    assert nik_birth_info("3508071205010001", 1999)[0] == date(2001, 5, 12)


def test_birth_info_refuses_malformed_nik():
    """Too short, or 16 characters that are not all digits: refused with the length message."""
    for nik in ("35080712", "350807120590000A", "35080712059000011"):
        with pytest.raises(ValueError) as refused:
            nik_birth_info(nik, 1990)
        assert str(refused.value) == "NIK harus 16 angka", nik


def test_birth_info_takes_the_only_century_where_29_february_exists():
    # 29-02-00 is a real date only in 2000: a birth date typed in 1900 is a mismatch, not an invalid NIK
    assert nik_birth_info("3508072902000001", 1900)[0] == date(2000, 2, 29)
    with pytest.raises(ValueError):
        nik_birth_info("3508073102000001", 1900)  # 31-02 exists in no century


# --- NIK against the form -----------------------------------------------------------------

def test_matching_nik_and_form_give_no_messages():
    assert check_nik_matches(MAN_12_05_1990, date(1990, 5, 12), "L") == []
    assert check_nik_matches(WOMAN_12_05_1990, date(1990, 5, 12), "P") == []
    assert check_nik_matches(WOMAN_12_05_1990, date(1990, 5, 12), Sex.PEREMPUAN) == []


def test_different_birth_date_is_reported_with_both_dates():
    messages = check_nik_matches(MAN_12_05_1990, date(1990, 5, 13), "L")
    assert messages == ["Tanggal lahir di NIK (12-05-1990) tidak sama dengan tanggal lahir yang diisi (13-05-1990)"]


def test_different_birth_year_is_reported():
    assert len(check_nik_matches(MAN_12_05_1990, date(1991, 5, 12), "L")) == 1


def test_woman_nik_entered_as_man_is_reported():
    assert check_nik_matches(WOMAN_12_05_1990, date(1990, 5, 12), "L") == [
        "NIK menunjukkan perempuan (tanggal +40) tetapi jenis kelamin diisi laki-laki"]


def test_man_nik_entered_as_woman_is_reported():
    assert check_nik_matches(MAN_12_05_1990, date(1990, 5, 12), "P") == [
        "NIK menunjukkan laki-laki (tanggal tanpa +40) tetapi jenis kelamin diisi perempuan"]


def test_date_and_sex_mismatch_are_both_reported():
    assert len(check_nik_matches(MAN_12_05_1990, date(1990, 6, 12), "P")) == 2


def test_missing_form_fields_are_not_compared():
    assert check_nik_matches(WOMAN_12_05_1990, None, None) == []
    assert check_nik_matches(WOMAN_12_05_1990, None, "L") != []
    assert check_nik_matches(WOMAN_12_05_1990, date(1990, 5, 13), "") != []


def test_lowercase_sex_code_is_understood():
    assert check_nik_matches(WOMAN_12_05_1990, date(1990, 5, 12), "p") == []


def test_unknown_sex_code_is_a_programming_error():
    with pytest.raises(ValueError):
        check_nik_matches(MAN_12_05_1990, date(1990, 5, 12), "X")


def test_matches_on_a_malformed_nik_returns_its_format_message():
    assert check_nik_matches("0", date(1990, 5, 12), "L") == [str(NikProblem.PLACEHOLDER)]


def test_sex_labels():
    assert Sex("L").label == "laki-laki"
    assert Sex("P").label == "perempuan"


# --- Nomor KK -----------------------------------------------------------------------------

def test_well_formed_kk_passes():
    assert check_kk_format("3508 0701 0120 0003") is None
    assert kk_problem("3508070101200003") is None
    assert kk_problem("3508072902000001") is None  # 29 February 2000
    assert kk_problem("3508073112990001") is None  # 31 December 1999


@pytest.mark.parametrize("typed, problem", [
    ("", KkProblem.EMPTY),
    ("0", KkProblem.PLACEHOLDER),
    ("sementara", KkProblem.PLACEHOLDER),
    ("0000000000000000", KkProblem.PLACEHOLDER),
    ("35080701012000", KkProblem.WRONG_LENGTH),
    ("35080701012000031", KkProblem.WRONG_LENGTH),
    ("35080701O1200003", KkProblem.NOT_DIGITS),
    ("0999070101200003", KkProblem.UNKNOWN_REGION),
    ("3508000101200003", KkProblem.UNKNOWN_REGION),
    # Issue 27: the issue date DDMMYY (no +40 as in a woman's NIK) and the serial, checked like the NIK's.
    ("3508073213230001", KkProblem.INVALID_ISSUE_DATE),   # day 32, month 13
    ("3508074101200003", KkProblem.INVALID_ISSUE_DATE),   # day 41: a KK has no women's offset
    ("3508073002200003", KkProblem.INVALID_ISSUE_DATE),   # 30 February
    ("3508072902230003", KkProblem.INVALID_ISSUE_DATE),   # 29 February 2023 / 1923: no leap year
    ("3508070101200000", KkProblem.ZERO_SERIAL),
])
def test_bad_kk_is_refused(typed, problem):
    assert kk_problem(typed) is problem
    assert check_kk_format(typed) == str(problem)


def test_kk_messages_name_the_kk():
    assert check_kk_format("35080701012000") == "Nomor KK harus 16 angka"
    assert "Dukcapil" in check_kk_format("0")


def test_kk_from_another_province_is_accepted():
    assert check_kk_format("3171010101200003") is None


# --- women born on the 1st to the 10th: day digits 41..50 (every other test woman has >= 52) --

@pytest.mark.parametrize("day", range(1, 11))
def test_woman_born_on_days_1_to_10_is_a_woman_with_a_valid_nik(day):
    nik = f"350807{day + 40:02d}0590" "0001"
    assert nik_problem(nik) is None
    assert nik_birth_info(nik, 1990) == (date(1990, 5, day), Sex.PEREMPUAN)
    assert check_nik_matches(nik, date(1990, 5, day), "P") == []


def test_29_february_00_is_no_date_in_the_centuries_around_a_birth_year_before_1900():
    """The inline check compares whatever date is typed: near 1850 the NIK's 29-02-00 could be 1700, 1800 or
    1900, none a leap year, so the NIK's date is named invalid (the form itself refuses years before 1900)."""
    assert check_nik_matches("3508072902000001", date(1850, 3, 1), "L") == [
        "Tanggal lahir di NIK (angka ke-7 sampai ke-12) tidak valid"]
    assert check_nik_matches("3508072902000001", date(2000, 2, 29), "L") == []


def test_a_number_too_short_or_not_digits_gets_no_region_note():
    """The note is for a well-formed old code; a short or lettered number has its own refusal instead (the
    kabupaten 35.08 exists, so only the form check keeps these from a note)."""
    for number in ("35080", "3508AB0000000001", "3508-1"):
        assert region_code_warning(number) is None, number


def test_the_region_note_names_the_old_code_dotted_and_what_to_check():
    assert region_code_warning("9401991205900001") == (
        "Kode kecamatan 94.01.99 tidak ada di daftar Kemendagri 2025 (mungkin kode lama sebelum pemekaran atau "
        "perubahan kode wilayah). Cocokkan dengan KTP-el/KK pemohon.")


def test_a_kk_issued_on_29_february_is_read_with_both_year_digits():
    """29-02-12 is 2012, a leap year (the last digit alone, 02, is not); 29-02-04 with serial 1001 is 2004
    (reading a serial digit too, 041, is not); 29-02-13 exists in no century."""
    assert kk_problem("3508072902120001") is None
    assert kk_problem("3508072902041001") is None
    assert kk_problem("3508072902130001") is KkProblem.INVALID_ISSUE_DATE

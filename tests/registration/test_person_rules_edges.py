"""The inline NIK check at its edges: the sex as typed (any case, or a value the form does not offer),
and a birth year far from 2000 (the NIK holds only its last two digits)."""
from datetime import date

from app.frame.nik import check_nik_matches
from app.frame.person_rules import nik_mismatch_messages

WOMAN_1990 = "3508075205900001"  # born 12-05-1990, a woman (day + 40)
MAN_1940 = "3508071205400001"    # born 12-05-1940, a man


def test_a_mismatched_sex_is_named_whatever_case_it_was_typed_in():
    for typed in ("L", "l", " l "):
        messages = nik_mismatch_messages(WOMAN_1990, "1990-05-12", typed)
        assert len(messages) == 1 and "NIK menunjukkan perempuan" in messages[0], typed


def test_the_right_sex_or_none_gives_no_message_and_an_unknown_value_no_error():
    for typed in ("P", "p", "", None, "X"):
        assert nik_mismatch_messages(WOMAN_1990, "1990-05-12", typed) == [], typed


def test_a_birth_year_far_from_2000_is_read_in_the_entered_century():
    assert check_nik_matches(MAN_1940, date(1940, 5, 12), "L") == []
    assert nik_mismatch_messages(MAN_1940, "1940-05-12", "L") == []


# --- The whole record's rules, without the page: the exact field, message and clean value -----------
from collections import namedtuple  # noqa: E402

from app.frame.person_rules import (  # noqa: E402
    UNDERAGE_MARRIAGE_NEEDS_BASIS, age_on, validate_application)
from tests.support.factory import applicant_form  # noqa: E402

Region = namedtuple("Region", "code name")
DESA = [Region("35.08.07.2001", "Darungan"), Region("35.08.07.2002", "Kebonsari"),
        Region("35.08.07.2003", "Sumber Wringin")]
TODAY = date(2026, 5, 12)


def checked(**changes):
    return validate_application(applicant_form(**changes), DESA, TODAY)


def test_a_valid_form_is_cleaned_to_what_the_record_stores():
    clean, errors, warnings = checked(full_name="  Budi   Santoso ", rt=" 2", rw="10", desa="darungan",
                                      reason="RUSAK", phone="0812-3456-7890", sex=" l ", notes="  baris 1\n  baris 2 ")
    assert (errors, warnings) == ({}, {})
    assert clean == {
        "nik": "3508071205900001", "kk_number": "3508070101100007", "full_name": "Budi Santoso",
        "birth_place": "Lumajang", "birth_date": date(1990, 5, 12), "sex": "L", "marital_status": "Kawin",
        "address": "Dusun Krajan No. 5", "rt": "002", "rw": "010", "desa_code": "35.08.07.2001",
        "religion": "Islam", "occupation": "Petani/Pekebun", "phone": "081234567890", "reason": "rusak",
        "biometric_done": True, "notes": "baris 1\n  baris 2", "mismatch_reason": ""}


def test_the_desa_and_the_reason_are_taken_by_code_or_by_name():
    assert [checked(desa=typed)[0]["desa_code"] for typed in ("35.08.07.2002", "3508072002", " KEBONSARI ")] == [
        "35.08.07.2002"] * 3
    assert checked(desa="  sumber   WRINGIN ")[0]["desa_code"] == "35.08.07.2003"  # spaces as typed, any case
    assert [checked(reason=typed)[0]["reason"] for typed in ("hilang", " Hilang (dengan surat kehilangan dari kepolisian) ")] == ["hilang"] * 2
    assert checked(biometric_done="")[0]["biometric_done"] is False
    assert [checked(biometric_done=typed)[0]["biometric_done"] for typed in ("on", "ya", "true")] == [True] * 3


REFUSALS = [
    ({"full_name": ""}, {"full_name": "Wajib diisi."}),
    ({"full_name": "A" * 101}, {"full_name": "Terlalu panjang (maksimal 100 karakter)."}),
    ({"full_name": "A" * 100}, {}),
    ({"full_name": "Budi 2"}, {"full_name": "Nama hanya boleh berisi huruf, spasi, titik, koma, petik dan tanda hubung."}),
    ({"birth_place": "<b>Lumajang</b>"}, {"birth_place": "Tidak boleh berisi tanda < atau > (kode HTML)."}),
    ({"birth_place": "(Lumajang)"}, {"birth_place": "Tempat lahir diawali huruf, tanpa simbol."}),
    ({"address": "Dusun\x1bKrajan"}, {"address": "Berisi karakter tak terlihat (kontrol). Ketik ulang isian ini."}),
    ({"address": "-1"}, {"address": "Alamat harus berisi nama jalan/dusun (huruf)."}),
    ({"address": "A" * 201}, {"address": "Terlalu panjang (maksimal 200 karakter)."}),
    ({"occupation": "A" * 61}, {"occupation": "Terlalu panjang (maksimal 60 karakter)."}),
    ({"occupation": "-"}, {"occupation": "Pekerjaan diawali huruf, tanpa simbol."}),
    ({"notes": "A" * 501}, {"notes": "Terlalu panjang (maksimal 500 karakter)."}),
    ({"mismatch_reason": "A" * 501}, {"mismatch_reason": "Terlalu panjang (maksimal 500 karakter)."}),
    ({"birth_date": ""}, {"birth_date": "Wajib diisi."}),
    ({"birth_date": "1990-02-31"}, {"birth_date": "Tanggal lahir tidak valid (tanggal itu tidak ada di kalender)."}),
    ({"birth_date": "2026-05-13"}, {"birth_date": "Tanggal lahir tidak boleh di masa depan."}),
    ({"nik": "3508075112990001", "birth_date": "1899-12-31"},
     {"birth_date": "Tanggal lahir sebelum tahun 1900 tidak mungkin."}),
    ({"sex": "X"}, {"sex": "Pilih jenis kelamin: Laki-laki atau Perempuan."}),
    ({"marital_status": "kawin"}, {"marital_status": "Pilih status perkawinan dari daftar."}),
    ({"rt": ""}, {"rt": "Wajib diisi."}),
    ({"rt": "1234"}, {"rt": "RT berupa angka, paling banyak 3 angka (contoh: 003)."}),
    ({"rw": "1a"}, {"rw": "RW berupa angka, paling banyak 3 angka (contoh: 003)."}),
    ({"rw": "\uff11"}, {"rw": "RW berupa angka, paling banyak 3 angka (contoh: 003)."}),  # a fullwidth 1
    ({"desa": " "}, {"desa": "Wajib diisi."}),
    ({"desa": "Antah"}, {"desa": "Desa/kelurahan tidak ada di kecamatan ini. Pilih dari daftar."}),
    ({"religion": "islam"}, {"religion": "Pilih agama/kepercayaan dari daftar."}),
    ({"phone": "0712345678"}, {"phone": "Nomor HP tidak valid (contoh: 081234567890)."}),
    ({"phone": "+62 812 3456 7890"}, {}),
    ({"reason": "iseng"}, {"reason": "Pilih alasan permohonan dari daftar."}),
]


def test_each_refusal_names_its_field_with_its_own_message():
    for changes, expected in REFUSALS:
        assert checked(**changes)[1] == expected, changes


def test_an_empty_desa_list_says_the_admin_has_not_set_the_kecamatan():
    assert validate_application(applicant_form(), [], TODAY)[1] == {
        "desa": "Daftar desa kosong: admin belum mengisi kode kecamatan di Pengaturan Kantor."}


def test_age_turns_on_the_birthday_itself():
    born = date(2009, 5, 12)
    assert (age_on(born, date(2026, 5, 11)), age_on(born, date(2026, 5, 12)), age_on(born, date(2026, 12, 31))) == (16, 17, 17)
    assert age_on(date(2000, 2, 29), date(2017, 2, 28)) == 16 and age_on(date(2000, 2, 29), date(2017, 3, 1)) == 17


def test_seventeen_on_the_day_may_apply_and_the_day_before_may_not():
    """Born 12 May 2009, never married: refused on 11 May 2026, accepted on 12 May 2026 (UU 24/2013 Pasal 63)."""
    form = applicant_form(nik="3508071205090001", birth_date="2009-05-12", marital_status="Belum Kawin")
    assert validate_application(form, DESA, date(2026, 5, 11))[1] == {"birth_date": (
        "Pemohon belum berumur 17 tahun dan belum pernah kawin: belum wajib memiliki KTP-el (UU 24/2013 Pasal 63).")}
    assert validate_application(form, DESA, TODAY)[1:] == ({}, {})


def test_married_the_day_before_nineteen_needs_its_basis_and_on_the_day_does_not():
    form = applicant_form(nik="3508071205070001", birth_date="2007-05-12", marital_status="Cerai Hidup",
                      notes="Dispensasi PA Lumajang")
    assert validate_application(form, DESA, date(2026, 5, 11))[1:] == ({}, {"marital_status": (
        "Pemohon berumur 18 tahun dengan status Cerai Hidup: batas umur kawin 19 tahun (UU 16/2019). Periksa KK; "
        "bila benar ada dispensasi kawin dari pengadilan, tulis nomor/keterangannya di Catatan.")})
    assert validate_application(dict(form, notes=""), DESA, TODAY)[1:] == ({}, {})


def test_a_marriage_below_the_legal_age_is_refused_without_its_basis_in_the_notes():
    """One function for every way in (tests/registration/test_ways_in.py): the refusal is part of it."""
    young = applicant_form(nik="3508071205070001", birth_date="2007-05-12", marital_status="Kawin", notes="")
    _, errors, warnings = validate_application(young, DESA, TODAY.replace(year=2025))
    assert errors == {"notes": UNDERAGE_MARRIAGE_NEEDS_BASIS} and "marital_status" in warnings
    assert validate_application(dict(young, notes=" "), DESA, TODAY.replace(year=2025))[1] == {
        "notes": UNDERAGE_MARRIAGE_NEEDS_BASIS}
    assert validate_application(dict(young, notes="Dispensasi PA Lumajang"), DESA, TODAY.replace(year=2025))[1] == {}


def test_a_nik_that_disagrees_needs_a_written_reason():
    """Born 13 May 1990 by the form, 12 May by the NIK: a warning, refused until a reason is written."""
    clean, errors, warnings = checked(birth_date="1990-05-13")
    assert errors == {"mismatch_reason": ("NIK tidak cocok dengan tanggal lahir/jenis kelamin. Periksa KK pemohon; "
                                          "bila memang benar, tulis alasannya di sini.")}
    assert warnings["nik"].startswith("Tanggal lahir di NIK (12-05-1990) tidak sama") and warnings["nik"].endswith(".")
    clean, errors, _ = checked(birth_date="1990-05-13", mismatch_reason=" sesuai KK\n  (dicek) ")
    assert errors == {} and clean["mismatch_reason"] == "sesuai KK\n  (dicek)"  # its lines kept, as the notes'

    assert checked(mismatch_reason="tidak perlu")[0]["mismatch_reason"] == ""  # nothing to explain


OLD_CODE_NOTE = ("Kode kecamatan 32.07.20 tidak ada di daftar Kemendagri 2025 (mungkin kode lama sebelum pemekaran "
                 "atau perubahan kode wilayah). Cocokkan dengan KTP-el/KK pemohon.")


def test_the_nik_and_kk_are_refused_or_noted_under_their_own_fields():
    assert checked(nik="123")[1:] == ({"nik": "NIK harus 16 angka"}, {})
    assert checked(kk_number="3508070101100000")[1:] == (
        {"kk_number": "Nomor urut Nomor KK (4 angka terakhir) tidak boleh 0000"}, {})
    # 32.07.20 (Ciamis, moved to Pangandaran in 2012): stored, with a note under each number
    assert checked(nik="3207201205900001", kk_number="3207200101100007")[1:] == (
        {}, {"nik": OLD_CODE_NOTE, "kk_number": OLD_CODE_NOTE})


def test_a_mismatch_keeps_the_region_note_beside_it():
    _, errors, warnings = checked(nik="3207201205900001", birth_date="1990-05-13", mismatch_reason="sesuai KK")
    assert (errors, warnings) == ({}, {"nik": "Tanggal lahir di NIK (12-05-1990) tidak sama dengan tanggal lahir "
                                              "yang diisi (13-05-1990). " + OLD_CODE_NOTE})


def test_an_rt_or_rw_of_three_digits_is_kept_as_typed():
    clean, errors, _ = checked(rt="123", rw="045")
    assert (errors, clean["rt"], clean["rw"]) == ({}, "123", "045")


def test_born_today_or_on_1_january_1900_is_a_date_the_form_takes():
    """Today is not the future (the refusal is then the age's); 1900 is the first year taken."""
    assert checked(nik="3508071205260001", birth_date="2026-05-12", marital_status="Belum Kawin")[1] == {
        "birth_date": "Pemohon belum berumur 17 tahun dan belum pernah kawin: belum wajib memiliki KTP-el "
                      "(UU 24/2013 Pasal 63)."}
    assert checked(nik="3508070101000001", birth_date="1900-01-01")[1:] == ({}, {})


def test_a_birth_date_refused_is_not_also_judged_for_age():
    """A date in the future keeps its own refusal: no age refusal over it, no marriage-age warning."""
    for status in ("Belum Kawin", "Kawin"):
        assert checked(birth_date="2026-05-13", marital_status=status)[1:] == (
            {"birth_date": "Tanggal lahir tidak boleh di masa depan."}, {}), status


def test_fields_left_empty_stay_empty_in_the_form_sent_back():
    clean, errors, _ = checked(sex="", marital_status="", desa="", religion="", phone="")
    assert (clean["sex"], clean["marital_status"], clean["desa_code"], clean["religion"], clean["phone"]) == (
        "", "", None, "", "")
    assert errors == {"sex": "Pilih jenis kelamin: Laki-laki atau Perempuan.",
                      "marital_status": "Pilih status perkawinan dari daftar.", "desa": "Wajib diisi.",
                      "religion": "Pilih agama/kepercayaan dari daftar."}  # no phone: it may stay empty


def test_two_mismatches_are_named_in_one_note():
    _, errors, warnings = checked(birth_date="1990-05-13", sex="P", mismatch_reason="sesuai KK")
    assert (errors, warnings) == ({}, {"nik": (
        "Tanggal lahir di NIK (12-05-1990) tidak sama dengan tanggal lahir yang diisi (13-05-1990); "
        "NIK menunjukkan laki-laki (tanggal tanpa +40) tetapi jenis kelamin diisi perempuan.")})

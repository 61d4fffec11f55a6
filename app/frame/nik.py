"""NIK and No. KK rules: what the clerk typed, checked before anything is stored.

NIK structure (UU 24/2013 Pasal 13; Permendagri 7/2019): 16 digits, no check digit.
  digits 1-6   kecamatan code where the NIK was first issued (any kecamatan in Indonesia)
  digits 7-12  date of birth DDMMYY, 40 added to the day for women
  digits 13-16 serial number, from 0001
No. KK structure (Permendagri 7/2019, as the NIK): digits 1-6 the region code, 7-12 the date the
KK was issued DDMMYY (no offset), 13-16 the serial number from 0001.
The NIK is for life (UU 24/2013 Pasal 13 ayat 2): it is not reissued when the region is split
or renumbered, nor when a birth date is later corrected. So an old region code is accepted
(with a warning), and a NIK that disagrees with the entered birth date or sex is a warning for
the clerk to confirm, not a refusal.

`stdnum.id.nik` is not used for validation: it rejects NIKs from the post-2022 Papua provinces
(93-96), accepts day digits 81-99 and serial 0000, and guesses the century 1900-first.
"""
import re
from datetime import date
from enum import StrEnum
from functools import lru_cache

from app.frame.regions import dotted, is_kecamatan_code, region

NUMBER_LENGTH = 16  # Permendagri 7/2019: NIK and No. KK are 16 digits
FEMALE_DAY_OFFSET = 40  # Permendagri 7/2019: women's birth day + 40 in the NIK

_SEPARATORS = re.compile(r"[\s.\-]+")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_SEQUENCE = "01234567890123456789"


class Sex(StrEnum):
    """Jenis kelamin as written on the KTP-el."""
    LAKI_LAKI = "L"
    PEREMPUAN = "P"

    @property
    def label(self) -> str:
        return "laki-laki" if self is Sex.LAKI_LAKI else "perempuan"


class NikProblem(StrEnum):
    """Why a typed NIK is refused; the value is the message shown next to the field."""
    EMPTY = "NIK wajib diisi"
    PLACEHOLDER = ("NIK sementara atau kosong tidak dapat dicatat. Pemohon harus menyelesaikan "
                   "KK/NIK di Dukcapil terlebih dahulu.")
    NOT_DIGITS = "NIK hanya boleh berisi angka"
    WRONG_LENGTH = "NIK harus 16 angka"
    UNKNOWN_REGION = "Kode wilayah NIK (6 angka pertama) bukan kode kecamatan Kemendagri"
    INVALID_BIRTH_DATE = "Tanggal lahir di NIK (angka ke-7 sampai ke-12) tidak valid"
    ZERO_SERIAL = "Nomor urut NIK (4 angka terakhir) tidak boleh 0000"


class KkProblem(StrEnum):
    """Why a typed Nomor KK is refused; the value is the message shown next to the field."""
    EMPTY = "Nomor KK wajib diisi"
    PLACEHOLDER = ("Nomor KK sementara atau kosong tidak dapat dicatat. Pemohon harus "
                   "menyelesaikan KK/NIK di Dukcapil terlebih dahulu.")
    NOT_DIGITS = "Nomor KK hanya boleh berisi angka"
    WRONG_LENGTH = "Nomor KK harus 16 angka"
    UNKNOWN_REGION = "Kode wilayah Nomor KK (6 angka pertama) bukan kode kecamatan Kemendagri"
    INVALID_ISSUE_DATE = "Tanggal terbit di Nomor KK (angka ke-7 sampai ke-12, HHBBTT) tidak valid"
    ZERO_SERIAL = "Nomor urut Nomor KK (4 angka terakhir) tidak boleh 0000"


def normalise_number(text: str | None) -> str:
    """Drop the spaces, dots and dashes a clerk may type: '3508.0712-0590 0001' -> '3508071205900001'."""
    return _SEPARATORS.sub("", text or "")


def is_placeholder_number(text: str | None) -> bool:
    """True for stand-ins typed when the visitor has no number: '0', '-', 'sementara', '1111...', '123456...'."""
    raw = (text or "").strip()
    number = normalise_number(raw)
    if not raw:
        return False  # empty is "wajib diisi", not a placeholder
    if not number:
        return True  # only separators: '-', '...'
    if not any(c.isdigit() for c in number):  # str.isdigit: Arabic-Indic or fullwidth digits are digits too
        return True  # a word instead of a number: 'sementara', 'belum ada', 'xxx'
    if not _ASCII_DIGITS.fullmatch(number):
        return False
    if len(set(number)) == 1:
        return True  # '0', '0000000000000000', '9999999999999999'
    return len(number) >= 6 and number in _SEQUENCE  # '123456', '1234567890123456'


@lru_cache(maxsize=4096)
def _kabupaten_ever_existed(code4: str) -> bool:
    # Current list (Kepmendagri 300.2.2-2138/2025) or the pre-2022 codes kept by python-stdnum
    # (e.g. 94.01 Merauke, now 93.01): old NIKs keep the code of the day they were issued.
    found = region(code4)
    if found is not None and found.level == "kabupaten":
        return True
    from stdnum import numdb
    parts = numdb.get("id/loc").info(code4)
    return len(parts) == 2 and all("name_id" in props for _, props in parts)


def _region_code_problem(code6: str) -> bool:
    """True when the first six digits cannot be a kecamatan code in any list: a part "00" (a province
    or kabupaten itself, not a kecamatan) or a province below 11 (Kemendagri's start at 11, Aceh).
    A well-formed code missing from the list only warns (region_code_warning), at every level alike:
    a province or kabupaten made after the list was shipped must not turn its people away."""
    province, kabupaten, kecamatan = code6[:2], code6[2:4], code6[4:6]
    return province < "11" or "00" in (kabupaten, kecamatan)


def region_code_warning(number: str) -> str | None:
    """A soft note when the NIK/KK region code is well formed but not in the 2025 list."""
    number = normalise_number(number)
    code6 = number[:6]
    if len(code6) < 6 or not code6.isdigit() or is_kecamatan_code(code6) or _region_code_problem(code6):
        return None
    if _kabupaten_ever_existed(code6[:4]):
        return (f"Kode kecamatan {dotted(code6)} tidak ada di daftar Kemendagri 2025 "
                "(mungkin kode lama sebelum pemekaran atau perubahan kode wilayah). "
                "Cocokkan dengan KTP-el/KK pemohon.")
    unknown = "provinsi" if region(code6[:2]) is None else "kabupaten/kota"
    return (f"Kode wilayah {dotted(code6)} tidak ada di daftar Kemendagri 2025: kode {unknown} "
            f"{dotted(code6[:2] if unknown == 'provinsi' else code6[:4])} tidak dikenal, juga bukan kode lama "
            "(mungkin salah ketik, atau wilayah baru). Cocokkan dengan KTP-el/KK pemohon.")


def _birth_day_month_yy(nik: str) -> tuple[int, int, int, Sex]:
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > FEMALE_DAY_OFFSET:
        return day - FEMALE_DAY_OFFSET, month, yy, Sex.PEREMPUAN
    return day, month, yy, Sex.LAKI_LAKI


def birth_digits_valid(nik: str) -> bool:
    """Do digits 7-12 hold a real birth date (day + 40 for women) in some century?"""
    day, month, yy, _ = _birth_day_month_yy(nik)
    return _real_ddmmyy(day, month, yy)  # also refuses day digits 32-40 and 72-99


def _number_problem(text: str | None, problems, date_valid, date_problem):
    """The first reason a typed 16-digit Dukcapil number (NIK or Nomor KK: region, a date, a serial) cannot
    be stored, as a member of `problems`; `date_valid(number)` checks digits 7-12 (`date_problem` if not)."""
    if not (text or "").strip():
        return problems.EMPTY
    if is_placeholder_number(text):
        return problems.PLACEHOLDER
    number = normalise_number(text)
    if not _ASCII_DIGITS.fullmatch(number):
        return problems.NOT_DIGITS
    if len(number) != NUMBER_LENGTH:
        return problems.WRONG_LENGTH
    if _region_code_problem(number[:6]):
        return problems.UNKNOWN_REGION
    if not date_valid(number):
        return date_problem
    if number[12:] == "0000":
        return problems.ZERO_SERIAL
    return None


def nik_problem(text: str | None) -> NikProblem | None:
    """The first reason the typed NIK cannot be stored, or None when its structure is sound."""
    return _number_problem(text, NikProblem, birth_digits_valid, NikProblem.INVALID_BIRTH_DATE)


def check_nik_format(text: str | None) -> str | None:
    """Indonesian message for a badly typed NIK, or None when fine."""
    problem = nik_problem(text)
    return str(problem) if problem else None


def kk_problem(text: str | None) -> KkProblem | None:
    """The first reason the typed Nomor KK cannot be stored, or None (digits 7-12: the issue date)."""
    return _number_problem(text, KkProblem, lambda kk: _real_ddmmyy(int(kk[6:8]), int(kk[8:10]), int(kk[10:12])),
                           KkProblem.INVALID_ISSUE_DATE)


def _real_ddmmyy(day: int, month: int, yy: int) -> bool:
    """A real calendar date in some century (29-02-00 is 2000-02-29)."""
    for century in (1900, 2000):
        try:
            date(century + yy, month, day)
            return True
        except ValueError:
            pass
    return False


def check_kk_format(text: str | None) -> str | None:
    """Indonesian message for a badly typed Nomor KK, or None when fine."""
    problem = kk_problem(text)
    return str(problem) if problem else None


def nik_birth_info(nik: str, century_hint_year: int) -> tuple[date, Sex]:
    """Birth date and sex encoded in a NIK; the year is the one ending in YY nearest `century_hint_year`.

    Raises ValueError when the date digits are not a real date in that century.
    """
    nik = normalise_number(nik)
    if not (_ASCII_DIGITS.fullmatch(nik) and len(nik) == NUMBER_LENGTH):
        raise ValueError(str(NikProblem.WRONG_LENGTH))
    day, month, yy, sex = _birth_day_month_yy(nik)
    base = century_hint_year - century_hint_year % 100
    # The NIK holds only YY; the entered birth date says which century (stdnum guesses 1900 first).
    # Only real dates compete: 29-02-00 can only be 2000-02-29, whatever birth date was typed.
    candidates = []
    for year in (base - 100 + yy, base + yy, base + 100 + yy):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            pass
    if not candidates:
        raise ValueError(str(NikProblem.INVALID_BIRTH_DATE))
    return min(candidates, key=lambda d: (abs(d.year - century_hint_year), d.year)), sex


def check_nik_matches(nik: str, birth_date: date | None, sex: str | None) -> list[str]:
    """Indonesian messages where the NIK disagrees with the entered birth date or sex (empty when they agree).

    These are warnings to confirm with the visitor's KTP-el/KK: a NIK is never reissued after a
    birth date correction. A fault in the NIK itself is returned as its one message.
    """
    if (problem := nik_problem(nik)) is not None:
        return [str(problem)]
    messages = []
    hint = birth_date.year if birth_date else 2000  # any year will do when only sex is compared
    try:
        nik_date, nik_sex = nik_birth_info(nik, hint)
    except ValueError as error:
        return [str(error)]
    if birth_date is not None and nik_date != birth_date:
        messages.append(f"Tanggal lahir di NIK ({nik_date:%d-%m-%Y}) tidak sama dengan tanggal lahir "
                        f"yang diisi ({birth_date:%d-%m-%Y})")
    if sex:
        entered = Sex(sex.upper())  # ValueError for anything but 'L'/'P': a programming error, not the clerk's
        if entered is not nik_sex:
            how = "tanggal +40" if nik_sex is Sex.PEREMPUAN else "tanggal tanpa +40"
            messages.append(f"NIK menunjukkan {nik_sex.label} ({how}) tetapi jenis kelamin diisi {entered.label}")
    return messages

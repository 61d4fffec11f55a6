"""The rules of a KTP-el applicant's record: NIK, KK, name, birth date, sex, address, desa code.

`validate_application(form, desa, today)` returns (clean values, errors by field, warnings by field).
One copy for every way in (tests/registration/test_ways_in.py enumerates them): the counter's form and
its edit, the collective import, the desa's form, the counter's acceptance of a desa form, a desa form
arriving by QR code or relay, and the center (its API and USB import, and its relay of desa forms),
so a record the counter would refuse is refused wherever it enters.
"""
import re
from datetime import date

from app.frame.dates import parse_iso_date
from app.frame import nik as nik_rules

# Reasons for a KTP-el application at the kecamatan (Permendagri 19/2018 on KTP-el services).
REASONS = {
    "baru": "Baru (pemula, 17 tahun / sudah kawin)",
    "rusak": "Rusak",
    "hilang": "Hilang (dengan surat kehilangan dari kepolisian)",
    "perubahan_data": "Perubahan data",
    "pindah_datang": "Pindah datang",
}
# The six religions and the belief column on the KTP-el (UU 24/2013 as amended; MK 97/PUU-XIV/2016).
RELIGIONS = ["Islam", "Kristen", "Katolik", "Hindu", "Buddha", "Khonghucu", "Kepercayaan terhadap Tuhan YME"]
# Status perkawinan as printed on the KTP-el.
MARITAL_STATUSES = ["Belum Kawin", "Kawin", "Cerai Hidup", "Cerai Mati"]
EVER_MARRIED = {"Kawin", "Cerai Hidup", "Cerai Mati"}
SEXES = {"L": "Laki-laki", "P": "Perempuan"}
OCCUPATION_SUGGESTIONS = [
    "Belum/Tidak Bekerja", "Mengurus Rumah Tangga", "Pelajar/Mahasiswa", "Petani/Pekebun", "Buruh Tani",
    "Buruh Harian Lepas", "Karyawan Swasta", "Wiraswasta", "Pedagang", "Nelayan", "Guru",
    "Pegawai Negeri Sipil", "TNI", "Polri", "Perangkat Desa", "Sopir", "Tukang", "Pensiunan",
]
# UU 24/2013 Pasal 63 ayat 1: KTP-el for residents aged 17, or married or ever married.
KTP_AGE = 17
# UU 1/1974 Pasal 7 ayat 1 as amended by UU 16/2019: marriage from 19 years; younger only with a
# court's dispensation (ayat 2), so an earlier marriage is a warning that asks for it, not a refusal.
MARRIAGE_AGE = 19
OLDEST_BIRTH_YEAR = 1900

FIELDS = ("nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "address", "rt", "rw",
          "desa", "religion", "marital_status", "occupation", "phone", "reason", "biometric_done", "notes",
          "mismatch_reason")
# The fields an applicant record stores (the form's `desa` as its code): what a desa form carries to the counter.
EDITABLE_FIELDS = tuple("desa_code" if field == "desa" else field for field in FIELDS)
LIMITS = {"full_name": 100, "birth_place": 60, "address": 200, "occupation": 60, "notes": 500,
          "mismatch_reason": 500}

_NAME = re.compile(r"[A-Za-z][A-Za-z .,'\-]*")
_PLACE = re.compile(r"[A-Za-z][A-Za-z0-9 .,'\-()/]*")
_MARKUP = re.compile(r"[<>]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # keeps tab and line breaks for notes
_ADDRESS = re.compile(r".*[^\W\d_].*")  # at least one letter
_PHONE = re.compile(r"(?:\+62|62|0)8\d{7,11}")


UNDERAGE_MARRIAGE_NEEDS_BASIS = "Tulis dasar status kawin di bawah umur (dispensasi kawin dari pengadilan) di sini."


def _require_marriage_basis(clean: dict, errors: dict, warnings: dict) -> None:
    """A marriage below the legal age is saved only with its written basis in Catatan. Part of
    `validate_application`, so every way in applies it; the center's record carries no notes and
    leaves this refusal to the kecamatan (sync/center/records.NOT_IN_RECORD)."""
    if "marital_status" in warnings and not clean.get("notes"):
        errors["notes"] = UNDERAGE_MARRIAGE_NEEDS_BASIS


def carried_form(fields: dict) -> dict:
    """A desa form's carried fields (EDITABLE_FIELDS, from its QR code or the relay) as the form these
    rules read: texts only, its desa by code, biometric_done as the form's box."""
    form = {key: value for key, value in fields.items() if isinstance(value, (str, bool, int))}
    form["desa"] = form.get("desa_code", "")
    form["biometric_done"] = "1" if form.get("biometric_done") else ""
    return form


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _text(value, field, errors, *, required=True, pattern=None, pattern_message=""):
    value = " ".join((value or "").split()) if field not in ("notes", "mismatch_reason") else (value or "").strip()
    if not value:
        if required:
            errors[field] = "Wajib diisi."
        return value
    if _MARKUP.search(value):
        errors[field] = "Tidak boleh berisi tanda < atau > (kode HTML)."
    elif _CONTROL.search(value):
        errors[field] = "Berisi karakter tak terlihat (kontrol). Ketik ulang isian ini."
    elif len(value) > LIMITS.get(field, 100):
        errors[field] = f"Terlalu panjang (maksimal {LIMITS.get(field, 100)} karakter)."
    elif pattern and not pattern.fullmatch(value):
        errors[field] = pattern_message
    return value


def nik_mismatch_messages(nik: str, birth_text: str, sex: str) -> list[str]:
    """For the inline check as the form is typed (the counter's and the desa's): problems or mismatches
    of the NIK (may be empty)."""
    if (message := nik_rules.check_nik_format(nik)) is not None:
        return [message]
    birth = parse_iso_date(birth_text)
    sex = (sex or "").strip().upper()
    return nik_rules.check_nik_matches(nik, birth, sex if sex in SEXES else None)


def match_desa(typed: str, desa: list) -> str | None:
    """The desa code for what the clerk typed or picked: a code, or a name (any case)."""
    typed = " ".join((typed or "").split())
    if not typed:
        return None
    for region in desa:
        if typed in (region.code, region.code.replace(".", "")) or typed.casefold() == region.name.casefold():
            return region.code
    return None


def reason_candidates(typed: str) -> list[str]:
    """The reason codes what the clerk typed may mean: a code or a whole label is one; else each
    label with a word starting with the text typed (3 letters or more: "Baru", "pemula", "hilang")."""
    typed = " ".join((typed or "").split()).casefold()
    exact = [code for code, label in REASONS.items() if typed in (code, label.casefold())]
    if exact or len(typed) < 3:
        return exact
    return [code for code, label in REASONS.items()
            if any(label.casefold()[word.start():].startswith(typed) for word in re.finditer(r"\w+", label))]


def match_reason(typed: str) -> str | None:
    """The one reason the text typed means; None when it fits none or several ("data")."""
    fits = reason_candidates(typed)
    return fits[0] if len(fits) == 1 else None


def _padded_number(value, field, errors, label):
    value = (value or "").strip()
    if not value:
        errors[field] = "Wajib diisi."
    elif not value.isascii() or not value.isdigit() or len(value) > 3:
        errors[field] = f"{label} berupa angka, paling banyak 3 angka (contoh: 003)."
    else:
        return value.zfill(3)
    return value


def validate_application(form, desa: list, today: date) -> tuple[dict, dict, dict]:
    """Check the typed form; returns (clean, errors, warnings). `desa` is this kecamatan's desa list."""
    errors: dict[str, str] = {}
    warnings: dict[str, str] = {}
    clean: dict = {}

    clean["nik"] = nik_rules.normalise_number(form.get("nik"))
    if (message := nik_rules.check_nik_format(form.get("nik"))) is not None:
        errors["nik"] = message
    elif (note := nik_rules.region_code_warning(clean["nik"])) is not None:
        warnings["nik"] = note
    clean["kk_number"] = nik_rules.normalise_number(form.get("kk_number"))
    if (message := nik_rules.check_kk_format(form.get("kk_number"))) is not None:
        errors["kk_number"] = message
    elif (note := nik_rules.region_code_warning(clean["kk_number"])) is not None:
        warnings["kk_number"] = note

    clean["full_name"] = _text(form.get("full_name"), "full_name", errors, pattern=_NAME,
                               pattern_message="Nama hanya boleh berisi huruf, spasi, titik, koma, petik dan tanda hubung.")
    clean["birth_place"] = _text(form.get("birth_place"), "birth_place", errors, pattern=_PLACE,
                                 pattern_message="Tempat lahir diawali huruf, tanpa simbol.")

    typed_birth = (form.get("birth_date") or "").strip()
    birth = parse_iso_date(typed_birth)
    if not typed_birth:
        errors["birth_date"] = "Wajib diisi."
    elif birth is None:
        errors["birth_date"] = "Tanggal lahir tidak valid (tanggal itu tidak ada di kalender)."
    elif birth > today:
        errors["birth_date"] = "Tanggal lahir tidak boleh di masa depan."
    elif birth.year < OLDEST_BIRTH_YEAR:
        errors["birth_date"] = f"Tanggal lahir sebelum tahun {OLDEST_BIRTH_YEAR} tidak mungkin."
    clean["birth_date"] = birth

    clean["sex"] = (form.get("sex") or "").strip().upper()
    if clean["sex"] not in SEXES:
        errors["sex"] = "Pilih jenis kelamin: Laki-laki atau Perempuan."

    clean["marital_status"] = (form.get("marital_status") or "").strip()
    if clean["marital_status"] not in MARITAL_STATUSES:
        errors["marital_status"] = "Pilih status perkawinan dari daftar."
    elif birth and "birth_date" not in errors and age_on(birth, today) < KTP_AGE \
            and clean["marital_status"] not in EVER_MARRIED:
        errors["birth_date"] = (f"Pemohon belum berumur {KTP_AGE} tahun dan belum pernah kawin: "
                                "belum wajib memiliki KTP-el (UU 24/2013 Pasal 63).")
    elif birth and "birth_date" not in errors and clean["marital_status"] in EVER_MARRIED \
            and (age := age_on(birth, today)) < MARRIAGE_AGE:
        warnings["marital_status"] = (
            f"Pemohon berumur {age} tahun dengan status {clean['marital_status']}: batas umur kawin "
            f"{MARRIAGE_AGE} tahun (UU 16/2019). Periksa KK; bila benar ada dispensasi kawin dari pengadilan, "
            "tulis nomor/keterangannya di Catatan.")

    clean["address"] = _text(form.get("address"), "address", errors, pattern=_ADDRESS,
                             pattern_message="Alamat harus berisi nama jalan/dusun (huruf).")
    clean["rt"] = _padded_number(form.get("rt"), "rt", errors, "RT")
    clean["rw"] = _padded_number(form.get("rw"), "rw", errors, "RW")

    typed_desa = form.get("desa") or ""
    clean["desa_code"] = match_desa(typed_desa, desa)
    if clean["desa_code"] is None:
        if not typed_desa.strip():
            errors["desa"] = "Wajib diisi."
        elif not desa:
            errors["desa"] = "Daftar desa kosong: admin belum mengisi kode kecamatan di Pengaturan Kantor."
        else:
            errors["desa"] = "Desa/kelurahan tidak ada di kecamatan ini. Pilih dari daftar."

    clean["religion"] = (form.get("religion") or "").strip()
    if clean["religion"] not in RELIGIONS:
        errors["religion"] = "Pilih agama/kepercayaan dari daftar."
    clean["occupation"] = _text(form.get("occupation"), "occupation", errors, pattern=_PLACE,
                                pattern_message="Pekerjaan diawali huruf, tanpa simbol.")

    phone = re.sub(r"[\s\-().]", "", form.get("phone") or "")
    clean["phone"] = phone
    if phone and not _PHONE.fullmatch(phone):
        errors["phone"] = "Nomor HP tidak valid (contoh: 081234567890)."

    clean["reason"] = match_reason(form.get("reason"))
    if clean["reason"] is None:
        several = reason_candidates(form.get("reason"))
        errors["reason"] = (f"Cocok dengan {len(several)} alasan ({', '.join(REASONS[c] for c in several)}): pilih satu dari daftar."
                            if several else "Pilih alasan permohonan dari daftar.")

    clean["biometric_done"] = form.get("biometric_done") in ("1", "on", "ya", "true")
    clean["notes"] = _text(form.get("notes"), "notes", errors, required=False)
    clean["mismatch_reason"] = _text(form.get("mismatch_reason"), "mismatch_reason", errors, required=False)

    # The NIK against the entered birth date and sex: a warning, savable only with a written reason.
    if "nik" not in errors and "birth_date" not in errors and "sex" not in errors:
        mismatches = nik_rules.check_nik_matches(clean["nik"], birth, clean["sex"])
        if mismatches:
            # keep the region note beside the mismatch: both need checking against the KK
            warnings["nik"] = " ".join(filter(None, ["; ".join(mismatches) + ".", warnings.get("nik")]))
            if not clean["mismatch_reason"]:
                errors["mismatch_reason"] = ("NIK tidak cocok dengan tanggal lahir/jenis kelamin. Periksa KK "
                                             "pemohon; bila memang benar, tulis alasannya di sini.")
        else:
            clean["mismatch_reason"] = ""  # nothing to explain
    _require_marriage_basis(clean, errors, warnings)
    return clean, errors, warnings

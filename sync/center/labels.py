"""Indonesian labels for a received application's record on the center's pages (never the
code names `birth_date`, `biometric_done False` or `sex P`)."""
from datetime import date

FIELD_LABELS = {
    "registration_number": "Nomor pendaftaran", "nik": "NIK", "kk_number": "Nomor KK", "full_name": "Nama lengkap",
    "birth_place": "Tempat lahir", "birth_date": "Tanggal lahir", "sex": "Jenis kelamin", "address": "Alamat",
    "rt": "RT", "rw": "RW", "desa_code": "Kode desa/kelurahan", "religion": "Agama",
    "marital_status": "Status perkawinan", "occupation": "Pekerjaan", "reason": "Alasan permohonan",
    "biometric_done": "Perekaman biometrik",
}
SEX_LABELS = {"L": "Laki-laki", "P": "Perempuan"}
REASON_LABELS = {"baru": "Baru (pertama kali)", "rusak": "Rusak", "hilang": "Hilang",
                 "perubahan_data": "Perubahan data", "pindah_datang": "Pindah datang"}


def _shown(name: str, value) -> str:
    if name == "sex":
        return SEX_LABELS.get(value, value or "–")
    if name == "biometric_done":
        return "Sudah" if value else "Belum"
    if name == "reason":
        return REASON_LABELS.get(value, value or "–")
    if name == "birth_date" and value:
        try:
            return date.fromisoformat(value).strftime("%d-%m-%Y")
        except ValueError:
            return str(value)
    return "–" if value in (None, "") else str(value)


def readable_record(record: dict) -> list[tuple[str, str]]:
    """(Indonesian label, readable value) in the record's order; unknown fields keep their name."""
    return [(FIELD_LABELS.get(name, name.replace("_", " ").capitalize()), _shown(name, value))
            for name, value in record.items()]

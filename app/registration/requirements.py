"""The requirements checklist of the office's KTP-el service standard, per reason.

The admin edits the list (the standard changes: F-1.07 or its successor, ...); it is kept as
the setting `requirements`: [{"code", "label", "reasons": [reason codes]}].
"""
import re

from app.registration.intake import REASONS

# Standar pelayanan KTP-el di kecamatan (Permendagri 19/2018 Pasal 12-16), as most offices publish it.
DEFAULT_REQUIREMENTS = [
    {"code": "pengantar_desa", "label": "Surat pengantar desa/kelurahan (F-1.07 atau penggantinya)",
     "reasons": list(REASONS)},
    {"code": "fotokopi_kk", "label": "Fotokopi Kartu Keluarga", "reasons": list(REASONS)},
    {"code": "pas_foto", "label": "Pas foto 3x4 (atau difoto di loket)", "reasons": list(REASONS)},
    {"code": "ktp_rusak", "label": "KTP-el yang rusak", "reasons": ["rusak"]},
    {"code": "surat_kehilangan", "label": "Surat keterangan kehilangan dari kepolisian", "reasons": ["hilang"]},
    {"code": "dokumen_perubahan", "label": "Dokumen dasar perubahan data (akta, ijazah, buku nikah)",
     "reasons": ["perubahan_data"]},
    {"code": "skpwni", "label": "Surat Keterangan Pindah (SKPWNI) dari daerah asal", "reasons": ["pindah_datang"]},
]


def requirements_for(reason: str, configured: list[dict]) -> list[dict]:
    """The requirements that apply to an application with this reason, in the configured order."""
    return [item for item in configured if reason in item.get("reasons", [])]


def missing(reason: str, ticked: set[str], configured: list[dict]) -> list[dict]:
    """The requirements for `reason` the clerk did not tick: what the return slip lists."""
    return [item for item in requirements_for(reason, configured) if item["code"] not in ticked]


def code_for(label: str, taken: set[str]) -> str:
    """A stable code for a new requirement made from its label ('Akta Kelahiran' -> 'akta_kelahiran')."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:40] or "syarat"
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    return code

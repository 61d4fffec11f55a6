"""The service indicators, each a share (numerator / denominator x 100%) with a yearly target.

Modelled on the Standar Pelayanan Minimal way of stating a service (Permendagri 59/2021 style:
a percentage against a target); the indicators themselves come from the kecamatan's service
standard. Pure: no Flask, no database.
"""
from dataclasses import dataclass

from app.frame.rounding import decimal_text, percent_text


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    numerator: str
    denominator: str
    default_target: float
    higher_is_better: bool = True
    is_index: bool = False  # IKM: a value 25-100, not a share
    source: str = ""        # which capability supplies it, for the "not available" note
    basis: str = ""         # the rule or standard the definition follows, shown under the figure


# Each definition counts distinct applications (or complaints, or days) per period, and its
# numerator is always a subset of its denominator. docs/recap.md states each with its source.
INDICATORS: tuple[Indicator, ...] = (
    # The service standard's time (PermenPANRB 15/2014, komponen "jangka waktu penyelesaian") ends
    # when the product is ready for the citizen, not when the citizen comes for it. A file is
    # counted once, in the period its promise is settled: the day its card was ready, when that
    # was on or before the promised date, else the day after the promised date (overdue, ready or not).
    Indicator("siap_tepat_waktu", "KTP-el siap diambil tepat waktu",
              "permohonan yang KTP-el-nya siap diambil paling lambat pada tanggal janji",
              "permohonan yang jatuh tempo dalam periode (siap diambil, atau lewat tanggal janji)", 90.0,
              source="registration",
              basis="PermenPANRB 15/2014 (standar pelayanan: jangka waktu penyelesaian); UU 25/2009 pasal 21"),
    # The citizen's side: cards collected, by the day they were collected.
    Indicator("serah_tepat_waktu", "KTP-el diambil warga tepat waktu",
              "permohonan diambil warga paling lambat pada tanggal janji",
              "permohonan diambil warga dalam periode", 90.0, source="registration",
              basis="tanda terima penyerahan KTP-el; bergantung juga pada kapan warga datang"),
    # A cohort: of the applications registered in the period, those ever returned as incomplete
    # (an application returned twice counts once, in the period it was registered).
    Indicator("berkas_dikembalikan", "Berkas dikembalikan karena belum lengkap",
              "permohonan yang didaftarkan dalam periode dan pernah dikembalikan (belum lengkap)",
              "permohonan didaftarkan dalam periode", 10.0, higher_is_better=False, source="registration",
              basis="PermenPANRB 15/2014 (standar pelayanan: persyaratan); slip pengembalian berkas"),
    Indicator("pengaduan_tepat_waktu", "Pengaduan ditindaklanjuti tepat waktu",
              "pengaduan selesai dalam batas hari kerja", "pengaduan yang sudah selesai atau sudah lewat batas",
              90.0, source="complaints",
              basis="Perpres 76/2013 (pengelolaan pengaduan pelayanan publik); batas hari kerja di pengaturan"),
    Indicator("kotak_saran", "Kotak saran dibuka setiap hari layanan",
              "hari layanan dengan kotak saran dibuka", "hari layanan (hari kerja) dalam periode", 100.0,
              source="complaints", basis="UU 25/2009 pasal 36 (sarana pengaduan)"),
    Indicator("ikm", "Indeks Kepuasan Masyarakat (IKM)", "nilai IKM (PermenPANRB 14/2017)", "", 76.61,
              is_index=True, source="survey", basis="PermenPANRB 14/2017, Lampiran Bab IV"),
)
BY_KEY = {i.key: i for i in INDICATORS}


@dataclass(frozen=True)
class Measure:
    """One indicator's figures for one period; value is a percentage (or the IKM itself)."""
    numerator: float | None
    denominator: float | None
    value: float | None

    @property
    def text(self) -> str:
        """The figure as printed: a share to one decimal, an index to two (half up, app/frame/rounding.py)."""
        if self.denominator is not None:
            return percent_text(int(self.numerator), int(self.denominator))
        return decimal_text(self.value, 2)

    @classmethod
    def share(cls, numerator: int, denominator: int) -> "Measure":
        return cls(numerator, denominator, 100.0 * numerator / denominator if denominator else None)

    @classmethod
    def index(cls, value) -> "Measure":
        return cls(None, None, float(value) if value is not None else None)

    @classmethod
    def missing(cls) -> "Measure":
        return cls(None, None, None)


def meets_target(indicator: Indicator, value: float | None, target: float | None) -> bool | None:
    """True/False against the target; None when there is nothing to judge."""
    if value is None or target is None:
        return None
    return value >= target if indicator.higher_is_better else value <= target


def target_problem(indicator: Indicator, text: str) -> tuple[float | None, str | None]:
    """Parse an admin-entered target ('90', '76,61'); (value, Indonesian message)."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None, "Isi target (angka)."
    try:
        value = float(cleaned)
    except ValueError:
        return None, "Target harus berupa angka, misalnya 90 atau 76,61."
    low, high = (25.0, 100.0) if indicator.is_index else (0.0, 100.0)
    if not low <= value <= high:
        return None, f"Target harus antara {low:g} dan {high:g}."
    return round(value, 2), None

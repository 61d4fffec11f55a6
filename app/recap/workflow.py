"""Who may do what to a quarter's recap, and when (pure rules, no database).

Source: the kecamatan's complaint service standard: every three months the information officer
recaps the complaints and asks the Camat to approve; the Camat announces it on the board.
Each rule returns an Indonesian message when the step is refused, None when it is allowed.
"""
from datetime import date

from app.frame.dates import format_date
from app.frame.periods import Quarter
from app.recap.models import RecapStatus

EDITABLE = (RecapStatus.DRAFT, RecapStatus.SENT_BACK)
TEXT_MAX = 5000


def period_problem(quarter: Quarter, today: date) -> str | None:
    """A quarter that has not started yet has nothing to recap."""
    if not quarter.has_started(today):
        return f"{quarter.label} belum dimulai (mulai {format_date(quarter.start)}); rekap hanya untuk triwulan yang sudah berjalan."
    return None


def not_finished_problem(quarter: Quarter, today: date) -> str | None:
    if not quarter.has_ended(today):
        return (f"{quarter.label} baru berakhir {format_date(quarter.end)}; rekap dapat diajukan dan disetujui "
                f"setelah triwulan selesai.")
    return None


def edit_problem(status: str | None) -> str | None:
    if status in (None, *EDITABLE):
        return None
    if status == RecapStatus.APPROVED:
        return "Rekap ini sudah disetujui Camat dan tidak dapat diubah lagi."
    return "Rekap ini sedang menunggu persetujuan Camat; tunggu sampai disetujui atau dikembalikan."


def text_problems(promises: str, narrative: str, submitting: bool) -> dict[str, str]:
    errors = {}
    if len(promises) > TEXT_MAX:
        errors["promises"] = f"Janji perbaikan maksimal {TEXT_MAX} karakter."
    if len(narrative) > TEXT_MAX:
        errors["narrative"] = f"Uraian maksimal {TEXT_MAX} karakter."
    if submitting and not promises.strip():
        errors["promises"] = "Tuliskan janji perbaikan layanan sebelum rekap diajukan kepada Camat."
    if submitting and not narrative.strip():
        errors["narrative"] = "Tuliskan uraian singkat sebelum rekap diajukan kepada Camat."
    return errors


def review_problem(status: str | None) -> str | None:
    """The Camat reviews only a submitted recap; an approved one is never approved again."""
    if status == RecapStatus.SUBMITTED:
        return None
    if status == RecapStatus.APPROVED:
        return "Rekap ini sudah disetujui sebelumnya; persetujuan tidak dapat diulang atau dibatalkan."
    return "Rekap ini belum diajukan oleh petugas informasi."


def remark_problem(remark: str) -> str | None:
    if not remark.strip():
        return "Tuliskan catatan perbaikan agar petugas informasi tahu apa yang harus diubah."
    if len(remark) > TEXT_MAX:
        return f"Catatan maksimal {TEXT_MAX} karakter."
    return None

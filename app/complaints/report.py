"""The daily report and the export rows (pure: built from rows already read and filtered)."""
from collections import Counter
from dataclasses import dataclass, field

from app.complaints.models import CHANNELS


@dataclass
class DailySummary:
    total: int = 0
    by_channel: Counter = field(default_factory=Counter)
    by_category: Counter = field(default_factory=Counter)
    grid: Counter = field(default_factory=Counter)  # (category, channel) -> count
    answered_from_desk: list = field(default_factory=list)
    escalated: list = field(default_factory=list)
    waiting: list = field(default_factory=list)  # still 'baru' at the time of printing

    @property
    def channels(self):
        return [c for c in CHANNELS if self.by_channel[c]]


def daily_summary(complaints) -> DailySummary:
    """What came in on one day by channel and category; answered at once from the desk; passed on."""
    summary = DailySummary()
    for c in complaints:
        category = c.category.name
        summary.total += 1
        summary.by_channel[c.channel] += 1
        summary.by_category[category] += 1
        summary.grid[(category, c.channel)] += 1
        if c.answered_from_desk_info:
            summary.answered_from_desk.append(c)
        elif c.status == "baru":
            summary.waiting.append(c)
        else:
            summary.escalated.append(c)
    return summary


EXPORT_HEADER = ["Nomor", "Diterima", "Saluran", "Kategori", "Seksi", "Status", "Nama", "Kontak", "Anonim",
                 "Rahasia", "No. pendaftaran", "Isi pengaduan", "Tindak lanjut", "Instansi lain",
                 "Tanggapan pertama", "Tindak lanjut selesai", "Dijawab dari info meja", "Lewat batas waktu"]


def export_row(c, name: str, contact: str, flags: dict, fmt) -> list:
    overdue = "Ya" if flags["first_overdue"] or flags["follow_overdue"] else ""
    return [  # cells pass app.spreadsheet_cells.safe_row in the export writer
        c.tracking_number, fmt(c.received_at), c.channel_label, c.category_name, c.section, c.status_label,
        name, contact, "Ya" if c.is_anonymous else "", "Ya" if c.is_confidential else "", c.registration_number,
        c.text, c.tindak_lanjut, c.other_office, fmt(c.first_response_at), fmt(c.followed_up_at),
        "Ya" if c.answered_from_desk_info else "", overdue]

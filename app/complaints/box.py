"""The kotak saran is opened at the end of every service day (service standard); rules (pure).

A working day with no opening record is "missing" on the dashboard. Today is never missing: the
box is opened at the end of the day.
"""
from datetime import date, timedelta

from app.frame.working_days import WorkCalendar

LOOK_BACK_DAYS = 30


def missing_days(opened: set[date], calendar: WorkCalendar, today: date, since: date | None = None) -> list[date]:
    """Working days before `today` (back to `since`, default 30 days) without an opening record, newest first."""
    start = since or today - timedelta(days=LOOK_BACK_DAYS)
    days = []
    day = today - timedelta(days=1)
    while day >= start:
        if calendar.is_working_day(day) and day not in opened:
            days.append(day)
        day -= timedelta(days=1)
    return days


def session_problems(opened_on: date | None, slip_count_text: str, is_empty: bool, today: date,
                     already_opened: bool) -> tuple[int, dict]:
    """(slip count, errors) for an opening record."""
    errors = {}
    if opened_on is None:
        errors["opened_on"] = "Tanggal pembukaan wajib diisi (format TTTT-BB-HH)."
    elif opened_on > today:
        errors["opened_on"] = "Tanggal pembukaan tidak boleh di masa depan."
    elif already_opened:
        errors["opened_on"] = "Pembukaan kotak saran pada tanggal ini sudah dicatat."
    text = (slip_count_text or "").strip()
    count = 0
    if is_empty:
        if text not in ("", "0"):
            errors["slip_count"] = "Kotak dicatat kosong: jumlah lembar harus 0 atau dikosongkan."
    elif not text.isdigit() or not 1 <= int(text) <= 500:
        errors["slip_count"] = "Isi jumlah lembar (1–500), atau centang \"Kosong\"."
    else:
        count = int(text)
    return count, errors

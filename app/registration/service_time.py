"""Service time in working days: the promised date and the days left or overdue."""
from datetime import date, datetime

from app.frame import dates
from app.frame.office_calendar import office_calendar
from app.frame import store


def office_today() -> date:
    return dates.local_today(store.get("timezone"))


def promise_for(moment: datetime) -> tuple[date, date]:
    """(day the file became complete, promised date) for a file completed at `moment` (UTC).

    Promised = N working days after the day the file became complete (N = setting service_days,
    from the office's KTP-el service standard; the complete day itself does not count).
    """
    completed = dates.to_local(moment, store.get("timezone")).date()
    return completed, office_calendar().add_working_days(completed, int(store.get("service_days")))


def promise_is_estimate(application, calendar=None) -> bool:
    """True when the promised date was counted over a year whose cuti bersama is not decreed yet
    (the receipt and the page then say "perkiraan")."""
    if application.promised_date is None:
        return False
    start = application.completed_at or application.promised_date
    return (calendar or office_calendar()).estimated_between(start, application.promised_date)


def days_left(promised: date | None, today: date | None = None, calendar=None) -> int | None:
    """Working days from today to the promised date: positive left, 0 due today, negative overdue."""
    if promised is None:
        return None
    return (calendar or office_calendar()).working_days_between(today or office_today(), promised)


def days_left_label(days: int | None, promised: date | None = None, today: date | None = None) -> str:
    """The register's words for `days_left`; on a day off after the promised day (a Saturday, a cuti bersama) no
    working day is late yet, but the promise has passed: that is what it says (issue 83)."""
    if days is None:
        return ""
    if days > 0:
        return f"{days} hari kerja lagi"
    if days == 0:
        if promised is not None and (today or office_today()) > promised:
            return "tanggal janji sudah lewat"
        return "jatuh tempo hari ini"
    return f"terlambat {-days} hari kerja"

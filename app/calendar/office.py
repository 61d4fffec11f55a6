"""The office's working-day calendar: national holidays and cuti bersama, corrected by the admin."""
from app.calendar.models import OfficeDay
from app.frame import store
from app.frame.working_days import WorkCalendar

CLOSED = "tutup"
REOPENED = "buka"

store.register_defaults(calendar_generation=0)
_cache: dict = {}


def office_calendar() -> WorkCalendar:
    """The current calendar, rebuilt only after the admin changes the office days."""
    generation = store.get("calendar_generation")
    if _cache.get("generation") != generation:
        rows = list(OfficeDay.select())
        _cache["calendar"] = WorkCalendar(
            extra_closed={r.day: r.name for r in rows if r.kind == CLOSED},
            reopened=[r.day for r in rows if r.kind == REOPENED])
        _cache["generation"] = generation
    return _cache["calendar"]


def bump_generation() -> None:
    """Call inside the transaction that changes OfficeDay rows."""
    store.put("calendar_generation", store.get("calendar_generation") + 1)

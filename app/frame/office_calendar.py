"""The office's working-day calendar: national holidays and cuti bersama, corrected by the admin.

Read by both office programs (the kecamatan's service times, the desa PC's pre-registration validity),
so it lives below them; the admin's page that changes it is the kecamatan's calendar capability.
"""
from peewee import CharField
from playhouse.apsw_ext import DateField, DateTimeField

from app.frame import store
from app.frame.db import BaseModel
from app.frame import reactions
from app.frame.working_days import WorkCalendar


class OfficeDay(BaseModel):
    """The admin's corrections to the national calendar: an extra closed day, or a reopened one."""
    day = DateField(primary_key=True)
    kind = CharField()  # 'tutup' (office closed) or 'buka' (open although nationally a holiday)
    name = CharField()
    created_by = CharField()
    created_at = DateTimeField()


CLOSED = "tutup"
REOPENED = "buka"

# Years whose cuti bersama the admin entered from the SKB (the package's own estimate no longer holds).
store.register_defaults(calendar_generation=0, calendar_decreed_years=[])
_cache: dict = {}


def office_calendar() -> WorkCalendar:
    """The current calendar, rebuilt only after the admin changes the office days."""
    generation = store.get("calendar_generation")
    if _cache.get("generation") != generation:
        rows = list(OfficeDay.select())
        _cache["calendar"] = WorkCalendar(
            extra_closed={r.day: r.name for r in rows if r.kind == CLOSED},
            reopened=[r.day for r in rows if r.kind == REOPENED],
            decreed_years=store.get("calendar_decreed_years"))
        _cache["generation"] = generation
    return _cache["calendar"]


def bump_generation(changed_day=None) -> None:
    """Call inside the transaction that changes OfficeDay rows: `changed_day` the one day closed or opened,
    None when more may have changed (a decree); the listeners hear it."""
    store.put("calendar_generation", store.get("calendar_generation") + 1)
    reactions.calendar_changed.announce(changed_day)


# Who follows a change of the calendar and who recomputes on a decree: app/frame/reactions.py.
add_change_listener = reactions.calendar_changed.add
add_decree_listener = reactions.decree_entered.add


def decree_entered(old: WorkCalendar, new: WorkCalendar) -> list[str]:
    """Call inside the transaction that enters a decree; returns what the listeners changed."""
    return [change for changes in reactions.decree_entered.answers(old, new) for change in changes]

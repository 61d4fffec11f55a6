"""Stand-in until the lead's calendar capability (migration 0002) lands; the lead's version wins at merge."""
from app.working_days import WorkCalendar


def office_calendar() -> WorkCalendar:
    """The office's working-day calendar (stand-in: the national calendar only)."""
    return WorkCalendar()

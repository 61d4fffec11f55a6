"""Stand-in until the lead's app/calendar (migration 0002, the admin's holiday table) lands.

The lead's version replaces this file at merge; only `office_calendar()` is used here.
"""
from app.working_days import WorkCalendar


def office_calendar() -> WorkCalendar:
    """The office's working days: here the national calendar only (no admin corrections yet)."""
    return WorkCalendar()

"""Stand-in until the lead's calendar capability (migration 0002) lands; the lead's version wins at merge."""
from functools import lru_cache

from app.working_days import WorkCalendar


@lru_cache(maxsize=1)
def office_calendar() -> WorkCalendar:
    """The office's working-day calendar (stand-in: the national calendar only), built once."""
    return WorkCalendar()

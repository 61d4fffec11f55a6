"""Working days of the office: the national calendar with the admin's corrections."""
from app.calendar.office import office_calendar  # noqa: F401
from app.calendar.views import blueprint, MENU  # noqa: F401

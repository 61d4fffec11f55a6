"""Working days of the office: the national calendar with the admin's corrections."""
from app.frame.office_calendar import office_calendar  # noqa: F401  (the calendar its pages change)
from app.calendar.views import blueprint, MENU  # noqa: F401

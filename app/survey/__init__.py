"""Survei Kepuasan Masyarakat (PermenPANRB 14/2017): the kiosk form and the IKM per period."""
from app.survey.views import blueprint, MENU  # noqa: F401
from app.survey.demo import add_demo_arguments, fill_demo  # noqa: F401

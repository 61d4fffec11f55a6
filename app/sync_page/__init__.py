"""The clerk's side of the link with the regency center: the sync page and its enrolment.

The machinery lives in sync/client/; the scheduler and `run.py sync` are declared by the office
programs (app/programs/)."""
from app.sync_page.views import MENU, blueprint, dashboard_cards  # noqa: F401


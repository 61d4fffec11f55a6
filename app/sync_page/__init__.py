"""The clerk's side of the link with the regency center: sync page, scheduler, CLI commands.

The machinery lives in sync/client/; this capability wires it into the kecamatan app.
"""
from app.sync_page.commands import add_commands  # noqa: F401
from app.sync_page.views import MENU, blueprint, dashboard_cards  # noqa: F401
from sync.client import link

BACKGROUND_JOBS = [(60, link.scheduled_sync)]  # checks every minute; probes every few minutes


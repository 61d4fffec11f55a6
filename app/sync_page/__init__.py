"""The clerk's side of the link with the regency center: sync page, scheduler, CLI commands.

The machinery lives in sync/client/; this capability wires it into the kecamatan app.
"""
from app.registration.status import add_transition_listener
from app.sync_page.commands import add_commands  # noqa: F401
from app.sync_page.views import MENU, blueprint, dashboard_cards  # noqa: F401
from app.registration.views import add_detail_notice
from sync.client import link, statuses
from sync.client.outbox import write_outbox

add_transition_listener(write_outbox)
add_detail_notice(statuses.notices_for)

BACKGROUND_JOBS = [(60, link.scheduled_sync)]  # checks every minute; probes every few minutes

"""The clerk's side of the link with the regency center: sync page, scheduler, CLI commands.

The machinery lives in sync/client/; this capability wires it into the kecamatan app.
"""
from app.registration.status import add_transition_listener
from app.sync_page.commands import add_commands  # noqa: F401
from app.sync_page.views import MENU, blueprint, dashboard_cards  # noqa: F401
from sync.client import link
from sync.client.outbox import write_outbox

add_transition_listener(write_outbox)

BACKGROUND_JOBS = [(60, link.scheduled_sync)]  # checks every minute; probes every few minutes


def fill_demo(options, rng) -> None:
    """Every complete demo application waits in the outbox, as one made at the counter would."""
    from app.db import database
    from app.registration.models import Application
    from app.registration.status import ApplicationStatus
    from sync.client.models import OutboxItem
    waiting = (Application.select()
               .where((Application.status == ApplicationStatus.COMPLETE.value)
                      & ~Application.id.in_(OutboxItem.select(OutboxItem.application))))
    with database.atomic():
        for application in waiting:
            write_outbox(application, ApplicationStatus.RECEIVED.value, ApplicationStatus.COMPLETE.value)

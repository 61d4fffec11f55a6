"""KTP-el applications at the counter: intake, checks, photo, status to handover, working-day service time."""
from app.registration.views import MENU, blueprint, dashboard_cards  # noqa: F401
from app.registration import collective_views  # noqa: F401  (routes on the same blueprint)
from app.registration.demo import add_demo_arguments, fill_demo  # noqa: F401
from app.registration import sync_records  # noqa: F401  (plugs applications into the sync outbox)

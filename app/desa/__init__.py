"""The village office (desa): desa operators pre-register KTP-el forms, the counter accepts them without retyping."""
from app.desa.views import MENU, blueprint, dashboard_cards  # noqa: F401
from app.desa import admin_views, counter_views, operator_views  # noqa: F401  (routes by audience, same blueprint)
from app.desa import relay  # noqa: F401  (plugs the relay's record kinds into the sync client)

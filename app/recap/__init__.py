"""Quarterly complaint recap: drafted by the information officer, approved and signed by the Camat."""
from app.recap import models  # noqa: F401
from app.recap.views import blueprint, MENU  # noqa: F401
from app.recap.demo import add_demo_arguments, fill_demo  # noqa: F401
from app.recap.cards import dashboard_cards  # noqa: F401

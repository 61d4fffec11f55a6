"""Signed updates from the regency (issue 44): this PC learns of a release on its sync pass or from a
USB folder, verifies it with TUF, and its admin applies it with one button or at night.
fetching.py (TUF, resumable downloads), installing.py (backup, install beside, check, switch),
launcher.py (the version that runs; back by itself when a new one does not come up), older_launchers.py
(this version started by the launcher of an older install: that launcher's contract kept), lifecycle.py
(the selection's states, the events and what each does to the data: the table both go through)."""
from app.updates.views import MENU, blueprint  # noqa: F401
from app.updates import sync_phase  # noqa: F401  (learns of releases on every sync pass)
from app.updates import fleet_report  # noqa: F401  (reports this PC's health on every sync pass)
from app.updates.waiting import outcome_cards as dashboard_cards  # noqa: F401  (a refused or returned update)

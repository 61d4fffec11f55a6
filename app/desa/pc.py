"""The desa PC's own pages (the capability of app/programs/desa.py): its desa operators' pre-registrations
and F-1.07 forms, its admin's page (operators, enrolment, logo, autostart) and the sync with the center's
relay. The forms reach the kecamatan through the relay (app/desa/relay.py) or a printed QR."""
from flask import Blueprint

from app.backups import health
from app.desa import admin_views, operator_views, relay_records
from app.desa.views import ADMIN_MENU, OPERATOR_MENU, Side
from app.updates import waiting as updates_waiting

blueprint = Blueprint("desa", __name__)
for pages in (operator_views.pages, operator_views.pc_pages, admin_views.pages, admin_views.pc_pages):
    pages.add_to(blueprint)
blueprint.record_once(admin_views.logo_form_is_here)

MENU = [*OPERATOR_MENU, *ADMIN_MENU]

# Its desa list shows what the kecamatan reported of its relayed forms (a desa PC holds no applications).
# Its forms are numbered in its own series and wait for the relay; its own health shows on its landing pages,
# and to its operators a release that waits for the admin account.
Side(on_desa_pc=True, applications_of=operator_views.relayed_applications,
     bindable_desa=admin_views.own_desa, queue_form=relay_records.queue_pre_registration,
     health_cards=lambda user: [*health.desa_pc_cards(user), *updates_waiting.waiting_notes(user)]).install(blueprint)

LANDING = "desa.operators"  # a desa PC's admin lands on its accounts and its enrolment (app/core/views.py)

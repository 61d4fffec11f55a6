"""The desa PC's own pages (the capability of app/programs/desa.py): its desa operators' pre-registrations
and F-1.07 forms, its admin's page (operators, enrolment, logo, autostart) and the sync with the center's
relay. The forms reach the kecamatan through the relay (app/desa/relay.py) or a printed QR."""
from flask import Blueprint

from app.desa import admin_views, operator_views
from app.desa.views import ADMIN_MENU, OPERATOR_MENU, Side

blueprint = Blueprint("desa", __name__)
for pages in (operator_views.pages, operator_views.pc_pages, admin_views.pages, admin_views.pc_pages):
    pages.add_to(blueprint)
blueprint.record_once(admin_views.logo_form_is_here)

MENU = [*OPERATOR_MENU, *ADMIN_MENU]

# Its desa list shows what the kecamatan reported of its relayed forms (a desa PC holds no applications).
Side(on_desa_pc=True, applications_of=operator_views.relayed_applications,
     bindable_desa=admin_views.own_desa).install(blueprint)

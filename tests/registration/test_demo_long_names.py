"""The demo carries real long names, birth places and addresses (issue 62, finding 7): its longest was
"Muhammad Setiawan", so an office checking its prints on the demo never saw a receipt at a real length."""
import random
from argparse import Namespace

from app.registration.demo import fill_demo
from app.registration.models import Application
from tests.support.factory import staff_user


def test_the_demo_has_long_names_places_and_addresses_the_counter_would_accept(office, app):
    from app.frame.person_rules import validate_application
    from app.frame.places import desa_list
    from app.registration.service_time import office_today
    staff_user("petugas_loket", "loket1", "Siti")
    with app.app_context():
        fill_demo(Namespace(applications=60), random.Random(7))
        applications = list(Application.select())
        assert max(len(a.full_name) for a in applications) >= 60
        assert max(len(a.address) for a in applications) >= 100
        assert max(len(a.birth_place) for a in applications) >= 30
        assert sum(len(a.full_name) >= 50 for a in applications) >= 5  # not one odd record: one in nine
        desa = {region.code: region.name for region in desa_list()}
        for a in applications:  # each one valid for the rules every way in applies (name characters, NIK, ...)
            form = {field: getattr(a, field) for field in ("nik", "kk_number", "full_name", "birth_place", "sex",
                                                           "address", "rt", "rw", "religion", "marital_status",
                                                           "occupation", "phone", "reason", "notes")}
            form.update(birth_date=str(a.birth_date), desa=desa[a.desa_code], biometric_done="1", mismatch_reason="")
            _, errors, _ = validate_application(form, desa_list(), office_today())
            assert {k: v for k, v in errors.items() if k not in ("notes", "phone")} == {}, (a.full_name, errors)

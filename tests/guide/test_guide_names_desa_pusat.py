"""Every name the desa PC's and the center's guides give is the program's (issue 74), checked as in
tests/guide/test_guide_names.py: signed in as each role a guide serves, on a program with real data (a desa PC
enrolled by its kecamatan's code, with a link and a typed form; a center with received applications, a conflict, a
print run printed and one shipped, an enrolled PC), each marked menu item, button, link and page heading is on the
page the guide names, and each message is one the program can show."""
import json
from datetime import datetime

import pytest
from flask import url_for

import run
from app.frame.dates import utc_now
from app.frame.db import database
from app.frame.guides import DESA, PUSAT, guides_of
from tests.conftest import CsrfClient
from tests.desa.conftest import pre_register
from tests.desa.test_desa_mode import bound_to, desa_admin, desa_app, enrolment_code, kecamatan, operator_client  # noqa: F401
from tests.guide.signed_in_pages import an_update_waiting
from tests.guide.test_guide_names import check_guide, written
from tests.registration.conftest import client_as, office  # noqa: F401  (the kecamatan that makes the desa's code)
from tests.support.factory import applicant_form, sync_link_row
from tests.updates.helpers import fake_wheel, release


@pytest.fixture
def desa_pc(desa_app, enrolment_code):
    """A desa PC enrolled with its kecamatan's code, linked to a center, its Darungan operator's form typed."""
    admin, _ = desa_admin(desa_app)
    assert admin.post("/admin/komputer-desa", data={"kode": enrolment_code}).status_code == 302
    with bound_to(desa_app):
        sync_link_row(center_url="http://127.0.0.1:9", key_id="desa-x", secret="s", enrolled_at=datetime(2026, 1, 1),
                      role="desa")
    assert pre_register(operator_client(desa_app), applicant_form()).status_code in (200, 302)
    return desa_app


@pytest.mark.parametrize("key", [guide.key for guide in guides_of(DESA)])
def test_every_name_in_a_desa_pc_guide_is_the_programs(desa_pc, key, tmp_path):
    """Checked twice: before the regency's update comes ("Simpan sidik jari") and once it waits for the admin ("Pasang
    pembaruan sekarang"); a name is missing when neither state of the PC shows it."""
    from app.auth.models import User
    from app.desa.models import PreRegistration
    from app.frame.guides import guide
    assert written(desa_pc, guide(DESA, key)), f"guide {key} is not written"

    def check():
        with bound_to(desa_pc), desa_pc.test_request_context():
            known = {"desa.detail": [url_for("desa.detail", pre_id=pre.id) for pre in PreRegistration.select()]}
            problems = check_guide(desa_pc, key, DESA, lambda role: User.select().where(User.role == role).first(), known)
        database.initialize(desa_pc.extensions["database"])
        return problems
    before = check()
    admin, password = desa_admin(desa_pc)
    if password is None:  # the desa PC's admin was made before: a known password, typed again on the update page
        from app.auth.accounts import change_password
        from tests.conftest import sign_in_as
        password = "desa-admin-rahasia-7"
        with bound_to(desa_pc):
            user = User.get(User.username == "admin")
            change_password(user, password)  # signs its other sessions out: sign in again
        admin = desa_pc.test_client()
        sign_in_as(admin, user)
    an_update_waiting(admin, tmp_path / "rilis", password)
    problems = [problem for problem in check() if problem in before]
    assert not problems, "\n".join(problems)


@pytest.fixture
def center(tmp_path):
    """A center with what its operator works on at night: applications waiting, a conflict, a print run printed and
    shipped, another printed and ready to ship, two enrolled counter PCs, one of them a pilot with a release of its
    own; one account per role."""
    from sync.center import desk_records, keys, records
    from sync.center.accounts import create_operator
    from sync.center.app import create_center_app
    from sync.center.models import DeviceKey, ReceivedApplication
    from tests.sync.helpers import packet_item, record_for
    from tests.support.factory import kecamatan_row
    app = create_center_app({"DATA_DIR": tmp_path / "pusat", "SECRET_KEY": "panduan", "TESTING": True})
    app.test_client_class = CsrfClient  # the confirmation page is a form's answer, asked for as the form does
    with app.app_context(), app.extensions["center_database"].connection_context():
        for role in ("operator", "admin", "pimpinan"):
            create_operator(role, f"Akun {role}", role, password="rahasia-pusat-1", must_change_password=False)
        kecamatan = kecamatan_row()
        _, pilot = keys.enrol("35.08.07", keys.new_enrolment_code(kecamatan), "01")
        keys.enrol("35.08.07", keys.new_enrolment_code(kecamatan), "02")  # one left to make a pilot of
        # The pilot took the release back (its report): Rilis Pembaruan offers "Coba lagi" (issue 81).
        refused = {"version": "9.1.0", "stage": "sesudah", "why": "halaman /pendaftaran (500)", "at": None}
        DeviceKey.update(pilot_since=utc_now(), update_health=json.dumps(
            {"version": "0.3.0", "walk": None, "pages": 0, "failed": [], "at": None, "errors_since": 0,
             "refused": refused})).where(DeviceKey.id == pilot.id).execute()
        for n in range(1, 9):
            assert records.store_application(kecamatan, *packet_item(n)).result == "stored"
        changed = dict(record_for(1, "350807"), full_name="Orang Lain Sekali")
        assert records.store_application(kecamatan, *packet_item(1, record=changed)).result == "conflict"
        ids = [row.id for row in ReceivedApplication.select().order_by(ReceivedApplication.id)]
        shipped = desk_records.create_print_run(ids[:2], "operator")
        desk_records.mark_printed(shipped, set())
        desk_records.create_shipment(kecamatan, "operator", "")
        ready = desk_records.create_print_run(ids[2:4], "operator")
        desk_records.mark_printed(ready, set())
    # A release with the pilot only, signed and published as the regency does it (tests/updates/helpers.py).
    release_keys = tmp_path / "flashdisk" / "kunci-rilis"
    assert run.main(["release", "keys", "--keys", str(release_keys), "--root", str(tmp_path / "root")]) == 0
    assert run.main(["release", "install-online-key", "--data", str(tmp_path / "pusat"), "--keys", str(release_keys)]) == 0
    fake_wheel(tmp_path / "wheels", "loket_kecamatan-9.1.0-py3-none-any.whl", 1000)
    release(release_keys, tmp_path / "pusat", "9.1.0", "Rilis uji.", tmp_path / "wheels", tmp_path)
    return app


@pytest.mark.parametrize("key", [guide.key for guide in guides_of(PUSAT)])
def test_every_name_in_a_center_guide_is_the_programs(center, key):
    from app.frame.guides import guide
    from sync.center.models import Kecamatan, Operator, PrintRun, ReceivedApplication, Shipment
    assert written(center, guide(PUSAT, key)), f"guide {key} is not written"
    with center.test_request_context(), center.extensions["center_database"].connection_context():
        known = {"center.print_run": [url_for("center.print_run", run_id=run.id) for run in PrintRun.select()],
                 "center.shipment": [url_for("center.shipment", shipment_id=s.id) for s in Shipment.select()],
                 "center.performance_trend": [url_for("center.performance_trend", kecamatan_id=k.id)
                                              for k in Kecamatan.select()],
                 # publishing to all while the pilot has not passed asks first (nothing is published without "Ya")
                 "center.release_to_all": [("POST", url_for("center.release_to_all", targets_version=targets))
                                           for targets in _release_targets(center)],
                 # one application per status: the buttons of a received one (Tolak, Minta kirim ulang) are seen too
                 "center.application": [url_for("center.application", application_id=row.id) for row in
                                        ReceivedApplication.select().group_by(ReceivedApplication.status)]}
        problems = check_guide(center, key, PUSAT, lambda role: Operator.get(Operator.role == role), known)
    assert not problems, "\n".join(problems)


def _release_targets(app) -> list[int]:
    """The targets versions of the center's releases, as its Rilis Pembaruan page lists them."""
    from sync.center.release_commands import repository_of
    from sync.release.key_signing import published_releases
    return [release["targets_version"] for release in published_releases(repository_of(app.config["DATA_DIR"]))]

"""Issue 92, finding 1: Bantuan at the page's own section for every person of the three programs, the center
included, on every menu page and every page linked from one (tests/guide/bantuan_walk.py). At the center it missed
on 11 of 19 menu pages (the Admin Pusat's sections in its second guide, the Operator's Permohonan Masuk, the
Pimpinan with no guide of its own) and on 8 of 14 linked pages; at the office on the recap archive, its print view
and the IKM answers; on a desa PC on the desa's printed list."""
import pytest

from tests.conftest import sign_in_as
from tests.guide.bantuan_walk import bantuan_misses
from tests.guide.test_guide_names_desa_pusat import bound_to, center, desa_app, desa_pc, enrolment_code, kecamatan  # noqa: F401
from tests.registration.conftest import client_as, office  # noqa: F401  (the kecamatan that makes the desa's code)

pytestmark = pytest.mark.slow  # a desa PC and a center with data, every page of every role's menu and its links
# (the office's walk: tests/guide/test_bantuan_walk_office.py, on the demo office)


def test_bantuan_on_every_center_page_opens_a_section_about_it(center):
    from sync.center.models import Operator
    misses, walked = [], set()
    for role in ("operator", "admin", "pimpinan"):
        client = center.test_client()
        with center.app_context(), center.extensions["center_database"].connection_context():
            sign_in_as(client, Operator.get(Operator.role == role))
        found, pages = bantuan_misses(center, client, role)
        misses += found
        walked |= pages
    assert {"center.performance_print", "center.fleet_pc", "center.print_run", "center.releases"} <= walked, walked
    assert misses == [], "\n".join(misses)


def test_bantuan_on_every_desa_pc_page_opens_a_section_about_it(desa_pc):  # noqa: F811
    from app.auth.models import User
    from app.frame.roles import ADMIN, DESA
    misses, walked = [], set()
    for role in (ADMIN, DESA):
        client = desa_pc.test_client()
        with bound_to(desa_pc):
            sign_in_as(client, User.select().where(User.role == role).first())
        found, pages = bantuan_misses(desa_pc, client, role)
        misses += found
        walked |= pages
    assert {"desa.detail", "backups.index"} <= walked, walked
    assert misses == [], "\n".join(misses)

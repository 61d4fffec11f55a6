"""Issue 92, finding 1, at the office: Bantuan on every menu page of every role and every page linked from one (the
recap archive, its print view and the IKM answers opened a guide's top) opens a section about the page."""
import pytest

from app.frame.roles import STAFF
from tests.conftest import sign_in_as
from tests.guide.bantuan_walk import bantuan_misses
from tests.guide.test_guide_names import office  # noqa: F401  (the demo office, a fixture)

pytestmark = pytest.mark.slow  # the demo office (about 10 s) and every page of every role's menu and its links


def test_bantuan_on_every_office_page_opens_a_section_about_it(office):  # noqa: F811
    from app.auth.models import User
    from app.frame.roles import DESA
    misses, walked = [], set()
    for role in (*STAFF, DESA):
        client = office.test_client()
        with office.app_context(), office.extensions["database"].connection_context():
            sign_in_as(client, User.select().where(User.role == role).first())
        found, pages = bantuan_misses(office, client, role)
        misses += found
        walked |= pages
    assert {"recap.show", "registration.detail", "complaints.detail"} <= walked, walked
    assert misses == [], "\n".join(misses)

"""A desa form that arrives at the kecamatan through the center has one audit row of its own (the sync pass
is exempt from the audit guard as a whole, so nothing else asks for it): the form's number (its desa and
desa PC), "dari desa lewat pusat", the time, by "sistem"; once, even when the inbox page comes again; no
NIK (the admin and the Camat read the trail; the applicant's name they may read, docs/privacy.md)."""
import io

import pytest

from app.desa.models import PreRegistration
from app.frame.audit_event import AuditEvent
from tests.desa.conftest import pre_register
from tests.desa.test_desa_mode import bound_to, desa_admin, desa_app, kecamatan, operator_client  # noqa: F401  (fixtures)
from tests.desa.test_relay import center, enrolled_desa, linked_kecamatan, sync  # noqa: F401  (fixtures)
from tests.support.factory import applicant_form, photo_jpeg

NIK, NAME = "3508071205900001", "Budi Santoso"  # the name may be on the trail, the NIK never

pytestmark = pytest.mark.slow  # a real center process


def test_a_relayed_form_is_on_the_kecamatans_audit_trail_once_without_its_nik(desa_app, linked_kecamatan, client_as,
                                                                               center):
    kecamatan = linked_kecamatan
    enrolled_desa(desa_app, kecamatan, client_as)
    operator = operator_client(desa_app)
    assert pre_register(operator, applicant_form(nik=NIK, full_name=NAME),
                        {"photo": (io.BytesIO(photo_jpeg()), "foto.jpg")}).status_code == 302
    assert sync(desa_app).sent == 1
    assert sync(kecamatan).relayed == 1
    with bound_to(kecamatan):
        pre = PreRegistration.get(PreRegistration.nik == NIK)
        rows = list(AuditEvent.select().where((AuditEvent.entity == "pra_pendaftaran")
                                              & (AuditEvent.entity_id == str(pre.id))))
    assert len(rows) == 1, [r.summary for r in rows]
    row = rows[0]
    assert pre.number in row.summary and "dari desa lewat pusat" in row.summary and row.username == "sistem"
    assert NIK not in " ".join(str(v) for v in (row.summary, row.before, row.after))
    assert sync(kecamatan).relayed == 0
    with bound_to(kecamatan):  # a page pulled again adds no second row
        assert AuditEvent.select().where(AuditEvent.entity_id == str(pre.id)).count() == 1
    for role in ("admin", "camat"):  # they read the trail, and no personal data
        trail = client_as(role).get("/audit").get_data(as_text=True)
        assert pre.number in trail and "dari desa lewat pusat" in trail and NIK not in trail, role


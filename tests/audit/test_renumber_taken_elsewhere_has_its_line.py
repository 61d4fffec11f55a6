"""A relayed desa form accepted at the other counter PC and then renumbered by the center (issue 82, finding 2):
the counter PC that did not accept it heard of the acceptance in one pass and of the new number in a later
one; that later pass updated its pre_registration with no line, so every such pass put "Perubahan tanpa
catatan audit" on its health card, and in the strict test mode the pass was refused. The project's own test
passed only because its PC took acceptance and renumber in one pass. Real programs: a desa PC, two counter
PCs and a running center; the guard in its strict (test) mode."""
import pytest

from app.desa.models import PreRegistration
from app.frame.audit_event import AuditEvent
from tests.desa.test_desa_mode import bound_to, desa_app, kecamatan, operator_client, text  # noqa: F401  (fixtures)
from tests.desa.test_relay import center, enrolled_desa, sync  # noqa: F401  (fixtures)
from tests.desa.test_relay_two_counters import _accept, two_counters_list_one_desa_form
from tests.registration.conftest import client_as, office  # noqa: F401  (fixtures)
from tests.desa.test_renumber_relayed import _decide, _other_content_under


@pytest.mark.slow
@pytest.mark.parametrize("center", ["sqlite"], indirect=True)
def test_the_other_counter_takes_a_later_renumber_with_its_line(desa_app, kecamatan, client_as, center, tmp_path):
    world = two_counters_list_one_desa_form(desa_app, kecamatan, client_as, center, tmp_path)
    p1, p2 = world.p1, world.p2
    application = _accept(p1, world.p1_clerk)
    old = application.registration_number
    assert sync(p1).error == ""
    assert sync(p2).error == ""  # pass 1: the acceptance at the other counter
    with bound_to(p2):
        pre = PreRegistration.get()
        assert (pre.relay_application_number, pre.application_id) == (old, None)

    assert _other_content_under(center, p2, old) == "conflict"
    _decide(center, old, "accept")  # the other content keeps the number; the relayed application takes a new one
    for _ in range(2):
        assert sync(p1).error == ""
    report = sync(p2)  # pass 2: the renumber alone, refused in the strict mode when it wrote no line
    assert report.error == "", report
    with bound_to(p2):
        new = PreRegistration.get().relay_application_number
        lines = [row.summary for row in AuditEvent.select().where(AuditEvent.action == "ubah_nomor")]
    assert new != old and new.startswith("350807-")
    assert lines == [f"Pra-pendaftaran {pre.number}: nomor permohonan {old} (diterima di loket lain) diganti "
                     f"kecamatan menjadi {new}"], lines

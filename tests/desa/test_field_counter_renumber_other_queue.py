"""The kecamatan's other counter PC, on a version still in the field, after a relayed form's application was
renumbered (issue 94, finding 6). Two counter PCs run 6ce2a857's code ("before-renumber-step", 0.2.0), each a
program of its own (tests/desa/test_field_counter_renumber.FieldCounterPC); the center, the desa PC and the
third counter PC (whose other applicant takes the number) are today's. PC A accepts the form, the center's
operator keeps the other applicant under its number and A renumbers; PC B only had the form in its queue.

B's code takes an acceptance from the relay inbox (its "settled" status "diterima") only while the form waits in
its queue, and passes a renumber ("nomor_diganti") over. So:
- a B that hears of the acceptance only after the renumber (off, or offline, in between) names the new number:
  the center's inbox sends the acceptance with the number the application has now, which B's own code applies
  (before, B named the old number, now another person's);
- a B that heard the acceptance before keeps the old number in its queue for good: no answer of the center can
  change it. Nothing follows from it (B cannot accept the form again and sends nothing of it), and the center's
  Kesehatan Komputer page names B, the form, both numbers and what to do (update B)."""

import pytest

from app.desa.models import PreRegistration
from sync.center.fleet import PROBLEMS, fleet_rows
from sync.center.models import DeviceKey
from tests.desa.test_desa_mode import desa_app, kecamatan  # noqa: F401  (fixtures)
from tests.desa.test_f107_kecamatan_key import YOSOWILANGUN, center_side, enrolment_code
from tests.desa.test_field_counter_renumber import FieldCounterPC, a_desa_form_sent, pcs_end_with_their_test  # noqa: F401  (fixture)
from tests.desa.test_relay import center, enrolled_desa, sync  # noqa: F401  (fixtures)
from tests.desa.test_renumber_relayed import _center_moves, _decide, _other_content_under, _relay_numbers
from tests.support.field_versions import field_version_tree
from tests.sync.test_center_fleet import page
from tests.sync.test_field_fleet_reports import regency_admin

pytestmark = pytest.mark.slow


def _installed_tree(tmp_path):
    """6ce2a857's tree as installed in the field, with its distribution's version (0.2.0) beside its code, so
    the version its PCs report is their own (tests/sync/test_field_fleet_reports.field_tree)."""
    tree = field_version_tree("before-renumber-step", tmp_path / "versi")
    info = tree / "loket_kecamatan-0.2.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: loket-kecamatan\nVersion: 0.2.0\n")
    return tree


@pytest.mark.parametrize("center", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("heard", ["after-the-renumber", "before-the-renumber"])
def test_the_other_old_counter_pcs_queue_after_a_relayed_forms_renumber(heard, desa_app, kecamatan, client_as,
                                                                        center, tmp_path):
    tree = _installed_tree(tmp_path)
    a, b = FieldCounterPC(tree, tmp_path / "pc-a"), FieldCounterPC(tree, tmp_path / "pc-b")
    for pc in (a, b):
        pc("enrol", center.url, enrolment_code(center, YOSOWILANGUN, "Yosowilangun"))
    today = kecamatan  # the third counter PC, on today's version: it enrols the desa PC
    form, _operator = a_desa_form_sent(desa_app, today, client_as, center)
    assert a("sync")["relayed"] == 1 and b("sync")["relayed"] == 1 and sync(today).relayed == 1
    assert b("queue")["status"] == PreRegistration.WAITING

    first = a("accept")
    assert _other_content_under(center, today, first["number"]) == "stored"  # another applicant took it first
    assert a("sync")["conflicts"] >= 1  # A's acceptance reaches the center; its application waits as the offered
    if heard == "before-the-renumber":
        assert b("sync")["error"] == ""
        assert b("queue")["relay_application_number"] == first["number"]
    _decide(center, first["number"], "keep")  # A is asked to give its applicant a new number
    for _ in range(2):
        assert a("sync")["error"] == ""
    new = a("state", first["id"])["number"]
    assert new != first["number"]
    _center_moves(center, new, "printed")
    for _ in range(2):  # A's next step names the new number: the center takes it as the renumber
        assert a("sync")["error"] == ""
    assert _relay_numbers(center, form)[-1] == new

    for _ in range(2):
        assert b("sync")["error"] == ""
    shown = b("queue")
    assert shown["status"] == PreRegistration.ACCEPTED and shown["applications"] == 0, shown
    assert shown["sent_of_it"] == [], shown  # B sends nothing of the form: not its acceptance, nor its number
    rows = {row.key.device_code: row for row in center_side(center, fleet_rows) if not row.key.desa_code}
    b_code = center_side(center, lambda: DeviceKey.get(DeviceKey.key_id == shown["key_id"]).device_code)
    if heard == "after-the-renumber":
        # B's own code took the acceptance with the number the application has now
        assert shown["relay_application_number"] == new, shown
        assert shown["opened"] == f"Pra-pendaftaran {form} sudah diterima di loket lain (permohonan {new}).", shown
        return
    # B's code passed the renumber over: its queue names the old number, now the other applicant's
    assert shown["relay_application_number"] == first["number"], shown
    assert f"(permohonan {first['number']})" in shown["opened"], shown
    label, advice = PROBLEMS["nomor_lama"]
    said = f"{form}: tertulis permohonan {first['number']}, nomor sekarang {new}"
    assert rows[b_code].problems[0] == "nomor_lama" and rows[b_code].old_numbers == [(form, first["number"], new)]
    behind = [code for code, row in rows.items() if "nomor_lama" in row.problems]
    assert behind == [b_code], (behind, rows)  # not A (its own application has the new number), nor today's PC
    admin = regency_admin(center)
    listed = page(center.app, admin, "/armada?masalah=nomor_lama")
    assert f"<strong>{label}</strong>" in listed and advice in listed and b_code in listed
    own = page(center.app, admin, f"/armada/{rows[b_code].key.id}")
    assert label in own and advice in own and said in own and "Perbarui aplikasi" in own


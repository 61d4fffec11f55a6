"""Issue 89, finding 1: a desa PC whose pass has nothing to send (no form, no status) sent no health report, so a
current, healthy desa PC read "versi lama, tidak melapor" on the center's Kesehatan Komputer page, and the admin was
sent to update it. Through the real programs: a running center, the kecamatan app, a desa PC enrolled by its admin."""
import pytest

from sync.center.fleet import fleet_rows
from tests.desa.test_desa_mode import desa_app, kecamatan  # noqa: F401  (fixtures)
from tests.desa.test_relay import center, enrolled_desa, linked_kecamatan, sync  # noqa: F401  (fixtures)


@pytest.mark.slow
def test_a_desa_pc_with_nothing_to_send_still_reports(desa_app, linked_kecamatan, client_as, center):
    enrolled_desa(desa_app, linked_kecamatan, client_as, center.url)
    assert not sync(desa_app).error
    with center.app.app_context(), center.app.extensions["center_database"].connection_context():
        [row] = [row for row in fleet_rows() if row.key.desa_code]
    assert row.report is not None and row.report["outbox"] == 0
    assert not {"tidak_melapor", "belum_melapor"} & set(row.problems), row.problems

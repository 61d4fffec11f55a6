"""The benches' kecamatan are distinct people (issue 45): two kecamatan filled by the harness share no
NIK, or the center's one card in the making per NIK refuses the second kecamatan's applications and
a night bench measures refusals."""
from app.frame.nik import check_nik_format
from app.registration.models import Application
from tests.sync.harness import fill_kecamatan, kecamatan_app


def _niks(tmp_path, code: str) -> set[str]:
    app = kecamatan_app(tmp_path / code, public_status=False)
    fill_kecamatan(app, 3, photo_size=(16, 16), kecamatan_code=code)
    with app.app_context(), app.extensions["database"].connection_context():
        niks = {a.nik for a in Application.select()}
    app.extensions["database"].close()
    return niks


def test_two_kecamatan_filled_by_the_harness_share_no_nik(tmp_path):
    first, second = _niks(tmp_path, "35.08.07"), _niks(tmp_path, "35.08.08")
    assert len(first) == len(second) == 3 and not first & second
    assert all(nik.startswith("350808") and check_nik_format(nik) is None for nik in second)

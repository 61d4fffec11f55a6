"""Kinerja Kecamatan in the browser (issue 29): the Pimpinan Kabupaten's page has no axe violation and fits
the screen, the printed report fits A4 with the regency's letterhead and every kecamatan, the trend charts print."""

import pytest

from tests.browser.helpers import axe_violations, fit_problems, new_context, pdf_of, sign_in
from tests.support.factory import kecamatan_row

pytestmark = pytest.mark.browser


def _center_with_reports(center_dir):
    """The center with three kecamatan, two of them with approved Q3 and Q2 2025 reports, and a Pimpinan."""
    from sync.center import keys, performance
    from sync.center.accounts import create_operator
    from sync.center.models import Kecamatan
    from tests.sync.harness import prepare_center
    from tests.sync.test_center_performance import item, record
    app, _ = prepare_center(center_dir)
    with app.extensions["center_database"].connection_context(), app.app_context():
        for code, name in (("35.08.08", "Jatiroto"), ("35.08.09", "Rowokangkung")):
            kecamatan_row(code, name)
        for code in ("35.08.07", "35.08.08"):
            kecamatan = Kecamatan.get(Kecamatan.code == code)
            _, key = keys.enrol(code, keys.new_enrolment_code(kecamatan), "01")
            for quarter, respondents in ((2, 40), (3, 0 if code == "35.08.08" else 120)):
                header, photo = item(record(kecamatan=code, quarter=quarter, respondents=respondents))
                assert performance.store_report(key, header, photo).result == "stored"
        create_operator("bupati", "Pimpinan Kabupaten", "pimpinan", password="pimpinan-rahasia-1",
                        must_change_password=False)


def test_the_pimpinan_reads_compares_and_prints(browser, tmp_path):
    from tests.sync.harness import CenterServer
    _center_with_reports(tmp_path / "center")
    server = CenterServer(tmp_path / "center").start()
    context = new_context(browser, server.url)
    try:
        page = context.new_page()
        page.goto("/masuk")
        sign_in(page, "bupati", "pimpinan-rahasia-1")
        assert page.url.endswith("/kinerja")
        page.goto("/kinerja?tahun=2025&triwulan=3")
        assert axe_violations(page) == []
        assert fit_problems(page) == []
        printed = pdf_of(page, "/kinerja/cetak?tahun=2025&triwulan=3", name="kinerja-cetak")
        text = " ".join(printed.texts)
        assert printed.overflow == [], printed.overflow
        assert len(printed.texts) == 1
        for expected in ("PEMERINTAH KABUPATEN LUMAJANG", "DINAS KEPENDUDUKAN", "Yosowilangun", "Jatiroto", "Rowokangkung", "Terlambat",
                         "PermenPANRB 14/2017"):
            assert expected in text, expected
        assert "Cetak laporan" not in text  # the button stays on the screen
        assert "PUSAT CETAK" not in text.upper()  # the regency's letterhead, not the printing center's
        trend = pdf_of(page, "/kinerja/kecamatan/1?tahun=2025&triwulan=3", name="kinerja-tren")
        assert trend.overflow == [] and "IKM, 8 triwulan" in " ".join(trend.texts)
        assert axe_violations(page) == []
    finally:
        context.close()
        server.stop()

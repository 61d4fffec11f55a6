"""Issue 71: the F-1.07 did not print the Catatan, so the dispensation the Kepala Desa signs for (a marriage
below 19, UU 16/2019, saved only with its basis in Catatan) was not on the form the applicant carries."""
import html

from app.desa.models import PreRegistration
from tests.desa.conftest import pre_register
from tests.support.factory import applicant_form

DISPENSATION = ("Dispensasi kawin Pengadilan Agama Lumajang\nNomor 117/Pdt.P/2025/PA.Lmj tanggal 3 Maret 2025")


def test_the_f107_prints_the_dispensation_written_in_catatan(darungan):
    form = applicant_form(nik="3508070107080001", birth_date="2008-07-01", marital_status="Kawin",
                          notes=DISPENSATION)
    assert pre_register(darungan, form).status_code == 302
    pre = PreRegistration.get()
    page = html.unescape(darungan.get(f"/desa/pra-pendaftaran/{pre.id}/f107").get_data(as_text=True))
    row = page[page.index("<th>Catatan</th>"):]
    row = row[:row.index("</tr>")]
    assert "Nomor 117/Pdt.P/2025/PA.Lmj tanggal 3 Maret 2025" in row and "Pengadilan Agama Lumajang" in row


def test_an_f107_without_a_note_has_no_empty_catatan_line(darungan):
    assert pre_register(darungan, applicant_form()).status_code == 302
    page = darungan.get(f"/desa/pra-pendaftaran/{PreRegistration.get().id}/f107").get_data(as_text=True)
    assert page.count("<th>") > 5 and "<th>Catatan</th>" not in page

"""The IKM page: NRR per element, respondents, minimum sample, quality, for a period."""
from datetime import datetime

import pytest

from tests.support.factory import survey_response


def test_ikm_page_for_a_quarter(client_for, db):
    survey_response(datetime(2025, 2, 5, 3), {"persyaratan": 4, "prosedur": 4, "waktu": 2, "biaya": 4, "produk": 3,
                                     "kompetensi": 3, "perilaku": 4, "pengaduan": 3, "sarana": 2})
    survey_response(datetime(2025, 2, 6, 3), 3)
    survey_response(datetime(2025, 4, 6, 3), 1)  # next quarter: not counted
    page = client_for("camat").get("/ikm?tahun=2025&triwulan=1&layanan=120")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    # NRR: 3.50 3.50 2.50 3.50 3.00 3.00 3.50 3.00 2.50 -> sum 28 -> 28/9 x 25 = 77.78 (B, Baik)
    assert 'id="ikm-value">77,78<' in text and "Mutu B · Baik" in text
    assert "<td class=\"num\">2,50</td>" in text
    assert "sampel minimum 92" in text and "Kurang" in text  # 120 services -> 92 (Krejcie-Morgan); 2 responded


@pytest.mark.parametrize("role", ["petugas_informasi", "camat", "admin", "kasi_pelayanan"])
def test_ikm_page_is_open_to_the_office_roles(client_for, db, role):
    assert client_for(role).get("/ikm?tahun=2025&triwulan=tahun").status_code == 200


def test_counter_clerk_does_not_see_the_ikm_page(client_for, db):
    assert client_for("petugas_loket").get("/ikm").status_code == 403


@pytest.mark.parametrize("query, message", [
    ("tahun=2099&triwulan=1", "belum dimulai"), ("tahun=x", "Tahun harus"), ("tahun=2025&triwulan=9", "Pilih triwulan"),
    ("tahun=2025&triwulan=1&layanan=-5", "bilangan bulat")])
def test_bad_period_or_population_gets_a_message(client_for, db, query, message):
    response = client_for("camat").get(f"/ikm?{query}")
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_the_admin_picks_the_weight_and_the_page_and_the_recap_name_it(client_for, db):
    survey_response(datetime(2025, 2, 5, 3), {"persyaratan": 4, "prosedur": 4, "waktu": 2, "biaya": 4, "produk": 3,
                                     "kompetensi": 3, "perilaku": 4, "pengaduan": 3, "sarana": 2})
    survey_response(datetime(2025, 2, 6, 3), 3)
    camat = client_for("camat")
    assert "bobot tiap unsur 1/9" in camat.get("/ikm?tahun=2025&triwulan=1").get_data(as_text=True)
    assert camat.post("/admin/ikm/bobot", data={"bobot": "contoh"}).status_code == 403
    admin = client_for("admin")
    assert admin.post("/admin/ikm/bobot", data={"bobot": "lain"}).status_code == 422
    assert admin.post("/admin/ikm/bobot", data={"bobot": "contoh"}).status_code == 303
    text = camat.get("/ikm?tahun=2025&triwulan=1").get_data(as_text=True)
    # Sum of NRR 28 x 0,111 = 3,108 -> x 25 = 77,70 (B); with 1/9 it was 77,78.
    assert 'id="ikm-value">77,70<' in text and "bobot tiap unsur 0,111" in text
    assert "0,111" in camat.get("/rekap/2025/1").get_data(as_text=True)


def test_answers_without_registrations_ask_for_the_services_not_call_zero_enough(client_for, db):
    """Seen: "sampel minimum 0 … populasi 0 … Cukup" for a quarter with answers and no registrations."""
    survey_response(datetime(2025, 2, 6, 3), 3)
    text = client_for("camat").get("/ikm?tahun=2025&triwulan=1").get_data(as_text=True)
    assert "sampel minimum 0" not in text and "populasi 0" not in text and "Cukup" not in text
    assert "belum ada layanan tercatat pada periode ini" in text

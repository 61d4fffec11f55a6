"""Kinerja Kecamatan at the center (issue 29): approved recaps stored once per version, the latest shown with
its history, every kecamatan side by side for the Pimpinan Kabupaten, the regency's combined IKM from unit
data, late recaps flagged, XLSX through the one writer, the printed report, and the faults."""
import io
import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from sync import protocol
from sync.center import keys, performance
from sync.center.accounts import create_operator
from sync.center.models import PerformanceReport
from tests.sync.helpers import call, packet_call
from tests.sync.test_center_pages import client_as
from tests.support.factory import kecamatan_row

ELEMENT_KEYS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "maklumat",
                "pengaduan")


def record(kecamatan="35.08.07", year=2025, quarter=3, received=10, closed=8, on_time=6, respondents=4,
           score=3, definition="aaaa1111", addendum=0, promises="Menambah loket."):
    """A report as app/recap/sync_records.py makes it; every respondent gives `score` to every unsur."""
    elements = [{"key": k, "answers": respondents, "total": score * respondents,
                 "nrr": f"{score:.2f}" if respondents else None} for k in ELEMENT_KEYS]
    ikm = f"{score * 25:.2f}" if respondents else None
    return {"format": 1, "kecamatan": kecamatan, "year": year, "quarter": quarter,
            "approved_at": "2025-10-03T02:00:00",
            "complaints": {"received": received, "confidential": 0, "closed": closed, "closed_on_time": on_time,
                           "follow_up_days": 5, "responded": closed, "responded_on_time": closed,
                           "first_response_days": 1, "by_channel": [], "by_status": [], "by_category": []},
            "ikm": {"respondents": respondents, "ikm": ikm, "grade": ("B" if score == 3 else "A") if respondents else None,
                    "elements": elements},
            "indicators": [{"key": "pengaduan_tepat_waktu", "name": "Pengaduan ditindaklanjuti tepat waktu",
                            "numerator": on_time, "denominator": closed, "value": 100.0 * on_time / closed,
                            "target": 90.0, "higher_is_better": True, "is_index": False, "available": True,
                            "definition": definition}],
            "notice": {"promises": promises, "narrative": ""},
            "addendum": {"count": addendum, "at": None, "listed_in": None}}


def item(report, version=1):
    return ({"id": f"KINERJA-{report['year']}-{report['quarter']}", "version": version,
             "hash": protocol.content_hash(report, protocol.sha256_hex(b"")), "record": report}, b"")


def send(client, key, *items):
    response = packet_call(client, key, "/api/v1/kinerja/packets", list(items))
    assert response.status_code == 200, response.get_data(as_text=True)
    response.close()  # as every WSGI server does once the answer is sent (its call_on_close work runs)
    return [r["result"] for r in response.get_json()["results"]]


@pytest.fixture
def second(center_db):
    """A second enrolled kecamatan, 35.08.08, and its key."""
    kecamatan = kecamatan_row("35.08.08", "Jatiroto")
    _, key = keys.enrol("35.08.08", keys.new_enrolment_code(kecamatan), "01")
    return kecamatan, (key.key_id, key.secret)


@pytest.fixture
def pimpinan(center_app, center_db):
    operator = create_operator("bupati", "Pimpinan", "pimpinan", password="rahasia-pusat-1",
                               must_change_password=False)[0]
    return client_as(center_app, operator)


def page(client, url="/kinerja?tahun=2025&triwulan=3"):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_report_arriving_twice_is_stored_once_and_a_changed_one_is_a_conflict(center_app, enrolled):
    _, key = enrolled
    client = center_app.test_client()
    assert send(client, key, item(record())) == ["stored"]
    assert send(client, key, item(record())) == ["duplicate"]
    assert send(client, key, item(record(received=11))) == ["conflict"]
    assert PerformanceReport.select().count() == 1
    manifest = call(client, key, "POST", "/api/v1/kinerja/manifest",
                    {"items": [{"id": "KINERJA-2025-3", "version": 1, "hash": item(record())[0]["hash"], "size": 0},
                               {"id": "KINERJA-2025-3", "version": 2, "hash": "0" * 64, "size": 0}]}).get_json()
    assert manifest == {"need": [{"id": "KINERJA-2025-3", "version": 2}],
                        "have": [{"id": "KINERJA-2025-3", "version": 1}], "conflict": []}


def test_versions_out_of_order_show_the_latest_with_its_history(center_app, enrolled, pimpinan):
    _, key = enrolled
    client = center_app.test_client()
    assert send(client, key, item(record(addendum=2, received=10), version=2)) == ["stored"]
    assert send(client, key, item(record(), version=1)) == ["stored"]  # the older one arrives after
    shown = page(pimpinan)
    assert "versi 2" in shown and "adendum 2 pengaduan" in shown
    assert "Riwayat: versi 2 diterima" in shown and "; versi 1 diterima" in shown
    rows, _ = performance.quarter_table(performance.Quarter.of(2025, 3), date(2025, 12, 1))
    assert rows[0].version == 2 and [v for v, _ in rows[0].versions] == [2, 1]
    assert PerformanceReport.select().count() == 2  # the earlier version is kept


def test_a_revoked_key_stores_nothing(center_app, enrolled):
    _, key = enrolled
    from sync.center.models import DeviceKey
    keys.revoke(DeviceKey.get(DeviceKey.key_id == key[0]))
    response = packet_call(center_app.test_client(), key, "/api/v1/kinerja/packets", [item(record())])
    assert response.status_code == 401
    assert PerformanceReport.select().count() == 0


def test_bad_reports_are_rejected_with_a_reason_and_never_stored(center_app, enrolled):
    _, key = enrolled
    client = center_app.test_client()
    other = record(kecamatan="35.08.08")
    wrong_quarter = item(record())
    wrong_quarter[0]["id"] = "KINERJA-2025-2"  # a Q3 report under Q2's key
    no_counts = record()
    del no_counts["complaints"]["received"]
    too_many_points = record()
    too_many_points["ikm"]["elements"][0]["total"] = 99
    bad_key = item(record())
    bad_key[0]["id"] = "KINERJA-2025-5"
    assert send(client, key, item(other), wrong_quarter, item(no_counts), item(too_many_points),
                bad_key) == ["rejected"] * 5
    assert PerformanceReport.select().count() == 0


def test_pimpinan_sees_every_kecamatan_side_by_side_with_no_respondents_as_a_dash(center_app, enrolled, second,
                                                                                   pimpinan):
    client = center_app.test_client()
    assert page(pimpinan).count("<strong class=\"late-word\">Terlambat:</strong>") == 2  # kept until a report arrives
    send(client, enrolled[1], item(record(received=12, closed=9, on_time=7, respondents=4, score=3)))
    assert page(pimpinan).count("<strong class=\"late-word\">Terlambat:</strong>") == 1
    send(client, second[1], item(record(kecamatan="35.08.08", received=5, closed=5, on_time=5, respondents=0)))
    shown = page(pimpinan)
    yoso, jati = shown.index("Yosowilangun"), shown.index("Jatiroto")
    yoso_row, jati_row = shown[yoso:shown.index("</tr>", yoso)], shown[jati:shown.index("</tr>", jati)]
    assert ">12<" in yoso_row and "7 dari 9" in yoso_row and "75,00 (B)" in yoso_row and ">4<" in yoso_row
    assert ">5<" in jati_row and "5 dari 5" in jati_row
    assert jati_row.count(">–<") == 2 and ">0<" not in jati_row  # IKM and respondents: "–", not 0
    assert "77,8" in yoso_row and "77,78" not in yoso_row and "capai target" not in yoso_row and "di bawah target" in yoso_row  # 7/9 vs target 90


def test_the_regency_ikm_is_computed_from_unit_data_not_an_average_of_averages(center_app, enrolled, second,
                                                                               pimpinan):
    client = center_app.test_client()
    send(client, enrolled[1], item(record(respondents=30, score=4)))   # IKM 100,00 from 30 respondents
    send(client, second[1], item(record(kecamatan="35.08.08", respondents=90, score=2)))  # 50,00 from 90
    # Every answer of both units: (30 x 4 + 90 x 2) / 120 = 2.5 per unsur -> 62,50 (D); the mean of the two
    # IKMs would be 75,00 (C).
    rows, combined = performance.quarter_table(performance.Quarter.of(2025, 3), date(2025, 12, 1))
    assert (combined.ikm, combined.grade, combined.respondents, combined.units) == (Decimal("62.50"), "D", 120, 2)
    assert "62,50 – mutu D" in page(pimpinan)


def test_the_combined_ikm_of_one_unit_is_that_units_own_ikm():
    """The center's formula is the kecamatan's (app/survey/ikm.py) applied to the pooled answers."""
    from app.survey.elements import ELEMENT_KEYS as KECAMATAN_KEYS
    from app.survey.ikm import compute_ikm
    totals = {k: (7, 7 * 3 + n % 2) for n, k in enumerate(KECAMATAN_KEYS)}
    own = compute_ikm(7, totals)
    pooled = performance.combined_ikm([{"respondents": 7, "elements": [
        {"key": k, "answers": a, "total": t} for k, (a, t) in totals.items()]}])
    assert (pooled.ikm, pooled.grade) == (own.ikm, own.quality.grade)


def test_a_missing_recap_is_flagged_late_after_the_working_days_allowed(center_app, enrolled, second):
    send(center_app.test_client(), enrolled[1], item(record()))
    quarter = performance.Quarter.of(2025, 3)
    due = performance.due_date(quarter)
    assert due > quarter.end
    on_due, after = (performance.quarter_table(quarter, day)[0] for day in (due, due + timedelta(days=1)))
    assert [r.late for r in on_due] == [False, False]
    assert [r.late for r in after] == [False, True]  # Yosowilangun approved; Jatiroto is late


CHANGED = "Definisi berubah sejak Triwulan II 2025: Pengaduan ditindaklanjuti tepat waktu"


def test_indicator_definitions_that_changed_since_last_quarter_are_labelled(center_app, enrolled, pimpinan):
    client = center_app.test_client()
    send(client, enrolled[1], item(record(quarter=2, definition="aaaa1111")))
    send(client, enrolled[1], item(record(quarter=3, definition="bbbb2222")))
    assert CHANGED in page(pimpinan)
    send(client, enrolled[1], item(record(quarter=4, definition="bbbb2222")))
    assert "Definisi berubah" not in page(pimpinan, "/kinerja?tahun=2025&triwulan=4")
    trend = page(pimpinan, f"/kinerja/kecamatan/{enrolled[0].id}?tahun=2025&triwulan=4")
    assert trend.count(CHANGED) == 1  # at Q3 only


def test_a_changed_definition_is_found_across_quarters_without_a_report(center_app, enrolled, pimpinan):
    """The comparison is with the kecamatan's last quarter that has a report: a quarter it missed (or an
    older one beyond the trend's eight) hides no change of definition."""
    client = center_app.test_client()
    send(client, enrolled[1], item(record(year=2023, quarter=1, definition="aaaa1111")))
    send(client, enrolled[1], item(record(year=2025, quarter=1, definition="bbbb2222")))
    send(client, enrolled[1], item(record(year=2025, quarter=3, definition="cccc3333")))
    assert "Definisi berubah sejak Triwulan I 2025: Pengaduan" in page(pimpinan)  # Q2 has no report
    assert "Definisi berubah sejak Triwulan I 2023: Pengaduan" in page(pimpinan, "/kinerja?tahun=2025&triwulan=1")
    trend = page(pimpinan, f"/kinerja/kecamatan/{enrolled[0].id}?tahun=2025&triwulan=1")  # 2023 Q2 - 2025 Q1
    assert trend.count("Definisi berubah sejak Triwulan I 2023: Pengaduan") == 1
    send(client, enrolled[1], item(record(year=2025, quarter=4, definition="cccc3333")))
    assert "Definisi berubah" not in page(pimpinan, "/kinerja?tahun=2025&triwulan=4")


def test_the_xlsx_labels_the_figures_whose_definition_changed_as_the_page_does(center_app, enrolled, second,
                                                                              pimpinan):
    client = center_app.test_client()
    send(client, enrolled[1], item(record(quarter=1, definition="aaaa1111")))
    send(client, enrolled[1], item(record(quarter=3, definition="bbbb2222")))
    send(client, second[1], item(record(kecamatan="35.08.08", quarter=2, definition="aaaa1111")))
    send(client, second[1], item(record(kecamatan="35.08.08", quarter=3, definition="aaaa1111")))
    response = pimpinan.get("/kinerja.xlsx?tahun=2025&triwulan=3")
    rows = [list(r) for r in load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True)]
    by_name = {line[1]: dict(zip(rows[2], line)) for line in rows[3:]}
    assert by_name["Yosowilangun"]["Definisi berubah"] == \
        "Pengaduan ditindaklanjuti tepat waktu (sejak Triwulan I 2025)"
    assert by_name["Jatiroto"]["Definisi berubah"] is None


def test_xlsx_and_printed_report_hold_the_same_figures(center_app, enrolled, second, pimpinan):
    send(center_app.test_client(), enrolled[1], item(record(received=12, closed=9, on_time=7, respondents=30, score=4)))
    response = pimpinan.get("/kinerja.xlsx?tahun=2025&triwulan=3")
    assert response.status_code == 200 and "kinerja-kecamatan-2025-3.xlsx" in response.headers["Content-Disposition"]
    from sync.center.models import CenterAudit
    exported = CenterAudit.select().where(CenterAudit.action == "ekspor", CenterAudit.entity == "kinerja").get()
    assert exported.summary == "Kinerja Kecamatan Triwulan III 2025 diunduh (XLSX, 2 kecamatan)"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[1][:3] == ["IKM kabupaten (gabungan, PermenPANRB 14/2017)", 100, "A"]
    header = rows[2]
    yoso = dict(zip(header, rows[3]))
    assert (yoso["Kecamatan"], yoso["Pengaduan diterima"], yoso["Selesai tepat waktu"], yoso["IKM"],
            yoso["Responden IKM"]) == ("Yosowilangun", 12, 7, 100, 30)
    jati = dict(zip(header, rows[4]))
    assert jati["Kecamatan"] == "Jatiroto" and jati["Status rekap"] in ("Terlambat", "Belum ada")
    printed = page(pimpinan, "/kinerja/cetak?tahun=2025&triwulan=3")
    assert "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL" in printed and "Laporan Kinerja Pelayanan Kecamatan" in printed
    assert "Yosowilangun" in printed and "100,00 (A)" in printed and "data-print" in printed


def _letterhead(printed: str) -> str:
    return printed[printed.index('<div class="letterhead">'):printed.index("<h1>")]


def test_the_printed_report_carries_the_regency_letterhead_not_the_printing_centers(center_app, enrolled, pimpinan):
    """For the Bupati: the regency government's kop surat, by default that of the kabupaten the registered
    kecamatan belong to (35.08.07: Kabupaten Lumajang), never the center's "Pusat Cetak" heading."""
    send(center_app.test_client(), enrolled[1], item(record()))
    kop = _letterhead(page(pimpinan, "/kinerja/cetak?tahun=2025&triwulan=3"))
    assert "PEMERINTAH KABUPATEN LUMAJANG" in kop and "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL" in kop
    assert "Kabupaten Lumajang, Provinsi Jawa Timur" in kop
    assert "PUSAT CETAK" not in kop.upper() and "<img" not in kop


def test_the_regency_letterhead_is_configured_with_its_name_office_address_and_logo(center_app, enrolled, pimpinan,
                                                                                   tmp_path):
    from PIL import Image
    Image.new("RGB", (600, 400), "green").save(tmp_path / "logo.jpg")
    center_app.config.update(REGENCY_NAME="35.79", REGENCY_OFFICE="Sekretariat Daerah",
                             REGENCY_ADDRESS="Jl. Panglima Sudirman 507, Batu", REGENCY_LOGO=str(tmp_path / "logo.jpg"))
    kop = _letterhead(page(pimpinan, "/kinerja/cetak?tahun=2025&triwulan=3"))
    printed = page(pimpinan, "/kinerja/cetak?tahun=2025&triwulan=3")
    kop = _letterhead(printed)
    assert "PEMERINTAH KOTA BATU" in kop and "SEKRETARIAT DAERAH" in kop and "Jl. Panglima Sudirman 507, Batu" in kop
    assert '<img src="data:image/png;base64,' in kop  # the page's CSP allows data: images; no route to guard
    # A city's head is the Wali Kota (issue 61, finding 5: the print said "Kepada Yth. Bupati" to Kota Batu)
    assert "Kepada Yth. Wali Kota Batu." in printed and "Bupati" not in printed
    center_app.config.update(REGENCY_NAME="Kota Malang", REGENCY_ADDRESS="")
    assert "Kepada Yth. Wali Kota Malang." in page(pimpinan, "/kinerja/cetak?tahun=2025&triwulan=3")
    center_app.config.update(REGENCY_NAME="lumajang", REGENCY_ADDRESS="", REGENCY_LOGO=str(tmp_path / "missing.png"))
    printed = page(pimpinan, "/kinerja/cetak?tahun=2025&triwulan=3")
    kop = _letterhead(printed)
    assert "PEMERINTAH KABUPATEN LUMAJANG" in kop and "Kabupaten Lumajang, Provinsi Jawa Timur" in kop
    assert "Kepada Yth. Bupati Lumajang." in printed
    assert "<img" not in kop  # a logo that cannot be read is left out


def test_a_kecamatan_trend_draws_its_quarters_as_svg(center_app, enrolled, pimpinan):
    client = center_app.test_client()
    send(client, enrolled[1], item(record(quarter=2, score=3)))
    send(client, enrolled[1], item(record(quarter=3, score=4)))
    kecamatan_id = enrolled[0].id
    shown = page(pimpinan, f"/kinerja/kecamatan/{kecamatan_id}?tahun=2025&triwulan=3")
    assert shown.count("<svg") == 2 and not re.findall(r"<script(?![^>]*\bsrc=)", shown)  # drawn by the server
    ikm_chart, on_time_chart = shown.split("<svg")[1:]
    assert ">Nilai IKM</text>" in ikm_chart and ">Persen (%)</text>" in on_time_chart  # each axis says what it counts
    assert "75,00 (B)" in shown and "100,00 (A)" in shown and "Belum ada rekap disetujui" in shown


def test_a_trend_bar_says_its_figure_as_the_table_rounds_it(center_app, enrolled, pimpinan):
    """Issue 61, finding 5: a bar's tooltip said 77,08 under a figure printed 77,1 (one rounding for one figure)."""
    send(center_app.test_client(), enrolled[1], item(record(received=50, closed=48, on_time=37, respondents=30)))
    shown = page(pimpinan, f"/kinerja/kecamatan/{enrolled[0].id}?tahun=2025&triwulan=3")
    ikm_chart, on_time_chart = shown.split("<svg")[1:]
    assert "<title>3/25: 75,00</title>" in ikm_chart and "75,00 (B)" in shown  # the IKM as the table prints it
    assert "<title>3/25: 77,1%</title>" in on_time_chart and "77,08" not in shown  # 37 of 48


def test_pimpinan_reads_kinerja_only(center_app, center_db, pimpinan):
    assert pimpinan.get("/").status_code == 403
    assert pimpinan.get("/permohonan").status_code == 403
    assert pimpinan.get("/kinerja").status_code == 200
    operator = create_operator("op", "Operator", "operator", password="rahasia-pusat-1", must_change_password=False)[0]
    assert client_as(center_app, operator).get("/kinerja").status_code == 403


def test_pimpinan_lands_on_kinerja_after_signing_in(center_app, center_db):
    create_operator("bupati", "Pimpinan", "pimpinan", password="rahasia-pusat-1", must_change_password=False)
    client = center_app.test_client()
    client.get("/masuk")
    response = client.post("/masuk", data={"username": "bupati", "password": "rahasia-pusat-1"})
    assert response.status_code == 302 and response.location.endswith("/kinerja")


def test_a_report_in_a_usb_file_is_stored_beside_the_applications(center_app, enrolled):
    from sync import usb
    from sync.center.models import ReceivedApplication
    from sync.center.views import import_one_file
    from tests.sync.helpers import packet_item
    _, key = enrolled
    report = item(record())
    report = (dict(report[0], kind="kinerja"), b"")
    content = usb.write_batch_file(key[0], key[1], [packet_item(1), report], 1, 1, "20251005-1000")
    with center_app.test_request_context():
        first = import_one_file(content, "a.lkb")
        again = import_one_file(content, "a.lkb")
    assert first["summary"]["stored"] == 1 and "Laporan kinerja: disimpan 1" in first["message"]
    assert "Laporan kinerja: disimpan 0, sudah ada 1" in again["message"]
    assert ReceivedApplication.select().count() == 1 and PerformanceReport.select().count() == 1
    assert PerformanceReport.get().via == "usb"


def test_a_usb_file_from_a_revoked_key_stores_no_report(center_app, enrolled):
    from sync import usb
    from sync.center.models import DeviceKey
    from sync.center.views import import_one_file
    _, key = enrolled
    report = item(record())
    content = usb.write_batch_file(key[0], key[1], [(dict(report[0], kind="kinerja"), b"")], 1, 1, "20251005-1000")
    keys.revoke(DeviceKey.get(DeviceKey.key_id == key[0]))
    with center_app.test_request_context():
        imported = import_one_file(content, "a.lkb")
    assert "dicabut" in imported["error"] and PerformanceReport.select().count() == 0


def test_a_sync_that_brings_a_report_computes_the_figures_before_the_first_reader(center_app, enrolled, pimpinan,
                                                                                   monkeypatch):
    """Issue 29: right after a sync the page reads kept figures (the sync's request computed them once
    its answer was sent); a read again never computes; the next report shows at once."""
    _, key = enrolled
    client = center_app.test_client()
    computed = []
    real = performance.quarter_table
    monkeypatch.setattr(performance, "quarter_table", lambda *a: computed.append(a[0].key) or real(*a))
    assert send(client, key, item(record(received=10))) == ["stored"]
    assert "2025-T3" in computed  # after the answer, before anyone reads
    computed.clear()
    assert ">10<" in page(pimpinan) and ">10<" in page(pimpinan, "/kinerja/cetak?tahun=2025&triwulan=3")
    assert pimpinan.get("/kinerja.xlsx?tahun=2025&triwulan=3").status_code == 200
    assert computed == []
    assert send(client, key, item(record(received=12, addendum=2), version=2)) == ["stored"]
    computed.clear()
    assert ">12<" in page(pimpinan) and computed == []


def test_the_center_computes_the_figures_as_it_starts_so_the_first_reader_after_a_restart_waits_for_nothing(
        center_app, enrolled, pimpinan, monkeypatch):
    """The kept figures live in memory: a background job of the center (its first run at start, in its own
    thread, so the start is not delayed) computes the last quarter's table, HTML and XLSX again."""
    import threading
    from app.frame import figure_cache
    from app.frame.dates import local_today
    from app.frame.jobs import start_jobs
    from sync.center.program import PROGRAM
    last = performance.Quarter.containing(local_today(performance.ZONE)).previous()
    assert send(center_app.test_client(), enrolled[1], item(record(year=last.year, quarter=last.number))) == ["stored"]
    figure_cache._kept.clear()  # the center restarted
    jobs = [(seconds, job) for seconds, job in PROGRAM.jobs() if job is performance.warm_job]
    assert jobs, "no background job computes the Kinerja figures at start"
    done, real_warm, computed = threading.Event(), performance.warm, []
    monkeypatch.setattr(performance, "warm", lambda quarters: (real_warm(quarters), done.set()))
    real_table = performance.quarter_table
    monkeypatch.setattr(performance, "quarter_table", lambda *a: computed.append(a[0].key) or real_table(*a))
    stop = start_jobs(center_app, jobs, db=center_app.extensions["center_database"])
    try:
        assert done.wait(30)
    finally:
        stop.set()
    assert computed == [last.key]
    computed.clear()
    assert "Disetujui" in page(pimpinan, "/kinerja") and "Disetujui" in page(pimpinan, "/kinerja/cetak")
    assert pimpinan.get("/kinerja.xlsx").status_code == 200
    assert computed == []  # the first reader after the restart read kept figures


def test_the_center_demo_fills_kinerja_with_reports_the_api_would_accept(center_app, center_db, pimpinan):
    from sync.center import demo
    assert demo.fill(quarters=4) > 21 * 3
    assert demo.fill(quarters=4) == 0  # a second run adds nothing
    for report in PerformanceReport.select():
        assert performance.record_problem(json.loads(report.record_json), report.year, report.quarter) is None
    shown = page(pimpinan, "/kinerja")
    assert shown.count('class="late"') + shown.count("Disetujui") == 21 and "Tempursari" in shown
    assert re.search(r"IKM kabupaten \(gabungan \d+ kecamatan, \d+ responden\):\s*<strong>\d+,\d\d – mutu [A-D]", shown)


def test_the_center_gzips_its_pages_for_a_browser_that_accepts_it(center_app, center_db, pimpinan):
    import gzip
    from sync.center import demo
    demo.fill(quarters=1)
    packed = pimpinan.get("/kinerja", headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert "Tempursari" in gzip.decompress(packed.get_data()).decode()

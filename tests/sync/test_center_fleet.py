"""The regency sees every PC (issue 81): each kind of health report a PC sends with its pass arrives at
the center, signed, and is read back on the Kesehatan Komputer page, the PCs that need a call first,
on SQLite and PostgreSQL; a PC of the previous version sends none and is shown as such."""
import json
import re
import time
from datetime import timedelta

import pytest

from app.frame.dates import utc_now
from sync.center import keys
from sync.center.accounts import create_operator
from sync.center.fleet import KEPT_PER_PC
from sync.center.models import DeviceKey, FleetReport
from sync import protocol
from tests.sync.helpers import call, signed_headers
from tests.sync.test_center_pages import client_as
from tests.support.factory import kecamatan_row

FINE = {"version": "0.3.0", "update": {"outcome": "diambil", "version": "0.3.0", "why": "",
                                       "at": "2026-11-20T01:00:00+00:00"},
        "backup": {"age_hours": 10, "where": "usb"}, "disk_free_mb": 40000, "trail_gaps": 0, "errors": 0,
        "outbox": 3, "phone": "(0334) 123456"}


@pytest.fixture
def regency(center_db):
    """Two kecamatan (Yosowilangun with a desa PC, Kunir), the regency admin and the pimpinan."""
    made = {}
    for code, name in (("35.08.07", "Yosowilangun"), ("35.08.08", "Kunir")):
        kecamatan = kecamatan_row(code, name)
        _, key = keys.enrol(code, keys.new_enrolment_code(kecamatan), "01")
        made[code] = (key.key_id, key.secret)
    admin = create_operator("kabupaten", "Admin Kabupaten", "admin", password="rahasia-pusat-1",
                            must_change_password=False)[0]
    pimpinan = create_operator("bupati", "Pimpinan", "pimpinan", password="rahasia-pusat-1",
                               must_change_password=False)[0]
    return made, admin, pimpinan


def signed(client, key, body, timestamp=None, method="POST", path="/api/v1/fleet/report"):
    """A signed request as today's PC makes it (its version header: protocol 7, version 0.3.0)."""
    body = json.dumps(body).encode() if body is not None else b""
    headers = dict(signed_headers(key[0], key[1], method, path, body if method == "POST" else b"", timestamp),
                   **{protocol.VERSION_HEADER: protocol.version_report("0.3.0")})
    return client.open(path, method=method, data=body, headers=headers, content_type="application/json")


def report(client, key, **changes):
    return signed(client, key, dict(FINE, **changes))


def page(center_app, operator, url="/armada") -> str:
    response = client_as(center_app, operator).get(url)
    assert response.status_code == 200, response.text[:300]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"] and "<script>" not in response.text
    return response.text


def row_of(text: str, kecamatan: str) -> str:
    rows = re.findall(r"<tr(?: class=\"attention\")?>\s*<td>(.*?)</tr>", text, re.S)
    return next(row for row in rows if kecamatan in row)


def test_a_fine_report_arrives_and_reads_back_without_a_problem(center_app, regency):
    made, admin, _ = regency
    client = center_app.test_client()
    answer = report(client, made["35.08.07"])
    assert answer.status_code == 200 and answer.json["stored"] and abs(answer.json["clock_offset"]) <= 2
    report(client, made["35.08.08"])
    text = page(center_app, admin)
    row = row_of(text, "Yosowilangun")
    assert "<strong>" not in row.split("</td>")[2] and "baik" in row and "Tidak perlu tindakan." in row
    assert "0.3.0 diambil" in row and "10 jam (flashdisk/disk lain)" in row and "sisa 39.1 GB" in row
    assert "(0334) 123456" in row and "tepat" in row
    assert "Tidak ada komputer yang perlu ditelepon." in text


@pytest.mark.parametrize("changes, label, advice", [
    ({"update": {"outcome": "dikembalikan", "version": "0.4.0", "why": "halaman /pendaftaran (500)",
                 "at": "2026-11-27T02:00:00+00:00"}},
     "kembali ke versi sebelumnya", "pembaruan gagal setelah berganti versi"),
    ({"update": {"outcome": "ditolak", "version": "0.4.0", "why": "gagal diperiksa pada salinan data",
                 "at": "2026-11-27T02:00:00+00:00"}}, "menolak rilis", "versi yang berjalan tetap dipakai"),
    ({"backup": {"age_hours": 24 * 30, "where": "disk"}}, "cadangan lebih dari 7 hari", "membuat cadangan sekarang"),
    ({"disk_free_mb": 300}, "ruang disk hampir habis", "memindahkan cadangan lama"),
    ({"room": {"version": "0.4.0", "short_mb": 120}}, "pembaruan menunggu ruang disk",  # issue 94 finding 2
     "pembaruan versi 0.4.0 belum diunduh karena disk komputer ini kurang 120 MB"),
    ({"trail_gaps": 2}, "perubahan tanpa jejak audit", "membacakan daftarnya"),
])
def test_each_kind_of_report_puts_its_pc_first_with_what_to_do(center_app, regency, changes, label, advice):
    made, admin, pimpinan = regency
    client = center_app.test_client()
    report(client, made["35.08.07"])
    assert report(client, made["35.08.08"], **changes).status_code == 200
    for reader in (admin, pimpinan):  # the pimpinan reads it too
        text = page(center_app, reader)
        first = re.search(r'<tr class="attention">(.*?)</tr>', text, re.S).group(1)
        assert "Kunir" in first and f"<strong>{label}</strong>" in first and advice in first
        assert "(0334) 123456" in first
        assert "1 komputer perlu ditelepon" in text
    if "update" in changes:
        assert changes["update"]["why"] in first and "0.4.0" in first
    # The filter by problem keeps it alone; the other kecamatan's filter leaves it out.
    key = next(k for k, v in __import__("sync.center.fleet", fromlist=["PROBLEMS"]).PROBLEMS.items() if v[0] == label)
    filtered = page(center_app, admin, f"/armada?masalah={key}")
    assert "Kunir" in filtered and "Yosowilangun (35.08.07)" not in filtered.split('id="armada"')[1]
    assert "Kunir (35.08.08)</span>" not in page(center_app, admin, "/armada?kecamatan=35.08.07")


def test_a_skewed_clock_is_read_from_the_refused_request_and_named(center_app, regency):
    made, admin, _ = regency
    client = center_app.test_client()
    report(client, made["35.08.07"])
    report(client, made["35.08.08"])
    refused = signed(client, made["35.08.08"], FINE, timestamp=int(time.time()) + 2 * 3600)
    assert refused.status_code == 401 and refused.json["error"] == "clock_skew"
    first = re.search(r'<tr class="attention">(.*?)</tr>', page(center_app, admin), re.S).group(1)
    assert "Kunir" in first and "<strong>jam selisih lebih dari 5 menit</strong>" in first
    assert "2 jam lebih cepat" in first and "zona waktu Windows" in first
    # Within the window the report's own time is read: two minutes slow, no problem.
    signed(client, made["35.08.08"], FINE, timestamp=int(time.time()) - 120)
    assert "2 menit lebih lambat" in row_of(page(center_app, admin), "Kunir")
    assert "jam selisih" not in row_of(page(center_app, admin), "Kunir")


def test_a_pc_not_seen_for_three_days_an_old_pc_and_a_desa_pc(center_app, regency):
    made, admin, _ = regency
    client = center_app.test_client()
    report(client, made["35.08.07"])
    # Kunir's PC is of the previous version: it signs its passes (version header) but sends no report.
    call(client, made["35.08.08"], "GET", "/api/v1/probe")
    # Yosowilangun's desa PC reports; then Yosowilangun's counter PC is not seen for four days.
    kecamatan = DeviceKey.get(DeviceKey.key_id == made["35.08.07"][0]).kecamatan
    DeviceKey.create(kecamatan=kecamatan, key_id="350807-desa0001", secret="rahasia-desa-" + "x" * 30,
                     desa_code="35.08.07.2001", device_code="D1", created_at=utc_now())
    desa = ("350807-desa0001", "rahasia-desa-" + "x" * 30)
    assert report(client, desa, disk_free_mb=100, phone="").status_code == 200
    DeviceKey.update(last_used_at=utc_now() - timedelta(days=4)).where(
        DeviceKey.key_id == made["35.08.07"][0]).execute()
    text = page(center_app, admin)
    kunir = row_of(text, "Kunir")
    assert "<strong>versi lama, tidak melapor</strong>" in kunir and "versi lama tidak mengirim" in kunir
    yoso = row_of(text, "Yosowilangun")
    assert "<strong>tidak terlihat 3 hari</strong>" in yoso and "berkas USB" in yoso
    # Not seen comes before an old version: the order of PROBLEMS.
    assert text.index("tidak terlihat 3 hari</strong>") < text.index(
        "versi lama, tidak melapor</strong>")
    desa_row = row_of(text, "Desa 35.08.07.2001")
    assert "<strong>ruang disk hampir habis</strong>" in desa_row and "sisa 100 MB" in desa_row
    assert "(0334) 123456" in desa_row  # its kecamatan's telephone, as the counter PC reported it


def test_a_pc_page_shows_its_history_and_keeps_the_last_reports_only(center_app, regency):
    made, admin, _ = regency
    client = center_app.test_client()
    for outcome, age in (("diambil", 5), ("dikembalikan", 30)):
        report(client, made["35.08.08"], update=dict(FINE["update"], outcome=outcome), backup={"age_hours": age,
                                                                                            "where": "usb"})
    key = DeviceKey.get(DeviceKey.key_id == made["35.08.08"][0])
    text = page(center_app, admin, f"/armada/{key.id}")
    assert text.index("dikembalikan ke versi sebelumnya") < text.index("0.3.0 diambil")  # newest first
    assert "30 jam" in text and "5 jam" in text and "<strong>kembali ke versi sebelumnya</strong>" in text
    assert client_as(center_app, admin).get("/armada/99999").status_code == 404
    from sync.center.fleet import store
    for _ in range(KEPT_PER_PC + 5):
        store(key.id, FINE, 0, utc_now())
    assert FleetReport.select().where(FleetReport.device_key == key.id).count() == KEPT_PER_PC


@pytest.mark.parametrize("body, status", [
    (dict(FINE, extra=1), 400), (dict(FINE, disk_free_mb=-1), 400), (dict(FINE, errors="3"), 400),
    (dict(FINE, version="0.3.0; DROP"), 400), (dict(FINE, backup={"age_hours": 1, "where": "awan"}), 400),
    (dict(FINE, update={"outcome": "hilang"}), 400), (dict(FINE, phone="0" * 41), 400),
    (dict(FINE, phone="0" * 3000), 413), ([1, 2], 400),
])
def test_a_report_out_of_its_shape_is_refused_in_indonesian(center_app, regency, body, status):
    made, _, _ = regency
    answer = signed(center_app.test_client(), made["35.08.07"], body)
    assert answer.status_code == status and answer.json["message"].startswith("laporan kesehatan")
    assert FleetReport.select().count() == 0


def test_an_unknown_filter_is_answered_in_indonesian(center_app, regency):
    _, admin, _ = regency
    response = client_as(center_app, admin).get("/armada?masalah=apa")
    assert response.status_code == 400 and "tidak dikenal" in response.text


def test_an_office_that_sends_only_by_usb_is_not_called_unseen(center_app, regency):
    """A USB-only office: its batch file read at the center is its last sight; its file brings no report."""
    import io
    from sync import usb
    from sync.center.models import FleetLatest
    from tests.sync.helpers import packet_item
    made, admin, _ = regency
    report(center_app.test_client(), made["35.08.08"])
    content = usb.write_batch_file(made["35.08.07"][0], made["35.08.07"][1], [packet_item(1)])
    imported = client_as(center_app, admin).post("/impor", data={"batch": (io.BytesIO(content), "kiriman.lkb")},
                                                 content_type="multipart/form-data")
    assert imported.status_code == 200 and "disimpan 1" in imported.text
    usb_office = row_of(page(center_app, admin), "Yosowilangun")
    assert "<strong>hanya lewat berkas USB, tanpa laporan</strong>" in usb_office and "lewat flashdisk" in usb_office
    assert "tidak terlihat" not in usb_office and "versi lama" not in usb_office and "(berkas USB " in usb_office
    # Days later, with no file since: unseen again.
    FleetLatest.update(usb_at=utc_now() - timedelta(days=5)).execute()
    assert "<strong>tidak terlihat 3 hari</strong>" in row_of(page(center_app, admin), "Yosowilangun")


KINDS = [[2, "ValueError app.registration.records:save:88 registration.save"], [1, "HTTP503 - complaints.new"]]


def test_the_probe_names_the_shape_and_a_first_shape_report_of_a_030_pc_is_still_taken(center_app, regency):
    """Compatibility (issue 81): a 0.3.0 center's probe said True; today's says 3 (2: error kinds and saves kept;
    3: a release waiting for room, issue 94; a PC of today sends the new keys only then). A 0.3.0 PC's report (FINE: no error kinds, no saves kept) is taken as before."""
    made, _, _ = regency
    client = center_app.test_client()
    assert call(client, made["35.08.07"], "GET", "/api/v1/probe").json["fleet_report"] == 4
    assert report(client, made["35.08.07"]).status_code == 200
    stored = json.loads(FleetReport.get().report)
    assert stored["error_kinds"] == [] and "kept" not in stored["update"]
    second = dict(FINE, error_kinds=KINDS, update=dict(FINE["update"], outcome="dikembalikan", kept=3))
    assert signed(client, made["35.08.08"], second).status_code == 200
    stored = json.loads(FleetReport.select().order_by(FleetReport.id.desc()).get().report)
    assert stored["error_kinds"] == KINDS and stored["update"]["kept"] == 3


def test_the_page_shows_the_saves_kept_the_ring_and_each_kind_of_error(center_app, regency):
    """Issue 81: "dikembalikan …; … 3 simpanan data … tetap ada" (issue 89's words); each row its ring (komputer uji or rilis untuk semua);
    a PC's page each kind of error with its count, never more than its line."""
    made, admin, _ = regency
    client = center_app.test_client()
    report(client, made["35.08.07"])
    back = dict(FINE["update"], outcome="dikembalikan", version="0.4.0", why="halaman /pendaftaran (500)", kept=3)
    assert report(client, made["35.08.08"], update=back, error_kinds=KINDS).status_code == 200
    DeviceKey.update(pilot_since=utc_now()).where(DeviceKey.key_id == made["35.08.08"][0]).execute()
    text = page(center_app, admin)
    kunir, yoso = row_of(text, "Kunir"), row_of(text, "Yosowilangun")
    assert "0.4.0 dikembalikan ke versi sebelumnya" in kunir and "(500); data kantor dikembalikan ke keadaan saat berganti versi: 3 simpanan data" in kunir
    assert "komputer uji" in kunir and "rilis untuk semua" in yoso and "simpanan" not in yoso
    key = DeviceKey.get(DeviceKey.key_id == made["35.08.08"][0])
    history = page(center_app, admin, f"/armada/{key.id}")
    assert "2× ValueError app.registration.records:save:88 registration.save" in history
    assert "1× HTTP503 - complaints.new" in history and "3 simpanan data (pendaftaran dan perubahan" in history


@pytest.mark.parametrize("kinds", [
    [[1, f"KeyError app.x:f:{n}"] for n in range(11)],  # more than ten kinds
    [[1, "KeyError app.x:f:1 " + "a" * 150]],  # a line over 160 characters
    [[1, "ValueError 3508071234560001 registration.save"]],  # a NIK's digits
    [[1, "ValueError app.x:f:1 NIK=35080712"]],  # a value's characters
    [[0, "KeyError app.x:f:1"]], [["2", "KeyError app.x:f:1"]], [[1, 2]], [{"line": "KeyError"}], "KeyError",
])
def test_error_kinds_out_of_their_bounds_are_refused_in_indonesian(center_app, regency, kinds):
    made, _, _ = regency
    answer = signed(center_app.test_client(), made["35.08.07"], dict(FINE, error_kinds=kinds))
    assert answer.status_code == 400 and answer.json["message"].startswith("laporan kesehatan")
    assert FleetReport.select().count() == 0


def usb_import(center_app, admin, content, name="kiriman.lkb"):
    import io
    answer = client_as(center_app, admin).post("/impor", data={"batch": (io.BytesIO(content), name)},
                                               content_type="multipart/form-data")
    return answer.status_code, answer.text


def test_a_usb_file_carries_the_offices_report_with_its_clock_unmeasured(center_app, regency):
    """Issue 81: an office without a link seals its report in every batch file; the import keeps it as a pass's
    (the clock unmeasured, not invented) and the page shows it, not 'hanya lewat berkas USB, tanpa laporan'."""
    from sync import usb
    from sync.center.models import FleetLatest
    from tests.sync.helpers import packet_item
    made, admin, _ = regency
    key_id, secret = made["35.08.07"]
    sent = dict(FINE, backup={"age_hours": 24 * 20, "where": "disk"}, error_kinds=KINDS)
    content = usb.write_batch_file(key_id, secret, [packet_item(1)], report=sent)
    head = json.loads(content.split(b"\n", 1)[0])
    assert "(0334) 123456" not in head[usb.REPORT_FIELD] and "ValueError" not in content.decode("latin-1")
    status, text = usb_import(center_app, admin, content)
    assert status == 200 and "disimpan 1" in text and "Laporan kesehatan komputer: disimpan." in text
    stored = FleetReport.get()
    assert stored.clock_offset is None and json.loads(stored.report)["error_kinds"] == KINDS
    latest = FleetLatest.get()
    assert latest.clock_at is None and latest.received_at is not None
    row = row_of(page(center_app, admin), "Yosowilangun")
    assert "hanya lewat berkas USB" not in row and "<strong>cadangan lebih dari 7 hari</strong>" in row
    assert "belum diukur" in row and "tidak terlihat" not in row
    # The same report in the next part of the set adds no history row; the same file again adds nothing.
    second = usb.write_batch_file(key_id, secret, [packet_item(2)], part=2, parts=2, report=sent)
    assert "Laporan kesehatan komputer: sudah ada." in usb_import(center_app, admin, second)[1]
    assert "Laporan kesehatan" not in usb_import(center_app, admin, content)[1]
    assert FleetReport.select().count() == 1
    # A report the stick changed: the head is the body's associated data, the whole file is refused.
    head[usb.REPORT_FIELD] = head[usb.REPORT_FIELD][:-6] + ("A" if head[usb.REPORT_FIELD][-6] != "A" else "B") \
        + head[usb.REPORT_FIELD][-5:]
    changed = json.dumps(head).encode() + b"\n" + content.split(b"\n", 1)[1]
    status, text = usb_import(center_app, admin, changed)
    assert status == 422 and "tidak dapat dibuka" in text


@pytest.mark.parametrize("sent, said", [
    (dict(FINE, extra=1), "kunci tidak dikenal: extra"),
    (dict(FINE, phone="0" * 3000), "terlalu besar (paling banyak 2048 bita)"),
    (dict(FINE, error_kinds=[[1, "ValueError 3508071234560001 x"]]), "tanpa nilai"),
])
def test_a_files_report_out_of_its_shape_is_refused_in_indonesian_and_its_applications_kept(center_app, regency,
                                                                                          sent, said):
    from sync import usb
    from tests.sync.helpers import packet_item
    made, admin, _ = regency
    content = usb.write_batch_file(*made["35.08.07"], [packet_item(1)], report=sent)
    status, text = usb_import(center_app, admin, content)
    assert status == 200 and "disimpan 1" in text and "Laporan kesehatan komputer ditolak: laporan kesehatan" in text
    assert said in text and FleetReport.select().count() == 0


def test_the_page_reads_in_three_statements_whatever_the_number_of_pcs(center_app, regency, caplog):
    """Issue 89 finding 8: the page's statements are the session, the kecamatan list and the rows, however many
    PCs report (no statement a PC; the kecamatan codes for the page's time zone not read a second time); and, as
    here, where a PC's latest report is of 0.3.0 or 0.3.1, the earlier reports the version that runs is read from,
    in one statement for every such PC (issue 94: updates.named_by_reports)."""
    made, admin, _ = regency
    client = center_app.test_client()
    for key in made.values():
        report(client, key)

    def statements() -> list[str]:
        viewer = client_as(center_app, admin)
        caplog.clear()
        with caplog.at_level("DEBUG", logger="peewee"):
            assert viewer.get("/armada").status_code == 200
        return [record.getMessage() for record in caplog.records
                if record.name == "peewee" and record.getMessage().startswith("(")]

    two_offices = statements()
    for code in ("35.08.09", "35.08.10", "35.08.11"):
        kecamatan = kecamatan_row(code, f"Kecamatan {code}")
        key = keys.enrol(code, keys.new_enrolment_code(kecamatan), "01")[1]
        report(client, (key.key_id, key.secret))
    five_offices = statements()
    assert len(two_offices) == len(five_offices) == 4, five_offices
    for key in DeviceKey.select().where(DeviceKey.revoked_at.is_null()):  # each reports from 0.3.6: three again
        report(client, (key.key_id, key.secret), version="0.3.6")
    assert len(statements()) == 3

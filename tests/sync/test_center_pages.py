"""The center's operator and admin pages: roles, print runs, shipments, reasons, enrolment, USB import."""
import json
import re

import pytest

from app.frame.access import PUBLIC
from sync.center.policy import POLICY
from app.frame.dates import utc_now
from sync import usb
from sync.center import keys, records
from app.frame.signin import SESSION_TOKEN, start_session
from sync.center.accounts import create_operator
from sync.center.models import DeviceKey, Kecamatan, ReceivedApplication, StatusEvent
from tests.sync.helpers import packet_item
from tests.support.factory import kecamatan_row, person_name

DUMMY = {"int": "999999"}


@pytest.fixture
def operators(center_db):
    return {role: create_operator(role, f"Akun {role}", role, password="rahasia-pusat-1", must_change_password=False)[0]
            for role in ("operator", "admin", "pimpinan")}


def client_as(center_app, operator):
    client = center_app.test_client()
    with center_app.test_request_context():
        token = start_session(operator)
    with client.session_transaction() as session:
        session[SESSION_TOKEN] = token
    return client


def concrete(rule) -> str:
    return re.sub(r"<(?:(\w+):)?\w+>", lambda m: DUMMY.get(m.group(1) or "", "x"), rule.rule)


def test_every_center_route_checks_roles_and_never_500s(center_app, operators):
    checked = 0
    for rule in center_app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        allowed = POLICY.allowed(rule.endpoint)  # the center's table, not the route's code
        for method in sorted(rule.methods & {"GET", "POST"}):
            url = concrete(rule)
            anonymous = center_app.test_client().open(url, method=method)
            if allowed == PUBLIC:
                assert anonymous.status_code < 500, url
                continue
            assert anonymous.status_code == 302 and "/masuk" in anonymous.location, (url, anonymous.status_code)
            for role, operator in operators.items():
                response = client_as(center_app, operator).open(url, method=method)
                if role in allowed:
                    assert response.status_code < 500 and response.status_code != 403, (url, method, role)
                    if method == "POST":
                        assert 300 <= response.status_code < 500, (url, role, response.status_code)
                else:
                    assert response.status_code == 403, (url, method, role)
                checked += 1
    assert checked > 20


def test_post_without_csrf_token_is_refused(center_app, operators):
    response = client_as(center_app, operators["admin"]).post("/admin/kecamatan", data={"code": "35.08.09"},
                                                              csrf=False)
    assert response.status_code == 400 and Kecamatan.select().count() == 0


def test_operator_cannot_enrol_kecamatan_but_admin_can(center_app, operators):
    assert client_as(center_app, operators["operator"]).post("/admin/kecamatan", data={"code": "35.08.07"}).status_code == 403
    page = client_as(center_app, operators["admin"]).post("/admin/kecamatan", data={"code": "35.08.07", "name": ""})
    assert page.status_code == 200 and "Kode pendaftaran" in page.get_data(as_text=True)
    assert Kecamatan.get().name  # taken from the shipped Kemendagri list


def test_bad_kemendagri_code_gets_a_message_beside_the_field(center_app, operators):
    page = client_as(center_app, operators["admin"]).post("/admin/kecamatan", data={"code": "3508", "name": "X"})
    assert page.status_code == 422 and "contoh 35.08.07" in page.get_data(as_text=True)


def _received(kecamatan, count):
    for n in range(1, count + 1):
        header, photo = packet_item(n)
        assert records.store_application(kecamatan, header, photo).result == "stored"
    return list(ReceivedApplication.select().order_by(ReceivedApplication.id))


def test_print_run_then_mark_printed_then_ship_with_delivery_list(center_app, operators, enrolled):
    kecamatan, _ = enrolled
    items = _received(kecamatan, 3)
    client = client_as(center_app, operators["operator"])
    run = client.post("/cetak/baru", data={"application": [str(i.id) for i in items]}, follow_redirects=True)
    assert "Daftar cetak KTP-el" in run.get_data(as_text=True)
    run_id = ReceivedApplication.get_by_id(items[0].id).print_run_id
    client.post(f"/cetak/{run_id}/dicetak", data={})
    assert {a.status for a in ReceivedApplication.select()} == {"printed"}
    delivery = client.post("/kirim/baru", data={"kecamatan": str(kecamatan.id)}, follow_redirects=True)
    text = delivery.get_data(as_text=True)
    assert "Daftar kirim KTP-el" in text and "350807-01-000003" in text
    assert [e.status for e in StatusEvent.select().where(StatusEvent.application == items[0]).order_by(StatusEvent.seq)] \
        == ["received", "printed", "shipped"]


def _signed_group(page: str) -> str:
    group = page[page.index('<tbody class="signed-rows">'):]
    return group[:group.index("</tbody>")]


def test_the_print_and_shipment_sheets_keep_their_last_row_with_the_signature(center_app, operators, enrolled):
    """Chromium pushed a signature after a table alone onto a sheet (a print run of 72-74 rows on A4): the
    last row and the signature are one row group print never splits (templates/_signed_rows.html)."""
    kecamatan, _ = enrolled
    items = _received(kecamatan, 3)
    client = client_as(center_app, operators["operator"])
    run = client.post("/cetak/baru", data={"application": [str(i.id) for i in items]}, follow_redirects=True)
    sheet = run.get_data(as_text=True)
    group = _signed_group(sheet)
    assert "Petugas cetak" in group and "350807-01-000003" in group and group.count("<tr") == 2
    assert all(f"350807-01-00000{n}" in sheet and f"350807-01-00000{n}" not in group for n in (1, 2))
    assert 'name="application"' in group  # the last row is still one the operator can pick
    client.post(f"/cetak/{ReceivedApplication.get_by_id(items[0].id).print_run_id}/dicetak", data={})
    delivery = client.post("/kirim/baru", data={"kecamatan": str(kecamatan.id)}, follow_redirects=True)
    group = _signed_group(delivery.get_data(as_text=True))
    assert "Yang menyerahkan" in group and "350807-01-000003" in group and group.count("<tr") == 2


def test_reject_needs_a_reason_and_records_it(center_app, operators, enrolled):
    kecamatan, _ = enrolled
    item = _received(kecamatan, 1)[0]
    client = client_as(center_app, operators["operator"])
    empty = client.post(f"/permohonan/{item.id}/tolak", data={"reason": " "})
    assert empty.status_code == 422 and "Alasan wajib diisi" in empty.get_data(as_text=True)
    client.post(f"/permohonan/{item.id}/minta-kirim-ulang", data={"reason": "foto buram"})
    item = ReceivedApplication.get_by_id(item.id)
    assert item.status == "resend" and item.reason == "foto buram"
    assert StatusEvent.select().where(StatusEvent.status == "resend").get().reason == "foto buram"


def test_search_by_nik_and_photo_is_served(center_app, operators, enrolled):
    kecamatan, _ = enrolled
    items = _received(kecamatan, 2)
    client = client_as(center_app, operators["operator"])
    page = client.get(f"/permohonan?q={items[1].nik}").get_data(as_text=True)
    assert items[1].registration_number in page and items[0].registration_number not in page
    photo = client.get(f"/permohonan/{items[0].id}/foto")
    assert photo.mimetype == "image/jpeg" and photo.data[:3] == b"\xff\xd8\xff"


def test_usb_batch_import_has_the_same_checks_and_idempotency(center_app, operators, enrolled):
    import io
    kecamatan, key = enrolled
    good = [packet_item(1), packet_item(2)]
    bad = packet_item(3, photo=b"GIF89a not a jpeg")
    content = usb.write_batch_file(key[0], key[1], good + [bad])
    client = client_as(center_app, operators["operator"])
    first = client.post("/impor", data={"batch": (io.BytesIO(content), "kiriman.lkb")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "disimpan 2, sudah ada 0, konflik 0, ditolak 1" in first
    again = client.post("/impor", data={"batch": (io.BytesIO(content), "kiriman.lkb")},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "disimpan 0, sudah ada 2" in again
    assert ReceivedApplication.select().where(ReceivedApplication.received_via == "usb").count() == 2
    tampered = content[:-5] + b"XXXXX"
    refused = client.post("/impor", data={"batch": (io.BytesIO(tampered), "kiriman.lkb")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "tidak dapat dibuka" in refused.get_data(as_text=True)
    DeviceKey.update(revoked_at=utc_now()).execute()
    revoked = client.post("/impor", data={"batch": (io.BytesIO(content), "kiriman.lkb")},
                          content_type="multipart/form-data")
    assert revoked.status_code == 422 and ReceivedApplication.select().count() == 2


def test_conflict_is_shown_side_by_side_and_resolved_with_a_note(center_app, operators, enrolled):
    from sync.center.models import Conflict
    from tests.sync.helpers import record_for
    kecamatan, _ = enrolled
    _received(kecamatan, 1)
    changed = dict(record_for(1), full_name="Nama Yang Lain")
    assert records.store_application(kecamatan, *packet_item(1, record=changed)).result == "conflict"
    client = client_as(center_app, operators["operator"])
    page = client.get("/konflik").get_data(as_text=True)
    assert person_name(1) in page and "Nama Yang Lain" in page
    conflict = Conflict.get()
    from sync.center.models import CenterAudit
    seen = CenterAudit.select().where(CenterAudit.action == "lihat", CenterAudit.entity == "konflik").get()
    assert (seen.username, seen.entity_id) == ("operator", conflict.registration_number)
    assert seen.summary == f"Daftar konflik yang menunggu dibuka: 1 konflik dengan NIK dan nama ({conflict.registration_number})"
    client.post(f"/konflik/{conflict.id}/selesai", data={"note": ""})
    assert Conflict.get_by_id(conflict.id).resolved_at is None
    client.post(f"/konflik/{conflict.id}/selesai", data={"note": "isi lama benar"})  # no decision yet
    assert Conflict.get_by_id(conflict.id).resolved_at is None
    client.post(f"/konflik/{conflict.id}/selesai", data={"note": "isi lama benar", "decision": "keep"})
    assert Conflict.get_by_id(conflict.id).note == "isi lama benar"
    assert ReceivedApplication.get().full_name == person_name(1)  # never overwritten
    from sync.center.models import StatusEvent
    last = StatusEvent.select().order_by(StatusEvent.seq.desc()).get()
    assert (last.status, last.content_hash) == ("renumber", conflict.offered_hash)  # travels back by cursor


def test_application_page_labels_fields_in_indonesian(center_app, operators, enrolled):
    """Issue 15: the center's application page showed `birth_date`, `biometric_done False`, `sex P`."""
    kecamatan, _ = enrolled
    item = _received(kecamatan, 1)[0]
    page = client_as(center_app, operators["operator"]).get(f"/permohonan/{item.id}").get_data(as_text=True)
    for code_name in ("birth_date", "biometric_done", "kk_number", "<th>sex</th>", "False", "True"):
        assert code_name not in page
    assert "<th>Tanggal lahir</th>" in page and "<th>Jenis kelamin</th>" in page
    assert "<td>Laki-laki</td>" in page or "<td>Perempuan</td>" in page



def test_center_pages_carry_a_policy_without_inline_script(center_app, operators):
    response = client_as(center_app, operators["admin"]).get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert client_as(center_app, operators["admin"]).get(f"/permohonan/{2**63}").status_code in (403, 404)


def test_incoming_applications_page_by_keyset_to_the_end_and_back(center_app, operators, enrolled):
    """The list had no further pages at all (the first PAGE_SIZE rows only): now every one is reachable."""
    kecamatan, _ = enrolled
    items = _received(kecamatan, 5)
    center_app.config["PAGE_SIZE"] = 2
    client = client_as(center_app, operators["operator"])

    def numbers(html):
        return [n for n in re.findall(r">([^<>]+)</a></td>", html) if n in {i.registration_number for i in items}]

    def link(html, rel):
        found = re.search(r'href="([^"]+)" rel="%s"' % rel, html)
        return found and found.group(1).replace("&amp;", "&").replace("&#34;", '"')
    html = client.get("/permohonan").get_data(as_text=True)
    pages = [numbers(html)]
    while link(html, "next"):
        html = client.get(link(html, "next")).get_data(as_text=True)
        pages.append(numbers(html))
    assert [len(p) for p in pages] == [2, 2, 1] and "Halaman 3" in html
    assert sorted(n for p in pages for n in p) == sorted(i.registration_number for i in items)
    back = [pages[-1]]
    while link(html, "prev"):
        html = client.get(link(html, "prev")).get_data(as_text=True)
        back.append(numbers(html))
    assert back[::-1] == pages
    filtered = client.get("/permohonan", headers={"HX-Request": "true", "HX-Target": "list"}).get_data(as_text=True)
    assert "<html" not in filtered and 'rel="next"' in filtered


def test_open_and_decided_conflicts_are_two_lists_each_reachable_page_by_page(center_app, operators, enrolled):
    """The page showed 200 conflicts, open first, and nothing beyond: now open and decided are each paged."""
    from sync.center.models import Conflict
    from tests.sync.helpers import record_for
    from tests.support.pages import walk_pages
    kecamatan, _ = enrolled
    _received(kecamatan, 4)
    for n in range(1, 5):
        changed = dict(record_for(n), full_name=f"Orang Lain {'ABCD'[n - 1]}")
        assert records.store_application(kecamatan, *packet_item(n, record=changed)).result == "conflict"
    client = client_as(center_app, operators["operator"])
    decided = Conflict.select().order_by(Conflict.id).first()
    assert client.post(f"/konflik/{decided.id}/selesai", data={"note": "isi lama benar", "decision": "keep"}
                       ).status_code in (302, 303)
    center_app.config["PAGE_SIZE"] = 2
    assert "Belum diputuskan (3)" in client.get("/konflik").get_data(as_text=True)
    open_pages = walk_pages(client, "/konflik", r"Orang Lain ([A-D])\b")
    assert open_pages == [["D", "C"], ["B"]]
    assert walk_pages(client, "/konflik?tampil=selesai", r"Orang Lain ([A-D])\b") == [["A"]]


def test_every_print_run_and_shipment_is_reachable_page_by_page(center_app, operators, enrolled):
    """Both pages showed their last 30 and nothing older."""
    from sync.center.models import PrintRun, Shipment
    from tests.support.pages import walk_pages
    kecamatan, _ = enrolled
    for n in range(5):
        PrintRun.create(created_at=utc_now(), created_by="operator")
        Shipment.create(kecamatan=kecamatan, created_at=utc_now(), created_by="operator")
    center_app.config["PAGE_SIZE"] = 2
    client = client_as(center_app, operators["operator"])
    runs = walk_pages(client, "/cetak", r"Daftar cetak #(\d+)</a>")
    assert runs == [[str(r.id) for r in PrintRun.select().order_by(PrintRun.id.desc())][i:i + 2] for i in (0, 2, 4)]
    shipped = walk_pages(client, "/kirim", r"Pengiriman #(\d+)</a>")
    assert sum(shipped, []) == [str(s.id) for s in Shipment.select().order_by(Shipment.id.desc())]
    assert [len(page) for page in shipped] == [2, 2, 1]


def test_each_kecamatans_times_are_shown_in_its_own_zone(center_app, operators, enrolled):
    """Issue 25: the center showed WIB for every kecamatan; Somba Opu (Gowa, Sulawesi Selatan) is WITA."""
    from datetime import datetime
    from sync.center.models import Kecamatan
    lumajang, _ = enrolled
    gowa = kecamatan_row("73.06.08", "Somba Opu")
    seen = datetime(2026, 11, 23, 2, 30)  # 09.30 WIB, 10.30 WITA
    Kecamatan.update(last_seen_at=seen).execute()
    from tests.sync.helpers import record_for
    record = {**record_for(1, "730608"), "nik": "7306080101900001", "kk_number": "7306080101900001",
              "desa_code": "73.06.08.1001", "birth_place": "Gowa"}
    header, photo = packet_item(1, digits="730608", record=record)
    assert records.store_application(gowa, header, photo).result == "stored"
    ReceivedApplication.update(received_at=seen).execute()
    client = client_as(center_app, operators["operator"])
    dashboard = client.get("/").get_data(as_text=True)
    rows = {name: dashboard[dashboard.index(f"<td>{name}</td>"):][:300] for name in ("Yosowilangun", "Somba Opu")}
    assert "09.30 WIB" in rows["Yosowilangun"] and "10.30 WITA" in rows["Somba Opu"]
    assert "10.30 WITA" in client.get("/permohonan").get_data(as_text=True)
    item = ReceivedApplication.get()
    assert "10.30 WITA" in client.get(f"/permohonan/{item.id}").get_data(as_text=True)


def test_the_code_page_says_what_to_do_in_the_browser_and_the_centers_address(center_app, operators):
    """Issue 25: it told the kecamatan to run a terminal command and did not show the center's address."""
    admin = client_as(center_app, operators["admin"])
    text = admin.post("/admin/kecamatan", data={"code": "35.08.07", "name": ""}).get_data(as_text=True)
    assert "run.py" not in text
    assert "Sinkronisasi" in text and "Daftarkan komputer ini" in text
    assert '<code class="center-address">http://localhost</code>' in text  # where the admin opened it
    center_app.config["PUBLIC_URL"] = "https://pusat.lumajangkab.go.id"  # LOKET_CENTER_PUBLIC_URL
    kecamatan = Kecamatan.get()
    text = admin.post(f"/admin/kecamatan/{kecamatan.id}/kode-baru", data={}).get_data(as_text=True)
    assert '<code class="center-address">https://pusat.lumajangkab.go.id</code>' in text


def test_the_new_operator_form_has_the_error_summary(center_app, operators):
    """Issue 25: the center's new-operator form had no error summary."""
    from tests.support.error_summary import summary_problems
    page = client_as(center_app, operators["admin"]).post("/admin/operator", data={"username": "", "role": ""})
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert summary_problems(text) == [] and 'href="#f-username"' in text


def test_every_view_of_an_applicant_and_every_export_is_recorded_with_masked_values(center_app, operators,
                                                                                     enrolled):
    """Issue 30: the center records who opened which application, photo, print list, delivery
    list and status file, in Indonesian, the NIK masked as at the offices."""
    from sync.center.models import CenterAudit
    kecamatan, _ = enrolled
    items = _received(kecamatan, 2)
    client = client_as(center_app, operators["operator"])
    assert client.get(f"/permohonan/{items[0].id}").status_code == 200
    assert client.get(f"/permohonan/{items[1].id}/foto").status_code == 200
    client.post("/cetak/baru", data={"application": [str(i.id) for i in items]})
    run_id = ReceivedApplication.get_by_id(items[0].id).print_run_id
    assert client.get(f"/cetak/{run_id}").status_code == 200
    assert client.get(f"/ekspor-status/{kecamatan.id}").status_code == 200
    views = [(a.username, a.action, a.entity_id, a.summary)
             for a in CenterAudit.select().where(CenterAudit.action.in_(("lihat", "lihat_foto", "ekspor")))
             .order_by(CenterAudit.id)]
    first, second = items[0], items[1]
    assert views[0] == ("operator", "lihat", first.registration_number,
                        f"Data permohonan {first.registration_number} (NIK {first.nik[:4]}•••••••••{first.nik[-3:]}) "
                        "versi 1 dibuka")
    assert views[1][:3] == ("operator", "lihat_foto", second.registration_number)
    assert views[1][3].startswith(f"Foto pemohon {second.registration_number} (NIK {second.nik[:4]}•")
    assert views[2] == ("operator", "lihat", str(run_id), f"Daftar cetak #{run_id} dibuka: 2 permohonan dengan NIK dan nama")
    assert views[3][:3] == ("operator", "ekspor", "35.08.07")
    assert re.fullmatch(r"Berkas status status-350807-\d{8}-\d{4}\.lks untuk Kecamatan Yosowilangun \(perangkat .+\) "
                        r"diunduh: 2 status permohonan", views[3][4 - 1])
    every = " ".join(a.summary for a in CenterAudit.select())
    assert all(i.nik not in every and i.full_name not in every for i in items)


def test_photos_and_personal_fields_are_purged_a_set_time_after_shipping(center_app, operators, enrolled):
    """Issue 30: what was printed and shipped stays; the photo and personal fields go after the
    setting's days (90), a re-sent copy is still known, and the dashboard reports each purge."""
    from datetime import timedelta
    from sync.center import retention
    from sync.center.models import CenterAudit
    kecamatan, _ = enrolled
    items = _received(kecamatan, 3)
    client = client_as(center_app, operators["operator"])
    client.post("/cetak/baru", data={"application": [str(i.id) for i in items[:2]]})
    run_id = ReceivedApplication.get_by_id(items[0].id).print_run_id
    client.post(f"/cetak/{run_id}/dicetak", data={})
    client.post("/kirim/baru", data={"kecamatan": str(kecamatan.id)})
    old, recent, waiting = items
    now = utc_now()
    ReceivedApplication.update(shipped_at=now - timedelta(days=91)).where(ReceivedApplication.id == old.id).execute()
    ReceivedApplication.update(shipped_at=now - timedelta(days=89)).where(ReceivedApplication.id == recent.id).execute()
    assert center_app.config["PURGE_AFTER_DAYS"] == 90

    assert retention.purge_due(90) == {"Yosowilangun": 1}
    assert retention.purge_due(90) == {}  # nothing twice
    gone = ReceivedApplication.get_by_id(old.id)
    assert bytes(gone.photo) == b"" and gone.full_name == "•••" and gone.nik == old.nik[:4] + "•" * 9 + old.nik[-3:]
    assert json.loads(gone.record_json) == {"registration_number": old.registration_number}
    assert (gone.status, gone.print_run_id, gone.shipment_id, gone.content_hash) == \
        ("shipped", run_id, ReceivedApplication.get_by_id(recent.id).shipment_id, old.content_hash)
    for kept in (recent, waiting):
        row = ReceivedApplication.get_by_id(kept.id)
        assert bytes(row.photo) == bytes(kept.photo) and row.nik == kept.nik and row.record_json == kept.record_json
    header, photo = packet_item(1)  # the kecamatan sends the purged one again (a lost answer)
    assert records.store_application(kecamatan, header, photo).result == "duplicate"
    assert ReceivedApplication.select().count() == 3

    assert client.get(f"/permohonan/{old.id}/foto").status_code == 404
    page = client.get(f"/permohonan/{old.id}").get_data(as_text=True)
    assert "Foto dan data pribadi sudah dihapus dari pusat" in page and old.nik not in page
    report = CenterAudit.get(CenterAudit.action == "hapus_data_pribadi")
    assert report.summary == ("Foto dan data pribadi 1 permohonan yang kartunya dikirim lebih dari 90 hari lalu "
                              "dihapus dari pusat (Yosowilangun 1); nomor, status, daftar cetak dan daftar kirim "
                              "tetap tersimpan")
    dashboard = client.get("/").get_data(as_text=True)
    assert "Pembersihan data pribadi" in dashboard and "Yosowilangun 1); nomor" in dashboard


def test_opening_the_application_list_is_recorded_with_a_searched_nik_masked(center_app, operators, enrolled):
    """Issue 42, finding 10: the center's application list (NIK and name of every row) was not in the audit."""
    from sync.center.models import CenterAudit
    kecamatan, _ = enrolled
    items = _received(kecamatan, 2)
    client = client_as(center_app, operators["operator"])
    assert client.get("/permohonan").status_code == 200
    assert client.get(f"/permohonan?q={items[0].nik}").status_code == 200
    views = [(a.username, a.action, a.entity, a.summary) for a in
             CenterAudit.select().where(CenterAudit.entity == "daftar_permohonan").order_by(CenterAudit.id)]
    assert [view[:3] for view in views] == [("operator", "lihat", "daftar_permohonan")] * 2
    assert views[0][3] == "Daftar permohonan dibuka (NIK dan nama): 2 baris, halaman 1"
    assert views[1][3].startswith("Daftar permohonan dibuka (NIK dan nama): 1 baris, halaman 1, saringan q=3508•")
    assert items[0].nik not in views[1][3]


def test_the_center_login_lockout_says_when_to_come_back(center_app, operators):
    """Issue 42, finding 10: the login lockout's 429 had no Retry-After."""
    client = center_app.test_client()
    answers = [client.post("/masuk", data={"username": "operator", "password": "salah"}) for _ in range(7)]
    blocked = answers[-1]
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"].isdigit() and int(blocked.headers["Retry-After"]) >= 1


def test_a_new_code_says_it_voids_the_one_not_used_yet(center_app, operators):
    """Two PCs given a code each up front: the second code voided the first without a word, and the
    first PC's admin read 'Kode ini sudah diganti' (found walking issue 61's two-PC office)."""
    admin = client_as(center_app, operators["admin"])
    first_page = admin.post("/admin/kecamatan", data={"code": "35.08.07", "name": ""}).get_data(as_text=True)
    assert "Satu kode untuk satu komputer" in first_page
    first = re.search(r'<p class="card-value">([a-z0-9-]+)</p>', first_page).group(1)
    listed = admin.get("/admin/kecamatan").get_data(as_text=True)
    assert "Kode terakhir belum dipakai" in listed
    assert 'data-confirm="Kode yang dibuat sebelumnya belum dipakai dan akan batal. Buat kode baru?"' in listed
    keys.enrol("35.08.07", first, device_id="01", installation="pc-satu")
    listed = admin.get("/admin/kecamatan").get_data(as_text=True)
    assert "Kode terakhir belum dipakai" not in listed and "data-confirm=\"Kode yang" not in listed
    kecamatan = Kecamatan.get()
    admin.post(f"/admin/kecamatan/{kecamatan.id}/kode-baru", data={})
    Kecamatan.update(enrolment_expires_at=utc_now()).execute()  # a week on, unused: nothing left to void
    assert "Kode terakhir belum dipakai" not in admin.get("/admin/kecamatan").get_data(as_text=True)

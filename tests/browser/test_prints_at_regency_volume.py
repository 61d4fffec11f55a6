"""Printed documents whole on A4 and F4 at a regency's real volume (issue 43): each is rendered to PDF by
Chromium and read back (tests/browser/paper.py): nothing past the edge, no word broken inside, every column
on the paper, each signature with the data it signs, no text under 8 pt."""
import json
import re

import pytest

from tests.browser.helpers import new_context, screenshot, settled, sign_in
from tests.browser.paper import PAPERS, print_check

pytestmark = [pytest.mark.browser, pytest.mark.windows_pass]


@pytest.fixture(scope="module")
def regency_center(tmp_path_factory):
    """The center as `run.py center --demo` fills it: every kecamatan of Kabupaten Lumajang (21) with eight
    quarters of approved reports, every indicator, a few late; and the Pimpinan's account."""
    from sync.center import demo
    from sync.center.accounts import create_operator
    from tests.sync.harness import CenterServer, prepare_center
    folder = tmp_path_factory.mktemp("regency-center")
    app, _ = prepare_center(folder)
    with app.extensions["center_database"].connection_context(), app.app_context():
        demo.fill()
        create_operator("bupati", "Pimpinan Kabupaten", "pimpinan", password="pimpinan-rahasia-1",
                        must_change_password=False)
        from app.frame.regions import children
        names = [region.name for region in children(demo.KABUPATEN)]
        _a_night_of_applications()
    server = CenterServer(folder).start()
    try:
        yield server, names
    finally:
        server.stop()


NIGHT = 400  # received applications waiting for print (a regency's night brings up to a thousand)


def _a_night_of_applications():
    """NIGHT applications received from three kecamatan of the demo, as the API stores them."""
    from datetime import datetime

    from sync.center.models import Kecamatan
    from tests.sync.test_center_zones import receive
    kecamatan = list(Kecamatan.select().where(Kecamatan.code.in_(["35.08.07", "35.08.08", "35.08.09"])))
    for n in range(1, NIGHT + 1):
        receive(kecamatan[n % 3], n, datetime(2026, 11, 23 + n % 2, 2, 30))


def test_the_operators_night_the_print_list_acts_from_its_first_screen_and_its_sheets_print_whole(
        browser, regency_center):
    from playwright.sync_api import expect
    server, _ = regency_center
    context = new_context(browser, server.url)
    try:
        page = context.new_page()
        sign_in(page, "operator", "operator-rahasia-1")
        page.goto("/cetak")
        everything = page.get_by_role("button", name=f"Buat daftar cetak: semua {NIGHT} permohonan yang menunggu")
        picked = page.get_by_role("button", name=re.compile("dari yang dipilih"))
        for action in (everything, picked):  # in the first screen of the office PC, above the rows
            assert action.bounding_box()["y"] + action.bounding_box()["height"] <= page.viewport_size["height"]
        assert page.evaluate("() => document.documentElement.scrollHeight") < 6000  # a hundred rows a page
        page.locator("input[name=application]").nth(0).check()
        page.locator("input[name=application]").nth(1).check()
        expect(picked).to_have_text("Buat daftar cetak dari yang dipilih (2 permohonan)")
        yosowilangun = page.locator("#f-kecamatan option", has_text="Yosowilangun").get_attribute("value")
        page.get_by_label("Kecamatan").select_option(yosowilangun)
        page.get_by_role("button", name="Tampilkan").click()
        settled(page)
        filtered = page.get_by_role("button", name=re.compile(r"^Buat daftar cetak: semua \d+ permohonan yang tersaring"))
        count = int(re.search(r"semua (\d+)", filtered.inner_text()).group(1))
        assert 0 < count < NIGHT
        filtered.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Daftar cetak KTP-el")
        sheet = print_check(page, None, paper="A4", expect=["PEMERINTAH KABUPATEN LUMAJANG", "Yosowilangun", "Nomor pendaftaran",
                                                                "NIK", "Nama"],
                            signed=("Petugas cetak", "Yosowilangun"), name="print-run-sheet")
        assert sheet.problems == [], sheet.problems
        assert sheet.text.count("350807-01-") == count  # every card of the run on the paper
        page.get_by_role("button", name=re.compile("^Tandai dicetak")).click()
        expect(page.get_by_text(re.compile(r"permohonan ditandai dicetak"))).to_be_visible()
        page.goto("/kirim")
        page.get_by_role("button", name=re.compile("^Tandai dikirim")).first.click()
        expect(page.get_by_text("Daftar kirim KTP-el")).to_be_visible()
        for paper in ("A4", "F4"):
            shipment = print_check(page, None, paper=paper, expect=["PEMERINTAH KABUPATEN LUMAJANG", "Diterima kecamatan (paraf)"],
                                   signed=("Yang menyerahkan", "350807-01-"), name="shipment-sheet")
            assert shipment.problems == [], shipment.problems
    finally:
        context.close()


def test_the_kinerja_report_for_the_bupati_fits_a4_and_f4_landscape_with_every_kecamatan_and_indicator(
        browser, regency_center):
    from sync.center import demo
    server, names = regency_center
    assert len(names) >= 21
    context = new_context(browser, server.url)
    try:
        page = context.new_page()
        sign_in(page, "bupati", "pimpinan-rahasia-1")
        for paper, kertas in (("A4", "a4"), ("F4", "f4")):
            printed = print_check(page, f"/kinerja/cetak?kertas={kertas}", paper=paper, margin_mm=10,
                                  expect=[*names, "IKM", "Responden", "I1", "I5", "Pengaduan diterima",
                                          *(name for _, name, _, _ in demo.INDICATORS)],
                                  name="kinerja-regency")
            assert printed.problems == [], printed.problems
            first = printed.pages[0]
            size_mm = sorted(round(v * 25.4 / 72) for v in (first["width"], first["height"]))
            assert size_mm == sorted(PAPERS[paper]) and first["width"] > first["height"], (paper, size_mm)  # landscape
        headers = page.locator("table.performance thead th").all_inner_texts()
        assert sum("IKM" in h for h in headers) == 1, headers  # one IKM column, its target in it
        assert all("target" in h for h in headers if h.startswith("I")), headers
        cells = " ".join(page.locator("table.performance tbody td.number").all_inner_texts())
        words = re.findall(r"capai target|di bawah target|di atas target|tercapai|belum", cells)
        assert "capai target" in words and "di bawah target" in words, words  # each figure's word names its target
        assert "tercapai" not in words and "belum" not in words
        # On the screen: a header is at most three lines (the indicator's name is in the legend)
        page.goto("/kinerja")
        screenshot(page, "kinerja-regency-screen")
        tallest = page.evaluate("""() => Math.max(...[...document.querySelectorAll('table.performance thead th')].map(th => {
            const range = document.createRange(); range.selectNodeContents(th);
            return new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.bottom))).size; }))""")
        assert tallest <= 3, tallest
    finally:
        context.close()


# --- The office's prints at an office's real volume ---------------------------------------------------------

# The longest names and addresses the office meets (a Kemendagri desa name, a full address with its dusun)
LONGEST_NAME = "Raden Ajeng Siti Nurhalimah Kusumawardhani Prawiroatmodjo"
LONGEST_ADDRESS = "Jalan Raya Kyai Haji Abdurrahman Wahid Gang Masjid Baiturrahman Dusun Krajan Kidul No. 117"


@pytest.fixture(scope="module")
def demo_office(tmp_path_factory, cheap_password_hashing):
    """The office as `run.py demo` fills it (a full quarter of complaints, surveys, applications, three
    approved recaps), with one desa operator's pre-registration carrying the longest name and address."""
    from argparse import Namespace

    from app import demo
    from app.auth.models import User
    from app.desa.records import create_pre_registration
    from app.frame.roles import DESA
    from tests.browser.office import live_office
    from tests.support.factory import WOTGALIH, bound_to_desa, checked_applicant
    with live_office(tmp_path_factory.mktemp("demo-office")) as live:
        with live.db():
            demo.fill(Namespace(seed=2026, password=live.password, applications=300, complaints=600, surveys=400,
                                recaps=3))
            from app.frame import store
            store.put("public_status_url", "http://pusat.lumajangkab.go.id")  # the slips carry their status QR
            user = bound_to_desa(User.get(User.username == live.username[DESA]), WOTGALIH)
            clean = checked_applicant(nik="3508074107950003", full_name=LONGEST_NAME, sex="P", birth_date="1995-07-01",
                                      address=LONGEST_ADDRESS, desa="Wotgalih", marital_status="Belum Kawin",
                                      occupation="Pelajar/Mahasiswa")
            live.pre_id = create_pre_registration(clean, user=user).id
        yield live


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_the_recap_notice_the_camat_signs_is_whole_on_its_paper(browser, demo_office, paper):
    from app.frame.dates import local_today
    from app.frame.periods import Quarter
    from app.frame.roles import CAMAT
    quarter = Quarter.containing(local_today()).previous()
    context = new_context(browser, demo_office.url)
    try:
        page = context.new_page()
        sign_in(page, demo_office.username[CAMAT], demo_office.password)
        # the notice: its promises on the page the Camat signs; with the annex, the list's last rows
        for annex, signs in (("", "Janji perbaikan layanan"), ("?lampiran=1", "Tindak lanjut")):
            printed = print_check(page, f"/rekap/{quarter.year}/{quarter.number}/cetak{annex}", paper=paper,
                                  expect=["Saluran", "Status", "Kategori", "Sebelumnya", quarter.label],
                                  signed=("NIP.", signs), name=f"recap-notice{annex and '-annex'}")
            assert printed.problems == [], printed.problems
    finally:
        context.close()


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_the_desas_f107_is_one_page_with_the_signatures_under_the_data(browser, demo_office, paper):
    from app.frame.roles import DESA
    context = new_context(browser, demo_office.url)
    try:
        page = context.new_page()
        sign_in(page, demo_office.username[DESA], demo_office.password)
        printed = print_check(page, f"/desa/pra-pendaftaran/{demo_office.pre_id}/f107", paper=paper,
                              expect=[LONGEST_NAME, "Kyai Haji Abdurrahman Wahid", "Kepala Desa Wotgalih"],
                              signed=("Kepala Desa Wotgalih", "Nomor KK"), name="f107-longest")
        assert printed.problems == [], printed.problems
        assert len(printed.pages) == 1
    finally:
        context.close()


def _documents(office):
    """Each printed document of the office at demo volume: (name, role, address, texts on the paper, (signature,
    data it signs)). The applications with the longest names and addresses of their status are chosen."""
    from peewee import fn

    from app.complaints.models import Complaint
    from app.frame.roles import INFORMASI, KASI, LOKET
    from app.registration.models import Application
    from app.registration.status import ApplicationStatus as S

    def longest(status):
        return (Application.select().where(Application.status == status)
                .order_by((fn.LENGTH(Application.full_name) + fn.LENGTH(Application.address)).desc()).first())
    with office.db():
        registered, returned, handed = longest(S.COMPLETE.value), longest(S.RETURNED.value), longest(S.HANDED_OVER.value)
        complaint = Complaint.select().order_by(fn.LENGTH(Complaint.text).desc()).first()
        letter = (Application.select(Application.collective).where(
            (Application.status == S.HANDED_OVER.value) & Application.collective.is_null(False)).first())
        documents = [
            ("counter-receipt", LOKET, f"/pendaftaran/{registered.id}/bukti", [registered.registration_number],
             ("Petugas loket", registered.registration_number)),
            ("return-slip", LOKET, f"/pendaftaran/{returned.id}/slip-pengembalian", [returned.registration_number],
             ("Petugas loket", returned.registration_number)),
            ("handover-receipt", LOKET, f"/pendaftaran/{handed.id}/tanda-terima", [handed.registration_number],
             ("Yang menerima", handed.registration_number)),
            ("complaint-slip", INFORMASI, f"/pengaduan/{complaint.id}/tanda-terima", [complaint.tracking_number], None),
            ("ikm-report", KASI, "/ikm", ["IKM"], None),
        ]
        if letter is not None:
            documents.append(("collective-receipt", LOKET, f"/pendaftaran/kolektif/{letter.collective_id}/tanda-terima", [],
                              ("Yang menerima", "Diterima oleh")))
    return documents


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_the_offices_receipts_slips_and_reports_are_whole_on_their_paper(browser, demo_office, paper):
    from tests.browser.paper import png_of  # noqa: F401  (png_of(printed) to look at one)
    problems = {}
    context = new_context(browser, demo_office.url)
    try:
        page = context.new_page()
        signed_in = None
        for name, role, url, expect, signed in _documents(demo_office):
            if signed_in != role:
                if signed_in:
                    context.clear_cookies()
                sign_in(page, demo_office.username[role], demo_office.password)
                signed_in = role
            printed = print_check(page, url, paper=paper, expect=expect, signed=signed, name=name)
            if printed.problems:
                problems[name] = printed.problems
    finally:
        context.close()
    assert problems == {}, problems


def test_the_kiosk_receipt_hands_one_code_to_keep_and_one_qr(browser, demo_office):
    """The printed kiosk receipt carried the number, the check code and the survey code, with two QR codes."""
    from playwright.sync_api import expect

    from tests.browser.helpers import TABLET
    context = new_context(browser, demo_office.url, viewport=TABLET)
    try:
        page = context.new_page()
        page.goto("/pengaduan/kios")
        page.get_by_label("Kategori").select_option(index=1)
        page.get_by_label("Isi pengaduan / saran").fill("Antrean loket KTP-el terlalu panjang pada hari Senin pagi.")
        page.get_by_role("button", name="Kirim pengaduan").click()
        expect(page.locator(".tracking-number")).to_be_visible()
        number = page.locator(".tracking-number").inner_text().strip()
        survey = page.locator(".survey-code .survey-code-value:not(.public-track-code)").inner_text().strip()  # on the screen: fill it here and now
        for paper in ("A4", "F4"):
            printed = print_check(page, None, paper=paper, expect=[number], name="kiosk-receipt")
            assert printed.problems == [], printed.problems
            assert len(printed.pages) == 1 and survey not in printed.text
        page.emulate_media(media="print")
        qr_codes = page.evaluate("() => [...document.querySelectorAll('body svg')].filter(s => s.getClientRects().length).length")
        page.emulate_media(media="screen")
        assert qr_codes == 1
    finally:
        context.close()


BUSY_DAY = "2024-03-04"  # a Monday of a quarter no other print test reads
BUSY = 74  # on A4 the old layout left the signature alone on the twelfth sheet (measured)


def _a_busy_day(office, count: int = BUSY) -> str:
    """`count` complaints recorded at the desk on BUSY_DAY (once per module), the longest text the form takes."""
    from datetime import datetime, timedelta

    from app.complaints.models import Complaint, ComplaintCategory
    from app.frame.roles import INFORMASI
    from app.auth.models import User
    from tests.support.factory import recorded_complaint
    with office.db():
        start = datetime.fromisoformat(BUSY_DAY) + timedelta(hours=1)  # 08.00 WIB
        if Complaint.select().where(Complaint.received_at.between(start, start + timedelta(hours=12))).count() >= count:
            return BUSY_DAY
        clerk = User.get(User.username == office.username[INFORMASI])
        category = ComplaintCategory.select().first()
        for n in range(count):
            recorded_complaint(category.id, user=clerk, received_at=start + timedelta(minutes=6 * n),
                               complainant_name="Warga", complainant_contact="",
                               text=f"Pertanyaan ke-{n + 1}: kapan KTP-el saya jadi? " + "Sudah menunggu lama. " * 8)
    return BUSY_DAY


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_the_complaint_books_daily_report_of_a_busy_day_keeps_its_signature_with_its_last_row(
        browser, demo_office, paper):
    """A busy day (BUSY complaints) runs over a dozen sheets: the signature stands with the last row it signs."""
    from app.frame.roles import INFORMASI
    day = _a_busy_day(demo_office)
    context = new_context(browser, demo_office.url)
    try:
        page = context.new_page()
        sign_in(page, demo_office.username[INFORMASI], demo_office.password)
        page.goto(f"{demo_office.url}/pengaduan/laporan-harian?tanggal={day}")
        last = page.locator("table.report tr:has(td.nowrap)").last.locator("td").first.inner_text().strip()
        printed = print_check(page, None, paper=paper, expect=["Laporan Harian Buku Pengaduan", last],
                              signed=("Petugas Informasi", last), name="complaints-daily-report")
        assert printed.problems == [], printed.problems
        assert len(printed.pages) >= 2
    finally:
        context.close()


# Kesehatan Komputer at a regency's size (issue 81): 50 kecamatan, the longest kecamatan names of Indonesia,
# three PCs each (the counter PC and two desa PCs), every kind of problem somewhere.
FLEET_KECAMATAN = 50


def _longest_kecamatan_names(count: int) -> list[str]:
    from app.frame.regions import children
    names = {kecamatan.name for province in children("") for regency in children(province.code)
             for kecamatan in children(regency.code)}
    return sorted(names, key=lambda name: (-len(name), name))[:count]


@pytest.fixture(scope="module")
def fleet_regency(tmp_path_factory):
    """A running center whose 50 kecamatan's 150 PCs reported through the signed API (a few refused for their
    clock, a few unseen for days, a desa PC of the previous version that sends none), and its admin."""
    import time
    from datetime import timedelta

    import requests

    from app.frame.dates import utc_now
    from sync import protocol
    from sync.center import keys
    from sync.center.accounts import create_operator
    from sync.center.models import DeviceKey, Kecamatan
    from tests.support.factory import kecamatan_row
    from tests.sync.harness import CenterServer, prepare_center
    from tests.sync.helpers import signed_headers
    folder = tmp_path_factory.mktemp("fleet-regency")
    app, _ = prepare_center(folder)
    names = _longest_kecamatan_names(FLEET_KECAMATAN)
    pcs = []  # (n, kecamatan's index, key_id, secret, desa)
    with app.extensions["center_database"].connection_context(), app.app_context():
        Kecamatan.delete().execute()  # prepare_center's own: the regency is the 50 below
        create_operator("kabupaten", "Admin Kabupaten", "admin", password="admin-rahasia-12", must_change_password=False)
        for k, name in enumerate(names):
            kecamatan = kecamatan_row(f"35.{10 + k // 30:02d}.{1 + k % 30:02d}", name)
            counter = keys.enrol(kecamatan.code, keys.new_enrolment_code(kecamatan), "01")[1]
            pcs.append((3 * k, k, counter.key_id, counter.secret, ""))
            for d in (1, 2):
                key_id, secret = f"{kecamatan.digits}-desa{d}", f"rahasia-desa-{kecamatan.digits}-{d}-" + "x" * 20
                DeviceKey.create(kecamatan=kecamatan, key_id=key_id, secret=secret, device_code=f"D{d}",
                                 desa_code=f"{kecamatan.code}.20{d:02d}", created_at=utc_now())
                pcs.append((3 * k + d, k, key_id, secret, f"{kecamatan.code}.20{d:02d}"))
    server = CenterServer(folder).start()
    unseen = []
    try:
        for n, k, key_id, secret, desa in pcs:
            if n == 5:
                continue  # a desa PC of the previous version: no report
            went_back = n % 11 == 0
            # one that went back runs a version that reads "coba lagi" (0.3.0 is told the next release instead)
            report = {"version": "0.3.1" if went_back else "0.3.0", "disk_free_mb": 900 if n % 13 == 4 else 40000, "trail_gaps": int(n % 17 == 3),
                      "errors": n % 4, "outbox": n % 9, "phone": "" if desa else f"(0334) 88{k:04d}",
                      "backup": {"age_hours": 24 * 12 if n % 7 == 2 else 20, "where": "usb"},
                      "update": {"outcome": "dikembalikan" if went_back else "diambil", "version": "0.4.0",
                                 "at": "2026-11-27T02:00:00+00:00",
                                 "why": "Versi 0.4.0 gagal setelah berganti versi (halaman /pengaduan/rekap (500))"
                                 if went_back else ""}}
            body = json.dumps(report).encode()
            path = protocol.API_PREFIX + "/fleet/report"
            headers = dict(signed_headers(key_id, secret, "POST", path, body), **{
                protocol.VERSION_HEADER: protocol.version_report("0.3.0"), "Content-Type": "application/json"})
            assert requests.post(server.url + path, data=body, headers=headers, timeout=30).status_code == 200
            if n % 19 == 7:  # its clock an hour and a half fast: refused, read by the center
                skewed = dict(signed_headers(key_id, secret, "POST", path, body, int(time.time()) + 5400), **{
                    protocol.VERSION_HEADER: protocol.version_report("0.3.0"), "Content-Type": "application/json"})
                assert requests.post(server.url + path, data=body, headers=skewed, timeout=30).status_code == 401
            if n % 23 == 9:
                unseen.append(key_id)
        with app.extensions["center_database"].connection_context(), app.app_context():
            DeviceKey.update(last_used_at=utc_now() - timedelta(days=4)).where(DeviceKey.key_id.in_(unseen)).execute()
        yield server, names
    finally:
        server.stop()


def test_a_regency_admin_finds_from_kesehatan_komputer_alone_which_offices_to_call_and_prints_it(
        browser, fleet_regency):
    """Tried as a new regency admin would: from the menu, the PCs to call come first, each with what to do in one
    sentence and the office's telephone; the filters by kecamatan and by problem narrow it; the list prints
    whole on A4 and F4 landscape (every kecamatan's long name, nothing past the paper, the table's header once
    on every sheet). No console error on the way (the context's watch)."""
    from playwright.sync_api import expect
    from sync.center.fleet import PROBLEMS
    server, names = fleet_regency
    context = new_context(browser, server.url)
    try:
        page = context.new_page()
        sign_in(page, "kabupaten", "admin-rahasia-12")
        page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Kesehatan Komputer").click()
        expect(page.get_by_role("heading", name="Kesehatan Komputer Kantor dan Desa")).to_be_visible()
        settled(page)
        rows = page.locator("#armada tbody tr")
        assert rows.count() == 3 * FLEET_KECAMATAN
        classes = [row.get_attribute("class") or "" for row in rows.all()]
        called = classes.count("attention")
        assert 20 < called < 3 * FLEET_KECAMATAN and classes[:called] == ["attention"] * called  # those to call first
        expect(page.get_by_text(f"{called} komputer perlu ditelepon")).to_be_visible()
        first = rows.first.inner_text()
        assert PROBLEMS["dikembalikan"][0] in first and PROBLEMS["dikembalikan"][1] in first
        assert re.search(r"\(0334\) 88\d{4}", first)
        # A row says the step of its first problem (the one that placed it)
        unseen = rows.filter(has_text="tidak terlihat 3 hari").filter(has_not_text="kembali ke versi").first.inner_text()
        assert PROBLEMS["tidak_terlihat"][1] in unseen
        assert "versi lama, tidak melapor" in page.locator("#armada").inner_text()
        screenshot(page, "armada-regency")

        # One kecamatan (the longest name): its three PCs.
        page.get_by_label("Kecamatan").select_option(label=f"{names[0]} (35.10.01)")
        page.get_by_role("button", name="Tampilkan").click()
        expect(rows).to_have_count(3)
        assert all(names[0] in text for text in rows.all_inner_texts())
        # One problem across the regency: the PCs that went back, each with its step.
        page.get_by_label("Kecamatan").select_option(value="")
        page.get_by_label("Masalah").select_option(label="kembali ke versi sebelumnya")
        page.get_by_role("button", name="Tampilkan").click()
        expect(rows).to_have_count(len(range(0, 3 * FLEET_KECAMATAN, 11)))
        went_back = rows.all_inner_texts()
        assert all(PROBLEMS["dikembalikan"][1] in text for text in went_back)

        page.get_by_label("Masalah").select_option(value="")
        page.get_by_role("button", name="Tampilkan").click()
        expect(rows).to_have_count(3 * FLEET_KECAMATAN)
        for paper in ("A4", "F4"):
            if paper == "F4":  # the page's own choice of paper, as the admin makes it
                page.get_by_role("link", name="F4/folio").click()
            settled(page)
            printed = print_check(page, None, paper=paper, margin_mm=10, name=f"armada-regency-{paper}",
                                  expect=[*names, "Telepon kantor", "(0334) 880000", "kembali ke versi sebelumnya"])
            assert printed.problems == [], printed.problems
            first = printed.pages[0]
            size_mm = sorted(round(v * 25.4 / 72) for v in (first["width"], first["height"]))
            assert size_mm == sorted(PAPERS[paper]) and first["width"] > first["height"], (paper, size_mm)
            # The table's header once on every sheet ("dilakukan" is the header's "Yang perlu dilakukan" alone).
            headers = [sum(word[4] == "dilakukan" for word in sheet["words"]) for sheet in printed.pages]
            assert len(printed.pages) > 1 and headers == [1] * len(printed.pages), headers
    finally:
        context.close()

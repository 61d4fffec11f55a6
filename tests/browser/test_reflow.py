"""WCAG 1.4.10 reflow (issue 71, finding 4): at 320 CSS px (a 1280 px window at 400 % zoom) and at 640 CSS px
(200 %) no page scrolls sideways and nothing outside a table's own scrolling box reaches past the window's edge;
a data table that is wider than the window scrolls in its box (`.table-scroll`), which a keyboard can reach
(2.1.1: focusable, or holding a link or field) and a screen reader names when it is focusable.

One walk over the three programs, with data at the longest values the forms accept: the office app (every
role's menu and the pages one and two links below it, the public, kiosk and error pages, an application, a
collective letter, a complaint, an approved recap, a desa form), a desa PC (the desa operator's pages) and the
regency's printing center (every operator's pages and /cek for an application, a complaint and a desa form).

Issue 93: each page is visited once for every check of it. The office walk was also test_wcag22.py's walk of the
staff pages at 640 px (its register's table scrolling in its own box is checked here); the center's walk was also
test_wcag22.py's at 640 px with a regency's data (every target 24 px, no axe violation, no number split over two
lines: `center_checks`, run at 640 px on one page of each kind), on one regency's center instead of two."""
import re
from argparse import Namespace
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from app.frame.roles import ADMIN, ALL_ROLES, CAMAT, DESA, INFORMASI, LOKET
from tests.browser.helpers import axe_violations, new_context, screenshot, settled, sign_in
from tests.browser.test_axe_every_page import PUBLIC_PAGES, same_site_links
from tests.browser.test_wcag22 import small_targets

pytestmark = pytest.mark.slow

WIDTHS = (320, 640)
# a web address as an office writes it in a reply: one word of 80 characters that no hyphen breaks
LONG_ADDRESS = "https://kecamatanpematangribukabupatenmusibanyuasinsumateraselatan.go.id/pengumu"
assert len(LONG_ADDRESS) == 80
# the longest letter number the collective form allows (80), as schools write it: no space, no hyphen (issue 83, finding 4)
LONG_LETTER_NUMBER = "421.3/1178/SMKN1YOSOWILANGUN/101.6.5.1/PERMOHONANPEREKAMANKTPELKOLEKTIF/2026/XII"
assert len(LONG_LETTER_NUMBER) == 80 and " " not in LONG_LETTER_NUMBER

# What keeps a page from reflowing at the window's width, outermost first: the page wider than the window, then
# each element (its box or the content it cannot wrap) past either edge that is not inside a table's own
# scrolling box; then each table box that scrolls but that a keyboard cannot reach or a screen reader not name.
_REFLOW_JS = """() => {
  const edge = document.scrollingElement.clientWidth, out = [];
  const name = el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${typeof el.className === 'string' && el.className.trim()
    ? '.' + el.className.trim().split(/\\s+/).join('.') : ''}`;
  const shown = el => { const s = getComputedStyle(el); return s.display !== 'none' && s.visibility !== 'hidden'; };
  const outside = r => r.width && r.height && r.right > 0 && (r.right > edge + 1 || r.left < -1);  // the skip link waits at -999 px
  const counted = el => el && el !== document.body && shown(el) && !el.matches('.sr-only')
    && !(el.parentElement.closest('.table-scroll'));
  const boxPast = el => counted(el) && outside(el.getBoundingClientRect());
  const textPast = el => counted(el) && [...el.childNodes].some(n => { if (n.nodeType !== 3 || !n.textContent.trim()) return false;
    const range = document.createRange(); range.selectNodeContents(n); return [...range.getClientRects()].some(outside); });
  const reach = el => { const r = el.getBoundingClientRect(); let right = r.right;
    for (const n of el.childNodes) if (n.nodeType === 3) { const range = document.createRange(); range.selectNodeContents(n);
      for (const t of range.getClientRects()) right = Math.max(right, t.right); }
    return `${Math.round(r.left)}..${Math.round(right)} px`; };
  // the outermost: past the edge while its parent's box is not (a wide table, a word that does not wrap)
  const causes = [...document.querySelectorAll('body *')].filter(el => (boxPast(el) || textPast(el)) && !boxPast(el.parentElement))
    .sort((a, b) => Math.max(b.getBoundingClientRect().right, b.scrollWidth) - Math.max(a.getBoundingClientRect().right, a.scrollWidth));  // the widest first
  const wider = document.scrollingElement.scrollWidth - edge;
  if (wider > 0) out.push(`scrolls sideways by ${wider} px`);
  for (const el of causes.slice(0, 4)) out.push(`${name(el)} at ${reach(el)}`);
  for (const box of document.querySelectorAll('.table-scroll')) {
    if (box.scrollWidth <= box.clientWidth + 1 || !shown(box)) continue;
    const reachable = box.tabIndex >= 0 || box.querySelector('a[href], button, input, select, textarea');
    const named = box.getAttribute('role') === 'region' && (box.getAttribute('aria-label')
      || box.getAttribute('aria-labelledby'));  // issue 83, finding 4: every scrolling box, links inside or not
    if (!reachable || !named) out.push(`${name(box)}: a scrolling table ${reachable ? 'without a name' : 'no keyboard reaches'}`);
  }
  return out;
}"""


def reflow_problems(page, where: str, at_640=None) -> list[str]:
    """What keeps the page open in `page` from reflowing at 320 and at 640 CSS px, each named with `where`;
    `at_640(page)`, when given, adds what it finds with the window at 640 px (the page's one visit)."""
    size = page.viewport_size
    found = []
    try:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 640})
            settled(page)
            problems = page.evaluate(_REFLOW_JS)
            if problems:
                found.append(f"{where} at {width} px: " + "; ".join(problems))
                screenshot(page, f"reflow-{width}-{re.sub(r'[^a-z0-9]+', '-', where.lower())}")
            if width == 640 and at_640 is not None:
                found += [f"{where} at 640 px: {problem}" for problem in at_640(page)]
    finally:
        page.set_viewport_size(size)
    return found


def kind_of(path: str) -> str:
    """One page of each kind: /pendaftaran/12 and /pendaftaran/13 are the same page with other data."""
    return re.sub(r"\d+", "N", path.split("?")[0])


def walk(page, live, start: list[str], who: str, depth: int = 2, at_640=None, refused=(403, 404)) -> tuple[list, list]:
    """(problems, paths walked): each of `start`, then one page of each kind `depth` links below them; an answer
    of 400 or more other than `refused` is a problem; `at_640` (reflow_problems) runs on the first page of each
    kind of `start` only (the pages a person opens from the menu and the lists)."""
    seen, checked, found, walked, level = set(), set(), [], [], list(dict.fromkeys(start))
    for step in range(depth + 1):
        below = []
        for path in level:
            if (step and kind_of(path) in seen) or any(word in path for word in ("/cetak-ulang", "/ekspor", "/templat")):
                continue
            seen.add(kind_of(path))
            response = page.goto(path)
            if response is not None and response.status >= 400 and response.status not in refused:
                found.append(f"{who} {path}: {response.status}")
            if response is None or response.status >= 400 or "text/html" not in (response.headers.get("content-type") or ""):
                continue
            walked.append(path)
            first_of_its_kind = not step and kind_of(path) not in checked
            checked.add(kind_of(path))
            found += reflow_problems(page, f"{who} {path}", at_640 if first_of_its_kind else None)
            below += same_site_links(page, live)
        level = below
    return found, walked


def longest_applicant(desa_name: str, **values) -> dict:
    """A woman's form at the longest name, birth place, address and occupation the forms accept, checked."""
    from tests.browser.paper import LONGEST
    from tests.support.factory import checked_applicant
    return checked_applicant(**{"sex": "P", "birth_date": "1995-07-01", "desa": desa_name, "marital_status": "Belum Kawin",
                                "rt": "012", "rw": "007", **{key: LONGEST[key] for key in
                                                             ("full_name", "birth_place", "address", "occupation")},
                                **values})


@pytest.fixture(scope="module")
def busy(live):
    """The demo office and, at the longest values the forms accept, an application, a collective letter, a complaint
    and a desa form of the kecamatan's longest-named desa, whose operator the desa account is; one application of each
    status."""
    from datetime import date

    from flask import g

    from app import demo
    from app.auth.models import User
    from app.complaints.models import ComplaintCategory
    from app.desa.records import create_pre_registration
    from app.frame.places import desa_list
    from app.registration import collective_records, records
    from app.registration.models import Application
    from tests.browser.paper import LONGEST
    from tests.support.factory import bound_to_desa, ready_for_pickup, recorded_complaint
    with live.db(), live.app.test_request_context():
        demo.fill(Namespace(seed=2026, password=live.password, applications=40, complaints=20, surveys=20, recaps=1))
        desa = max(desa_list(), key=lambda region: len(region.name))

        def person(n, **values):
            return longest_applicant(desa.name, **{"nik": f"35080741079571{n:02d}", **values})
        g.user = User.get(User.username == live.username[LOKET])
        application = records.create_application(person(1, reason="hilang"))
        letter = collective_records.create_letter(
            {"letter_number": LONG_LETTER_NUMBER, "letter_date": date(2026, 1, 6), "sender": LONGEST["sender"],
             "contact": "Bu Ani, 0334 571999", "recording_date": None}, g.user)
        pupils = [ready_for_pickup(records.create_application(person(10 + n, birth_date="2008-07-01",
                                                                     nik=f"35080741070857{n:02d}"), None, letter).id)
                  for n in range(1, 4)]
        collective_records.hand_over(letter, pupils, {"name": LONGEST["full_name"], "relation": LONGEST["relation"],
                                                      "id_number": "3508075506920003"})
        category = ComplaintCategory.select().where(ComplaintCategory.is_active == True).first()  # noqa: E712
        complaint = recorded_complaint(category.id, complainant_name=LONGEST["full_name"], complainant_contact="",
                                       text="Antrean di loket terlalu lama pada hari Senin. " * 20)
        operator = bound_to_desa(User.get(User.username == live.username[DESA]), desa.code)
        form = create_pre_registration(person(30, nik="3508074107080399", birth_date="2008-07-01",
                                              marital_status="Kawin", notes=LONGEST["notes"]), user=operator)
        one_per_status = {}
        for row in Application.select().order_by(Application.id):
            one_per_status.setdefault(row.status, row.id)
    return SimpleNamespace(one_per_status=list(one_per_status.values()), application=application.id, letter=letter.id,
                           complaint=complaint.id, form=form.id,
                           tracking=complaint.tracking_number, desa=desa.code)


def test_every_office_page_reflows_at_320_and_640_px(page, live, login, busy):
    from app.auth.models import User
    from tests.support.factory import bound_to_desa
    from tests.browser.test_axe_every_page import _approved_recap
    found, walked = [], []
    # the kiosk's pages (kiosk.css) among them, its receipt too
    for path in PUBLIC_PAGES + [f"/pengaduan/kios/terima/{busy.tracking}"]:
        page.goto(path)
        walked.append(path)
        found += reflow_problems(page, f"publik {path}")
    accounts = {role: f"reflow-{role.split('_')[-1]}" for role in ALL_ROLES}
    for role, username in accounts.items():
        live.create_account(username, role)
    with live.db():  # the desa form's desa is this operator's too
        bound_to_desa(User.get(User.username == accounts[DESA]), busy.desa)
    quarter = _approved_recap(page, login, accounts)
    by_status = [path for number in busy.one_per_status for path in (f"/pendaftaran/{number}", f"/pendaftaran/{number}/bukti")]
    details = {LOKET: by_status + [f"/pendaftaran/{busy.application}", f"/pendaftaran/{busy.application}/bukti",
                       f"/pendaftaran/kolektif/{busy.letter}", f"/pendaftaran/kolektif/{busy.letter}/tanda-terima",
                       f"/pra-pendaftaran/{busy.form}/terima"],
               INFORMASI: [f"/pengaduan/{busy.complaint}", f"/pengaduan/{busy.complaint}/tanda-terima", quarter,
                           f"{quarter}/cetak", f"{quarter}/cetak?lampiran=1", "/rekap/arsip", "/ikm/jawaban"],
               CAMAT: [quarter], DESA: [f"/desa/pra-pendaftaran/{busy.form}", f"/desa/pra-pendaftaran/{busy.form}/f107"]}
    for role in ALL_ROLES:
        login(page, accounts[role])
        # each role walks its own pages (a page may show a role more)
        problems, paths = walk(page, live, ["/"] + details.get(role, []) + same_site_links(page, live), role)
        found += problems
        walked += paths
        page.context.clear_cookies()
    # the refused long forms, every message and the error summary on them: test_wcag22.py's targets test
    for expected in ("/pendaftaran", "/pendaftaran/baru", f"/pendaftaran/kolektif/{busy.letter}", "/pengaduan/",
                     "/desa/pra-pendaftaran/baru", quarter, "/rekap", "/pengaduan/kios"):
        assert expected in walked, sorted(set(walked))
    assert found == [], "\n".join(found)
    # The register's table is still whole at 640 px: it scrolls in its own box, every column reachable.
    login(page, accounts[LOKET])
    page.set_viewport_size({"width": 640, "height": 640})
    page.goto("/pendaftaran")
    box = page.locator(".table-scroll").first
    expect(box).to_be_visible()
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    assert box.evaluate("el => getComputedStyle(el).overflowX") == "auto"


def test_every_desa_pc_page_reflows_at_320_and_640_px(browser, tmp_path, cheap_password_hashing):
    from app.auth.models import User
    from app.desa.records import create_pre_registration
    from app.frame.places import desa_list
    from tests.browser.office import live_office
    from tests.browser.paper import LONGEST
    from tests.support.factory import bound_to_desa
    with live_office(tmp_path / "desa-pc", config={"MODE": "desa"}) as desa_pc:
        with desa_pc.db():
            desa = max(desa_list(), key=lambda region: len(region.name))
            operator = bound_to_desa(User.get(User.username == desa_pc.username[DESA]), desa.code)
            form = create_pre_registration(longest_applicant(desa.name, nik="3508074107080398", birth_date="2008-07-01",
                                                             marital_status="Kawin", notes=LONGEST["notes"]), user=operator)
        context = new_context(browser, desa_pc.url)
        try:
            page = context.new_page()
            page.goto("/masuk")
            found, walked = reflow_problems(page, "desa PC /masuk"), []
            for role in (ADMIN, DESA):  # the desa PC's two roles
                sign_in(page, desa_pc.username[role], desa_pc.password)
                start = ["/"] + ([f"/desa/pra-pendaftaran/{form.id}", f"/desa/pra-pendaftaran/{form.id}/f107"]
                                 if role == DESA else [])
                problems, paths = walk(page, desa_pc, start + same_site_links(page, desa_pc), f"desa PC {role}")
                found += problems
                walked += paths
                context.clear_cookies()
        finally:
            context.close()
    assert {"/desa/pra-pendaftaran/baru", f"/desa/pra-pendaftaran/{form.id}/f107", "/admin/cadangan"} <= set(walked), walked
    assert found == [], "\n".join(found)


# The printing center of a regency (issue 62): the 19 kecamatan of Kabupaten Ogan Komering Ulu Selatan, the longest
# names of the country's list (Buay Pematang Ribu Ranau Tengah), with eight quarters of Kinerja reports; a night of
# applicants at the longest name, birth place and address the counter accepts, from six kecamatan, printed,
# shipped, waiting, rejected, sent back and one in conflict; the operators with long names.
REGENCY = "16.09"
CENTER_USERS = {"operator": "operator-rahasia-1", "admin-pusat": "admin-rahasia-1", "bupati": "pimpinan-rahasia-1"}


def _receive_night(kecamatans: list, per_kecamatan: int) -> list:
    """`per_kecamatan` applications from each kecamatan at the longest values, stored as the API stores them."""
    from app.frame.regions import desa_of
    from sync.center import records
    from sync.center.models import ReceivedApplication
    from tests.browser.paper import LONGEST
    from tests.sync.helpers import packet_item, record_for
    stored = []
    for kecamatan in kecamatans:
        desa = max(desa_of(kecamatan.code), key=lambda region: len(region.name))
        for n in range(1, per_kecamatan + 1):
            record = {**record_for(n, kecamatan.digits), "nik": f"{kecamatan.digits}0101900{n:03d}",
                      "kk_number": f"{kecamatan.digits}0101900001", "desa_code": desa.code,
                      **{field: LONGEST[field] for field in ("full_name", "birth_place", "address")}}
            header, photo = packet_item(n, digits=kecamatan.digits, record=record)
            assert records.store_application(kecamatan, header, photo).result == "stored"
            stored.append(ReceivedApplication.get(ReceivedApplication.registration_number == record["registration_number"]))
    return stored


@pytest.fixture(scope="module")
def regency_center(tmp_path_factory):
    import json

    from sync.center import demo, desk_records, records
    from sync.center.accounts import create_operator
    from sync.center.models import Kecamatan
    from tests.sync.harness import CenterServer, prepare_center
    from tests.sync.helpers import packet_item
    # A folder of its own: the release's key folder goes beside the center's (test_rollout.signed), never into
    # the worker's base, where every module using this fixture signed 0.4.0 with one folder and the key
    # searches of later tests found it.
    folder = tmp_path_factory.mktemp("regency-center") / "pusat"
    app, _ = prepare_center(folder, kecamatan_code="16.09.12", kecamatan_name="Buay Pematang Ribu Ranau Tengah")
    with app.extensions["center_database"].connection_context(), app.app_context():
        with pytest.MonkeyPatch.context() as patch:  # the demo's Kinerja reports, for this regency's kecamatan
            patch.setattr(demo, "KABUPATEN", REGENCY)
            demo.fill()
        create_operator("admin-pusat", "Raden Mas Muhammad Syaifullah Kusumawardhana Prawiranegara", "admin",
                        password=CENTER_USERS["admin-pusat"], must_change_password=False)
        create_operator("bupati", "Dr. H. Popo Ali Martopo Kusumawardhana Prawiranegara, S.Sos., M.M.", "pimpinan",
                        password=CENTER_USERS["bupati"], must_change_password=False)
        longest = sorted(Kecamatan.select(), key=lambda k: -len(k.name))[:6]
        night = _receive_night(longest, 30)
        run = desk_records.create_print_run([item.id for item in night[:90]], "operator")
        desk_records.mark_printed(run, {item.id for item in night[:90]})
        for kecamatan in longest[:2]:
            desk_records.create_shipment(kecamatan, "operator", "Diantar kurir kabupaten bersama berkas akta kelahiran")
        desk_records.create_print_run([item.id for item in night[90:150]], "operator")  # not printed yet
        # Kesehatan Komputer with a PC of the longest kecamatan that went back from a release, its clock an hour off
        from app.frame.dates import utc_now
        from sync.center import fleet, keys
        _, key = keys.enrol(longest[0].code, keys.new_enrolment_code(longest[0]), "01")
        fleet.store(key.id, fleet.cleaned_report({
            "version": "0.3.1", "disk_free_mb": 900, "trail_gaps": 3, "errors": 12, "outbox": 240,
            "phone": "(0735) 1234567 ext. 204", "backup": {"age_hours": 24 * 40, "where": "disk"},
            "update": {"outcome": "dikembalikan", "version": "0.4.0", "at": "2026-11-27T02:00:00+00:00",
                       "why": "Versi 0.4.0 gagal setelah berganti versi (halaman /pengaduan/rekap (500)); " * 3}})[0],
                    3600, utc_now())
        # The release it went back from, published here: its page and Rilis Pembaruan offer "Coba lagi".
        from sync.center.models import DeviceKey
        from tests.sync.test_rollout import published
        published(app, "0.4.0")
        refused = {"version": "0.4.0", "stage": "sesudah", "why": "halaman /pengaduan/rekap (500)", "at": None}
        DeviceKey.update(update_health=json.dumps({"version": "0.3.1", "walk": None, "pages": 0, "failed": [],
                                                   "at": None, "errors_since": 0, "refused": refused})
                         ).where(DeviceKey.id == key.id).execute()
        desk_records.move_with_reason(night[-1], "rejected", "Foto buram dan NIK tidak sesuai KK", "ditolak")
        desk_records.move_with_reason(night[-2], "resend", "Sidik jari belum lengkap", "diminta kirim ulang")
        changed = {**json.loads(night[-3].record_json), "address": "Dusun Krajan Kidul"}
        header, photo = packet_item(0, digits=longest[0].digits, record=changed)
        header.update(id=night[-3].registration_number, version=night[-3].version)
        assert records.store_application(night[-3].kecamatan, header, photo).result == "conflict"
    server = CenterServer(folder).start()
    try:
        yield server
    finally:
        server.stop()


# A registration number or NIK in a cell, copied by hand: on one line (the shipment list split "160913-01-"/"000001")
_SPLIT_NUMBERS_JS = r"""() => [...document.querySelectorAll('td')].filter(td => /^\s*(\d{6}-\d{2}-\d{6}|\d{16})\s*$/.test(td.innerText))
  .filter(td => { const range = document.createRange(); range.selectNodeContents(td);
    return new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.top))).size > 1; })
  .slice(0, 3).map(td => td.innerText.trim())"""


# The pages a role opens from its lists: (list, its rows' link), the first row's
CENTER_DETAILS = [("/permohonan", "main a[href^='/permohonan/']"), ("/cetak", "main a[href^='/cetak/']"),
                  ("/kirim", "main a[href^='/kirim/']"), ("/kinerja", "main a[href^='/kinerja/kecamatan/']"),
                  ("/armada", "main a[href^='/armada/']")]


@pytest.fixture(scope="module")
def cek_numbers(regency_center):
    """/cek's records on the regency's center, stored as a kecamatan sends them: an application past its promise, a
    late complaint with a long follow-up, a desa form; (number, code) of each."""
    from datetime import timedelta

    from app.frame.dates import local_today
    from sync import protocol, public_status as vocabulary
    from sync.center import public_status_records as center_public
    from sync.center.app import create_center_app
    from sync.center.models import Kecamatan
    app = create_center_app({"DATA_DIR": regency_center.data_dir})
    today = local_today("WIB")
    with app.extensions["center_database"].connection_context(), app.app_context():
        kecamatan = sorted(Kecamatan.select(), key=lambda k: -len(k.name))[0]
        common = {"follow_up": "", "follow_up_due": "", "office": kecamatan.name,
                  "hours": "Senin-Kamis 07.30-15.30, Jumat 07.30-11.00", "office_phone": "(0735) 3210987",
                  "office_address": "Jl. Lintas Sumatera Km 12 Desa Pematang Ribu, Kecamatan " + kecamatan.name}
        records = [
            {"kind": "ktp", "number": f"{kecamatan.digits}-1-000101", "step": "diproses",
             "steps": [["diterima", ""], ["diproses", ""]], "promised": (today - timedelta(days=37)).isoformat()},
            {"kind": "pgd", "number": "PGD-7K3M9W", "step": "ditindaklanjuti", "promised": "",
             "steps": [["diterima", (today - timedelta(days=40)).isoformat()], ["ditindaklanjuti", ""]],
             # issue 83, finding 1: an address of 80 characters in a reply ran /cek off a phone (450-708 px); a reply as
             # long as the Kasi's form takes (issue 92, finding 2: 5,000, refused by the center before)
             "follow_up": ("Petugas loket KTP-el ditegur Kasi Pelayanan; jam buka loket diumumkan di "
                           + LONG_ADDRESS + " dan dipasang di papan pengumuman. " + "Tindak lanjut. " * 400)[:5000],
             "follow_up_due": (today - timedelta(days=10)).isoformat()},
            {"kind": "pra", "number": f"PRA-{kecamatan.digits}0001-1-000101", "step": "menunggu",
             "steps": [["menunggu", ""]], "promised": "", "expires": (today + timedelta(days=20)).isoformat()},
        ]
        numbers = []
        for n, record in enumerate(records):
            code = f"7K3M9{'QRS'[n]}"  # the slip's alphabet: no 0 or O
            record = {**common, **record, "code_digest": vocabulary.code_digest(record["number"], code)}
            header = {"id": vocabulary.wire_key(record["number"]), "version": 1, "record": record,
                      "hash": protocol.content_hash(record, protocol.sha256_hex(b""))}
            assert center_public.store_public(kecamatan, header, b"").result == "stored", record["kind"]
            numbers.append((record["number"], code))
    return numbers


def center_checks(checked: set):
    """The center's pages at 640 px (issue 62): every target 24 px or spaced, no axe violation, no registration
    number or NIK split over two lines; the kind of each page checked goes into `checked`."""
    def at_640(page) -> list[str]:
        checked.add(kind_of("/" + page.url.split("://", 1)[1].split("/", 1)[1]))
        return small_targets(page, at_least=1) + axe_violations(page) + [
            f"{number} split over two lines" for number in page.evaluate(_SPLIT_NUMBERS_JS)]
    return at_640


def test_every_center_page_and_cek_reflow_at_320_and_640_px_with_a_regencys_data(browser, regency_center, cek_numbers):
    """1.4.10 at 320 and 640 px on every page of the third program, and at 640 px 2.5.8, axe's 2.2 rules and whole
    numbers on one page of each kind of each operator's menu and of its lists' first rows (walked empty, its wide
    tables were never there)."""
    server = regency_center
    context = new_context(browser, server.url)
    found, walked, kinds = [], [], set()
    try:
        page = context.new_page()
        for path in ["/masuk", "/cek"] + [f"/cek?n={number}&k={code}" for number, code in cek_numbers]:
            page.goto(path)
            walked.append(path)
            if "?" in path:  # the record itself, not the calm "not found" page
                assert page.locator(".step").count() == 1, path
            found += reflow_problems(page, f"pusat {path}")
        for username, password in CENTER_USERS.items():
            sign_in(page, username, password)
            start = [page.url.removeprefix(server.url)] + same_site_links(page, SimpleNamespace(url=server.url))
            for listed, rows in CENTER_DETAILS:  # the first row's page of each list
                if listed in start:
                    page.goto(listed)
                    link = page.locator(rows).first
                    start += [link.get_attribute("href")] if link.count() else []
            problems, paths = walk(page, SimpleNamespace(url=server.url), start, f"pusat {username}",
                                   at_640=center_checks(kinds), refused=())  # an operator's links all open
            found += problems
            walked += paths
            context.clear_cookies()
    finally:
        context.close()
    for expected in ("/", "/permohonan", "/permohonan/N", "/cetak", "/cetak/N", "/kirim", "/kirim/N", "/konflik",
                     "/impor", "/admin/kecamatan", "/admin/operator", "/kinerja", "/kinerja/kecamatan/N", "/kinerja/cetak",
                     "/armada", "/armada/N"):
        assert expected in kinds, sorted(kinds)  # checked at 640 px, not only walked
    assert found == [], "\n".join(found)

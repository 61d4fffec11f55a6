"""WCAG 2.2 AA on the long forms and the staff pages (issue 62, finding 5 and the leftovers of 6):
a focused field is never hidden under the sticky save bar (2.4.11), every target is at least
24x24 CSS px or spaced as the rule allows (2.5.8), and at 200 % zoom (640 CSS px on a 1280 px
window) no page scrolls sideways as a whole (1.4.10): wide tables scroll in their own box."""
import re

import pytest
from playwright.sync_api import expect

from app.frame.roles import ALL_ROLES, DESA, INFORMASI, LOKET
from tests.browser.helpers import axe_violations, screenshot, settled

# The three long forms a clerk or an operator works down with Tab: (role, page, first field).
LONG_FORMS = [(LOKET, "/pendaftaran/baru", "f-nik"), (INFORMASI, "/pengaduan/catat", "f-channel"),
              (DESA, "/desa/pra-pendaftaran/baru", "f-nik")]


@pytest.fixture(scope="module")
def desa_operator(live):
    """The desa account works for Desa Wotgalih, as in the desa journey."""
    from app.auth.models import User
    from tests.support.factory import WOTGALIH, bound_to_desa
    with live.db():
        bound_to_desa(User.get(User.username == live.username[DESA]), WOTGALIH)


# What is drawn at the focused element's centre: the element itself (or a part of it), else what covers it.
_COVERED_JS = """() => {
  const el = document.activeElement; const r = el.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const name = `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}[${el.name || ''}${el.value && el.type === 'radio' ? '=' + el.value : ''}]`;
  if (y < 0 || y >= innerHeight || x < 0 || x >= innerWidth) return [name, 'outside the window'];
  const hit = document.elementFromPoint(x, y);
  if (hit === el || el.contains(hit)) return [name, null];
  const cover = hit ? hit.closest('.form-save, [class]') || hit : null;
  return [name, cover ? `${cover.tagName.toLowerCase()}.${cover.className}` : 'nothing'];
}"""


@pytest.mark.parametrize("role, path, first", LONG_FORMS)
def test_tab_through_the_long_forms_never_hides_the_focused_field(page, live, login, desa_operator, role, path, first):
    """2.4.11: the sticky "Simpan" bar covered "Alasan permohonan" when Tab brought it up from below."""
    login(page, role)
    page.goto(path)
    page.locator(f"#{first}").focus()
    seen, hidden = [], []
    for _ in range(60):
        name, cover = page.evaluate(_COVERED_JS)
        seen.append(name)
        if cover:
            hidden.append(f"{name} under {cover}")
        if page.evaluate("() => document.activeElement.type === 'submit'"):
            break
        page.keyboard.press("Tab")
    assert seen[-1].startswith("button"), seen  # Tab reached the save button: every field was focused
    assert len(seen) >= 8, seen
    if hidden:
        screenshot(page, f"focus-hidden-{path.strip('/').replace('/', '-')}")
    assert hidden == []


# Every target's box; an undersized one passes when a 24 px circle on its centre touches no other
# target (the rule's spacing exception) or when it is a link inside a sentence (the inline exception).
_SMALL_TARGETS_JS = """() => {
  const targets = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])')]
    .filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden' && !el.closest('.skip-link, [hidden]'));
  const boxes = targets.map(el => el.getBoundingClientRect());
  const inSentence = el => { if (el.tagName !== 'A') return false;
    const block = el.parentElement.closest('p, li, td, dd, div, span');
    return block && block.textContent.replace(/\\s+/g, '').length > el.textContent.replace(/\\s+/g, '').length; };
  const small = boxes.map((b, i) => b.width < 24 || b.height < 24);
  const centre = b => [b.left + b.width / 2, b.top + b.height / 2];
  const gap = ([x, y], b) => Math.hypot(Math.max(b.left - x, 0, x - b.right), Math.max(b.top - y, 0, y - b.bottom));
  const out = [];
  targets.forEach((el, i) => {
    if (!small[i] || inSentence(el)) return;
    const c = centre(boxes[i]);
    const crowded = targets.some((other, j) => j !== i && !el.contains(other) && !other.contains(el)
      && (gap(c, boxes[j]) < 12 || (small[j] && Math.hypot(c[0] - centre(boxes[j])[0], c[1] - centre(boxes[j])[1]) < 24)));
    if (crowded) out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}[${el.name || el.textContent.trim().slice(0, 30)}] `
      + `${Math.round(boxes[i].width)}x${Math.round(boxes[i].height)}`);
  });
  return {small: out, checked: targets.length};
}"""


def small_targets(page, at_least: int = 5) -> list[str]:
    # A form without hx-boost comes back as a new page: its fields are visible before app.css has
    # loaded, and measured then they are the browser's bare 21 px boxes (a CI run saw exactly that).
    settled(page)
    result = page.evaluate(_SMALL_TARGETS_JS)
    assert result["checked"] >= at_least, result  # the form's fields (a page's menu) were measured
    return [f"{page.url} {target}" for target in result["small"]]


@pytest.mark.parametrize("role, path, first", LONG_FORMS)
def test_every_target_on_the_forms_and_their_error_summaries_is_24_px(page, live, login, desa_operator, role, path, first):
    """2.5.8: the sex radio buttons were 13 px and the error summary's links 19 px high, crowded together."""
    login(page, role)
    page.goto(path)
    found = small_targets(page)
    # Saved empty: the error summary links each field; the form comes back with every message.
    page.locator("form [required]").evaluate_all("fields => fields.forEach(f => f.required = false)")
    page.locator("form [type=submit]").last.click()
    expect(page.locator(".error-summary a").first).to_be_visible()
    assert page.locator(".error-summary a").count() >= 2
    found += small_targets(page) + axe_violations(page)  # the walks see these forms only unrefused
    assert found == []


@pytest.fixture(scope="module")
def busy_office(live, desa_operator):
    """A register of demo applications (long names, every status), a complaint book with long texts
    and a long-named pre-registration of the desa operator's desa."""
    import random
    from types import SimpleNamespace

    from app.complaints.models import Complaint, ComplaintCategory
    from app.desa import records
    from app.registration import demo
    from tests.support.factory import checked_applicant, recorded_complaint
    with live.db():
        if not records.open_with_nik("3508071205900411"):
            records.create_pre_registration(
                checked_applicant(nik="3508071205900411", full_name="Muhammad Abdurrahman Wahyudi Prasetyo Nugroho",
                                  desa="Wotgalih", phone=""), entered_by_name="Kaur Umum")
        demo.fill_demo(SimpleNamespace(applications=60), random.Random(15))
        if Complaint.select().count() < 20:
            category = ComplaintCategory.select().where(ComplaintCategory.is_active == True).first()  # noqa: E712
            for n in range(20):
                recorded_complaint(category.id, complainant_name=f"Warga Desa Kedungrejo Nomor {n}",
                                   text="Antrean perekaman KTP-el pagi ini sangat panjang dan tidak berurutan.")


# The outermost elements that reach past the window's right edge: what pushes the page sideways.
_WIDEST_JS = """() => { const edge = document.scrollingElement.clientWidth;
  return [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > edge + 1
    && !(el.parentElement.getBoundingClientRect().right > edge + 1))
    .slice(0, 3).map(el => `${el.tagName.toLowerCase()}.${el.className}`); }"""


# A detail page of each kind a role opens from its lists: (list, its rows' links).
DETAILS = {LOKET: [("/pendaftaran", "table.register a[href^='/pendaftaran/']")],
           INFORMASI: [("/pengaduan/", "table.complaints a[href^='/pengaduan/']")],
           DESA: [("/desa", "table a[href^='/desa/']")]}


def _sideways(page) -> int:
    return page.evaluate("() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")


@pytest.mark.slow
def test_at_200_percent_zoom_no_staff_page_scrolls_sideways(page, live, login, busy_office):
    """1.4.10: at 640 CSS px (a 1280 px window at 200 %) the register and the complaint book pushed the
    whole page sideways; now their tables scroll inside their own box and the page does not."""
    from tests.browser.test_axe_every_page import same_site_links
    page.set_viewport_size({"width": 640, "height": 512})
    walked, wide = [], []
    for role in ALL_ROLES:
        login(page, role)
        menu = same_site_links(page, live)
        details = [page.goto(listed).url and page.locator(rows).first.get_attribute("href")
                   for listed, rows in DETAILS.get(role, [])]
        for path in ["/"] + menu + details:
            if path in walked:
                continue
            page.goto(path)
            walked.append(path)
            if _sideways(page) > 0:
                wide.append(f"{path} {_sideways(page)} px: {', '.join(page.evaluate(_WIDEST_JS))}")
                screenshot(page, f"reflow-640-{re.sub(r'[^a-z0-9]+', '-', path)}")
        page.get_by_role("button", name="Keluar").click()
        expect(page.get_by_text("Anda telah keluar.")).to_be_visible()
    assert "/pendaftaran" in walked and "/pengaduan/" in walked, walked
    assert wide == [], "\n".join(wide)
    # The register's table is still whole: it scrolls in its own box, every column reachable.
    login(page, LOKET)
    page.goto("/pendaftaran")
    box = page.locator(".table-scroll").first
    expect(box).to_be_visible()
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    assert box.evaluate("el => getComputedStyle(el).overflowX") == "auto"


@pytest.mark.parametrize("path, button", [("/pengaduan/info-meja/baru", "Simpan"), ("/pengaduan/catat", "Simpan")])
def test_a_refused_complaint_desk_form_leaves_no_head_in_the_body(page, live, login, busy_office, path, button):
    """A refused boosted form (422) had its whole page written into the body: <meta>, <title> and the
    stylesheets stood in <body> and the tab kept the old title. Now htmx swaps it as a page."""
    login(page, INFORMASI)
    page.goto(path)
    title = page.title()
    page.locator("form").evaluate_all("forms => forms.forEach(f => { f.noValidate = true; })")
    page.locator("main form [type=submit]").filter(has_text=button).first.click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    assert page.evaluate("() => [...document.body.querySelectorAll('meta, title, link, html, head')]"
                         ".map(e => e.outerHTML.slice(0, 60))") == []
    assert page.locator("main").count() == 1 and page.locator("header.topbar").count() == 1
    assert page.title() == title  # the refused page's own title, in the head
    # The menu's count is read out as "<n> baru" from text, not from an aria-label on a <span>.
    assert page.locator("span[aria-label]").count() == 0
    expect(page.get_by_role("link", name=re.compile(r"^Buku Pengaduan \d+ baru$"))).to_be_visible()


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


@pytest.mark.slow
def test_at_200_percent_zoom_the_printing_centers_pages_with_a_regencys_data_stay_whole(browser, regency_center):
    """1.4.10, 2.5.8 and axe's 2.2 rules on the third program, walked with a regency's data in it (walked empty,
    its wide tables were never there): at 640 CSS px no page scrolls sideways (a wide table scrolls in its own
    box), every target is 24 px, no axe violation."""
    from types import SimpleNamespace

    from tests.browser.helpers import new_context, sign_in
    from tests.browser.test_axe_every_page import same_site_links
    server = regency_center
    context = new_context(browser, server.url, viewport={"width": 640, "height": 512})
    found, kinds = [], set()
    try:
        page = context.new_page()
        for username, password in CENTER_USERS.items():
            sign_in(page, username, password)
            paths = [page.url.removeprefix(server.url)] + same_site_links(page, SimpleNamespace(url=server.url))
            for listed, rows in CENTER_DETAILS:
                if listed in paths:
                    page.goto(listed)
                    link = page.locator(rows).first
                    paths += [link.get_attribute("href")] if link.count() else []
            for path in paths:
                # one page of each kind: the dashboard's 19 kecamatan filters are one list, their trends one page
                kind = re.sub(r"\d+", "N", path.split("?")[0])
                if (username, kind) in kinds or any(word in path for word in ("keluar", "ekspor")):
                    continue
                kinds.add((username, kind))
                response = page.goto(path)
                assert response.status == 200, f"{username} {path} {response.status}"
                if _sideways(page) > 0:
                    found.append(f"{username} {path} {_sideways(page)} px sideways: {', '.join(page.evaluate(_WIDEST_JS))}")
                    screenshot(page, f"reflow-640-center-{re.sub(r'[^a-z0-9]+', '-', path)}")
                found += [f"{username} {problem}" for problem in small_targets(page, at_least=1) + axe_violations(page)]
                found += [f"{username} {path}: {number} split over two lines" for number in page.evaluate(_SPLIT_NUMBERS_JS)]
            context.clear_cookies()  # the next account signs in afresh
    finally:
        context.close()
    walked_kinds = {kind for _, kind in kinds}
    for expected in ("/", "/permohonan", "/permohonan/N", "/cetak", "/cetak/N", "/kirim", "/kirim/N", "/konflik",
                     "/impor", "/admin/kecamatan", "/admin/operator", "/kinerja", "/kinerja/kecamatan/N", "/kinerja/cetak",
                     "/armada", "/armada/N"):
        assert expected in walked_kinds, sorted(walked_kinds)
    assert found == [], "\n".join(found)

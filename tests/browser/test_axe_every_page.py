"""axe-core (WCAG 2.2 A/AA, with target-size: helpers.AXE_TAGS) on every page of every role: the sign-in, error and
public pages; the detail pages that need data (applications of every status, a complaint and its receipt, an approved
recap and its notice, the IKM answers under review) for every role that sees them; the printing center's pages, empty.
0 violations expected. Each role's menu and the pages of its routes are walked with axe in test_pages_fit.py, which
visits them at the same width (issue 93); the center's with a regency's data at 640 px in test_reflow.py."""
import random
import re
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from app.frame.roles import ALL_ROLES, CAMAT, INFORMASI
from tests.browser.helpers import axe_violations, logout, new_context, sign_in

# Page walks where zone data shows: run once, in the Windows-like pass (scripts/test.sh).
pytestmark = pytest.mark.windows_pass

PUBLIC_PAGES = ["/masuk", "/pengaduan/kios", "/pengaduan/status", "/survei", "/survei/terima-kasih",
                "/halaman-yang-tidak-ada"]


def same_site_links(page, live) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    paths = []
    for href in hrefs:
        url = urlparse(href)
        if f"{url.scheme}://{url.netloc}" != live.url or not url.path.startswith("/"):
            continue
        path = url.path + (f"?{url.query}" if url.query else "")
        if any(word in path for word in ("keluar", "unduh", ".xlsx", ".csv", ".jpg", ".crt", "cadangan/")) or path in paths:
            continue
        paths.append(path)
    return paths


def failed_loads(page) -> list[str]:
    """Every sub-resource (favicon, logo, script, style) the browser could not load, as it happens."""
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    page.on("console", lambda m: failed.append(f"console {m.text}") if m.type == "error" else None)
    return failed


def test_public_pages_have_no_axe_violation_and_load_everything(page, live):
    failed = failed_loads(page)
    found = []
    for path in PUBLIC_PAGES:
        page.goto(path)
        found += axe_violations(page)
        if path == "/halaman-yang-tidak-ada":  # the page's own 404 is the point; its favicon and CSS must load
            failed = [f for f in failed if "(NOT FOUND)" not in f]
    assert found == []
    assert failed == []
    page.goto("/survei")
    assert page.evaluate("fetch(document.querySelector('link[rel=icon]').href).then(r => r.status)") == 200


def _office_data(live) -> list[str]:
    """Applications of every status, a complaint: the detail pages worth walking."""
    from app.complaints.models import ComplaintCategory
    from app.registration import demo
    from app.registration.models import Application
    from tests.support.factory import recorded_complaint
    with live.db():
        demo.fill_demo(SimpleNamespace(applications=40), random.Random(15))  # no-op when there are some
        one_per_status = {}
        for application in Application.select().order_by(Application.id):
            one_per_status.setdefault(application.status, application.id)
        category = ComplaintCategory.select().where(ComplaintCategory.is_active == True).first()  # noqa: E712
        complaint = recorded_complaint(category.id, complainant_name="Sumiati",
                                       text="Loket KTP-el tutup sebelum jam layanan berakhir.")
        from app.frame.db import database
        from app.registration import sync_records
        with database.atomic():  # a number given again: the register's reprint list and the home's card (issue 72)
            sync_records._new_number(Application.get_by_id(min(one_per_status.values())), "bentrok di pusat")
    pages = [f"/pengaduan/{complaint.id}", f"/pengaduan/{complaint.id}/tanda-terima", "/pendaftaran", "/"]
    for application_id in one_per_status.values():
        pages += [f"/pendaftaran/{application_id}", f"/pendaftaran/{application_id}/bukti"]
    return pages


def _approved_recap(page, login, accounts) -> str:
    """Last quarter's recap drafted by the information officer and approved by the Camat."""
    login(page, accounts[INFORMASI])
    page.goto("/rekap")
    quarter = urlparse(page.url).path
    submit = page.get_by_role("button", name="Simpan dan ajukan kepada Camat")
    if submit.count():
        page.get_by_label("Janji perbaikan layanan (satu janji per baris)").fill("Loket buka tepat waktu")
        page.get_by_label("Uraian singkat").fill("Satu pengaduan tentang jam layanan.")
        submit.click()
        expect(page.get_by_text(re.compile(r"diajukan kepada Camat\.$"))).to_be_visible()
    logout(page)
    login(page, accounts[CAMAT])
    page.goto(quarter)
    approve = page.get_by_role("button", name="Setujui dan bekukan rekap")
    if approve.count():
        page.once("dialog", lambda dialog: dialog.accept())
        approve.click()
        expect(page.get_by_text(re.compile("disetujui dan dibekukan"))).to_be_visible()
    logout(page)
    return quarter


def test_detail_pages_with_data_have_no_axe_violation_for_the_roles_that_see_them(page, live, login):
    page.goto("/survei")  # a walk-in answer without a code: the IKM review page has one to review
    for fieldset in page.locator("fieldset.survey-element").all():
        fieldset.locator("input[type=radio]").nth(3).check()
    page.get_by_role("button", name="Kirim survei").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Terima kasih")
    details = _office_data(live)
    # Its own accounts: journeys before it may have changed the shared accounts' passwords.
    accounts = {role: f"axe-{role.split('_')[-1]}" for role in ALL_ROLES}
    for role, username in accounts.items():
        live.create_account(username, role)
    quarter = _approved_recap(page, login, accounts)
    details += [quarter, f"{quarter}/cetak", f"{quarter}/cetak?lampiran=1",
                "/rekap/arsip", "/ikm/jawaban"]
    found, seen_by = [], {path: [] for path in details}
    for role in ALL_ROLES:
        login(page, accounts[role])
        for path in details:
            response = page.goto(path)
            if response.status in (403, 404):
                continue  # not this role's page: refused, and the refusal page was walked above
            assert response.status == 200, f"{role} {path} {response.status}"
            seen_by[path].append(role)
            found += [f"{role}: {v}" for v in axe_violations(page)]
        logout(page)
    assert [path for path, roles in seen_by.items() if not roles] == []  # each page was walked
    from app.recap.models import QuarterRecap, RecapStatus
    year, number = map(int, quarter.rstrip("/").split("/")[-2:])
    with live.db():  # the recap walked is the approved one, frozen figures and all
        assert QuarterRecap.get(QuarterRecap.year == year, QuarterRecap.quarter == number).status == RecapStatus.APPROVED
    assert found == []


def test_printing_center_pages_have_no_axe_violation(browser, live, tmp_path):
    harness = pytest.importorskip("tests.sync.harness", reason="sync test harness not in this build yet")
    _, _code = harness.prepare_center(tmp_path / "center")
    server = harness.CenterServer(tmp_path / "center").start()
    context = new_context(browser, server.url)
    try:
        center = context.new_page()
        center.goto("/masuk")
        found = axe_violations(center)
        sign_in(center, "operator", "operator-rahasia-1")
        walked = []
        for path in ["/"] + same_site_links(center, SimpleNamespace(url=server.url)):
            if path in walked or "keluar" in path or "ekspor" in path:
                continue
            response = center.goto(path)
            assert response.status == 200, f"{path} {response.status}"
            walked.append(path)
            found += axe_violations(center)
        assert len(walked) >= 5, walked  # the operator's menu was walked
        assert found == []
    finally:
        context.close()
        server.stop()

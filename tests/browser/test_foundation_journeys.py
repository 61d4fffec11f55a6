"""Journeys through what every office has from day one: signing in, accounts, roles, audit trail."""
import re

from playwright.sync_api import expect

from app.frame.roles import ADMIN, LOKET
from tests.browser.helpers import fit_problems, logout, screenshot, settled


def test_login_wrong_password_then_right_one(page, live):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/masuk"))
    expect(page.get_by_text("Silakan masuk terlebih dahulu.")).to_be_visible()
    assert fit_problems(page) == []

    page.get_by_label("Nama pengguna").fill(live.username[LOKET])
    page.get_by_label("Kata sandi").fill("bukan-sandinya")
    page.get_by_role("button", name="Masuk").click()
    alert = page.get_by_role("alert")  # the error summary (issue 25), focused; it names neither field
    expect(alert).to_contain_text("Nama pengguna atau kata sandi salah, atau akun tidak aktif.")
    expect(alert).to_be_focused()
    expect(page.locator("[aria-invalid]")).to_have_count(0)
    expect(page.get_by_label("Nama pengguna")).to_have_value(live.username[LOKET])  # kept for the retry
    expect(page.get_by_label("Kata sandi")).to_have_value("")
    screenshot(page, "login-wrong-password")

    page.get_by_label("Kata sandi").fill(live.password)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Selamat datang, Uji Petugas Loket")
    expect(page.get_by_role("navigation", name="Menu utama")).to_be_visible()
    assert fit_problems(page) == []
    screenshot(page, "login-dashboard-clerk")


def test_keyboard_only_login(page, live):
    """Tab and Enter only: the first Tab reaches the skip link, the username field has focus."""
    page.goto("/masuk")
    expect(page.get_by_label("Nama pengguna")).to_be_focused()  # autofocus: start typing at once
    page.keyboard.type(live.username[ADMIN])
    page.keyboard.press("Tab")
    expect(page.get_by_label("Kata sandi")).to_be_focused()
    page.keyboard.type(live.password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Selamat datang")

    # From the top of a page, the first Tab offers "Langsung ke isi" and Enter jumps past the menu.
    page.goto("/admin/pengguna")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Langsung ke isi")
    expect(skip).to_be_focused()
    screenshot(page, "keyboard-skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main#isi")).to_be_focused()
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.closest('main') !== null")
    assert focused, "after the skip link the next Tab should land inside the page content"

    # Every control of the account form is reachable with Tab, in order, and it submits with Enter.
    page.goto("/admin/pengguna/baru")
    page.get_by_label("Nama pengguna").focus()
    order = []
    for _ in range(5):
        order.append(page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()"))
        page.keyboard.press("Tab")
    assert order == ["f-username", "f-full_name", "f-nip", "f-role", "Simpan"]


def test_admin_creates_clerk_who_must_change_the_one_time_password(page, live, login):
    login(page, ADMIN)
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Pengguna").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pengguna")
    page.get_by_role("link", name="+ Tambah pengguna").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tambah pengguna")
    assert fit_problems(page) == []

    # A mistake first: the message appears beside the field and nothing is saved.
    page.get_by_label("Nama pengguna").fill("Loket Baru")
    page.get_by_label("Nama lengkap").fill("Sri Wahyuni")
    page.get_by_label("Peran").select_option(label="Petugas Loket")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#e-username")).to_contain_text("huruf kecil")
    expect(page.get_by_label("Nama lengkap")).to_have_value("Sri Wahyuni")
    screenshot(page, "admin-new-user-error")

    page.get_by_label("Nama pengguna").fill("loket.sri")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kata sandi sementara untuk loket.sri")
    one_time = page.locator(".one-time-password code").inner_text().strip()
    assert len(one_time) >= 8
    screenshot(page, "admin-one-time-password")
    logout(page)

    # The clerk signs in with it and is held on the password page until it is changed.
    login(page, "loket.sri", one_time)
    expect(page).to_have_url(re.compile(r"/akun/kata-sandi$"))
    expect(page.get_by_text("Silakan ganti kata sandi sementara Anda terlebih dahulu.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/akun/kata-sandi$"))
    screenshot(page, "clerk-forced-password-change")

    page.get_by_label("Kata sandi lama").fill(one_time)
    page.get_by_label("Kata sandi baru (minimal 8 karakter)").fill("sri-loket-2026")
    page.get_by_label("Ulangi kata sandi baru").fill("sri-loket-2027")
    page.get_by_role("button", name="Simpan kata sandi").click()
    expect(page.locator("#e-new")).not_to_be_empty()
    page.get_by_label("Kata sandi lama").fill(one_time)
    page.get_by_label("Kata sandi baru (minimal 8 karakter)").fill("sri-loket-2026")
    page.get_by_label("Ulangi kata sandi baru").fill("sri-loket-2026")
    page.get_by_role("button", name="Simpan kata sandi").click()
    expect(page.get_by_text("Kata sandi berhasil diganti.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Selamat datang, Sri Wahyuni")

    # The one-time password no longer works; the new one does.
    logout(page)
    login(page, "loket.sri", one_time)
    expect(page.get_by_role("alert")).to_contain_text("salah")
    login(page, "loket.sri", "sri-loket-2026")
    expect(page.get_by_role("heading", level=1)).to_have_text("Selamat datang, Sri Wahyuni")


def _routes_closed_to(app, role):
    """(GET pages without parameters, every other route) that `role` may not open."""
    pages, others = [], []
    for rule in app.url_map.iter_rules():
        allowed = app.extensions["policy"].allowed(rule.endpoint)
        if rule.endpoint == "static" or allowed == "public" or role in allowed:
            continue
        if "GET" in rule.methods and not rule.arguments:
            pages.append(rule)
        else:
            others.append(rule)
    return pages, others


def _sample_url(rule):
    from werkzeug.routing import IntegerConverter
    values = {name: 1 if isinstance(conv, IntegerConverter) else "x"
              for name, conv in rule._converters.items()}
    return rule.build(values)[1]


def test_clerk_cannot_reach_admin_pages_audit_trail_or_camat_approval(page, live, login):
    login(page, LOKET)
    menu = page.get_by_role("navigation", name="Menu utama")
    expect(menu).to_be_visible()
    menu_links = menu.get_by_role("link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    pages, others = _routes_closed_to(live.app, LOKET)
    closed_paths = {rule.rule for rule in pages}
    assert {"/admin/pengguna", "/audit", "/admin/kantor"} <= closed_paths
    assert not closed_paths & set(menu_links), "the clerk's menu must not offer pages the clerk cannot open"
    for label in ("Pengguna", "Jejak Audit", "Pengaturan Kantor", "Cadangan Data"):
        expect(menu.get_by_role("link", name=label, exact=True)).to_have_count(0)
    screenshot(page, "clerk-menu")

    for rule in pages:  # typed straight into the address bar
        response = page.goto(rule.rule)
        assert response.status == 403, rule.rule
        expect(page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")
        expect(page.get_by_text("Peran Anda tidak diizinkan membuka halaman ini.")).to_be_visible()
    screenshot(page, "clerk-403")

    # Routes with parameters and form posts (approvals, admin actions): refused before any work.
    token = page.evaluate("() => JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")
    for rule in others:
        method = "POST" if "POST" in rule.methods else "GET"
        status = page.evaluate("""async ([url, method, token]) => (await fetch(url, {method, headers: {'X-CSRFToken': token},
            redirect: 'manual'})).status""", [_sample_url(rule), method, token])
        assert status == 403, f"{method} {rule.rule} answered {status}"
    approvals = [rule.rule for rule in others if "setujui" in rule.rule]
    print(f"approval routes checked: {approvals or 'none yet (recap not in main)'}")


def test_audit_trail_filter_swaps_only_the_rows(page, live, login):
    # Its own accounts: the rows looked for are this test's, whatever other journeys signed in or made.
    live.create_account("audit.jejak", LOKET, "Petugas Jejak")
    live.create_account("admin.jejak", ADMIN, "Admin Jejak")
    login(page, "admin.jejak")
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Jejak Audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jejak Audit")
    assert fit_problems(page) == []
    page.evaluate("() => { window.notReloaded = true; }")  # survives an htmx swap, not a page load

    rows = page.locator("#audit-rows tbody tr")
    sentences = rows.locator("td:nth-child(2)")
    data_filter = page.get_by_label("Data", exact=True)
    data_filter.select_option("pengguna")
    expect(page).to_have_url(re.compile(r"entitas=pengguna"))
    expect(rows.filter(has_text="Akun audit.jejak (Petugas Loket) dibuat")).to_have_count(1)
    settled(page)
    for text in sentences.all_inner_texts():  # the sentence names the account
        assert " akun " in text or "masuk" in text or "keluar" in text or "kata sandi" in text, text

    # hx-push-url: Back returns to the unfiltered trail, Forward to the filtered one. htmx keeps no
    # copy of the page (personal data), so each step asks the server: wait for the filter's value.
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"entitas="))
    expect(data_filter).to_have_value("")
    expect(rows.filter(has_text="admin.jejak masuk")).to_have_count(1)
    page.go_forward()
    expect(data_filter).to_have_value("pengguna")
    expect(rows.filter(has_text="Akun audit.jejak (Petugas Loket) dibuat")).to_have_count(1)
    settled(page)

    page.get_by_label("Aksi", exact=True).select_option("masuk")
    expect(page).to_have_url(re.compile(r"aksi=masuk"))
    expect(rows.filter(has_not_text=" masuk")).to_have_count(0)  # "admin.jejak masuk", a sentence
    expect(rows.first).to_contain_text("admin.jejak masuk")  # the latest sign-in is this test's
    assert sentences.count() >= 1

    page.get_by_label("Pengguna", exact=True).select_option("audit.jejak")  # never signed in
    expect(page).to_have_url(re.compile(r"pengguna=audit.jejak"))
    expect(rows).to_have_text(["Tidak ada catatan untuk saringan ini."])
    assert page.evaluate("() => window.notReloaded") is True, "the filter should swap the rows, not reload the page"
    screenshot(page, "audit-filter-empty")
    cached = page.evaluate("() => localStorage.getItem('htmx-history-cache')")
    assert cached in (None, "[]"), "pages with personal data must not be kept in the browser's storage"


def test_a_session_ended_meanwhile_says_so_and_signing_in_goes_on_to_the_page(page, live, login):
    """A menu link (htmx-boosted) followed after the session ended (left idle, a password reset on
    another PC) reloaded to an empty login page that said nothing of why, and signing in led to the
    dashboard instead of the page the link was for."""
    from app.auth.models import StaffSession
    from app.frame.dates import utc_now
    login(page, LOKET)
    link = page.get_by_role("navigation", name="Menu utama").get_by_role("link").nth(1)
    wanted = link.get_attribute("href")
    with live.db():
        StaffSession.update(ended_at=utc_now()).where(StaffSession.ended_at.is_null()).execute()
    link.click()
    expect(page).to_have_url(re.compile(r"/masuk\?next="))
    expect(page.get_by_text("Sesi Anda telah berakhir. Silakan masuk lagi.")).to_be_visible()
    page.get_by_label("Nama pengguna").fill(live.username[LOKET])
    page.get_by_label("Kata sandi").fill(live.password)
    page.get_by_role("button", name="Masuk").click()
    expect(page).to_have_url(f"{live.url}{wanted}")
    expect(page.get_by_role("button", name="Keluar")).to_be_visible()

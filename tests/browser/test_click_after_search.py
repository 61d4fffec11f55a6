"""A clerk types a search, then clicks a result. CI caught the click doing nothing: leaving the
search box fired its `change`, the filter form searched again and replaced the results between
the mouse going down and coming up, so the click landed on no link. A person's click takes
~100 ms, longer than our answer, so it happened to people too. The box already searches while
typing; its `change` no longer reaches the form. The audit trail's name and action are now
lists to pick from (an exact match on a name typed by hand found nothing until the last letter);
its pager takes a click right after a pick too."""
import random
import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from app.frame.roles import ADMIN, INFORMASI, LOKET


@pytest.fixture(scope="module")
def office_data(live):
    from app.complaints.models import ComplaintCategory
    from app.registration import demo
    from app.registration.models import Application
    from tests.support.factory import recorded_complaint
    with live.db():
        demo.fill_demo(SimpleNamespace(applications=20), random.Random(7))
        application = Application.select().order_by(Application.id).first()
        category = ComplaintCategory.select().where(ComplaintCategory.is_active == True).first()  # noqa: E712
        complaint = recorded_complaint(category.id, complainant_name="Sumiati",
                                       text="Antrean loket KTP-el mengular sampai ke jalan.")
        return SimpleNamespace(number=application.registration_number, complaint=complaint.tracking_number)


def slow_click(page, link):
    """Press, hold as a person does, release: the search box loses the focus on the press. A
    person's click (~100 ms) outlasts our answer, so the release comes once whatever the press set
    off has run: the page has handled the press (its blur and `change`), and any search those
    started has answered and been swapped in."""
    link.scroll_into_view_if_needed()  # the press itself must not scroll: a person sees the link first
    box = link.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.evaluate("() => new Promise(done => setTimeout(done))")  # the press's events and their tasks ran
    expect(page.locator(".htmx-request")).to_have_count(0)  # a search they started has answered (htmx swaps first)
    page.mouse.up()


def test_a_register_result_opens_when_clicked_right_after_typing(page, live, login, office_data):
    login(page, LOKET)
    page.goto(f"{live.url}/pendaftaran")
    page.get_by_label("Cari NIK, nama atau nomor").press_sequentially(office_data.number, delay=20)
    rows = page.locator("#register-results tbody tr")
    expect(page).to_have_url(re.compile(r"q=350807"))  # the search has answered
    expect(rows).to_have_count(1)
    expect(page.locator(".htmx-request")).to_have_count(0)
    slow_click(page, rows.first.get_by_role("link", name=office_data.number))
    expect(page.get_by_role("heading", level=1)).to_contain_text(office_data.number)


def test_a_complaint_opens_when_clicked_right_after_typing(page, live, login, office_data):
    login(page, INFORMASI)
    page.goto(f"{live.url}/pengaduan")
    page.get_by_label("Cari isi / nomor").press_sequentially("mengular", delay=20)
    link = page.locator("#complaint-results").get_by_role("link", name=office_data.complaint)
    expect(page).to_have_url(re.compile(r"q=mengular"))  # the search has answered
    expect(link).to_have_count(1)
    expect(page.locator(".htmx-request")).to_have_count(0)
    slow_click(page, link)
    expect(page.get_by_role("heading", level=1)).to_contain_text(office_data.complaint)


def test_the_audit_trail_filters_on_a_picked_name_and_its_pager_takes_a_click_right_after(page, live, login):
    from app.auth.models import User
    from app.frame import audit
    clerk_name = live.username[LOKET]
    with live.db() as database, database.atomic():
        clerk = User.get(User.username == clerk_name)
        for n in range(60):  # more than a page of the clerk's own
            audit.record("lihat", "permohonan", n, f"Membuka permohonan uji {n}", user=clerk)
    login(page, ADMIN)
    page.goto(f"{live.url}/audit")
    page.get_by_label("Pengguna", exact=True).select_option(clerk_name)
    expect(page).to_have_url(re.compile(rf"pengguna={clerk_name}"))  # filtered without Enter
    expect(page.locator("#audit-rows tbody tr")).to_have_count(50)
    expect(page.locator(".htmx-request")).to_have_count(0)
    slow_click(page, page.locator("#audit-rows").get_by_role("link", name="Berikutnya"))
    expect(page.locator("#audit-rows .pager")).to_contain_text("Halaman 2")
    expect(page.locator("#audit-rows tbody")).to_contain_text("Membuka permohonan uji")

"""The desa PC's and the center's guides as their readers get them (issue 74): every guide, its quick reference and
the messages page of each program, opened by a signed-in person of that program (real processes: `run.py serve
--mode desa` and `run.py center`), without an axe violation or a CSP complaint (new_context watches them), without
sideways scrolling at 320 CSS px (400 % zoom), and each quick reference printed on one sheet of A4 and of F4. The
kecamatan office's messages page is among the office's guides (test_guide_pages_kantor.py: issue 93, one office
and one visit, where this file once opened an office for it alone)."""
import pytest

from tests.browser.helpers import axe_violations, new_context, sign_in
from tests.browser.paper import print_check
from tests.browser.test_desa_relay_journey import _first_sign_in
from tests.sync.harness import CenterServer, OfficeServer, prepare_center

pytestmark = pytest.mark.browser

NARROW = {"width": 320, "height": 640}


def guide_urls(program: str) -> list[str]:
    from app.frame.guides import MESSAGES, guides_of
    urls = []
    for guide in guides_of(program):
        if guide.key == MESSAGES:
            urls.append("/bantuan/pesan")
        else:
            urls += [f"/bantuan/{guide.key}", f"/bantuan/{guide.key}/ringkas"]
    return urls


def problems_on(page, urls: list[str]) -> list[str]:
    problems = []
    for url in urls:
        assert page.goto(url).status == 200, url
        problems += axe_violations(page)
        size = page.viewport_size
        page.set_viewport_size(NARROW)
        wider = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        page.set_viewport_size(size)
        if wider > 0:
            problems.append(f"{url}: {wider} px of sideways scrolling at 320 px")
        if url.endswith("/ringkas"):
            for paper in ("A4", "F4"):
                printed = print_check(page, url, paper=paper, name=f"panduan-{url.strip('/').replace('/', '-')}")
                problems += [f"{url} {paper}: {problem}" for problem in printed.problems]
                if len(printed.pages) != 1:
                    problems.append(f"{url} {paper}: {len(printed.pages)} sheets")
    return problems


def test_the_desa_pcs_guides_read_well_everywhere(browser, tmp_path):
    from app.frame.guides import DESA
    laptop = OfficeServer(tmp_path / "laptop-desa", mode="desa").start()
    context = new_context(browser, laptop.url)
    try:
        page = context.new_page()
        _first_sign_in(page, "admin", laptop.password, "admin-desa-baru-1")
        assert problems_on(page, guide_urls(DESA)) == []
    finally:
        context.close()
        laptop.stop()


def test_the_centers_guides_read_well_everywhere(browser, tmp_path):
    from app.frame.guides import PUSAT
    from sync.center.accounts import create_operator
    app, _ = prepare_center(tmp_path / "pusat")
    with app.app_context(), app.extensions["center_database"].connection_context():
        create_operator("kabupaten", "Admin Kabupaten", "admin", password="admin-rahasia-12", must_change_password=False)
    center = CenterServer(tmp_path / "pusat").start()
    context = new_context(browser, center.url)
    try:
        page = context.new_page()
        page.goto("/masuk")
        sign_in(page, "kabupaten", "admin-rahasia-12")
        assert problems_on(page, guide_urls(PUSAT)) == []
    finally:
        context.close()
        center.stop()


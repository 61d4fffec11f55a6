"""The office's guides as their readers get them (issue 74): every guide of the kecamatan office, its quick
reference and the messages page, opened by a signed-in clerk, without an axe violation or a CSP complaint (the
page fixture watches both), without sideways scrolling at 320 CSS px (400 % zoom), and each quick reference printed
on one sheet of A4 and of F4 (the desa PC's and the center's: test_guide_pages_desa_pusat.py, the same checks)."""
from app.frame.guides import KANTOR
from app.frame.roles import LOKET
from tests.browser.test_guide_pages_desa_pusat import guide_urls, problems_on


def test_the_offices_guides_read_well_everywhere(page, live, login):
    login(page, LOKET)
    urls = guide_urls(KANTOR)
    assert len(urls) == 13  # six roles' guides (the desa operator's too) and their quick references, and the messages page
    assert problems_on(page, urls) == []

"""The operator's night at the center (issue 43): 164 received applications made a 6,293 px page whose one
action stood under 164 checkboxes, with no filter. The print list filters by kecamatan and received day,
puts its actions above the rows, says how many a run takes, and pages the rows a hundred at a time."""
from datetime import datetime

from sync.center.models import PrintRun, ReceivedApplication
from tests.sync.test_center_pages import client_as
from tests.support.factory import kecamatan_row
from tests.sync.test_center_zones import operator, receive  # noqa: F401  (the operator fixture)

DAY_ONE, DAY_TWO = datetime(2026, 11, 23, 2, 30), datetime(2026, 11, 24, 2, 30)  # 09.30 WIB each


def _night(enrolled):
    """150 applications from Yosowilangun (100 on the 23rd, 50 on the 24th) and 80 from Jatiroto (the 24th)."""
    yosowilangun, _ = enrolled
    jatiroto = kecamatan_row("35.08.08", "Jatiroto")
    for n in range(1, 151):
        receive(yosowilangun, n, DAY_ONE if n <= 100 else DAY_TWO)
    for n in range(1, 81):
        receive(jatiroto, n, DAY_TWO)
    return yosowilangun, jatiroto


def _page(client, url: str) -> str:
    """The page's HTML with its whitespace as a reader sees it (one space)."""
    return " ".join(client.get(url).get_data(as_text=True).split())


def _next_link(page: str) -> str:
    import html
    import re
    return html.unescape(re.search(r'<a href="([^"]+)" rel="next">', page).group(1))


def _ticks(page: str) -> int:
    return page.count('name="application" value=')


def test_the_print_list_pages_filters_and_puts_its_actions_above_the_rows(center_app, operator, enrolled):
    yosowilangun, jatiroto = _night(enrolled)
    client = client_as(center_app, operator)
    page = _page(client, "/cetak")
    assert "Menunggu cetak: 230 permohonan" in page
    assert _ticks(page) == 100 and "Halaman 1 dari 3" in page
    action = page.index("semua 230 permohonan yang menunggu")
    assert action < page.index('name="application" value=')  # above the first row, not under a thousand
    assert page.index("dari yang dipilih") < page.index("<table")
    second = _page(client, _next_link(page))  # the pager's own link: a keyset, never an offset
    assert _ticks(second) == 100 and "Baris 101–200 dari 230" in second and "Halaman 2 dari 3" in second
    last = _page(client, _next_link(second))
    assert _ticks(last) == 30 and "Baris 201–230 dari 230" in last and "Halaman 3 dari 3" in last

    by_kecamatan = _page(client, f"/cetak?kecamatan={jatiroto.id}")
    assert "Menunggu cetak: 80 permohonan dari Kecamatan Jatiroto" in by_kecamatan and _ticks(by_kecamatan) == 80
    assert "Jatiroto (80 menunggu)" in by_kecamatan and "Yosowilangun (150 menunggu)" in by_kecamatan
    by_day = _page(client, f"/cetak?kecamatan={yosowilangun.id}&tanggal=2026-11-24")
    assert "Menunggu cetak: 50 permohonan dari Kecamatan Yosowilangun, diterima 24 November 2026" in by_day
    assert "semua 50 permohonan yang tersaring" in by_day


def test_a_run_takes_everything_the_filter_shows_across_its_pages(center_app, operator, enrolled):
    yosowilangun, jatiroto = _night(enrolled)
    client = client_as(center_app, operator)
    answer = client.post("/cetak/baru", data={"semua": "1", "kecamatan": str(yosowilangun.id), "tanggal": "2026-11-23"})
    assert answer.status_code == 303
    run = PrintRun.get()
    taken = list(ReceivedApplication.select().where(ReceivedApplication.print_run == run))
    assert len(taken) == 100 and {a.kecamatan_id for a in taken} == {yosowilangun.id}
    assert "Menunggu cetak: 130 permohonan" in _page(client, "/cetak")
    # the ticked rows only, as before
    picked = [a.id for a in ReceivedApplication.select().where(ReceivedApplication.kecamatan == jatiroto.id).limit(3)]
    assert client.post("/cetak/baru", data={"application": [str(i) for i in picked]}).status_code == 303
    assert ReceivedApplication.select().where(ReceivedApplication.print_run.is_null(False)).count() == 103
    # a bad filter is no filter, never a 500
    assert client.get("/cetak?kecamatan=abc&tanggal=2026-13-45&tunggu_setelah=[-4]&tunggu_halaman=-4").status_code == 200


def test_the_ticked_rows_button_with_nothing_ticked_is_refused_and_makes_no_run(center_app, operator, enrolled):
    _night(enrolled)
    client = client_as(center_app, operator)
    answer = client.post("/cetak/baru", data={})
    assert answer.status_code == 422
    assert "Pilih minimal satu permohonan untuk dicetak." in answer.get_data(as_text=True)
    assert PrintRun.select().count() == 0

"""The recap's complaint list pages by keyset from a kept statement (issue 73): a page turn builds no
SQL and converts no value through peewee (both were most of the list's Python above its reads, on
every view of the live recap), and its pages, forward and back, are the whole list in its order."""
import re
from datetime import datetime, timedelta

import peewee
import pytest

from app.complaints.models import MomentField
from app.frame.periods import Quarter
from app.recap import contents, figures
from app.recap.models import QuarterRecap
from tests.support.factory import complaint_row

URL = "/rekap/2025/1"
LISTED = 120  # more than two pages of 50


@pytest.fixture
def long_quarter(db):
    start = datetime(2025, 1, 6, 2)
    for n in range(LISTED):  # pairs received at the same moment: the id orders them
        complaint_row(start + timedelta(hours=n // 2), followed_up_at=start + timedelta(days=1) if n % 3 else None,
                      complainant_name=f"Warga {n}")
    complaint_row(start, is_confidential=True, text="Rahasia")  # never listed


def _numbers(html: str) -> list[str]:
    return re.findall(r'<td class="nowrap">(PGD-[0-9A-F]+)</td>', html)


def _link(html: str, rel: str) -> str | None:
    found = re.search(r'hx-get="([^"]+)" rel="%s"' % rel, html)
    return found.group(1).replace("&amp;", "&") if found else None


def _walk(client) -> tuple[list[list[str]], list[list[str]]]:
    """Every page of the list forward by its 'Berikutnya' link, then back by 'Sebelumnya'."""
    html = client.get(URL + "/pengaduan").get_data(as_text=True)
    forward = [_numbers(html)]
    while (link := _link(html, "next")) is not None:
        html = client.get(link).get_data(as_text=True)
        forward.append(_numbers(html))
    back = [forward[-1]]
    while (link := _link(html, "prev")) is not None:
        html = client.get(link).get_data(as_text=True)
        back.append(_numbers(html))
    return forward, back


def test_the_pages_forward_and_back_are_the_whole_list_in_its_order(client_for, long_quarter):
    listed = [item["tracking_number"] for item in figures.complaint_list(Quarter.of(2025, 1), "WIB")]
    assert len(listed) == LISTED
    forward, back = _walk(client_for("camat"))
    assert [len(page) for page in forward] == [50, 50, 20]
    assert sum(forward, []) == listed
    assert back == forward[::-1]


def test_an_approved_recap_pages_its_frozen_list_the_same_way(client_for, long_quarter):
    for role, step in (("petugas_informasi", "draf"), ("camat", "setujui")):
        data = {"promises": "Menambah loket.", "narrative": "Ramai.", "ajukan": "1"} if step == "draf" else {}
        assert client_for(role).post(f"{URL}/{step}", data=data).status_code == 303
    frozen = [item["tracking_number"] for item in contents.frozen_list(QuarterRecap.get())]
    forward, back = _walk(client_for("camat"))
    assert sum(forward, []) == frozen and len(frozen) == LISTED
    assert back == forward[::-1]


@pytest.mark.parametrize("arguments", ['setelah=["2025-13-01 00:00:00",1]', "setelah=[1,2]", 'setelah=["x"]',
                                       'sebelum=[true,1]', "setelah=" + "9" * 300, "setelah=[1,"])
def test_a_hand_edited_cursor_shows_the_first_page(client_for, long_quarter, arguments):
    response = client_for("camat").get(f"{URL}/pengaduan?halaman=7&{arguments}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Halaman 1" in html and len(_numbers(html)) == 50 and _link(html, "prev") is None


def test_a_turn_of_the_list_builds_no_sql_and_converts_no_value(app, long_quarter, monkeypatch):
    quarter = Quarter.of(2025, 1)

    def page(arguments: dict):
        with app.test_request_context(URL + "/pengaduan", query_string=arguments):
            return contents.complaints_page(quarter, None, False, "WIB", 50)

    first = page({})
    second = page(first.next_args)  # the first turn forward and back builds the list's texts
    page(second.previous_args)
    built, converted = [], []
    sql_context, moment = peewee.Database.get_sql_context, MomentField.python_value
    monkeypatch.setattr(peewee.Database, "get_sql_context", lambda *a, **k: built.append(1) or sql_context(*a, **k))
    monkeypatch.setattr(MomentField, "python_value", lambda *a: converted.append(1) or moment(*a))
    third = page(second.next_args)
    back = page(third.previous_args)
    again = page({})
    assert (built, converted) == ([], [])
    assert [len(p.items) for p in (third, back, again)] == [20, 50, 50]
    assert back.items == second.items and again.items == first.items

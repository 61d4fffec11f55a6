"""The pass's last packet brings the status pull's first page (issue 45).

At 20 applications a pass the status pull's own signed request (its key check, its nonce, HTTP) was
a tenth of what the center spent beyond its floor. The last packet now asks, with
?statuses_after=&statuses_limit= (protocol.RIDE_AFTER), for the page that GET /statuses would have
answered after it, and the pass applies it from the packet's answer. A center that does not know the
ride answers without it, and the pass asks for the page itself, as before.
"""
import json

from sync import protocol
from sync.center import records
from sync.client import engine
from tests.sync.helpers import packet_item
from tests.sync.test_client import FlaskSession, client_of, kecamatan, run  # noqa: F401  fixtures


class Recording(FlaskSession):
    """The in-process center, keeping each request's method and path with its query."""

    def __init__(self, center_app):
        super().__init__(center_app)
        self.asked = []

    def request(self, method, url, data=None, headers=None, **kwargs):
        self.asked.append(f"{method} /{url.split('://', 1)[1].split('/', 1)[1]}")
        return super().request(method, url, data=data, headers=headers, **kwargs)


def another_pc_stored_one_first(enrolled) -> None:
    """Event 1 of the kecamatan is not this PC's push: the packets' own `received` events leave a gap,
    so the status page has to bring all four."""
    kecamatan_row, _ = enrolled
    header, photo = packet_item(40)
    assert records.store_application(kecamatan_row, header, photo).result == "stored"


def test_the_last_packet_brings_the_status_page_and_no_request_of_its_own_asks_for_it(kecamatan, center_app,
                                                                                       center_db, enrolled):
    another_pc_stored_one_first(enrolled)

    def check():
        session = Recording(center_app)
        report = engine.sync_once(client=client_of(center_app, session))
        assert (report.error, report.sent, report.statuses, report.unapplied) == ("", 3, 3, 1)  # the other PC's: not here
        assert engine.current_link().status_cursor == 4  # the other PC's event and this pass's three
        riding = [asked for asked in session.asked if protocol.RIDE_AFTER in asked]
        # the pass's last request of the link's records (a PC's health report, issue 81, may follow: a step of its own)
        records_asked = [asked for asked in session.asked if "/api/v1/fleet/report" not in asked]
        assert len(riding) == 1 and riding[0] == records_asked[-1], session.asked
        assert f"{protocol.RIDE_AFTER}=0&{protocol.RIDE_LIMIT}=500" in riding[0]
        assert not [asked for asked in session.asked if "/statuses" in asked]
    run(kecamatan, check)


def test_a_center_that_answers_without_the_page_leaves_it_to_the_pull(kecamatan, center_app, center_db, enrolled):
    another_pc_stored_one_first(enrolled)
    for endpoint in ("center_api.packets", "center_api.public_packets"):  # a center of before the ride
        center_app.view_functions[endpoint] = without_the_page(center_app.view_functions[endpoint])

    def check():
        session = Recording(center_app)
        report = engine.sync_once(client=client_of(center_app, session))
        assert (report.error, report.sent, report.statuses, report.unapplied) == ("", 3, 3, 1)  # the other PC's: not here
        assert engine.current_link().status_cursor == 4
        assert [asked for asked in session.asked if asked.startswith("GET /api/v1/statuses?after=0")]
    run(kecamatan, check)


def without_the_page(view):
    def answer(*args, **kwargs):
        response = view(*args, **kwargs)
        body = json.loads(response.get_data())
        body.pop("statuses", None)
        response.set_data(json.dumps(body))
        return response
    return answer


def test_the_page_a_packet_brings_is_the_one_get_statuses_answers(center_app, center_db, enrolled):
    from tests.sync.helpers import call, packet_call
    kecamatan_row, key = enrolled
    for n in range(3):
        header, photo = packet_item(60 + n)
        assert records.store_application(kecamatan_row, header, photo).result == "stored"
    with center_app.app_context():
        client = center_app.test_client()
        answer = packet_call(client, key, f"/api/v1/packets?{protocol.RIDE_AFTER}=1&{protocol.RIDE_LIMIT}=2",
                             [packet_item(70)])
        assert answer.status_code == 200
        body = json.loads(answer.data)
        assert [result["result"] for result in body["results"]] == ["stored"]
        page = body["statuses"]  # events 2, 3 and the packet's own 4: two of them, and more
        assert [event["seq"] for event in page["events"]] == [2, 3] and page["next"] == 3 and page["more"] is True
        assert call(client, key, "GET", "/api/v1/statuses?after=1&limit=2").get_json() == page
        # A cursor that cannot be right brings no page; the packet is stored all the same.
        answer = packet_call(client, key, f"/api/v1/packets?{protocol.RIDE_AFTER}=-1", [packet_item(71)])
        body = json.loads(answer.data)
        assert answer.status_code == 200 and "statuses" not in body
        assert [result["result"] for result in body["results"]] == ["stored"]
        answer = packet_call(client, key, "/api/v1/packets", [packet_item(72)])  # not asked: not brought
        assert "statuses" not in json.loads(answer.data)

"""The `received` events of a push are applied from the packet answers, not pulled again.

The center answers "stored" with the seq of the `received` event it made; while those follow the
kecamatan's cursor without a gap they are the very events the status pull would bring, so the
packet's transaction applies them and moves the cursor, and the pull carries nothing for them.
A gap (an event the kecamatan has not seen) leaves everything to the pull, as before.
"""
import json

from app.registration.status import ApplicationStatus as S
from sync import protocol
from sync.client import engine
from tests.sync.test_client import FlaskSession, client_of, kecamatan, run, statuses  # noqa: F401  fixtures


class PullRecording(FlaskSession):
    """The in-process center, counting the events each status page carried: a GET of its own, or the
    page the pass's last packet asked its answer to bring (protocol.RIDE_AFTER)."""

    def __init__(self, center_app):
        super().__init__(center_app)
        self.pulled = []

    def request(self, method, url, data=None, headers=None, **kwargs):
        answer = super().request(method, url, data=data, headers=headers, **kwargs)
        pulled, rode = "/api/v1/statuses" in url, protocol.RIDE_AFTER in url
        if pulled or rode:
            body = answer.content
            if answer.headers.get("Content-Type", "").startswith(protocol.JSON_DEFLATE):
                body = protocol.inflate(body, 1 << 20)
            page = json.loads(body)
            self.pulled.append(len((page["statuses"] if rode else page)["events"]))
        return answer


def test_the_received_events_of_a_push_come_with_the_packet_answers(kecamatan, center_app, center_db):
    def check():
        session = PullRecording(center_app)
        report = engine.sync_once(client=client_of(center_app, session))
        assert (report.sent, report.statuses, report.error) == (3, 3, "")
        assert set(statuses().values()) == {S.RECEIVED_BY_CENTER.value}
        assert engine.current_link().status_cursor == 3
        assert sum(session.pulled) == 0 and session.pulled  # the pull asked, and had nothing left to bring
    run(kecamatan, check)


def test_a_gap_in_the_feed_leaves_the_received_events_to_the_pull(kecamatan, center_app, center_db, enrolled):
    from sync.center import records
    from tests.sync.helpers import packet_item
    kecamatan_row, _ = enrolled
    # Another PC of this kecamatan stored one first: event 1 is not ours, ours are 2, 3, 4.
    other_header, other_photo = packet_item(40)
    assert records.store_application(kecamatan_row, other_header, other_photo).result == "stored"

    def check():
        session = PullRecording(center_app)
        report = engine.sync_once(client=client_of(center_app, session))
        assert report.sent == 3 and report.error == ""
        assert set(statuses().values()) == {S.RECEIVED_BY_CENTER.value}
        assert engine.current_link().status_cursor == 4
        assert sum(session.pulled) == 4  # all four came by the pull, in order
    run(kecamatan, check)

"""A pass signs a dozen requests: the center writes when a key and its kecamatan were last seen at
most once a minute, and a new version the PC reports at once (issue 45: the center's CPU a pass)."""
from datetime import timedelta

from app.frame.dates import utc_now
from sync import protocol
from sync.center.models import DeviceKey, Kecamatan
from sync.client.transport import CenterClient
from tests.sync.test_client import FlaskSession


class ReportingClient(CenterClient):
    """An office reporting the app version the test gives it."""
    app_version = "1.0.0"

    def signed_headers(self, *args, **kwargs):
        headers, ticket = super().signed_headers(*args, **kwargs)
        headers[protocol.VERSION_HEADER] = protocol.version_report(self.app_version)
        return headers, ticket


def test_last_seen_is_written_once_a_minute_and_a_new_version_at_once(center_app, center_db, enrolled, monkeypatch):
    kecamatan, (key_id, secret) = enrolled
    start = utc_now().replace(microsecond=0)
    clock = [start]
    monkeypatch.setattr("sync.center.keys.utc_now", lambda: clock[0])  # the center's clock only
    office = ReportingClient("http://center", key_id, secret, session=FlaskSession(center_app))

    def seen():
        key = DeviceKey.get(DeviceKey.key_id == key_id)
        return key.last_used_at, Kecamatan.get_by_id(kecamatan.id).last_seen_at, key.app_version

    office.probe()
    assert seen() == (start, start, "1.0.0")
    clock[0] = start + timedelta(seconds=59)
    office.probe()
    office.probe()
    assert seen() == (start, start, "1.0.0")  # the same pass: nothing written again

    office.app_version = "1.0.1"  # updated in between: its page shows the new version at once
    office.probe()
    assert seen() == (start + timedelta(seconds=59), start, "1.0.1")

    clock[0] = start + timedelta(minutes=2)  # a minute after the last write of each
    office.probe()
    assert seen() == (clock[0], clock[0], "1.0.1")

    clock[0] = start  # the center's clock set back: what it shows follows the clock again
    office.probe()
    assert seen() == (start, start, "1.0.1")


def test_a_replay_is_refused_whether_or_not_last_seen_is_written_with_its_nonce(center_app, center_db, enrolled,
                                                                                  monkeypatch):
    """Within the minute the nonce is the request's only write (one statement, no transaction): a replay
    is refused there as after the minute, where it is written with the last seen."""
    from sync.center.models import UsedNonce
    from tests.sync.helpers import signed_headers
    _, (key_id, secret) = enrolled
    start = utc_now().replace(microsecond=0)
    clock = [start]
    monkeypatch.setattr("sync.center.keys.utc_now", lambda: clock[0])
    client = center_app.test_client()
    for moment in (start, start + timedelta(seconds=30), start + timedelta(minutes=5)):
        clock[0] = moment
        headers = signed_headers(key_id, secret, "GET", "/api/v1/probe", b"")
        assert client.get("/api/v1/probe", headers=headers).status_code == 200
        assert client.get("/api/v1/probe", headers=headers).status_code == 401
    assert UsedNonce.select().count() == 3
    assert DeviceKey.get(DeviceKey.key_id == key_id).last_used_at == start + timedelta(minutes=5)

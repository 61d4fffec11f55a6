"""What "nothing lost, nothing doubled" means, checked on both databases."""
import io
import time
from collections import Counter

from sync import protocol

SENT_TRAIL = ["terkirim", "diterima_pusat", "dicetak", "dikirim"]


def kecamatan_statuses(kec_app) -> dict:
    from app.registration.models import Application
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        return {a.registration_number: a.status for a in Application.select()}


def small_packets():
    """Packets of a few applications and short status pages: many requests for the faults to hit."""
    return {"packet_bytes": 8 * 1024, "status_page": 10}


def sync_until_settled(kec_app, expect_status: str, max_passes: int = 60, **options) -> int:
    """Full passes (as the nightly sync or the button) until every application shows `expect_status`."""
    from sync.client import engine
    for passes in range(1, max_passes + 1):
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            engine.sync_once(full=True, **options)
        if set(kecamatan_statuses(kec_app).values()) == {expect_status}:
            return passes
        time.sleep(0.2)
    raise AssertionError(f"not settled at {expect_status}: {Counter(kecamatan_statuses(kec_app).values())}")


def assert_each_at_center_once(center_app, numbers) -> None:
    from sync.center.models import ReceivedApplication, StatusEvent
    with center_app.extensions["center_database"].connection_context():
        stored = Counter(r.registration_number for r in ReceivedApplication.select(ReceivedApplication.registration_number))
        received = Counter(e.registration_number for e in StatusEvent.select().where(StatusEvent.status == "received"))
    assert stored == Counter(numbers), "each application stored exactly once"
    assert received == Counter(numbers), "each application received exactly once"


def center_mark_all(center_app, steps) -> None:
    """The operator prints and ships everything (the same `move` the pages use)."""
    from sync.center import records
    from sync.center.db import center_database
    from sync.center.models import ReceivedApplication
    with center_app.extensions["center_database"].connection_context():
        for step in steps:
            with center_database.atomic():
                for application in ReceivedApplication.select():
                    assert records.move(application, step)


def assert_each_status_back_once(kec_app, numbers) -> None:
    from app.registration.models import StatusEvent
    from sync.client.models import OutboxItem
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        trails = {}
        for event in StatusEvent.select().order_by(StatusEvent.id):
            trails.setdefault(event.application.registration_number, []).append(event.to_status)
        outbox = Counter(item.state for item in OutboxItem.select().where(OutboxItem.kind == "permohonan"))  # the applications
    for number in numbers:
        assert trails[number][-4:] == SENT_TRAIL and all(trails[number].count(s) == 1 for s in SENT_TRAIL), \
            (number, trails[number])
    assert outbox == Counter({"acked": len(numbers)})


def packet_items(body: bytes, secret: str, nonce: str | None) -> list[tuple[dict, bytes]]:
    """A packet body's (header, photo) pairs, numbered (their tags checked)."""
    items = list(protocol.StreamedPacket(io.BytesIO(body).read, len(body), secret, nonce).open().items())
    return [(protocol.numbered(header), photo) for header, photo in items]


def packet_numbers(body: bytes, secret: str, nonce: str | None) -> list[str]:
    """The registration numbers a packet body carries, in order."""
    return [header["id"] for header, _ in packet_items(body, secret, nonce)]

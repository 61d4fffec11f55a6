"""/cek dates "dicetak" and "dikirim" on the center's own days, in the kecamatan's zone (issue 83, finding 2): it
showed the day the office's pass learnt of them (22 Dec) where the center printed the card on 21 Dec."""
import re
from datetime import timedelta

from app.frame.dates import to_local, utc_now
from sync.center import records
from sync.center.audit import audit
from sync.center.db import center_database
from sync.center.models import ReceivedApplication
from sync.client import engine
from tests.sync.test_client import client_of, kecamatan, run  # noqa: F401  (kecamatan is a fixture)
from tests.sync.test_public_status import FIRST, code_of, page


def _moved(number: str, to_status: str, at) -> None:
    """The center's operator marks the card, `at` being when (the test's past day)."""
    with center_database.atomic():
        application = ReceivedApplication.get(ReceivedApplication.registration_number == number)
        assert records.move(application, to_status)
        field = "printed_at" if to_status == "printed" else "shipped_at"
        ReceivedApplication.update({field: at}).where(ReceivedApplication.id == application.id).execute()
        audit("ubah", "permohonan", application.id, f"{number} ditandai {to_status}")


def _dates_shown(body: str) -> dict:
    return dict(re.findall(r'<li><span>([^<]+)</span> <time datetime="([\d-]+)">', body))


def test_cek_dates_printed_and_shipped_by_the_centers_days_not_the_offices_pass(kecamatan, center_app, center_db):
    assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app))).error == ""
    code = code_of(kecamatan)
    printed, shipped = utc_now() - timedelta(days=3), utc_now() - timedelta(days=2)
    for to_status, at in (("printed", printed), ("shipped", shipped)):
        _moved(FIRST, to_status, at)
        for _ in range(2):  # the pass that learns the step today, then the one that sends the office's record
            assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app))).error == ""
    shown = _dates_shown(page(center_app, FIRST, code)[1])
    assert shown["Kartu sudah dicetak di Dukcapil"] == to_local(printed, "WIB").date().isoformat(), shown
    assert shown["Kartu sudah dicetak, dikirim ke kecamatan"] == to_local(shipped, "WIB").date().isoformat(), shown


def test_a_pc_refused_again_and_again_keeps_a_bounded_number_of_waiting_receipts(enrolled, center_app, center_db):
    """Issue 83's waiting receipts: a PC whose records are refused for a number another PC holds may send any code;
    the center keeps at most WAITING_PER_NUMBER of them for that number, and one code once."""
    from sync import public_status as vocabulary
    from sync.center import public_status_records as center_public
    from sync.center.models import PublicStatusWaiting
    kecamatan_row, _ = enrolled
    with center_app.app_context():
        for n in range(12):
            center_public._note_waiting(kecamatan_row, "350807-01-000009", vocabulary.code_digest("350807-01-000009",
                                                                                              f"7K3M{n:02d}"))
        center_public._note_waiting(kecamatan_row, "350807-01-000009", vocabulary.code_digest("350807-01-000009",
                                                                                          "7K3M00"))
    kept = PublicStatusWaiting.select().where(PublicStatusWaiting.number == "350807-01-000009").count()
    assert kept == center_public.WAITING_PER_NUMBER

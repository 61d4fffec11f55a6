"""/cek tells a citizen whose KTP-el is past its promised date that it is late (issue 71, finding 1): by how many
working days, as the office's own register counts it, what the office does and whom to call, the Ombudsman as for
a late complaint; an application not yet late, or ready to collect, says nothing of it."""
from datetime import timedelta

import pytest

from app.frame.dates import local_today
from app.frame.working_days import WorkCalendar
from app.registration import service_time
from tests.sync.test_public_status import stored_and_read

CODE = "7K3M9Q"


@pytest.fixture
def application(center_app, center_db, enrolled):
    """application(number, step, promised) -> the /cek page's text for the kecamatan's public record."""
    kecamatan, _ = enrolled

    def send(number, step, promised):
        record = {"kind": "ktp", "number": number,
                  "step": step, "steps": [["diterima", ""], [step, ""]], "promised": promised.isoformat(),
                  "follow_up": "", "follow_up_due": "", "office": "Yosowilangun", "hours": "Senin-Jumat 08.00-15.00",
                  "office_phone": "(0334) 881234"}
        return stored_and_read(center_app, kecamatan, record, CODE)
    return send


def test_an_application_past_its_promise_says_it_is_late_by_working_days_and_whom_to_call(application):
    today = local_today("WIB")
    promised = today - timedelta(days=37)  # five weeks and more: the finding's "terlambat 27 hari kerja"
    shown = application("350807-1-000101", "diproses", promised)
    # The office's own register words it so (app/registration/service_time): /cek says the same number.
    late = -service_time.days_left(promised, today, WorkCalendar())
    assert late >= 20 and f"(terlambat {late} hari kerja)" in shown
    assert (f"Yang perlu Anda lakukan Tanggal janji sudah lewat {late} hari kerja dan KTP-el Anda belum siap diambil. "
            "Berkas Anda masih di Kantor Kecamatan Yosowilangun") in shown  # the center holds no file of it
    assert "Ombudsman Republik Indonesia" in shown and "Telepon: (0334) 881234" in shown
    assert "Belum ada yang perlu Anda lakukan" not in shown


def test_a_correction_past_its_promise_keeps_what_the_citizen_does_and_says_late(application):
    today = local_today("WIB")
    promised = today - timedelta(days=14)
    shown = application("350807-1-000102", "perbaikan", promised)
    late = -service_time.days_left(promised, today, WorkCalendar())
    assert "Hubungi loket Kantor Kecamatan Yosowilangun" in shown and f"sudah lewat {late} hari kerja" in shown


def test_an_application_not_yet_late_or_ready_says_nothing_of_lateness(application):
    today = local_today("WIB")
    on_the_day = application("350807-1-000103", "diproses", today)  # the promised day itself is on time
    assert "terlambat" not in on_the_day and "sudah lewat" not in on_the_day
    assert "Belum ada yang perlu Anda lakukan" in on_the_day
    ready = application("350807-1-000104", "siap", today - timedelta(days=20))
    assert "terlambat" not in ready and "Ombudsman" not in ready


@pytest.mark.parametrize(("at_center", "sentence"), [
    (None, "Berkas Anda masih di Kantor Kecamatan Yosowilangun dan belum dikirim ke Dukcapil"),
    ("received", "Kantor Kecamatan Yosowilangun wajib menanyakan berkas Anda ke Dukcapil"),
    ("printed", "Kartu Anda sudah dicetak di Dukcapil; Kantor Kecamatan Yosowilangun wajib menanyakan kapan kartu "
                "dikirim ke kecamatan"),
    ("shipped", "Kartu Anda sudah dikirim Dukcapil ke kecamatan; Kantor Kecamatan Yosowilangun wajib memeriksa "
                "kiriman kartu itu"),
])
def test_a_late_cards_sentence_follows_where_the_card_is(application, enrolled, at_center, sentence):
    """Issue 92, finding 4: a card already printed and shipped (the center's own steps, shown before the office's
    pass learns of them) read that the office "wajib menanyakan berkas Anda ke Dukcapil", under "dikirim ke
    kecamatan"; a file still at the kecamatan read it too. Each step says what the office does where the card is."""
    from sync.center import records
    from sync.center.models import ReceivedApplication
    from tests.sync.helpers import packet_item
    kecamatan, _ = enrolled
    number = "350807-01-000105"
    if at_center:
        assert records.store_application(kecamatan, *packet_item(105)).result == "stored"
        ReceivedApplication.update(status=at_center).where(ReceivedApplication.registration_number == number).execute()
    today = local_today("WIB")
    shown = application(number, "diproses", today - timedelta(days=30))  # the office's pass has not learnt more
    assert sentence in shown
    assert ("wajib menanyakan berkas Anda ke Dukcapil" in shown) == (at_center == "received")
    assert "Ombudsman Republik Indonesia" in shown


def test_a_late_correction_says_what_the_office_does_about_it(application):
    shown = application("350807-1-000106", "perbaikan", local_today("WIB") - timedelta(days=30))
    assert ("Dukcapil meminta data berkas Anda diperbaiki; Kantor Kecamatan Yosowilangun wajib membantu Anda "
            "memperbaikinya") in shown
    assert "wajib menanyakan berkas Anda ke Dukcapil" not in shown

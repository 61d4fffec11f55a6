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
            "Kantor Kecamatan Yosowilangun wajib menanyakan berkas Anda ke Dukcapil") in shown
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

"""A desa's F-1.07 on /cek (issue 71, finding 3): a form still waiting past its last valid day says expired, as
a relayed one does, although nothing is written when it runs out; and the page shows the office's own hours,
address and telephone as the kecamatan sent them, not the defaults a desa PC knows."""
from datetime import timedelta

import pytest

from app.frame.dates import format_date, local_today
from tests.sync.test_public_status import stored_and_read

CODE = "7K3M9Q"
DEFAULT_HOURS = "Senin–Kamis 08.00–15.30, Jumat 08.00–14.00"
OFFICE_HOURS = "Senin–Kamis 07.30–15.00, Jumat 07.30–11.00"


@pytest.fixture
def send(center_app, center_db, enrolled):
    kecamatan, _ = enrolled

    def store(number, record):
        record = {"number": number, "promised": "",
                  "follow_up": "", "follow_up_due": "", "office": "Yosowilangun", **record}
        return stored_and_read(center_app, kecamatan, record, CODE)
    return store


def _form(today, expires, hours=DEFAULT_HOURS) -> dict:
    return {"kind": "pra", "step": "menunggu", "steps": [["menunggu", (today - timedelta(days=20)).isoformat()]],
            "expires": expires.isoformat(), "hours": hours}


def test_a_form_still_waiting_past_its_last_day_says_expired(send):
    today = local_today("WIB")
    shown = send("PRA-3508072001-K1-000001", _form(today, today - timedelta(days=1), OFFICE_HOURS))
    assert "Status sekarang Masa berlaku formulir habis: isi ulang di kantor desa" in shown
    assert "Yang perlu Anda lakukan Isi ulang formulir F-1.07 di kantor desa Anda." in shown
    assert f"Masa berlaku formulir habis: isi ulang di kantor desa {format_date(today)}" in shown  # its history
    on_its_last_day = send("PRA-3508072001-K1-000002", _form(today, today, OFFICE_HOURS))
    assert "Menunggu di Kantor Kecamatan Yosowilangun: bawa formulir F-1.07" in on_its_last_day
    # issue 83, finding 2: a waiting form says until when it is valid, as its F-1.07 prints it
    assert f"Formulir berlaku sampai: {format_date(today, with_weekday=True)}" in on_its_last_day
    assert "berlaku sampai" not in shown  # an expired one says so instead


def test_a_desa_pc_form_shows_the_offices_own_hours_and_telephone(send):
    today = local_today("WIB")
    alone = send("PRA-3508072001-D1-000003", _form(today, today + timedelta(days=10)))
    assert f"Jam layanan: {DEFAULT_HOURS}" in alone  # nothing better known yet: the form's own words
    send("350807-1-000201", {"kind": "ktp", "step": "diterima", "steps": [["diterima", today.isoformat()]],
                             "hours": OFFICE_HOURS, "office_phone": "(0334) 881234"})
    shown = send("PRA-3508072001-D1-000004", _form(today, today + timedelta(days=10)))
    assert f"Jam layanan: {OFFICE_HOURS}" in shown and "Telepon: (0334) 881234" in shown
    assert "Jumat 08.00–14.00" not in shown

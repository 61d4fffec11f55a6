"""/cek says only what is true of a complaint (issue 61, finding 4): past its follow-up deadline it says it is
late and what the citizen can do, not "Kecamatan menindaklanjuti sebelum batas di atas"; done, a
confidential one does not also say "sedang diproses". Dates are counted from the kecamatan's today (WIB for
Lumajang), late from the day after the deadline as app/complaints/deadlines.py counts it."""
from datetime import timedelta

import pytest

from app.frame.dates import format_date, local_today
from tests.sync.test_public_status import stored_and_read

CODE = "7K3M9Q"


@pytest.fixture
def complaint(center_app, center_db, enrolled):
    """complaint(number, step, due, follow_up="") -> stores the kecamatan's public record of a complaint."""
    kecamatan, _ = enrolled

    def send(number, step, due, follow_up=""):
        record = {"kind": "pgd", "number": number,
                  "step": step, "steps": [["diterima", (due - timedelta(days=7)).isoformat()], [step, ""]],
                  "promised": "", "follow_up": follow_up, "follow_up_due": due.isoformat(),
                  "office": "Yosowilangun", "hours": "Senin-Jumat 08.00-15.00"}
        return stored_and_read(center_app, kecamatan, record, CODE)
    return send


def test_a_complaint_past_its_follow_up_deadline_says_it_is_late_and_what_to_do(complaint):
    today = local_today("WIB")
    due = today - timedelta(days=125)  # the 12 June of the finding, read on 15 October
    shown = complaint("PGD-7K3M9A", "diteruskan", due)
    assert f"Batas tindak lanjut: {format_date(due)} (sudah lewat 125 hari)" in shown
    assert ("Yang perlu Anda lakukan Batas tindak lanjut sudah lewat 125 hari dan pengaduan Anda belum selesai "
            "ditindaklanjuti. Tanyakan ke Kantor Kecamatan Yosowilangun") in shown and "Ombudsman" in shown
    assert "Belum ada yang perlu Anda lakukan" not in shown and "sebelum batas di atas" not in shown
    assert "sedang diproses" not in shown
    assert "(sudah lewat 1 hari)" in complaint("PGD-7K3M9B", "ditindaklanjuti", today - timedelta(days=1))
    on_the_day = complaint("PGD-7K3M9C", "diterima", today)  # the deadline itself is still on time
    assert "sudah lewat" not in on_the_day
    assert "Belum ada yang perlu Anda lakukan. Kecamatan menindaklanjuti sebelum batas di atas." in on_the_day
    # issue 83, finding 2: "di atas" is true: the deadline is printed above the sentence that names it
    assert on_the_day.index(f"Batas tindak lanjut: {format_date(today)}") < on_the_day.index("sebelum batas di atas")


def test_a_confidential_complaint_that_is_done_does_not_say_it_is_being_processed(complaint):
    today = local_today("WIB")
    shown = complaint("PGD-7K3M9D", "selesai", today - timedelta(days=30))  # done after its deadline
    assert "Status sekarang Selesai ditindaklanjuti" in shown
    assert "sedang diproses" not in shown and "sudah lewat" not in shown
    assert "Hasil tindak lanjut tidak diumumkan di sini: pengaduan rahasia disampaikan langsung kepada Anda." in shown
    public = complaint("PGD-7K3M9E", "selesai", today, follow_up="Kursi tunggu sudah ditambah")
    assert "Kursi tunggu sudah ditambah" in public and "tidak diumumkan" not in public

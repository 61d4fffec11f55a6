"""Calendars that admit what they do not know: a year without its SKB cuti bersama is an estimate,
promises counted over it say "perkiraan", and entering the SKB recomputes open promises (audited)."""
import html
from datetime import date, datetime

from app.frame.audit_event import AuditEvent
from app.frame.working_days import WorkCalendar
from app.registration.models import Application
from tests.support.factory import application_row


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_a_year_without_its_cuti_bersama_is_an_estimate_until_the_admin_enters_it():
    # The pinned calendar package lists 2026's cuti bersama; for 2028 it has none and 7 estimated dates.
    assert not WorkCalendar().is_estimated(2026)
    assert WorkCalendar().is_estimated(2028)
    assert not WorkCalendar(decreed_years=[2028]).is_estimated(2028)
    assert WorkCalendar().estimated_between(date(2027, 12, 20), date(2028, 1, 10))


def open_file(number: int, completed: date, promised: date, status="lengkap"):
    app = application_row(number, datetime(2028, 2, 23, 2), status, promised)
    Application.update(completed_at=completed).where(Application.id == app.id).execute()
    return Application.get_by_id(app.id)


def test_promises_in_an_estimated_year_say_perkiraan_on_the_page_and_the_receipt(client_for, db):
    # Completed Wed 23 Feb 2028, 12 working days (28 Feb estimated Idul Fitri II skipped): Mon 13 Mar 2028.
    estimated = open_file(1, date(2028, 2, 23), date(2028, 3, 13))
    firm = open_file(2, date(2026, 3, 2), date(2026, 3, 18))
    loket = client_for("petugas_loket")
    assert "(perkiraan)" in text(loket.get(f"/pendaftaran/{estimated.id}"))
    receipt = text(loket.get(f"/pendaftaran/{estimated.id}/bukti"))
    # the page's word for it, a promise (issue 61: "Perkiraan selesai ... (perkiraan ...)"), marked once
    assert "Janji selesai" in receipt and "perkiraan: cuti bersama" in receipt and receipt.lower().count("perkiraan") == 1
    firm_receipt = text(loket.get(f"/pendaftaran/{firm.id}/bukti"))
    assert "Janji selesai" in firm_receipt and "perkiraan" not in firm_receipt.lower()
    assert "(perkiraan)" not in text(loket.get(f"/pendaftaran/{firm.id}"))


def test_entering_the_skb_recomputes_open_promises_and_is_audited(client_for, db):
    open_promise = open_file(1, date(2028, 2, 23), date(2028, 3, 13))
    ready = open_file(2, date(2028, 2, 23), date(2028, 3, 13), status="siap_diambil")  # settled: kept
    admin = client_for("admin")
    page = text(admin.get("/admin/hari-libur?tahun=2028"))
    assert "Cuti bersama belum ditetapkan (perkiraan) untuk tahun" in page and "2028" in page
    response = admin.post("/admin/hari-libur/skb", data={
        "year": "2028", "confirmed": "1",
        "lines": "2028-02-29 Cuti bersama Idul Fitri\n01-03-2028 Cuti bersama Idul Fitri\n"})
    assert response.status_code == 303
    # 24, 25 Feb, (28 holiday, 29 and 1 Mar cuti bersama), 2, 3, 6-10, 13, 14, 15 Mar: the 12th is Wed 15 Mar.
    assert Application.get_by_id(open_promise.id).promised_date == date(2028, 3, 15)
    assert Application.get_by_id(ready.id).promised_date == date(2028, 3, 13)
    event = AuditEvent.select().where(AuditEvent.entity == "hari_libur").order_by(AuditEvent.id.desc()).get()
    assert "2 tanggal" in event.summary and "1 tanggal janji dihitung ulang" in event.summary
    assert "13-03-2028 -> 15-03-2028" in event.after
    loket = client_for("petugas_loket")
    assert "(perkiraan)" not in text(loket.get(f"/pendaftaran/{open_promise.id}"))
    assert "sesuai SKB" in text(admin.get("/admin/hari-libur?tahun=2028"))


def test_a_bad_decree_list_is_refused_and_nothing_changes(client_for, db):
    open_promise = open_file(1, date(2028, 2, 23), date(2028, 3, 13))
    admin = client_for("admin")
    for data, message in (({"year": "2028", "confirmed": "1", "lines": "besok libur"}, "Baris 1"),
                          ({"year": "2028", "confirmed": "1", "lines": "2027-12-31 Cuti"}, "bukan tahun 2028"),
                          ({"year": "2028", "lines": "2028-02-29 Cuti bersama"}, "dicocokkan dengan SKB"),
                          ({"year": "abc", "confirmed": "1", "lines": ""}, "Tahun harus")):
        response = admin.post("/admin/hari-libur/skb", data=data)
        assert response.status_code == 422 and message in text(response)
    assert Application.get_by_id(open_promise.id).promised_date == date(2028, 3, 13)
    assert "Cuti bersama belum ditetapkan" in text(admin.get("/admin/hari-libur?tahun=2028"))

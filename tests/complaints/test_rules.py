"""Pure rules of the Buku Pengaduan: deadlines, tracking numbers, privacy, workflow, form checks, box."""
from datetime import date, datetime, timedelta

import pytest

from app.complaints import box, deadlines, privacy, tracking, workflow
from app.complaints.form_rules import TEXT_MAX, check_complaint
from app.frame.working_days import WorkCalendar

D = date


@pytest.fixture
def calendar():
    return WorkCalendar()


# --- deadlines --------------------------------------------------------------------------------

def is_overdue(received: date, done: date | None, calendar, days: int, today: date) -> bool:
    """Open and past its due day, or done after it: the rule the list's receipt cutoff follows."""
    due = deadlines.due_date(received, calendar, days)
    return today > due if done is None else done > due


def test_friday_complaint_is_due_on_monday(calendar):
    assert deadlines.first_response_due(D(2026, 11, 20), calendar, 1) == D(2026, 11, 23)


def test_saturday_complaint_counts_from_the_next_working_day(calendar):
    assert deadlines.first_response_due(D(2026, 11, 21), calendar, 1) == D(2026, 11, 23)


def test_follow_up_skips_the_idul_fitri_holidays(calendar):
    # 2026-03-19 (Thu) + 5 working days, with 20, 23, 24 March cuti bersama and 21 Idul Fitri.
    assert deadlines.follow_up_due(D(2026, 3, 19), calendar, 5) == D(2026, 3, 31)


def test_utc_evening_is_the_next_local_day(calendar):
    # 18:00 UTC on Thursday is 01:00 WIB on Friday: due the Monday after.
    assert deadlines.first_response_due(datetime(2026, 11, 19, 18, 0), calendar, 1, "WIB") == D(2026, 11, 23)


def test_open_complaint_is_overdue_only_after_its_due_day(calendar):
    received = D(2026, 11, 20)
    assert not is_overdue(received, None, calendar, 1, today=D(2026, 11, 23))
    assert is_overdue(received, None, calendar, 1, today=D(2026, 11, 24))


def test_done_complaint_is_late_when_done_after_due(calendar):
    assert is_overdue(D(2026, 11, 20), D(2026, 11, 24), calendar, 1, today=D(2027, 1, 1))
    assert not is_overdue(D(2026, 11, 20), D(2026, 11, 23), calendar, 1, today=D(2027, 1, 1))


@pytest.mark.parametrize("days", [1, 5])
def test_receipt_cutoff_agrees_with_is_overdue_every_day_of_a_year(calendar, days):
    for offset in range(0, 365, 3):
        today = D(2026, 1, 5) + timedelta(days=offset)
        cutoff = deadlines.overdue_received_before(today, calendar, days)
        for back in range(0, 30):
            received = today - timedelta(days=back)
            assert (received < cutoff) == is_overdue(received, None, calendar, days, today), (today, received)


# --- tracking numbers --------------------------------------------------------------------------

def test_tracking_numbers_are_well_formed_and_spread_over_the_whole_alphabet():
    drawn = [tracking.new_tracking_number() for _ in range(2000)]
    assert all(tracking.normalise(n) == n for n in drawn)
    # 2,000 draws from 29^6 numbers repeat one about once in 300 runs (the birthday bound), which
    # book.record_complaint redraws; three repeats would mean a broken generator (odds ~1e-8).
    assert len(drawn) - len(set(drawn)) <= 2
    assert {symbol for n in drawn for symbol in n[len(tracking.PREFIX):]} == set(tracking.ALPHABET)


@pytest.mark.parametrize("typed, expected", [
    ("pgd-7k3m9q", "PGD-7K3M9Q"), (" PGD 7K3M9Q ", "PGD-7K3M9Q"), ("7K3M9Q", "PGD-7K3M9Q"),
    ("PGD-0K3M9Q", None), ("PGD-7K3M9", None), ("<script>alert(1)</script>", None), ("", None), (None, None),
    ("PGD-7K3M9Q' OR 1=1 --", None),
])
def test_typed_tracking_numbers_are_normalised_or_refused(typed, expected):
    assert tracking.normalise(typed) == expected


# --- privacy ----------------------------------------------------------------------------------

def test_confidential_record_only_for_handlers():
    assert privacy.may_see_record("petugas_informasi", True)
    assert privacy.may_see_record("kasi_pelayanan", True)
    assert not privacy.may_see_record("camat", True)
    assert privacy.may_see_record("camat", False)
    assert not privacy.may_see_record("admin", False)
    assert not privacy.may_see_record("petugas_loket", False)


def test_anonymous_identity_only_for_the_recorder():
    assert privacy.may_see_identity(7, "petugas_informasi", True, created_by_id=7)
    assert not privacy.may_see_identity(8, "petugas_informasi", True, created_by_id=7)
    assert not privacy.may_see_identity(9, "kasi_pelayanan", True, created_by_id=7)
    assert not privacy.may_see_identity(9, "camat", True, created_by_id=7)


def test_anonymous_kiosk_identity_kept_for_the_information_desk():
    assert privacy.may_see_identity(8, "petugas_informasi", True, created_by_id=None)
    assert not privacy.may_see_identity(9, "kasi_pelayanan", True, created_by_id=None)


def test_contact_for_handlers_name_for_camat():
    assert privacy.may_see_contact(9, "kasi_pelayanan", False, 7)
    assert privacy.may_see_identity(3, "camat", False, 7)
    assert not privacy.may_see_contact(3, "camat", False, 7)


# --- workflow ---------------------------------------------------------------------------------

def test_desk_routes_but_does_not_follow_up():
    assert set(workflow.next_statuses("petugas_informasi", "baru")) == {"diteruskan", "selesai", "bukan_kewenangan"}
    assert workflow.next_statuses("petugas_informasi", "diteruskan") == ()
    assert "ditindaklanjuti" in workflow.next_statuses("kasi_pelayanan", "diteruskan")
    assert workflow.next_statuses("camat", "baru") == ()


def test_done_needs_a_tindak_lanjut_and_other_office_needs_a_name():
    assert "tindak_lanjut" in workflow.change_problems("diteruskan", "selesai", "kasi_pelayanan", " ", "")
    assert "other_office" in workflow.change_problems("diteruskan", "bukan_kewenangan", "kasi_pelayanan", "", "")
    assert workflow.change_problems("diteruskan", "selesai", "kasi_pelayanan", "Sudah diperbaiki", "") == {}
    assert "status" in workflow.change_problems("selesai", "baru", "kasi_pelayanan", "x", "")


# --- form checks ------------------------------------------------------------------------------

FORM = {"channel": "kiosk", "category_id": "1", "text": "Antrean lama"}


def test_empty_text_is_refused():
    _, errors = check_complaint(dict(FORM, text="   "), ("kiosk",), {1})
    assert errors["text"] == "Isi pengaduan wajib diisi."


def test_twenty_thousand_characters_are_refused_with_the_length():
    _, errors = check_complaint(dict(FORM, text="a" * 20_000), ("kiosk",), {1})
    assert "20.000" in errors["text"] and f"{TEXT_MAX:,}".replace(",", ".") in errors["text"]


def test_emoji_and_javanese_script_are_kept_exactly():
    text = "Pelayanan lambat 😡🙏 ꦲꦏ꧀ꦱꦫꦗꦮ"
    clean, errors = check_complaint(dict(FORM, text=text, complainant_name="Sri ꦱꦿꦶ"), ("kiosk",), {1})
    assert errors == {} and clean["text"] == text and clean["complainant_name"] == "Sri ꦱꦿꦶ"


def test_control_characters_are_dropped_and_unknown_category_refused():
    clean, errors = check_complaint(dict(FORM, text="a\x00b\x07c", category_id="99"), ("kiosk",), {1})
    assert clean["text"] == "abc" and "category_id" in errors


# --- suggestion box ---------------------------------------------------------------------------

def test_working_day_without_opening_is_missing_but_today_and_weekends_are_not(calendar):
    today = D(2026, 11, 25)  # Wednesday
    opened = {D(2026, 11, 23)}
    missing = box.missing_days(opened, calendar, today, since=D(2026, 11, 20))
    assert missing == [D(2026, 11, 24), D(2026, 11, 20)]


def test_box_session_rules():
    today = D(2026, 11, 25)
    assert box.session_problems(today, "", True, today, False) == (0, {})
    assert box.session_problems(today, "4", False, today, False) == (4, {})
    assert "slip_count" in box.session_problems(today, "", False, today, False)[1]
    assert "slip_count" in box.session_problems(today, "3", True, today, False)[1]
    assert "opened_on" in box.session_problems(today + timedelta(days=1), "", True, today, False)[1]
    assert "opened_on" in box.session_problems(today, "", True, today, True)[1]


def test_the_desks_own_fields_are_checked_at_their_edges():
    """The desk's rules live beside the form's (issue 63): received five minutes ahead at most, 400 days
    back at most, a step of the three, an answer for "jawab" within its length."""
    from datetime import datetime, timedelta, timezone
    from app.complaints.form_rules import TINDAK_LANJUT_MAX, check_desk_entry
    now = datetime(2026, 11, 27, 3, 0, tzinfo=timezone.utc)
    assert check_desk_entry(now + timedelta(minutes=5), "baru", "", now) == {}
    assert check_desk_entry(now - timedelta(days=400), "diteruskan", "", now) == {}
    assert check_desk_entry(now, "jawab", "x" * TINDAK_LANJUT_MAX, now) == {}
    assert set(check_desk_entry(now + timedelta(minutes=6), "baru", "", now)) == {"received_at"}
    assert set(check_desk_entry(now - timedelta(days=401), "baru", "", now)) == {"received_at"}
    assert check_desk_entry(None, "baru", "", now) == {"received_at": "Isi tanggal dan jam diterima."}
    assert check_desk_entry(now, "hapus", "", now) == {"step": "Pilih langkah."}
    assert check_desk_entry(now, "jawab", "", now) == {"tindak_lanjut": "Tuliskan jawaban yang diberikan."}
    assert set(check_desk_entry(now, "jawab", "x" * (TINDAK_LANJUT_MAX + 1), now)) == {"tindak_lanjut"}


def test_a_status_changes_lengths_are_checked_at_their_edges():
    """The status change's length rules live beside the desk's (issue 63, no longer in the view): the follow-up,
    the other office and the note each pass at their limit and below, and are refused one past it."""
    from app.complaints.form_rules import NOTE_MAX, OFFICE_MAX, TINDAK_LANJUT_MAX, check_status_change
    assert (TINDAK_LANJUT_MAX, OFFICE_MAX, NOTE_MAX) == (5000, 200, 1000)
    assert check_status_change("", "", "") == {}
    assert check_status_change("x" * (TINDAK_LANJUT_MAX - 1), "x" * (OFFICE_MAX - 1), "x" * (NOTE_MAX - 1)) == {}
    assert check_status_change("x" * TINDAK_LANJUT_MAX, "x" * OFFICE_MAX, "x" * NOTE_MAX) == {}
    assert check_status_change("x" * (TINDAK_LANJUT_MAX + 1), "x" * (OFFICE_MAX + 1), "x" * (NOTE_MAX + 1)) == {
        "tindak_lanjut": "Tindak lanjut terlalu panjang (paling banyak 5000 karakter).",
        "other_office": "Nama instansi terlalu panjang (paling banyak 200 karakter).",
        "note": "Catatan terlalu panjang (paling banyak 1.000 karakter)."}
    assert set(check_status_change("", "x" * (OFFICE_MAX + 1), "")) == {"other_office"}

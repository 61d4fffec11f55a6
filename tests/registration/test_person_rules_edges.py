"""The inline NIK check at its edges: the sex as typed (any case, or a value the form does not offer),
and a birth year far from 2000 (the NIK holds only its last two digits)."""
from datetime import date

from app.frame.nik import check_nik_matches
from app.frame.person_rules import nik_mismatch_messages

WOMAN_1990 = "3508075205900001"  # born 12-05-1990, a woman (day + 40)
MAN_1940 = "3508071205400001"    # born 12-05-1940, a man


def test_a_mismatched_sex_is_named_whatever_case_it_was_typed_in():
    for typed in ("L", "l", " l "):
        messages = nik_mismatch_messages(WOMAN_1990, "1990-05-12", typed)
        assert len(messages) == 1 and "NIK menunjukkan perempuan" in messages[0], typed


def test_the_right_sex_or_none_gives_no_message_and_an_unknown_value_no_error():
    for typed in ("P", "p", "", None, "X"):
        assert nik_mismatch_messages(WOMAN_1990, "1990-05-12", typed) == [], typed


def test_a_birth_year_far_from_2000_is_read_in_the_entered_century():
    assert check_nik_matches(MAN_1940, date(1940, 5, 12), "L") == []
    assert nik_mismatch_messages(MAN_1940, "1940-05-12", "L") == []

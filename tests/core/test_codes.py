"""Issue 25: codes as people say them. One normaliser (app/frame/codes.py) for enrolment codes,
survey codes, tracking numbers and recovery keys: any case, spaces, dashes or dots, look-alikes read
in the code's own alphabet."""
from app.complaints import tracking
from app.frame import codes, keystore
from app.frame.passwords import ALPHABET as ENROLMENT_ALPHABET
from app.survey import codes as survey_codes


def test_any_case_and_separator():
    assert codes.compact("fezv mxgs-22nw", ENROLMENT_ALPHABET) == "FEZVMXGS22NW"
    assert codes.compact(" FEZV.MXGS_22NW\t", ENROLMENT_ALPHABET) == "FEZVMXGS22NW"
    assert codes.grouped("FEZVMXGS22NW", 4) == "FEZV-MXGS-22NW"


def test_look_alikes_are_read_in_the_codes_alphabet():
    assert codes.compact("35O8O7-Ol-OOOl23", "0123456789") == "350807010001 23".replace(" ", "")
    # an alphabet with neither 0 nor O keeps what was typed: the code's own check refuses it
    assert codes.compact("AB0O", "ABCDEFGHJKMNPQRSTUVWXYZ23456789") == "AB0O"


def test_survey_codes_tracking_numbers_and_recovery_keys_share_it():
    assert survey_codes.normalise("abcd efgh") == "ABCDEFGH"
    assert survey_codes.normalise("abcd.efgh") == "ABCDEFGH"
    assert tracking.normalise("pgd 7k3 m9q") == "PGD-7K3M9Q"
    assert tracking.normalise("PGD.7K3M9Q") == "PGD-7K3M9Q"
    assert keystore.normalise_recovery_key("abcde fghjk.mnpqr") == "ABCDE-FGHJK-MNPQR"

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


def test_the_clock_message_speaks_in_days_and_the_offices_zone(db):
    """Issue 25: "2880 menit", and the center's time in WIB for a WITA office."""
    from datetime import datetime, timezone
    from app.frame import store
    from sync.client.transport import clock_message
    store.put("timezone", "WITA")
    server = int(datetime(2026, 11, 23, 2, 30, tzinfo=timezone.utc).timestamp())
    message = clock_message(2 * 86400, server)
    assert "selisih 2 hari dari pusat" in message and "10.30 WITA" in message and "menit" not in message

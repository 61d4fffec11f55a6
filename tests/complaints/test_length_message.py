"""A complaint too long is refused in one sentence (found typing 100,000 characters at the counter): the
thousands' dots were made by replacing every comma, the sentence's own too, so the clerk and the kiosk read
"Isi pengaduan terlalu panjang: 100.000 karakter. paling banyak 5.000."."""
from app.complaints import form_rules


def test_a_too_long_complaint_is_told_in_one_sentence():
    _, errors = form_rules.check_complaint({"text": "t" * 100_000, "channel": "loket"})
    assert errors["text"] == "Isi pengaduan terlalu panjang: 100.000 karakter, paling banyak 5.000."

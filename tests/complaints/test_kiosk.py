"""The public kiosk and status page: no login, CSRF, throttled, idempotent, nothing leaked."""
import re

import pytest

from app.complaints.models import Complaint, ComplaintEvent
from app.frame.throttle import ThrottleHit

TOKEN = "tok-" + "a" * 20


def kiosk_form(category, **overrides):
    form = {"category_id": str(category.id), "text": "Kursi ruang tunggu kurang", "form_token": TOKEN}
    form.update(overrides)
    return form


def tracking_number_in(page: str) -> str:
    return re.search(r"PGD-[0-9A-Z]{6}", page).group(0)


def test_kiosk_page_needs_no_login_and_carries_csrf_and_a_form_token(client, db):
    page = client.get("/pengaduan/kios").get_data(as_text=True)
    assert 'name="csrf_token"' in page and 'name="form_token"' in page and "Kirim pengaduan" in page


def test_kiosk_submit_stores_and_shows_a_tracking_number(client, category):
    response = client.post("/pengaduan/kios", data=kiosk_form(category), follow_redirects=True)
    assert response.status_code == 200
    number = tracking_number_in(response.get_data(as_text=True))
    stored = Complaint.get(Complaint.tracking_number == number)
    assert stored.channel == "kiosk" and stored.status == "baru" and stored.created_by_id is None
    assert ComplaintEvent.select().where(ComplaintEvent.complaint == stored).count() == 1


def test_double_submit_stores_once_and_shows_the_same_number(client, category):
    first = client.post("/pengaduan/kios", data=kiosk_form(category))
    second = client.post("/pengaduan/kios", data=kiosk_form(category))
    assert first.status_code == second.status_code == 303
    assert first.location == second.location
    assert Complaint.select().count() == 1


def test_kiosk_without_csrf_token_is_refused_and_nothing_stored(client, category):
    response = client.post("/pengaduan/kios", data=kiosk_form(category), csrf=False)
    assert response.status_code == 400
    assert Complaint.select().count() == 0


@pytest.mark.parametrize("text, message", [("", "wajib diisi"), ("x" * 20_000, "terlalu panjang")])
def test_empty_or_huge_text_gets_a_message_and_nothing_stored(client, category, text, message):
    response = client.post("/pengaduan/kios", data=kiosk_form(category, text=text))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert Complaint.select().count() == 0


def test_kiosk_flood_from_one_visitor_gets_a_friendly_429(client, category, app):
    limit = 6
    for i in range(limit):
        assert client.post("/pengaduan/kios", data=kiosk_form(category, form_token=f"flood-token-{i:04d}xx")).status_code == 303
    blocked = client.post("/pengaduan/kios", data=kiosk_form(category, form_token="flood-token-last-xx"))
    assert blocked.status_code == 429
    assert "Terlalu banyak pengaduan dikirim dari perangkat ini" in blocked.get_data(as_text=True)
    assert Complaint.select().count() == limit
    # the next visitor at the same kiosk (same address, the screen back at its start) is not affected
    client.get("/pengaduan/kios?pengunjung=baru")
    assert client.post("/pengaduan/kios", data=kiosk_form(category, form_token="next-visitor-token")).status_code == 303


def test_garbage_posts_count_towards_the_flood_limit(client, category):
    for _ in range(6):
        assert client.post("/pengaduan/kios", data={}).status_code == 422
    assert client.post("/pengaduan/kios", data=kiosk_form(category)).status_code == 429
    # counted for the visitor's kiosk session, and once more for the address backstop
    assert ThrottleHit.select().where(ThrottleHit.scope == "kios_submit", ThrottleHit.key.startswith("sesi:")).count() == 6
    assert ThrottleHit.select().where(ThrottleHit.scope == "kios_submit", ThrottleHit.key.startswith("alamat:")).count() == 6


def test_script_tags_are_stored_as_typed_and_shown_escaped(client, category, client_for):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    client.post("/pengaduan/kios", data=kiosk_form(category, text=evil, complainant_name=evil))
    stored = Complaint.get()
    assert stored.text == evil
    page = client_for("petugas_informasi").get(f"/pengaduan/{stored.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "<img src=x" not in page


def test_emoji_and_javanese_script_survive_the_round_trip(client, category, client_for):
    text = "Antre lama 😡🙏 ꦲꦏ꧀ꦱꦫ ꦗꦮ"
    response = client.post("/pengaduan/kios", data=kiosk_form(category, text=text), follow_redirects=True)
    stored = Complaint.get()
    assert stored.text == text
    assert text in client_for("petugas_informasi").get(f"/pengaduan/{stored.id}").get_data(as_text=True)
    assert text in client_for("petugas_informasi").get("/pengaduan/?q=ꦲꦏ꧀ꦱꦫ").get_data(as_text=True)
    assert response.status_code == 200


def test_status_page_shows_status_and_tindak_lanjut_but_never_identity(client, record):
    complaint = record(text="Petugas Budi kasar", complainant_name="Sri Wahyuni", complainant_contact="081234567890")
    complaint.tindak_lanjut = "Petugas sudah dibina."
    complaint.status = "selesai"
    complaint.save()
    page = client.get(f"/pengaduan/status?nomor={complaint.tracking_number.lower()}").get_data(as_text=True)
    assert "Selesai" in page and "Petugas sudah dibina." in page
    for secret in ("Sri Wahyuni", "081234567890", "Petugas Budi kasar"):
        assert secret not in page


def test_forged_status_number_gets_a_calm_not_found_and_is_throttled(client, db):
    for i in range(10):
        response = client.get(f"/pengaduan/status?nomor=PGD-ZZZZ{'23456789AB'[i]}2")
        assert response.status_code == 404
        assert "tidak ditemukan" in response.get_data(as_text=True)
    blocked = client.get("/pengaduan/status?nomor=PGD-ZZZZZZ")
    assert blocked.status_code == 429 and "Terlalu banyak nomor" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) >= 60


def test_status_page_with_injection_text_is_not_found(client, db):
    response = client.get("/pengaduan/status", query_string={"nomor": "' OR 1=1 -- <script>"})
    assert response.status_code == 404
    assert "<script>" not in response.get_data(as_text=True)


def test_receipt_of_an_unknown_number_is_not_found(client, db):
    assert client.get("/pengaduan/kios/terima/PGD-ZZZZZZ").status_code == 404


def test_receipt_page_cannot_be_used_to_guess_numbers(client, db):
    for i in range(10):
        assert client.get(f"/pengaduan/kios/terima/PGD-ZZZZ{'23456789AB'[i]}3").status_code == 404
    assert client.get("/pengaduan/kios/terima/PGD-ZZZZZZ").status_code == 429
    assert client.get("/pengaduan/status?nomor=PGD-ZZZZZY").status_code == 429  # one shared count


def test_own_receipt_shows_even_after_guessing_was_blocked(client, category):
    for i in range(10):
        client.get(f"/pengaduan/status?nomor=PGD-ZZZZ{'23456789AB'[i]}4")
    response = client.post("/pengaduan/kios", data=kiosk_form(category), follow_redirects=True)
    assert response.status_code == 200 and "Nomor pengaduan Anda" in response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    assert "Waktu tunggu" not in page  # the receipt shows the number and date, not the category

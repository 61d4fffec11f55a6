"""The printed F-1.07 with a signed QR; the counter's scanner field fills the form from it."""
import html

import pytest

from app.frame.db import database
from app.desa import qr
from app.desa.models import PreRegistration
from app.registration.models import Application
from app.frame import store
from tests.desa.conftest import pre_register
from tests.support.factory import applicant_form


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def pre(darungan):
    assert pre_register(darungan, applicant_form()).status_code == 302
    return PreRegistration.get()


def scan(client, code):
    return client.post("/pra-pendaftaran/pindai", data={"kode": code})


def test_printed_f107_has_letterhead_form_and_signed_qr(darungan, pre):
    page = text(darungan.get(f"/desa/pra-pendaftaran/{pre.id}/f107"))
    assert "FORMULIR PERMOHONAN KTP-el (F-1.07)" in page and "KECAMATAN YOSOWILANGUN" in page
    assert "<svg" in page and "Kepala Desa Darungan" in page and pre.number in page


def test_qr_round_trip_carries_the_whole_form(pre):
    code = qr.encode(pre)
    assert code.isascii() and len(code) < 1200  # a scanner types it; a QR at level M holds it
    payload = qr.verify(code)
    assert payload["n"] == pre.number and payload["f"]["full_name"] == "Budi Santoso"
    assert payload["f"]["birth_date"] == "1990-05-12" and payload["o"] == "Operator op-darungan"


def test_scanning_a_form_of_this_kecamatan_opens_it_filled(pre, loket):
    response = scan(loket, qr.encode(pre) + "\n")  # scanners end with Enter
    assert response.status_code == 302 and response.location.endswith(f"/pra-pendaftaran/{pre.id}/terima")


def test_scanning_a_form_from_an_offline_desa_pc_creates_it_with_who_and_when(pre, loket):
    pre.number = pre.number.replace("-01-", "-D1-")  # numbered and signed by desa PC D1
    code = qr.encode(pre, key=qr.desa_key(pre.desa_code, pc="D1"))
    with database.atomic():
        PreRegistration.delete().execute()  # as if typed on a desa laptop that never synced
    response = scan(loket, code)
    assert response.status_code == 302
    scanned = PreRegistration.get()
    assert scanned.source == "qr" and scanned.number == pre.number and scanned.full_name == "Budi Santoso"
    page = text(loket.get(response.location))
    assert "Diisi oleh operator Operator op-darungan, Desa Darungan, tanggal" in page
    assert "dari kode QR F-1.07, tanda tangan sah" in page
    form = applicant_form(rt="002", rw="001")
    assert loket.post(response.location, data=form, content_type="multipart/form-data").status_code == 302
    assert Application.get().full_name == "Budi Santoso"


def _edited(code: str) -> str:
    """Change the payload (a letter of the name) but keep the signature."""
    import base64, json, zlib
    body, _, signature = code[len(qr.PREFIX):].rpartition(".")
    compressed = body.startswith(".")
    raw = base64.urlsafe_b64decode(body.lstrip(".") + "==")
    data = json.loads(zlib.decompress(raw) if compressed else raw)
    data["f"]["full_name"] = "Budi Santosa"
    raw = json.dumps(data, separators=(",", ":")).encode()
    return qr.PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=") + "." + signature


def test_tampered_qr_is_refused(pre, loket):
    response = scan(loket, _edited(qr.encode(pre)))
    assert response.status_code == 422 and "isi formulir telah diubah" in text(response)
    assert Application.select().count() == 0


@pytest.mark.parametrize("cut", [1, 10, 60, 400])
def test_truncated_qr_is_refused(pre, loket, cut):
    response = scan(loket, qr.encode(pre)[:-cut])
    assert response.status_code == 422 and ("terpotong" in text(response) or "diubah" in text(response))


def test_qr_of_another_kecamatan_is_refused_by_name(pre, loket):
    foreign_key = "kunci-kecamatan-lain"
    with database.atomic():
        store.put("kecamatan_code", "35.08.08")
    code = qr.encode(pre, key=foreign_key)
    with database.atomic():
        store.put("kecamatan_code", "35.08.07")
    response = scan(loket, code)
    assert response.status_code == 422 and "kecamatan lain (35.08.08" in text(response)


@pytest.mark.parametrize("code,message", [("", "kosong"), ("3508071205900001", "bukan kode QR formulir F-1.07"),
                                          ("F107:" + "A" * 5000, "bukan kode QR")])
def test_other_scans_are_refused_clearly(loket, office, code, message):
    response = scan(loket, code)
    assert response.status_code == 422 and message in text(response)


def test_a_qr_with_a_signature_of_another_key_is_refused(pre, loket):
    response = scan(loket, qr.encode(pre, key="kunci-palsu"))
    assert response.status_code == 422 and "Tanda tangan kode QR tidak cocok" in text(response)


def test_scan_field_is_on_the_queue_page_for_the_clerk_only(client_as, office):
    assert 'name="kode"' in text(client_as("petugas_loket").get("/pra-pendaftaran"))
    assert 'name="kode"' not in text(client_as("kasi_pelayanan").get("/pra-pendaftaran"))


def test_the_printed_qr_is_the_signed_form(darungan, pre):
    from app.registration.views import qr_svg
    page = darungan.get(f"/desa/pra-pendaftaran/{pre.id}/f107").get_data(as_text=True)
    with darungan.application.test_request_context():
        assert str(qr_svg(qr.encode(pre))) in page


def test_a_desa_key_signs_only_its_own_desa(pre, loket):
    from tests.desa.conftest import KRATON
    forged = qr.encode(pre, key=qr.desa_key(KRATON))  # Kraton's laptop signing a Darungan form
    response = scan(loket, forged)
    assert response.status_code == 422 and "Tanda tangan kode QR tidak cocok" in text(response)
    assert scan(loket, qr.encode(pre, key=qr.desa_key(pre.desa_code))).status_code == 302


def _picture_of(code: str, fmt="PNG") -> bytes:
    import io
    import segno
    out = io.BytesIO()
    segno.make(code, error="m").save(out, kind=fmt.lower(), scale=5, border=4)
    return out.getvalue()


def test_a_webcam_picture_of_the_qr_opens_the_form(pre, loket):
    import io
    response = loket.post("/pra-pendaftaran/pindai", data={"kode": "", "gambar": (io.BytesIO(_picture_of(qr.encode(pre))),
                                                                                  "kamera.png")},
                          content_type="multipart/form-data")
    assert response.status_code == 302 and response.location.endswith(f"/pra-pendaftaran/{pre.id}/terima")


def test_a_webcam_picture_of_a_tampered_or_no_qr_is_refused(pre, loket):
    import io
    from tests.support.factory import photo_jpeg
    tampered = loket.post("/pra-pendaftaran/pindai", data={"gambar": (io.BytesIO(_picture_of(_edited(qr.encode(pre)))),
                                                                      "kamera.png")}, content_type="multipart/form-data")
    assert tampered.status_code == 422 and "isi formulir telah diubah" in text(tampered)
    blank = loket.post("/pra-pendaftaran/pindai", data={"gambar": (io.BytesIO(photo_jpeg()), "kamera.jpg")},
                       content_type="multipart/form-data")
    assert blank.status_code == 422 and "Tidak ada kode QR yang terbaca" in text(blank)
    junk = loket.post("/pra-pendaftaran/pindai", data={"gambar": (io.BytesIO(b"bukan gambar"), "kamera.jpg")},
                      content_type="multipart/form-data")
    assert junk.status_code == 422 and "tidak terbaca" in text(junk)


def test_revoked_desa_key_refuses_its_forms_and_a_new_key_works(pre, loket, client_as):
    old = qr.encode(pre)
    admin = client_as("admin")
    assert admin.post("/admin/operator-desa/cabut-kunci", data={"desa": "35.08.99.9999"}).status_code == 422
    assert admin.post("/admin/operator-desa/cabut-kunci", data={"desa": pre.desa_code}).status_code == 302
    response = scan(loket, old)
    assert response.status_code == 422 and "sudah dicabut di kecamatan" in text(response)
    assert scan(loket, qr.encode(pre)).status_code == 302  # signed with the new generation


def test_a_laptop_enrolled_again_at_another_counter_pc_is_read_before_this_pc_hears_of_the_revocation(pre, loket):
    """Another counter PC of the kecamatan revoked the desa's key and enrolled the laptop again: its forms
    name the next generation, signed with that generation's key. This PC, not told yet (before its next
    pass, or offline), reads them; a form that only claims the next generation is refused."""
    with database.atomic():
        store.put("desa_pc_generation", 2)  # as the laptop's payload names it
    try:
        enrolled_again = qr.encode(pre, key=qr.desa_key(pre.desa_code, 2))
        claimed = qr.encode(pre, key=qr.desa_key(pre.desa_code))
    finally:
        with database.atomic():
            store.put("desa_pc_generation", 0)
    assert qr.generation_of(pre.desa_code) == 1  # this PC has not heard of the revocation
    refused = scan(loket, claimed)
    assert refused.status_code == 422 and "Tanda tangan kode QR tidak cocok" in text(refused)
    response = scan(loket, enrolled_again)
    assert response.status_code == 302 and response.location.endswith(f"/pra-pendaftaran/{pre.id}/terima")


def _reprinted_by(pre, signer: str, generation: int = 1) -> str:
    """The code a laptop now enrolled as `signer` prints for a form it typed in its earlier series (D1)."""
    with database.atomic():
        store.put("desa_pc_number", signer)
    try:
        return qr.encode(pre, key=qr.desa_key(pre.desa_code, generation, pc=signer))
    finally:
        with database.atomic():
            store.put("desa_pc_number", "")


@pytest.fixture
def typed_at_d1(pre):
    """A form numbered in desa PC D1's series, relayed to this counter PC's queue."""
    with database.atomic():
        pre.number = pre.number.replace("-01-", "-D1-")
        pre.save()
    return pre


def test_a_form_typed_before_its_laptop_was_enrolled_again_scans_where_the_relay_brought_it(typed_at_d1, loket,
                                                                                          client_as):
    """Found by the office year: the laptop (D1) was revoked and enrolled again as D2; a form it typed as D1,
    printed again, was refused as forged at every counter PC. Its code now names its signer, D2."""
    admin = client_as("admin")
    assert admin.post("/admin/operator-desa/cabut-kunci", data={"desa": typed_at_d1.desa_code}).status_code == 302
    code = _reprinted_by(typed_at_d1, "D2", generation=2)
    assert qr.decode(code)["p"] == "D2"
    response = scan(loket, code)
    assert response.status_code == 302 and response.location.endswith(f"/pra-pendaftaran/{typed_at_d1.id}/terima")


def test_a_reprinted_form_whose_number_has_not_reached_this_pc_is_refused_with_what_to_do(typed_at_d1, loket):
    code = _reprinted_by(typed_at_d1, "D2")
    with database.atomic():
        PreRegistration.delete().execute()  # the relay has not brought it here
    response = scan(loket, code)
    assert response.status_code == 422 and "didaftarkan ulang" in text(response)
    assert "Jalankan sinkronisasi" in text(response) and PreRegistration.select().count() == 0


def test_a_laptop_cannot_take_another_pcs_number_by_naming_itself(typed_at_d1, loket):
    """D2's key with a D1 number opens only the very form the relay brought (same NIK): another person's
    form under that number, or a signer whose key did not sign, is refused."""
    other_person = _reprinted_by(typed_at_d1, "D2")
    with database.atomic():
        PreRegistration.update(nik="3508074505900001").execute()
    refused = scan(loket, other_person)
    assert refused.status_code == 422 and "sudah dipakai formulir lain" in text(refused)
    with database.atomic():
        PreRegistration.update(nik=typed_at_d1.nik).execute()
    with database.atomic():
        store.put("desa_pc_number", "D3")  # claims D3, signed with D2's key
    try:
        claimed = qr.encode(typed_at_d1, key=qr.desa_key(typed_at_d1.desa_code, pc="D2"))
    finally:
        with database.atomic():
            store.put("desa_pc_number", "")
    forged = scan(loket, claimed)
    assert forged.status_code == 422 and "Tanda tangan kode QR tidak cocok" in text(forged)


def test_a_form_in_the_laptops_own_series_names_no_signer(typed_at_d1):
    with database.atomic():
        store.put("desa_pc_number", "D1")
    try:
        assert "p" not in qr.payload_of(typed_at_d1)
    finally:
        with database.atomic():
            store.put("desa_pc_number", "")

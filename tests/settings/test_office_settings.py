import io

from PIL import Image

from app.frame.audit_event import AuditEvent
from app.frame import store

VALID = {"provinsi": "35", "kabupaten": "35.08", "kecamatan_code": "35.08.07", "address": "Jl. Raya 1",
         "phone": "(0334) 571234", "email": "kec@lumajang.go.id", "camat_name": "Drs. Hadi",
         "camat_nip": "197201141998031005", "timezone": "WIB"}


def test_admin_saves_identity_and_region_names_come_from_kemendagri_list(client_for, db):
    response = client_for("admin").post("/admin/kantor", data=dict(VALID))
    assert response.status_code == 302
    assert store.get("kecamatan_code") == "35.08.07"
    assert store.get("kabupaten_name") == "Kabupaten Lumajang"
    assert store.get("provinsi_name") == "Jawa Timur"
    assert AuditEvent.select().where(AuditEvent.entity == "pengaturan").exists()


def test_bad_identity_is_refused_field_by_field_and_nothing_saved(client_for, db):
    bad = dict(VALID, kecamatan_code="35.08.99", camat_nip="123", timezone="GMT", email="bukan-surel",
               public_address="javascript:alert(1)")
    response = client_for("admin").post("/admin/kantor", data=bad)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("dari daftar Kemendagri 2025", "NIP terdiri dari 18 angka", "Pilih WIB", "Alamat surel tidak valid",
                    "Alamat publik seperti"):
        assert message in text
    assert store.get("kecamatan_code") == "35.08.07" and store.get("camat_nip") == ""


def test_name_always_follows_the_code_chosen_from_the_list(client_for, db):
    """Seen: code 33.74.01 saved with the name "Yosowilangun" (KOTA SEMARANG / KECAMATAN YOSOWILANGUN)."""
    admin = client_for("admin")
    response = admin.post("/admin/kantor", data=dict(VALID, provinsi="33", kabupaten="33.74", kecamatan_code="33.74.01",
                                                     kecamatan_name="Yosowilangun"))
    assert response.status_code == 302
    assert (store.get("kecamatan_code"), store.get("kecamatan_name"), store.get("kabupaten_name")) == \
        ("33.74.01", "Semarang Tengah", "Kota Semarang")
    letterhead = admin.get("/admin/kantor").get_data(as_text=True)
    assert "Yosowilangun" not in letterhead


def test_a_kecamatan_outside_the_chosen_kabupaten_is_refused(client_for, db):
    response = client_for("admin").post("/admin/kantor", data=dict(VALID, kabupaten="35.09", kecamatan_code="35.08.07"))
    assert response.status_code == 422
    assert store.get("kecamatan_code") == "35.08.07" and store.get("address") == ""


def test_cascading_selects_list_the_next_level(client_for, db):
    admin = client_for("admin")
    kabupatens = admin.get("/admin/wilayah?provinsi=35").get_data(as_text=True)
    assert "Kabupaten Lumajang" in kabupatens and "Kota Semarang" not in kabupatens
    kecamatans = admin.get("/admin/wilayah?provinsi=35&kabupaten=35.08").get_data(as_text=True)
    assert 'value="35.08.07"' in kecamatans and "Yosowilangun" in kecamatans
    # without JavaScript: the form's "Tampilkan pilihan" button re-renders with the lists, saving nothing
    page = admin.post("/admin/kantor", data={"provinsi": "33", "kabupaten": "33.74", "pilih": "1"})
    assert page.status_code == 200 and "Semarang Tengah" in page.get_data(as_text=True)
    assert store.get("kecamatan_code") == "35.08.07"


def test_logo_is_normalised_to_png_and_served_for_letterheads(client_for, client, db):
    image = Image.new("RGB", (1200, 600), "navy")
    upload = io.BytesIO()
    image.save(upload, "JPEG")
    upload.seek(0)
    response = client_for("admin").post("/admin/kantor/logo", data={"logo": (upload, "logo.jpg")},
                                        content_type="multipart/form-data")
    assert response.status_code == 302
    served = client.get("/kop/logo.png")
    assert served.status_code == 200 and served.data.startswith(b"\x89PNG")
    assert max(Image.open(io.BytesIO(served.data)).size) <= 300


def test_a_pdf_renamed_as_logo_is_refused(client_for, db):
    response = client_for("admin").post("/admin/kantor/logo", data={"logo": (io.BytesIO(b"%PDF-1.4 ..."), "logo.png")},
                                        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "bukan gambar" in response.get_data(as_text=True)


def test_dates_are_shown_in_indonesian(client_for, db):
    from datetime import date
    from app.frame.dates import format_date
    assert format_date(date(2026, 8, 17)) == "17 Agustus 2026"
    assert format_date(date(2026, 8, 17), with_weekday=True) == "Senin, 17 Agustus 2026"


def test_the_kiosk_addresses_are_on_the_admins_page_in_a_printable_poster_and_the_readme(client_for, db):
    """Issue 25: the complaint kiosk's address was linked from no staff page and not in the README."""
    import re
    from pathlib import Path
    from app.frame import store
    store.put("public_address", "http://192.168.1.10:8080")
    admin = client_for("admin")
    page = admin.get("/admin/kantor").get_data(as_text=True)
    for address in ("http://192.168.1.10:8080/pengaduan/kios", "http://192.168.1.10:8080/survei",
                    "http://192.168.1.10:8080/pengaduan/status"):
        assert f'href="{address}"' in page, address
    assert 'href="/admin/poster-kios"' in page
    poster = admin.get("/admin/poster-kios").get_data(as_text=True)
    # Issue 90, finding 3: the office's LAN address warns on a citizen's phone: no QR for phones, and why
    assert "http://192.168.1.10:8080/pengaduan/kios" in poster and len(re.findall(r"<svg", poster)) == 0
    assert "data-tanpa-qr" in poster and "situs publik kabupaten" in poster
    assert "data-print" in poster
    store.put("public_address", "https://loket.lumajangkab.go.id")  # the regency's public server: QR codes
    poster = admin.get("/admin/poster-kios").get_data(as_text=True)
    assert len(re.findall(r"<svg", poster)) == 3 and "data-tanpa-qr" not in poster
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "`/pengaduan/kios`" in readme and "Cetak poster kios" in readme


def test_only_an_address_phones_open_without_a_warning_gets_a_qr_code():
    """Issue 90, finding 3: "no office page or poster gives citizens an address that warns"."""
    from app.settings.identity import phones_reach
    for lan in ("http://192.168.1.10:8080/survei", "https://192.168.1.10:8443/survei", "https://kantor-pc:8443/x",
                "https://kantor-pc.local:8443/x", "http://127.0.0.1:8080/survei", "https://10.0.0.5/x"):
        assert not phones_reach(lan), lan
    for public in ("https://loket.lumajangkab.go.id/survei", "https://yosowilangun.lumajangkab.go.id:8443/x",
                   "https://103.10.20.30/x"):
        assert phones_reach(public), public


def test_a_public_address_on_the_office_lan_is_refused_in_words(client_for, db):
    """Issue 90 (left after finding 3): Pengaturan Kantor took http://192.168.1.10:8080 as the "public" address
    printed on citizens' slips and posters, though a phone gets only a warning there. Every LAN kind refused
    (RFC 1918, CGNAT 100.64/10, link-local, loopback, a bare PC name, .local), nothing saved; a public one kept."""
    from app.frame import store
    admin = client_for("admin")
    for lan in ("http://192.168.1.10:8080", "https://10.0.0.5", "https://172.20.1.2:8443", "http://100.64.3.4:8080",
                "http://169.254.10.1", "http://127.0.0.1:8080", "https://kantor-pc:8443", "https://kantor-pc.local:8443"):
        refused = admin.post("/admin/kantor", data=dict(VALID, public_address=lan))
        text = refused.get_data(as_text=True)
        assert refused.status_code == 422, lan
        assert "dibuka ponsel warga dari internet" in text and "Kosongkan bila kabupaten belum punya" in text, lan
        assert store.get("public_address") != lan
    assert admin.post("/admin/kantor", data=dict(VALID, public_address="https://loket.lumajangkab.go.id")).status_code == 302
    assert store.get("public_address") == "https://loket.lumajangkab.go.id"

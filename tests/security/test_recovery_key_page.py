"""Issue 14: the recovery key, shown once for the admin to print, changeable later, admin only."""
import re

from app.frame.keystore import KeyStore


def shown_key(html: str) -> str | None:
    found = re.search(r"data-kunci-pemulihan>([A-Z0-9-]+)<", html)
    return found.group(1) if found else None


def test_admin_sees_the_key_until_it_is_printed_then_never_again(app, client_for):
    admin = client_for("admin")
    index = admin.get("/admin/cadangan").get_data(as_text=True)
    assert "Kunci pemulihan kantor belum dicetak" in index
    page = admin.get("/admin/cadangan/kunci-pemulihan").get_data(as_text=True)
    key = shown_key(page)
    assert key == KeyStore(app.config["DATA_DIR"]).recovery_key()
    assert "Cetak halaman ini" in page and "tidak dapat dibaca" in page

    assert admin.post("/admin/cadangan/kunci-pemulihan/dicetak").status_code == 302
    page = admin.get("/admin/cadangan/kunci-pemulihan").get_data(as_text=True)
    assert shown_key(page) is None and key not in page
    assert "belum dicetak" not in admin.get("/admin/cadangan").get_data(as_text=True)
    trail = admin.get("/audit").get_data(as_text=True)
    assert key not in trail  # the audit trail records the act, never the key


def test_changing_the_key_needs_the_confirmation_and_shows_the_new_key_once(app, client_for):
    admin = client_for("admin")
    admin.post("/admin/cadangan/kunci-pemulihan/dicetak")
    store = KeyStore(app.config["DATA_DIR"])
    old = store.recovery_key()
    refused = admin.post("/admin/cadangan/kunci-pemulihan/ganti", follow_redirects=True)
    assert refused.status_code == 422 and store.recovery_key() == old
    assert "Centang pernyataan" in refused.get_data(as_text=True) and 'href="#f-yakin"' in refused.get_data(as_text=True)
    changed = admin.post("/admin/cadangan/kunci-pemulihan/ganti", data={"yakin": "ya"}, follow_redirects=True)
    new = shown_key(changed.get_data(as_text=True))
    assert new and new != old and new == store.recovery_key()
    assert old in store.known_recovery_keys()  # older backups still open on this PC


def test_only_the_admin_reaches_the_recovery_key(client_for):
    for role in ("petugas_loket", "petugas_informasi", "kasi_pelayanan", "camat"):
        client = client_for(role)
        assert client.get("/admin/cadangan/kunci-pemulihan").status_code in (403, 404)
        assert client.post("/admin/cadangan/kunci-pemulihan/ganti", data={"yakin": "ya"}).status_code in (403, 404)


def test_the_forms_need_the_csrf_token(client_for):
    admin = client_for("admin")
    assert admin.post("/admin/cadangan/kunci-pemulihan/ganti", data={"yakin": "ya"}, csrf=False).status_code == 400

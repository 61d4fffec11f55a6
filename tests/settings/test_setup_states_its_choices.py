"""Issue 61, finding 8, at the first-run setup:
- the first admin's password, chosen before the office's names were known, may hold them: the setup
  checked its hash against four spellings only, so "Pasirian2026!" or a desa's name stayed;
- the photo-background rule (seed 004 §2.2) was off by default without a word at setup."""
import pytest

from app.auth.accounts import create_user
from app.auth.models import User
from app.frame import store
from app.frame.audit_event import AuditEvent
from app.frame.roles import ADMIN
from tests.conftest import sign_in_as
from tests.settings.test_first_run import SETUP, fresh  # noqa: F401  (fixture)


def _admin_with(app, password):
    user, _ = create_user("kepala-tu", "Kepala TU", ADMIN, password=password, must_change_password=False)
    client = app.test_client()
    sign_in_as(client, user)
    return user, client


@pytest.mark.parametrize("password, named", [
    ("Pasirian2026!", "pasirian"),  # the kecamatan (35.08.04), digits and a sign around it
    ("kuda-LUMAJANG-lari", "lumajang"),  # the kabupaten inside a passphrase
    ("bades-sungai-tujuh", "bades"),  # a desa of Pasirian
])
def test_a_first_password_holding_the_offices_names_must_be_changed_after_setup(fresh, password, named):
    user, admin = _admin_with(fresh, password)
    answer = admin.post("/admin/penyiapan", data=dict(SETUP, current_password=password))
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/akun/kata-sandi")
    assert User.get_by_id(user.id).must_change_password
    page = admin.get("/akun/kata-sandi").get_data(as_text=True)
    assert f"“{named}”" in page and "ganti sekarang" in page
    # and the change page refuses the same name again, now that the office is known
    again = admin.post("/akun/kata-sandi", data={"current": password, "new": password + "x", "confirm": password + "x"})
    assert again.status_code == 422 and "nama kantor, wilayah atau desa" in again.get_data(as_text=True)


def test_a_first_password_free_of_the_names_goes_on_to_the_home_page(fresh):
    user, admin = _admin_with(fresh, "gunung-biru-sungai-7")
    answer = admin.post("/admin/penyiapan", data=dict(SETUP, current_password="gunung-biru-sungai-7"))
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    assert not User.get_by_id(user.id).must_change_password


def test_the_setup_asks_for_the_password_and_refuses_a_wrong_one_saving_nothing(fresh):
    _, admin = _admin_with(fresh, "gunung-biru-sungai-7")
    page = admin.get("/admin/penyiapan").get_data(as_text=True)
    assert 'name="current_password"' in page and 'type="password"' in page
    answer = admin.post("/admin/penyiapan", data=dict(SETUP, current_password="salah-ketik"))
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'id="e-current_password"' in text and "Ketik kata sandi" in text
    assert store.get("kecamatan_code") == ""


def test_the_photo_background_rule_is_a_stated_choice_at_setup(fresh):
    _, admin = _admin_with(fresh, "gunung-biru-sungai-7")
    page = admin.get("/admin/penyiapan").get_data(as_text=True)
    assert "Aturan latar foto KTP-el" in page and "merah untuk tahun lahir ganjil" in page
    assert 'name="photo_background_rule" value="ya"' in page and 'name="photo_background_rule" value="tidak"' in page
    answer = admin.post("/admin/penyiapan", data=dict(SETUP, current_password="gunung-biru-sungai-7",
                                                      photo_background_rule="ya"))
    assert answer.status_code == 303 and store.get("photo_background_rule") is True
    assert AuditEvent.select().where(AuditEvent.entity_id == "latar_foto").count() == 1
    office = admin.get("/admin/kantor").get_data(as_text=True)
    assert "Aturan latar foto KTP-el" in office and "Dipakai: loket memperingatkan" in office


def test_the_office_page_says_the_rule_is_off(fresh):
    _, admin = _admin_with(fresh, "gunung-biru-sungai-7")
    admin.post("/admin/penyiapan", data=dict(SETUP, current_password="gunung-biru-sungai-7"))
    assert store.get("photo_background_rule") is False
    office = admin.get("/admin/kantor").get_data(as_text=True)
    assert "Tidak dipakai: loket tidak memeriksa warna latar foto" in office
    assert "Pengaturan Layanan KTP-el</a>" in office

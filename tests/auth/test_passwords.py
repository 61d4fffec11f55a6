import pytest

from app.frame import passwords
from tests.settings.test_first_run import fresh  # noqa: F401  (fixture)


def test_production_hashing_is_scrypt(monkeypatch):
    monkeypatch.setattr(passwords, "HASH_METHOD", "scrypt")
    hashed = passwords.hash_password("sandi-rahasia")
    assert hashed.startswith("scrypt:") and passwords.verify_password(hashed, "sandi-rahasia")
    assert not passwords.verify_password(hashed, "sandi-lain")


def test_one_time_passwords_are_unambiguous_and_different():
    generated = {passwords.one_time_password() for _ in range(50)}
    assert len(generated) == 50
    assert not any(set(p) & set("01lIoO") for p in generated)


def test_new_password_rules():
    assert passwords.new_password_problem("pendek", "pendek", "budi")
    assert passwords.new_password_problem("panjang-sekali", "beda-sekali1", "budi") == "Konfirmasi kata sandi tidak sama."
    assert passwords.new_password_problem("budibudi", "budibudi", "BudiBudi")
    assert passwords.new_password_problem("sandi-bagus-1", "sandi-bagus-1", "budi") is None


OFFICE = ("Yosowilangun", "Kabupaten Lumajang", "Jawa Timur", "Drs. Hadi Santoso", "Darungan", "Kraton")


@pytest.mark.parametrize("password", ["yosowilangun", "Yosowilangun2026!", "KECAMATAN-yosowilangun",
                                      "darungan-1990", "kraton#Santoso"])
def test_a_password_that_names_the_office_or_a_desa_is_refused(password):
    """Issue 42, finding 10: the first admin password "yosowilangun" (the office's own name) was accepted."""
    problem = passwords.new_password_problem(password, password, "admin", office_words=OFFICE)
    assert problem and "nama kantor, wilayah atau desa" in problem


def test_the_office_names_are_read_word_by_word():
    assert passwords.name_words(["Kecamatan Yosowilangun", "Kabupaten Lumajang", "Drs. Hadi Santoso"]) == (
        "lumajang", "santoso", "yosowilangun")
    assert passwords.new_password_problem("yosowilangun", "yosowilangun", "admin",
                                          office_words=("Kecamatan Yosowilangun",))
    assert passwords.new_password_problem("gunung-biru-sungai-7", "gunung-biru-sungai-7", "admin",
                                          office_words=OFFICE) is None


def test_the_first_admins_password_naming_the_kecamatan_is_changed_after_setup(fresh):
    """The first password is chosen before the kecamatan is known: the setup checks it against the names."""
    from app.auth.accounts import create_user
    from app.auth.models import User
    from tests.conftest import sign_in_as
    from tests.settings.test_first_run import SETUP
    user, _ = create_user("kepala-tu", "Kepala TU", "admin", password="Pasirian", must_change_password=False)
    admin = fresh.test_client()
    sign_in_as(admin, user)
    answer = admin.post("/admin/penyiapan", data=dict(SETUP, current_password="Pasirian"))  # 35.08.04: Pasirian
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/akun/kata-sandi")
    assert User.get_by_id(user.id).must_change_password
    assert admin.get("/").status_code in (302, 303)  # every page leads to the password change now

from app.frame import passwords


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

"""Issue 24 finding 9: the office and the internet-facing center sign in through one path: the same
password-hash work for a known name, an unknown one and a disabled account (so timing lists no
account), the same length cap with an Indonesian message, the same throttle."""
import pytest

from app.frame import passwords
from tests.conftest import TEST_PASSWORD
from tests.sync.conftest import NO_PG, PG_URL
from tests.support.center_postgres import fresh_center_database

TOO_LONG = "k" * 5000


def _center(tmp_path, backend):
    from sync.center.app import create_center_app
    from tests.conftest import CsrfClient
    config = {"DATA_DIR": tmp_path / "center", "SECRET_KEY": "center-test", "TESTING": True}
    if backend == "postgresql":
        if not PG_URL:
            pytest.skip(NO_PG)
        fresh_center_database(PG_URL)
        config["DATABASE_URL"] = PG_URL
    center = create_center_app(config)
    center.test_client_class = CsrfClient
    return center


@pytest.fixture(params=["kecamatan", "pusat-sqlite", "pusat-postgresql"])
def door(request, app, tmp_path):
    """(program, client, a known active username, a known disabled username), passwords TEST_PASSWORD."""
    if request.param == "kecamatan":
        from app.auth.accounts import create_user
        target = app
        with app.app_context(), app.extensions["database"].connection_context():
            create_user("budi", "Budi", "petugas_loket", password=TEST_PASSWORD, must_change_password=False)
            off, _ = create_user("mantan", "Mantan", "petugas_loket", password=TEST_PASSWORD,
                                 must_change_password=False)
            off.is_active = False
            off.save()
    else:
        from sync.center.accounts import create_operator
        target = _center(tmp_path, request.param.split("-")[1])
        with target.app_context(), target.extensions["center_database"].connection_context():
            create_operator("budi", "Budi", "operator", password=TEST_PASSWORD, must_change_password=False)
            off, _ = create_operator("mantan", "Mantan", "operator", password=TEST_PASSWORD,
                                     must_change_password=False)
            off.is_active = False
            off.save()
    return target, target.test_client()


@pytest.fixture
def hash_checks(monkeypatch):
    """How many password hashes each sign-in verified (the work that timing would reveal)."""
    calls = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda hashed, typed: calls.append(hashed) or real(hashed, typed))
    return calls


def _sign_in(client, username, password):
    return client.post("/masuk", data={"username": username, "password": password})


def test_unknown_names_cost_the_same_hash_work_as_known_ones(door, hash_checks):
    _, client = door
    for username, password, status in (("budi", "salah-sandi-1", 401), ("tidak-ada", "salah-sandi-1", 401),
                                       ("mantan", TEST_PASSWORD, 401), ("budi", TEST_PASSWORD, 302)):
        before = len(hash_checks)
        response = _sign_in(client, username, password)
        assert response.status_code == status, (username, response.status_code)
        assert len(hash_checks) - before == 1, f"{username}: {len(hash_checks) - before} hash checks"
        client.post("/keluar")
    # the unknown name was checked against a real hash of the same method, not skipped or a cheap one
    assert hash_checks[1].split("$")[0] == hash_checks[0].split("$")[0]


def test_an_over_long_password_is_refused_in_indonesian_without_hash_work(door, hash_checks):
    _, client = door
    response = _sign_in(client, "budi", TOO_LONG)
    assert response.status_code == 422
    assert "Kata sandi terlalu panjang" in response.get_data(as_text=True)
    assert hash_checks == []
    assert _sign_in(client, "budi", TEST_PASSWORD).status_code == 302  # the length cap is no lock-out


def test_the_same_throttle_guards_both_doors(door):
    program, client = door
    for _ in range(program.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]):
        assert _sign_in(client, "budi", "salah-sandi-1").status_code == 401
    blocked = _sign_in(client, "budi", TEST_PASSWORD)
    assert blocked.status_code == 429 and "Terlalu banyak percobaan masuk yang gagal" in blocked.get_data(as_text=True)
    # an unknown name at the address-wide limit waits the same way (the throttle sees no difference)
    program.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = program.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] + 2
    for name in ("siapa-1", "siapa-2"):
        _sign_in(client, name, "salah-sandi-1")
    assert _sign_in(client, "siapa-3", "salah-sandi-1").status_code == 429

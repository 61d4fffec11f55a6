"""A password typed again by a signed-in user (a PC left open): changing the password, typing or changing the
regency's key fingerprint on the update page, (the center's: tests/sync/test_center_password_typed_again.py). Each is throttled as
sign-in is (app/frame/throttle.py): after the sign-in's number of wrong passwords the next one is
refused even when right, with a 429 in Indonesian, and each wrong one and the refusal are audited."""
import pytest

from app.auth.models import User
from app.frame import throttle
from app.frame.audit_event import AuditEvent
from app.frame.passwords import verify_password
from app.updates import trust
from tests.conftest import TEST_PASSWORD
from tests.updates.helpers import sheet_form

FIRST = "0123 4567 89ab cdef 0123 4567 89ab cdef"
OTHER = "fedc ba98 7654 3210 fedc ba98 7654 3210"
NEW = "sandi-baru-yang-panjang-9"


@pytest.fixture(autouse=True)
def long_first_wait(monkeypatch):
    """A loaded machine must not outlast the wait between two requests (2 s otherwise)."""
    monkeypatch.setattr(throttle, "FIRST_DELAY_SECONDS", 600)


def change_password(client, current):
    return client.post("/akun/kata-sandi", data={"current": current, "new": NEW, "confirm": NEW})


def change_fingerprint(client, password):
    return client.post("/admin/pembaruan/kunci-root", data={"sidik_jari": OTHER, "sidik_jari_ulang": OTHER,
                                                            "kata_sandi": password})


def actions(username):
    return [row.action for row in AuditEvent.select().where(
        AuditEvent.username == username, AuditEvent.action.in_(("sandi_salah", "sandi_ditahan")))
        .order_by(AuditEvent.id)]


def test_the_password_change_refuses_the_right_password_after_the_sign_ins_number_of_wrong_ones(app, client_for, users):
    admin = client_for("admin")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert change_password(admin, "tebakan-salah-1").status_code == 422
    refused = change_password(admin, TEST_PASSWORD)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"])
    page = refused.get_data(as_text=True)
    assert "Terlalu banyak kata sandi salah. Coba lagi dalam" in page and 'href="#f-current"' in page
    assert verify_password(User.get_by_id(users["admin"].id).password_hash, TEST_PASSWORD)
    assert actions("admin") == ["sandi_salah"] * limit + ["sandi_ditahan"]
    # another account's own password change is not held by this one's guesses
    assert change_password(client_for("camat"), TEST_PASSWORD).status_code == 302


def test_the_password_change_takes_the_right_password_before_the_limit_and_forgives(app, client_for, users):
    admin = client_for("admin")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] - 1):
        assert change_password(admin, "tebakan-salah-1").status_code == 422
    assert change_password(admin, TEST_PASSWORD).status_code == 302
    assert verify_password(User.get_by_id(users["admin"].id).password_hash, NEW)
    assert not throttle.ThrottleHit.select().where(throttle.ThrottleHit.scope == throttle.PASSWORD_AGAIN_SCOPE).exists()


def test_an_empty_current_password_is_no_guess(app, client_for, users):
    admin = client_for("admin")
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] + 2):
        assert change_password(admin, "").status_code == 422
    assert change_password(admin, TEST_PASSWORD).status_code == 302 and actions("admin") == []


def test_the_fingerprint_change_refuses_the_right_password_after_the_sign_ins_number_of_wrong_ones(
        app, client_for, tmp_path):
    admin = client_for("admin")
    admin.post("/admin/pembaruan/kunci-root", data=sheet_form(FIRST))
    stored = trust.expected_root(tmp_path)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        answer = change_fingerprint(admin, "tebakan-salah-1")
        assert answer.status_code == 422 and "Kata sandi salah" in answer.get_data(as_text=True)
    refused = change_fingerprint(admin, TEST_PASSWORD)
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"])
    page = refused.get_data(as_text=True)
    assert "Terlalu banyak kata sandi salah. Coba lagi dalam" in page and 'href="#f-kata_sandi"' in page
    assert trust.expected_root(tmp_path) == stored
    assert actions("admin") == ["sandi_salah"] * limit + ["sandi_ditahan"]


def test_the_first_fingerprint_typing_refuses_the_right_password_after_the_sign_ins_number_of_wrong_ones(
        app, client_for, tmp_path):
    """Issue 79: the first typing asks for the password as a change does, with the same wait."""
    admin = client_for("admin")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        answer = admin.post("/admin/pembaruan/kunci-root", data=sheet_form(FIRST, "tebakan-salah-1"))
        assert answer.status_code == 422 and "Kata sandi salah" in answer.get_data(as_text=True)
    refused = admin.post("/admin/pembaruan/kunci-root", data=sheet_form(FIRST))
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"])
    assert 'href="#f-kata_sandi"' in refused.get_data(as_text=True)
    assert trust.expected_root(tmp_path) is None
    assert actions("admin") == ["sandi_salah"] * limit + ["sandi_ditahan"]


def test_the_fingerprint_change_takes_the_right_password_before_the_limit(app, client_for, tmp_path):
    admin = client_for("admin")
    admin.post("/admin/pembaruan/kunci-root", data=sheet_form(FIRST))
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] - 1):
        assert change_fingerprint(admin, "tebakan-salah-1").status_code == 422
    assert change_fingerprint(admin, TEST_PASSWORD).status_code == 302
    assert trust.expected_root(tmp_path) == trust.normalized(OTHER)



def test_the_offices_setup_page_checks_the_password_as_often_as_sign_in_allows(app, client_for):
    """The setup page stays open after setup (Pengaturan Kantor's first form) and checks the admin's password."""
    from tests.settings.test_first_run import SETUP
    admin = client_for("admin")
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert admin.post("/admin/penyiapan", data=dict(SETUP, current_password="tebakan-salah-1")).status_code == 422
    refused = admin.post("/admin/penyiapan", data=dict(SETUP))  # the client adds its token to the dict
    assert refused.status_code == 429 and 'href="#f-current_password"' in refused.get_data(as_text=True)
    assert actions("admin") == ["sandi_salah"] * limit + ["sandi_ditahan"]

"""The center's password change is throttled as the office's (tests/auth/test_password_typed_again.py)."""
import pytest

from app.frame import throttle
from app.frame.passwords import verify_password
from sync.center.models import CenterAudit, Operator
from tests.auth.test_password_typed_again import change_password
from tests.sync.test_center_pages import client_as, operators  # noqa: F401  (the center's accounts)


@pytest.fixture(autouse=True)
def long_first_wait(monkeypatch):
    """A loaded machine must not outlast the wait between two requests (2 s otherwise)."""
    monkeypatch.setattr(throttle, "FIRST_DELAY_SECONDS", 600)


def test_the_centers_password_change_is_held_alike(center_app, operators):  # noqa: F811
    admin = client_as(center_app, operators["admin"])
    limit = center_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert change_password(admin, "tebakan-salah-1").status_code == 422
    refused = change_password(admin, "rahasia-pusat-1")
    assert refused.status_code == 429 and "Terlalu banyak kata sandi salah" in refused.get_data(as_text=True)
    assert verify_password(Operator.get_by_id(operators["admin"].id).password_hash, "rahasia-pusat-1")
    held = [row.action for row in CenterAudit.select().where(CenterAudit.action.in_(("sandi_salah", "sandi_ditahan")))
            .order_by(CenterAudit.id)]
    assert held == ["sandi_salah"] * limit + ["sandi_ditahan"]
    other = client_as(center_app, operators["operator"])
    for _ in range(limit - 1):
        change_password(other, "tebakan-salah-1")
    assert change_password(other, "rahasia-pusat-1").status_code == 302

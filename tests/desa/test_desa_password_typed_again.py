"""The desa PC's own password change (app/auth/own_account.py) and its update page's fingerprint are
throttled as the kecamatan's (tests/auth/test_password_typed_again.py), in the desa PC's own database."""
import pytest

from app.auth.models import User
from app.frame import throttle
from app.frame.audit_event import AuditEvent
from app.frame.passwords import verify_password
from tests.auth.test_password_typed_again import change_fingerprint, change_password
from tests.desa.test_desa_mode import bound_to, desa_admin, desa_app, kecamatan  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def long_first_wait(monkeypatch):
    """A loaded machine must not outlast the wait between two requests (2 s otherwise)."""
    monkeypatch.setattr(throttle, "FIRST_DELAY_SECONDS", 600)


def test_the_desa_pcs_password_and_fingerprint_changes_wait_after_the_sign_ins_number_of_wrong_ones(desa_app):  # noqa: F811
    admin, password = desa_admin(desa_app)
    limit = desa_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert change_password(admin, "tebakan-salah-1").status_code == 422
    assert change_password(admin, password).status_code == 429
    refused = change_fingerprint(admin, password)  # the same account's wait holds on every form, the first typing's too
    assert refused.status_code == 429 and "Terlalu banyak kata sandi salah" in refused.get_data(as_text=True)
    with bound_to(desa_app):
        assert verify_password(User.get(User.username == "admin").password_hash, password)
        assert [row.action for row in AuditEvent.select().where(AuditEvent.action.in_(("sandi_salah", "sandi_ditahan")))
                .order_by(AuditEvent.id)] == ["sandi_salah"] * limit + ["sandi_ditahan"] * 2

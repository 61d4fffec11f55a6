"""Issue 31: the desa admin's changes and the counter's refused scans are written by app/desa/records.py,
each with its audit sentence in the same transaction: the pages only read the form and call them."""
import json

import pytest

from app.auth.models import User
from app.desa import records
from app.desa.models import UserDesa
from app.frame import audit, store
from app.frame.audit_event import AuditEvent
from tests.support.factory import desa_operator
from tests.desa.conftest import DARUNGAN, KRATON


def _last(entity: str) -> AuditEvent:
    return AuditEvent.select().where(AuditEvent.entity == entity).order_by(AuditEvent.id.desc()).first()


def _bound(user) -> list[str]:
    return sorted(row.desa_code for row in UserDesa.select().where(UserDesa.user == user))


def test_each_admin_change_leaves_its_audit_sentence(client_as):
    admin = client_as("admin")
    assert admin.post("/admin/operator-desa/baru", data={"username": "kaur.darungan", "full_name": "Kaur Darungan",
                                                         "desa": [DARUNGAN]}).status_code == 200
    user = User.get(User.username == "kaur.darungan")
    made = _last("pengguna")
    assert made.summary == f"Akun kaur.darungan terikat ke desa: {DARUNGAN}"
    assert json.loads(made.after) == {"desa": [DARUNGAN]}

    assert admin.post(f"/admin/operator-desa/{user.id}/desa", data={"desa": [KRATON]}).status_code == 302
    bound = _last("pengguna")
    assert bound.summary == f"Desa akun kaur.darungan diubah: {KRATON}" and _bound(user) == [KRATON]
    assert json.loads(bound.before) == {"desa": [DARUNGAN]} and json.loads(bound.after) == {"desa": [KRATON]}

    assert admin.post("/admin/operator-desa/kode-komputer", data={"desa": DARUNGAN}).status_code == 200
    assert _last("perangkat_desa").summary == "Kode pendaftaran komputer desa Darungan dibuat"

    before = store.get("pre_registration_days")
    assert admin.post("/admin/operator-desa/pengaturan", data={"pre_registration_days": "7"}).status_code == 302
    setting = _last("pengaturan")
    assert setting.summary == "Masa berlaku pra-pendaftaran diubah" and store.get("pre_registration_days") == 7
    assert json.loads(setting.before) == {"pre_registration_days": before}
    assert json.loads(setting.after) == {"pre_registration_days": 7}


def test_a_refused_scan_is_in_the_trail(loket):
    response = loket.post("/pra-pendaftaran/pindai", data={"kode": "3508071205900001"})
    assert response.status_code == 422
    refusal = _last("pra_pendaftaran")
    assert refusal.action == "tolak" and refusal.summary.startswith("Kode QR F-1.07 ditolak: ")


@pytest.fixture
def desa_audit_fails(monkeypatch):
    """The desa's own audit rows fail (a full disk), the account's own row still goes in: what the
    desa's change wrote before its row must go back with it."""
    real = audit.record

    def record(action, entity, entity_id="", summary="", *args, **kwargs):
        if any(words in summary for words in ("terikat ke desa", "Desa akun", "Masa berlaku pra-pendaftaran")):
            raise RuntimeError("disk penuh")
        return real(action, entity, entity_id, summary, *args, **kwargs)
    monkeypatch.setattr(records.audit, "record", record)


def test_an_admin_change_without_its_audit_row_changes_nothing(client_as, desa_audit_fails):
    client_as("admin")
    with pytest.raises(RuntimeError):
        records.create_operator("kaur.kraton", "Kaur Kraton", [KRATON])
    assert not User.select().where(User.username == "kaur.kraton").exists()

    user = desa_operator("kaur.darungan", "Kaur Darungan")
    with pytest.raises(RuntimeError):
        records.bind_operator(user, [KRATON])
    assert _bound(user) == [DARUNGAN]

    before = store.get("pre_registration_days")
    with pytest.raises(RuntimeError):
        records.set_pre_registration_days(before + 5)
    assert store.get("pre_registration_days") == before

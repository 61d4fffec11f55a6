"""Center accounts: created by the center admin (or the first start), passwords as in app/auth."""
from app.frame.audit_rule import act
from app.frame.passwords import hash_password, one_time_password
from app.frame.dates import utc_now
from sync.center.access import CENTER_ROLES
from sync.center.audit import audit
from sync.center.db import center_database
from sync.center.models import Operator


@act("buat_akun")
def create_operator(username: str, full_name: str, role: str, password: str | None = None,
                    must_change_password: bool = True) -> tuple[Operator, str]:
    if role not in CENTER_ROLES:
        raise ValueError(role)
    password = password or one_time_password()
    with center_database.atomic():  # the account and its audit row (the admin's, or the first start's)
        operator = Operator.create(username=username, full_name=full_name, role=role,
                                   password_hash=hash_password(password),
                                   must_change_password=must_change_password, created_at=utc_now())
        audit("buat_akun", "operator", operator.id, f"{operator.username} ({CENTER_ROLES[operator.role]})")
    return operator, password


def account_problems(username: str, full_name: str, role: str) -> dict:
    errors = {}
    if not username or not username.replace("-", "").replace("_", "").isalnum() or len(username) > 40:
        errors["username"] = "Nama pengguna wajib diisi (huruf, angka, - atau _)."
    elif Operator.get_or_none(Operator.username == username):
        errors["username"] = "Nama pengguna sudah dipakai."
    if not full_name:
        errors["full_name"] = "Nama lengkap wajib diisi."
    if role not in CENTER_ROLES:
        errors["role"] = "Pilih peran."
    return errors


def ensure_center_admin() -> str | None:
    """On the first start, an admin with a one-time password (printed once on the console)."""
    if Operator.select().exists():
        return None
    return create_operator("admin", "Admin Pusat", "admin")[1]

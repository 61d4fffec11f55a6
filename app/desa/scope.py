"""Which desa an account works for: a desa operator only their bound desa, office staff every desa."""
from flask import abort, g

from app.desa.models import UserDesa
from app.frame.access import may, roles_with


def desa_codes_of(user) -> list[str]:
    return [row.desa_code for row in UserDesa.select(UserDesa.desa_code).where(UserDesa.user == user)
            .order_by(UserDesa.desa_code)]


def scope_of(user) -> list[str] | None:
    """Row desa.lingkup_sendiri: the desa codes `user` may see; None means all (the kecamatan's own staff)."""
    if user is None or not may(user, "desa.lingkup_sendiri"):  # the running program's table
        return None
    return desa_codes_of(user)


def operator_accounts():
    """The desa operators' accounts (the admin binds them to desa): those row desa.lingkup_sendiri limits."""
    from app.auth.models import User
    return User.select().where(User.role.in_(roles_with("desa.lingkup_sendiri")))


def current_scope() -> list[str] | None:
    return scope_of(g.get("user"))


def check_in_scope(desa_code: str) -> None:
    """404, not 403: a desa operator must not even learn that another desa's record exists."""
    scope = current_scope()
    if scope is not None and desa_code not in scope:
        abort(404)

"""The center's roles and the hook that enforces them (the same idea as app/access.py).

Routes use `@allow_center(OPERATOR, ADMIN)` or app.access.public; create_center_app refuses
to start when a view declares neither.
"""
from flask import abort, current_app, flash, g, redirect, request, session, url_for

from app.access import PUBLIC, public  # noqa: F401  shared marker for open routes
from sync.center.models import Operator

OPERATOR = "operator"
ADMIN = "admin"
CENTER_ROLES = {OPERATOR: "Operator", ADMIN: "Admin Pusat"}
SESSION_OPERATOR = "center_operator_id"
SESSION_STAMP = "center_stamp"


def allow_center(*roles: str):
    if not roles or set(roles) - set(CENTER_ROLES):
        raise ValueError(f"unknown center roles: {roles}")

    def mark(view):
        view.allowed_roles = frozenset(roles)
        return view
    return mark


def stamp(operator: Operator) -> str:
    return str(operator.password_changed_at or operator.created_at)


def load_operator() -> None:
    g.user = None
    operator_id = session.get(SESSION_OPERATOR)
    if operator_id is None:
        return
    operator = Operator.get_or_none(Operator.id == operator_id)
    if operator is None or not operator.is_active or session.get(SESSION_STAMP) != stamp(operator):
        session.clear()
        return
    g.user = operator


def enforce_center_roles():
    if request.endpoint is None or request.endpoint == "static":
        return None
    allowed = getattr(current_app.view_functions.get(request.endpoint), "allowed_roles", None)
    if allowed == PUBLIC:
        return None
    if g.get("user") is None:
        if request.headers.get("HX-Request"):
            return current_app.response_class(status=401, headers={"HX-Redirect": url_for("center.login")})
        flash("Silakan masuk terlebih dahulu.", "info")
        return redirect(url_for("center.login"))
    if g.user.must_change_password and request.endpoint not in ("center.change_password", "center.logout"):
        return redirect(url_for("center.change_password"))
    if allowed is None or g.user.role not in allowed:
        abort(403)
    return None


def center_user_may(endpoint: str) -> bool:
    allowed = getattr(current_app.view_functions.get(endpoint), "allowed_roles", None)
    return allowed == PUBLIC or bool(g.get("user") and allowed and g.user.role in allowed)

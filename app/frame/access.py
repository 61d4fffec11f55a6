"""Every route declares who may reach it; one hook enforces it for the whole app.

    @bp.get("/register")
    @allow(roles.LOKET, roles.KASI)
    def register(): ...

`@public` marks pages for visitors (kiosk, login). A view with no declaration makes
`create_app` fail, so a forgotten check cannot ship.
"""
from functools import wraps

from flask import abort, current_app, flash, g, redirect, request, url_for

from app.frame.roles import ALL_ROLES

PUBLIC = "public"
# Where the hook sends people; a program with other endpoints sets app.extensions["doors"].
KECAMATAN_DOORS = {"login": "auth.login", "change_password": "auth.change_password", "logout": "auth.logout"}
# A harmless marker cookie that outlives the session, so an expired session is named as such.
SIGNED_IN_BEFORE_COOKIE = "loket_pernah_masuk"


def role_marker(known_roles):
    """The `@allow(...)` decorator of a program whose roles are `known_roles`."""
    def allow(*roles: str):
        unknown = set(roles) - set(known_roles)
        if unknown or not roles:
            raise ValueError(f"unknown roles: {unknown or 'none given'}")

        def mark(view):
            view.allowed_roles = frozenset(roles)
            return view
        return mark
    return allow


allow = role_marker(ALL_ROLES)


def public(view):
    view.allowed_roles = PUBLIC
    return view


def allowed_roles_of(endpoint: str):
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "allowed_roles", None)


def check_every_view_declares_roles(app) -> None:
    missing = [ep for ep, view in app.view_functions.items()
               if not hasattr(view, "allowed_roles") and ep != "static"]
    if missing:
        raise RuntimeError(f"routes without @allow/@public: {sorted(missing)}")


def enforce_roles():
    """before_request hook: 302 to login when signed out, 403 when the role is not allowed."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    allowed = allowed_roles_of(request.endpoint)
    if allowed == PUBLIC:
        return None
    doors = current_app.extensions.get("doors", KECAMATAN_DOORS)
    user = g.get("user")
    if user is None:
        if request.headers.get("HX-Request"):
            # htmx would swap the login page into a fragment: ask for a full reload instead.
            return current_app.response_class(status=401, headers={"HX-Redirect": url_for(doors["login"])})
        expired = g.get("session_expired") or request.cookies.get(SIGNED_IN_BEFORE_COOKIE)
        flash("Sesi Anda telah berakhir. Silakan masuk lagi." if expired
              else "Silakan masuk terlebih dahulu.", "info")
        return redirect(url_for(doors["login"], next=request.full_path.rstrip("?") if request.method == "GET" else None))
    if user.must_change_password and request.endpoint not in (doors["change_password"], doors["logout"]):
        return redirect(url_for(doors["change_password"]))
    if allowed is None or user.role not in allowed:
        abort(403)
    return None


def user_may(endpoint: str) -> bool:
    """For menus and buttons: may the current user open this endpoint?"""
    in_mode = current_app.config.get("ENDPOINTS_IN_MODE")  # desa mode answers only its own pages
    if in_mode is not None and endpoint not in in_mode:
        return False
    allowed = allowed_roles_of(endpoint)
    if allowed == PUBLIC:
        return True
    user = g.get("user")
    return bool(user and allowed and user.role in allowed)

from functools import partial
from urllib.parse import unquote, urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404

from app.frame import audit, throttle, versions
from app.frame.access import SIGNED_IN_BEFORE_COOKIE
from app.auth import accounts
from app.auth.accounts import may_manage_accounts
from app.frame.signin import check_sign_in, sign_in, sign_out
from app.auth.models import User
from app.frame.passwords import new_password_problem
from app.capabilities import MenuItem
from app.frame.roles import ROLE_LABELS
from app.frame.routes import Routes

# By audience: everyone's own account (both office programs), the admin's accounts of the office
# (the kecamatan; a desa PC's admin makes desa operators on its own page, app/desa/admin_views.py).
own_pages, user_pages = Routes(), Routes()
MENU = [MenuItem("Pengguna", "auth.users", order=90)]


def _safe_next(target: str | None) -> str:
    """Only a path on this site, so a crafted link cannot send the clerk elsewhere after login.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so
    `/%09/evil.example` and `/\\evil.example` are other sites too.
    """
    default = url_for("core.dashboard")
    if not target:
        return default
    for form in (target, unquote(target)):  # judged as typed and as the browser will decode it
        if any(ord(ch) < 32 or ch == "\\" for ch in form):
            return default
        parts = urlsplit(form)
        if parts.scheme or parts.netloc or not form.startswith("/") or form.startswith("//"):
            return default
    return target


LOGIN_SCOPE, LOGIN_ADDRESS_SCOPE = throttle.LOGIN_SCOPE, throttle.LOGIN_ADDRESS_SCOPE


def _refuse(username: str, errors: dict, status: int, headers: dict | None = None):
    """The sign-in form again with its error summary. A wrong name or password is one message
    (`credentials`), linked to the name field but marking neither: it never tells which was wrong."""
    return render_template("auth/login.html", username=username[:64], next=request.form.get("next", ""),
                           errors=errors), status, headers or {}


@own_pages.route("/masuk", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if g.user:  # signed in already (a bookmark, the back button): on to where the link was going
            return redirect(_safe_next(request.args.get("next")), 303)
        return render_template("auth/login.html", next=request.args.get("next", ""), errors={})
    attempt = check_sign_in(request.form, accounts.record_sign_in)
    if attempt.problem:
        return _refuse(attempt.username, {attempt.problem_field: attempt.problem}, 422)
    if attempt.wait:
        return _refuse(attempt.username, {"form": "Terlalu banyak percobaan masuk yang gagal. "
                                                  f"Coba lagi dalam {throttle.in_words(attempt.wait)}."}, 429,
                       throttle.retry_after(attempt.wait))
    if not attempt.ok:
        return _refuse(attempt.username, {"credentials": "Nama pengguna atau kata sandi salah, atau akun tidak aktif."}, 401)
    user = attempt.account
    sign_in(user)
    if user.must_change_password:
        flash("Silakan ganti kata sandi sementara Anda terlebih dahulu.", "info")
        response = redirect(url_for("auth.change_password"))
    else:
        response = redirect(_safe_next(request.form.get("next")))
    response.set_cookie(SIGNED_IN_BEFORE_COOKIE, "1", max_age=30 * 86400, httponly=True, samesite="Lax")
    return response


@own_pages.post("/keluar")
def logout():
    accounts.sign_out_recorded(g.user, sign_out)
    flash("Anda telah keluar.", "info")
    response = redirect(url_for("auth.login"))
    response.delete_cookie(SIGNED_IN_BEFORE_COOKIE)
    return response


@own_pages.route("/akun/kata-sandi", methods=["GET", "POST"])
def change_password():
    if request.method == "GET":
        return render_template("auth/change_password.html", errors={})
    user = g.user
    errors = {}
    right, wait = throttle.password_again(user, request.form.get("current", ""), "mengganti kata sandi",
                                          partial(audit.record, entity="pengguna", entity_id=user.id))
    if wait:
        return render_template("auth/change_password.html", errors={"current": throttle.password_again_refused(wait)}), \
            429, throttle.retry_after(wait)
    if not right:
        errors["current"] = "Kata sandi lama salah."
    problem = new_password_problem(request.form.get("new", ""), request.form.get("confirm", ""), user.username,
                                   current=request.form.get("current", ""), office_words=accounts.office_words())
    if problem:
        errors["new"] = problem
    if errors:
        return render_template("auth/change_password.html", errors=errors), 422
    accounts.change_password(user, request.form["new"])
    sign_in(user)  # the stamp changed; keep this session, others are signed out
    flash("Kata sandi berhasil diganti.", "success")
    return redirect(url_for("core.dashboard"))


@user_pages.get("/admin/pengguna")
def users():
    return _users_page()


def _users_page(errors=None, status=200):
    """The account list; a refused action is shown in the error summary at its top (issue 15)."""
    return render_template("auth/users.html", users=User.select().order_by(User.is_active.desc(), User.username),
                           roles=ROLE_LABELS, errors=errors or {}), status


def _account_form():
    return {key: request.form.get(key, "").strip() for key in ("username", "full_name", "role", "nip")}


@user_pages.route("/admin/pengguna/baru", methods=["GET", "POST"])
def new_user():
    form = _account_form()
    if request.method == "GET":
        return render_template("auth/user_form.html", form=form, errors={}, roles=ROLE_LABELS, user=None)
    form["username"] = form["username"].lower()
    errors = accounts.validate_account(**form)
    if errors:
        return render_template("auth/user_form.html", form=form, errors=errors, roles=ROLE_LABELS, user=None), 422
    user, password = accounts.create_user(**form)
    return render_template("auth/one_time_password.html", user=user, password=password)



@user_pages.route("/admin/pengguna/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = get_object_or_404(User, User.id == user_id)
    if request.method == "GET":
        form = {"username": user.username, "full_name": user.full_name, "role": user.role, "nip": user.nip}
        return render_template("auth/user_form.html", form=form, errors={}, roles=ROLE_LABELS, user=user,
                               version=versions.version_of(accounts.account_values(user.full_name, user.role, user.nip)))
    form = _account_form()
    form["username"] = user.username  # a username never changes: the audit trail refers to it
    errors = accounts.validate_account(**form, existing_id=user.id)
    if user.id == g.user.id and not may_manage_accounts(form["role"]):
        errors["role"] = "Anda tidak dapat mencabut peran admin dari akun Anda sendiri."
    if errors:
        return render_template("auth/user_form.html", form=form, errors=errors, roles=ROLE_LABELS, user=user,
                               version=request.form.get(versions.FIELD)), 422
    conflict = accounts.update_user(user, form["full_name"], form["role"], form["nip"], request.form)
    if conflict:
        return render_template("auth/user_form.html", form=conflict.over(form), errors={}, roles=ROLE_LABELS,
                               user=user, version=conflict.version, conflict=conflict), 409
    flash(f"Akun {user.username} disimpan.", "success")
    return redirect(url_for("auth.users"))


@user_pages.post("/admin/pengguna/<int:user_id>/status")
def toggle_active(user_id: int):
    user = get_object_or_404(User, User.id == user_id)
    if user.id == g.user.id:
        return _users_page({"form": "Anda tidak dapat menonaktifkan akun Anda sendiri."}, 422)
    accounts.set_active(user, not user.is_active)
    flash(f"Akun {user.username} {'diaktifkan' if user.is_active else 'dinonaktifkan'}.", "success")
    return redirect(url_for("auth.users"))


@user_pages.post("/admin/pengguna/<int:user_id>/reset-sandi")
def reset_password(user_id: int):
    user = get_object_or_404(User, User.id == user_id)
    password = accounts.reset_password(user)
    return render_template("auth/one_time_password.html", user=user, password=password)


blueprint = Blueprint("auth", __name__, template_folder="templates")  # the kecamatan's: both audiences
own_pages.add_to(blueprint)
user_pages.add_to(blueprint)

"""Account changes: each one atomic with its audit record. Accounts are never deleted."""
import re

from app.frame import audit  # the writer itself: app.audit, the trail's pages, reads the accounts
from app.frame.signin import end_sessions, set_password
from app.auth.models import User
from app.frame.passwords import hash_password, names_in, one_time_password
from app.frame.dates import utc_now
from app.frame.db import database
from app.frame import versions
from app.frame.audit_rule import act, nothing_done
from app.frame.roles import ROLE_LABELS
from app.policy import POLICY

USERNAME_PATTERN = re.compile(r"^[a-z0-9._-]{3,32}$")


def office_words() -> tuple:
    """The office's names a guesser tries first: kecamatan, kabupaten, province, Camat, its desa."""
    from app.frame import store
    from app.frame.places import desa_list
    return (*(str(store.get(key) or "") for key in ("kecamatan_name", "kabupaten_name", "provinsi_name", "camat_name")),
            *(desa.name for desa in desa_list()))


def names_in_password(password: str) -> str | None:
    """Indonesian words when the password holds one of the office's names (any case, digits and signs
    around it), else None. The username needs no such rule: zxcvbn takes it as a known input, so a
    password that is mostly the username scores too low (app/frame/passwords.new_password_problem)."""
    named = names_in(password, office_words())
    if named:
        return (f"Kata sandi tidak boleh memuat nama kantor, wilayah atau desa (“{named}”): nama itulah yang "
                "pertama dicoba orang lain. Pakai beberapa kata yang tidak berhubungan dengan kantor.")
    return None


def _summary(user: User) -> dict:
    return {"username": user.username, "full_name": user.full_name, "role": user.role,
            "nip": user.nip, "is_active": bool(user.is_active)}


def validate_account(username: str, full_name: str, role: str, nip: str, *, existing_id=None) -> dict:
    errors = {}
    if not USERNAME_PATTERN.match(username):
        errors["username"] = "Nama pengguna 3-32 karakter: huruf kecil, angka, titik, minus atau garis bawah."
    elif User.select().where(User.username == username, User.id != (existing_id or 0)).exists():
        errors["username"] = "Nama pengguna sudah dipakai."
    if not full_name.strip() or len(full_name) > 120:
        errors["full_name"] = "Nama lengkap wajib diisi (maksimal 120 karakter)."
    if role not in ROLE_LABELS:
        errors["role"] = "Pilih peran yang tersedia."
    if nip and not re.fullmatch(r"\d{18}", nip):
        errors["nip"] = "NIP terdiri dari 18 angka (boleh dikosongkan)."
    return errors


@act("buat")
def create_user(username: str, full_name: str, role: str, nip: str = "", password: str | None = None,
                must_change_password: bool = True, actor=None) -> tuple[User, str]:
    """Create an account; returns it with its password (one-time unless given)."""
    password = password or one_time_password()
    with database.atomic():
        user = User.create(username=username, full_name=full_name.strip(), role=role, nip=nip,
                           password_hash=hash_password(password), must_change_password=must_change_password,
                           is_active=True, created_at=utc_now())
        audit.record("buat", "pengguna", user.id, f"Akun {username} ({ROLE_LABELS[role]}) dibuat",
                     after=_summary(user), user=actor)
    return user, password


def account_values(full_name: str, role: str, nip: str) -> dict:
    """What the account form shows, as a person reads it (its version: two admins at once)."""
    return {"full_name": full_name.strip(), "nip": nip or "", "role": ROLE_LABELS.get(role, role)}


@act("ubah")
def update_user(user: User, full_name: str, role: str, nip: str, form=None) -> versions.Conflict | None:
    """The account's name, role and NIP, unless another admin saved it since `form` (the edit form,
    with the version it was read at) was read: then the conflict (app/frame/versions.py), nothing saved."""
    with database.atomic():  # read again under the write lock: another admin's save may have come first
        user = User.get_by_id(user.id)
        if form is not None:
            conflict = versions.conflict(form, account_values(user.full_name, user.role, user.nip),
                                         account_values(full_name, role, nip))
            if conflict:
                return nothing_done(conflict)
        before = _summary(user)
        user.full_name, user.role, user.nip = full_name.strip(), role, nip
        user.save()
        audit.record("ubah", "pengguna", user.id, f"Akun {user.username} diubah", before, _summary(user))
    return None


@act("aktifkan", "nonaktifkan")
def set_active(user: User, active: bool) -> None:
    before = _summary(user)
    with database.atomic():
        user.is_active = active
        user.save()
        if not active:
            end_sessions(user)
        audit.record("aktifkan" if active else "nonaktifkan", "pengguna", user.id,
                     f"Akun {user.username} {'diaktifkan' if active else 'dinonaktifkan'}", before, _summary(user))


@act("reset_sandi")
def reset_password(user: User, actor=None) -> str:
    """Give the account a new one-time password, to be changed at next login."""
    password = one_time_password()
    with database.atomic():
        set_password(user, password, must_change=True)
        audit.record("reset_sandi", "pengguna", user.id, f"Kata sandi {user.username} direset", user=actor)
    return password


@act("ganti_sandi")
def change_password(user: User, new_password: str) -> None:
    with database.atomic():
        set_password(user, new_password, must_change=False)  # the view opens a fresh session here
        audit.record("ganti_sandi", "pengguna", user.id, f"{user.username} mengganti kata sandinya", user=user)


def may_manage_accounts(role: str) -> bool:
    """An admin may not take from their own account the right to manage accounts (row akun.kelola)."""
    return POLICY.permits(role, "akun.kelola")


@act("masuk", "masuk_gagal")
def record_sign_in(attempt) -> None:
    """The audit row of a sign-in attempt (called by app.frame.signin in the throttle's transaction)."""
    user, username = attempt.account, attempt.username
    if attempt.ok:
        audit.record("masuk", "pengguna", user.id, f"{username} masuk", user=user)  # first: kept on a full disk
        user.last_login_at = utc_now()
        user.save()
    else:
        audit.record("masuk_gagal", "pengguna", user.id if user else "",
                     "Nama pengguna tidak dikenal" if user is None else "Kata sandi salah atau akun tidak aktif",
                     username=username or "(kosong)")


@act("keluar")
def sign_out_recorded(user: User, end_session) -> None:
    """Signing out ends the session with its audit row, together."""
    with database.atomic():
        audit.record("keluar", "pengguna", user.id, f"{user.username} keluar")
        end_session()

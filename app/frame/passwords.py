"""Password hashing (scrypt via werkzeug) and the rules for a new password."""
import secrets
import threading

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 8
HASH_METHOD = "scrypt"  # werkzeug's memory-hard default; tests swap in a cheap one for speed
# Readable one-time passwords: no 0/O, 1/l/I that clerks misread from a printout.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


# scrypt takes 32 MB for each hash; one at a time keeps the server's memory bounded when the
# whole office logs in at 07:30 (or someone hammers the login form). A hash is ~0.15 s.
_ONE_HASH_AT_A_TIME = threading.Lock()


def hash_password(password: str) -> str:
    with _ONE_HASH_AT_A_TIME:
        return generate_password_hash(password, method=HASH_METHOD)


def verify_password(password_hash: str, password: str) -> bool:
    with _ONE_HASH_AT_A_TIME:
        return check_password_hash(password_hash, password)


def one_time_password(length: int = 12) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_password_problem(password: str, confirm: str, username: str) -> str | None:
    """An Indonesian message when a new password is unacceptable, else None."""
    if len(password) < MIN_LENGTH:
        return f"Kata sandi minimal {MIN_LENGTH} karakter."
    if password != confirm:
        return "Konfirmasi kata sandi tidak sama."
    if password.lower() == username.lower():
        return "Kata sandi tidak boleh sama dengan nama pengguna."
    return None

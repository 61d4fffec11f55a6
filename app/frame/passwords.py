"""Password hashing (scrypt via werkzeug) and the rules for a new password."""
import re
import secrets
import threading

from werkzeug.security import check_password_hash, generate_password_hash

from app.frame import free_memory

MIN_LENGTH = 8
HASH_METHOD = "scrypt"  # werkzeug's memory-hard default; tests swap in a cheap one for speed
# Readable one-time passwords: no 0/O, 1/l/I that clerks misread from a printout.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


# scrypt takes 32 MB for each hash; one at a time keeps the server's memory bounded when the
# whole office logs in at 07:30 (or someone hammers the login form). A hash is ~0.15 s. Before it,
# what the day's requests freed goes back to the system, so the hash does not stack on top of it.
_ONE_HASH_AT_A_TIME = threading.Lock()


def hash_password(password: str) -> str:
    with _ONE_HASH_AT_A_TIME:
        free_memory.give_back()
        return generate_password_hash(password, method=HASH_METHOD)


def verify_password(password_hash: str, password: str) -> bool:
    with _ONE_HASH_AT_A_TIME:
        free_memory.give_back()
        return check_password_hash(password_hash, password)


_DUMMY_HASH = {}


def dummy_hash() -> str:
    """A real hash of nothing anyone types: checked for unknown usernames so they cost the same."""
    if HASH_METHOD not in _DUMMY_HASH:
        _DUMMY_HASH[HASH_METHOD] = generate_password_hash(secrets.token_hex(16), method=HASH_METHOD)
    return _DUMMY_HASH[HASH_METHOD]


def one_time_password(length: int = 12) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


# Words an Indonesian office's guesser tries first; zxcvbn knows the English ones.
INDONESIAN_WORDS = (
    "rahasia", "katasandi", "sandi", "kecamatan", "kantor", "camat", "pelayanan", "loket", "admin",
    "indonesia", "merdeka", "garuda", "pancasila", "bismillah", "sayang", "cinta", "selamat", "pagi",
    "jakarta", "surabaya", "malang", "lumajang", "jember", "desa", "kelurahan", "ktp", "dukcapil",
    "pegawai", "petugas", "informasi", "pengaduan", "masuk", "semangat", "sukses", "bersama", "kita",
)
MIN_SCORE = 3  # zxcvbn 0-4: 3 is "safely unguessable" for an online attacker
# Words of a place's name that name no place ("Kecamatan Yosowilangun": only "yosowilangun" counts).
_PLACE_KINDS = {"kecamatan", "kabupaten", "kota", "provinsi", "desa", "kelurahan", "daerah", "istimewa", "drs", "dra",
                "ir", "sh", "se", "mm", "msi", "ssos", "ssi", "spd", "haji", "hj", "dr"}
MIN_NAME_LENGTH = 5  # shorter pieces ("jaya", "kali") are part of too many good passwords


def name_words(names) -> tuple[str, ...]:
    """The words of the office's names (kecamatan, kabupaten, province, Camat, desa) a guesser tries:
    lower case, split at spaces and punctuation, the kinds of place left out."""
    words = {word for name in names if name for word in re.split(r"[^a-z]+", str(name).lower())}
    return tuple(sorted(w for w in words if len(w) >= MIN_NAME_LENGTH and w not in _PLACE_KINDS))


def names_in(password: str, office_words) -> str | None:
    """The first office word the password holds (any case, digits and signs around it), else None."""
    letters = re.sub(r"[^a-z]", "", password.lower())
    return next((word for word in name_words(office_words) if word in letters), None)


def new_password_problem(password: str, confirm: str, username: str, current: str | None = None,
                         office_words: tuple = ()) -> str | None:
    """An Indonesian message when a new password is unacceptable, else None."""
    from zxcvbn import zxcvbn
    if len(password) < MIN_LENGTH:
        return f"Kata sandi minimal {MIN_LENGTH} karakter."
    if len(password) > 128:
        return "Kata sandi paling panjang 128 karakter."
    if password != confirm:
        return "Konfirmasi kata sandi tidak sama."
    if password.lower() == username.lower():
        return "Kata sandi tidak boleh sama dengan nama pengguna."
    if current is not None and password == current:
        return "Kata sandi baru tidak boleh sama dengan kata sandi sementara atau kata sandi lama."
    named = names_in(password, office_words)
    if named:
        return (f"Kata sandi tidak boleh memuat nama kantor, wilayah atau desa (“{named}”): nama itulah yang "
                "pertama dicoba orang lain. Pakai beberapa kata yang tidak berhubungan dengan kantor.")
    words = [username, *INDONESIAN_WORDS, *name_words(office_words)]
    if zxcvbn(password, user_inputs=words)["score"] < MIN_SCORE:  # the names' words, each its own input
        return ("Kata sandi terlalu mudah ditebak (kata umum, nama kantor atau pola sederhana). "
                "Pakai beberapa kata yang tidak berhubungan, atau campuran huruf, angka dan tanda baca.")
    return None

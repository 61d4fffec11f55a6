"""Where the office's keys live: the operating system's protected store, else a private file.

Two keys per data folder:
- the database key (random, 256 bits) that encrypts the live database;
- the recovery key (typed by people, printed at setup) that encrypts every backup, so a backup
  can be restored on a new PC by whoever holds the printout.
Older recovery keys are kept too, so this PC still restores backups made before a change.

Keys never change silently: a key that is missing or unreadable is reported (KeyMissing for the
database key, which stops the start; the recovery key's state on the admin's pages), never
replaced by a new one behind the admin's back. A new recovery key is made only at the first start
and by the admin's own action (which asks for it to be printed again).

With the OS keyring, the keys are filed under the data folder's path; a small file in the folder
(LOCATION_FILE) remembers that path, so a folder moved elsewhere is recognised and explained
("move it back, nothing is lost") instead of being taken for a lost key. It remembers the account
that filed them too: a store that is locked, or another Windows user starting the app (whose own
store does not hold this office's keys), is told with the account to sign in with, never as a lost
key to be restored from the last backup (which would lose the day's work).

Windows: `keyring` stores them in the Credential Locker, protected by DPAPI with the user's
login. Linux: the desktop keyring (Secret Service) where one runs, else files in
DATA/kunci/ (0600, folder 0700), beside the data and outside the backup folder. Which store
is used is keyring's own choice (PYTHON_KEYRING_BACKEND overrides it; tests use the file store).
"""
import getpass
import hashlib
import logging
import secrets
from pathlib import Path

import keyring
from keyring.backends import fail, null
from keyring.errors import KeyringError

from app.frame import codes
from app.frame.private_files import private_dir, write_private

log = logging.getLogger(__name__)

SERVICE = "loket-kecamatan"
DATABASE_KEY = "basis-data"
RECOVERY_KEY = "pemulihan"
OLD_RECOVERY_KEYS = "pemulihan-lama"
KEY_FOLDER = "kunci"
LOCATION_FILE = "lokasi-folder.txt"
# Recovery keys are read from paper: no 0/O or 1/I/L to confuse.
RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECOVERY_GROUPS = 6  # 6 groups of 5: about 148 bits


class KeyMissing(Exception):
    """A key the data needs is nowhere to be found; the message says what to do (Indonesian)."""


def new_database_key() -> str:
    return secrets.token_hex(32)


def new_recovery_key() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(5 * RECOVERY_GROUPS))
    return "-".join(raw[i:i + 5] for i in range(0, len(raw), 5))


def is_database_key(value: str | None) -> bool:
    """What new_database_key makes: 64 hex digits (anything else is a damaged key file)."""
    return bool(value) and len(value) == 64 and all(ch in "0123456789abcdef" for ch in value.lower())


def is_recovery_key(value: str | None) -> bool:
    """What new_recovery_key makes: 6 groups of 5 from the printable alphabet."""
    groups = (value or "").split("-")
    return len(groups) == RECOVERY_GROUPS and all(
        len(group) == 5 and all(ch in RECOVERY_ALPHABET for ch in group) for group in groups)


def normalise_recovery_key(typed: str) -> str:
    """Accept what a person types from the printout: any case, spaces or dashes anywhere."""
    return codes.grouped(codes.compact(typed, RECOVERY_ALPHABET), 5)


def system_keyring():
    """The OS store keyring found, or None when there is none usable (then: files)."""
    backend = keyring.get_keyring()
    if isinstance(backend, (fail.Keyring, null.Keyring)):
        return None
    return backend


# The OS stores by the names their users know (an admin's message names no Python class).
_STORE_NAMES = {"Windows": "Windows Credential Manager", "macOS": "Keychain macOS",
                "SecretService": "keyring desktop", "libsecret": "keyring desktop", "kwallet": "KWallet"}


def _store_name(backend) -> str:
    module = type(backend).__module__.rsplit(".", 1)[-1]
    name = _STORE_NAMES.get(module)
    return f" ({name})" if name else ""


unreadable: set[str] = set()  # names of keys the OS store refused to give since the start


def current_account() -> str:
    """The OS account running the app ("" when the system cannot say)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return ""


class KeyStore:
    """The keys of one data folder."""

    def __init__(self, data_dir):
        self.data_dir = Path(data_dir)
        self.folder = self.data_dir / KEY_FOLDER
        # One keyring holds the keys of every data folder (tests, a second office): name them apart.
        self.account_suffix = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:16]

    def _account(self, name: str) -> str:
        return f"{name}@{self.account_suffix}"

    def where(self) -> str:
        """Where the keys are kept, for the admin's page and the operations docs."""
        backend = system_keyring()
        if backend is not None:
            return f"penyimpanan kunci sistem operasi{_store_name(backend)}"
        return f"berkas pribadi di {self.folder}"

    def get(self, name: str) -> str | None:
        backend = system_keyring()
        if backend is not None:
            try:
                value = backend.get_password(SERVICE, self._account(name))
            except KeyringError as problem:
                log.warning("keyring unreadable (%s); trying the key file", type(problem).__name__)
                unreadable.add(name)  # shown on the admin's home page (app/backups/health.py)
                value = None
            if value:
                return value
        path = self.folder / name
        if path.is_file():  # a damaged file reads as what it is (then refused as no key), never a traceback
            return path.read_bytes().decode("utf-8", errors="replace").strip() or None
        return None

    def put(self, name: str, value: str) -> None:
        backend = system_keyring()
        if backend is not None:
            try:
                backend.set_password(SERVICE, self._account(name), value)
                (self.folder / name).unlink(missing_ok=True)  # one place only
                return
            except KeyringError as problem:
                log.warning("keyring refused the key (%s); keeping it in a private file", type(problem).__name__)
        private_dir(self.folder)
        write_private(self.folder / name, value + "\n")

    def delete(self, name: str) -> None:
        backend = system_keyring()
        if backend is not None:
            try:
                backend.delete_password(SERVICE, self._account(name))
            except KeyringError:
                pass
        (self.folder / name).unlink(missing_ok=True)

    # The two keys the app uses -----------------------------------------------------------

    def database_key(self, create: bool = False) -> str | None:
        return self._kept_or_new(DATABASE_KEY, new_database_key if create else None)

    def recovery_key(self, create: bool = False) -> str | None:
        return self._kept_or_new(RECOVERY_KEY, new_recovery_key if create else None)

    def _kept_or_new(self, name: str, new) -> str | None:
        """The key kept under `name`; when there is none, a new one from `new()` kept first (None: no key)."""
        key = self.get(name)
        if key is None and new is not None:
            key = new()
            self.put(name, key)
        return key

    def recovery_key_state(self) -> str:
        """"ada" (present and well-formed), "hilang" (absent) or "rusak" (not a recovery key)."""
        key = self.get(RECOVERY_KEY)
        if key is None:
            return "hilang"
        return "ada" if is_recovery_key(key) else "rusak"

    def known_recovery_keys(self) -> list[str]:
        """The current recovery key first, then older ones (backups made before a change)."""
        current = self.get(RECOVERY_KEY)
        older = (self.get(OLD_RECOVERY_KEYS) or "").split()
        return [k for k in [current, *older] if is_recovery_key(k)]

    # Where the folder was when its keys were filed, and by whom --------------------------

    def remember_location(self) -> None:
        """Called once the keys are found here: this is the folder's place and its keys' account."""
        here, account = str(self.data_dir.resolve()), current_account()
        if self._remembered_lines()[:2] != [here, account]:
            write_private(self.data_dir / LOCATION_FILE, f"{here}\n{account}\n")

    def _remembered_lines(self) -> list[str]:
        try:
            return [line.strip() for line in
                    (self.data_dir / LOCATION_FILE).read_text(encoding="utf-8").strip().splitlines()]
        except (OSError, UnicodeDecodeError):
            return []

    def remembered_location(self) -> str | None:
        lines = self._remembered_lines()
        return lines[0] or None if lines else None

    def remembered_account(self) -> str | None:
        """The OS account whose key store holds this folder's keys (None: not known, an older folder)."""
        lines = self._remembered_lines()
        return lines[1] or None if len(lines) > 1 else None

    def store_refusal(self, name: str) -> str | None:
        """Indonesian words when the key `name` is out of reach rather than lost: the OS store refused
        to be read (locked), or it is another account's. None when neither is the case."""
        if system_keyring() is None:
            return None
        owner, me = self.remembered_account(), current_account()
        sign_in = f"akun Windows “{owner}”" if owner else "akun Windows yang memasang aplikasi ini"
        keep = ("Tidak ada data yang hilang: JANGAN memulihkan cadangan (pekerjaan sejak cadangan terakhir akan "
                "hilang). Tidak ada yang diubah.")
        if name in unreadable:
            return (f"Penyimpanan kunci sistem operasi{_store_name(system_keyring())} terkunci atau menolak dibaca, "
                    f"jadi kunci untuk {self.data_dir} tidak dapat diambil. Masuk ke komputer dengan {sign_in} "
                    "(buka kuncinya bila diminta), lalu jalankan aplikasi lagi. " + keep)
        if owner and me and owner != me:
            return (f"Aplikasi dijalankan oleh akun “{me}”, sedangkan kunci folder data {self.data_dir} tersimpan di "
                    f"penyimpanan kunci milik akun “{owner}”. Keluar, lalu masuk ke Windows dengan akun “{owner}” dan "
                    "jalankan aplikasi dari sana. " + keep)
        return None

    def moved_from(self) -> str | None:
        """The folder's former path when it was moved since its keys were filed, else None."""
        before = self.remembered_location()
        return before if before and before != str(self.data_dir.resolve()) else None

    def replace_recovery_key(self) -> str:
        """A new recovery key; the old one is kept so this PC still reads older backups."""
        key = new_recovery_key()
        self.adopt_recovery_key(key)
        return key

    def adopt_recovery_key(self, key: str) -> None:
        """Make `key` the current recovery key (a new one, or the office's after a restore)."""
        older = [k for k in self.known_recovery_keys() if k != key]
        if older:
            self.put(OLD_RECOVERY_KEYS, " ".join(older))
        self.put(RECOVERY_KEY, key)

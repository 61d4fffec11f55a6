"""Device secrets sealed with a server key: a copy of the center's database alone signs nothing.

The center must know each kecamatan's secret to check its signatures (HMAC), so it cannot keep
only a hash. It keeps the secret encrypted (Fernet: AES-128-CBC + HMAC-SHA256) with a server key
that lives outside the database: DATA/device_secrets.key (0600) or LOKET_CENTER_SECRETS_KEY. A
database dump, a PostgreSQL backup or a stolen center.sqlite3 holds only sealed tokens.

On PostgreSQL (issue 30) the applicants' personal fields and photos are sealed too, with keys
derived from the same server key (AES-256-GCM, the column's name bound in as associated data, so a
sealed value moved to another column does not open). The NIK is sealed deterministically (AES-SIV):
the same NIK seals to the same text, so the operator's search by NIK and its index still work. The
SQLite center is one encrypted file already (sync/center/db.py); it reads sealed values all the same.
"""
import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from peewee import BlobField, CharField, TextField

from app.frame.private_files import private_file, write_private

KEY_FILE = "device_secrets.key"
SEALED_PREFIX = "fernet:"

_box: Fernet | None = None
_server_key: bytes | None = None  # raw, for the keys derived from it (derived_key)
_personal: tuple[AESGCM, AESSIV] | None = None
_seal_personal = False  # True on PostgreSQL: what is written is sealed; what is read is opened anyway
PERSONAL_TEXT, PERSONAL_SEARCH, PERSONAL_BLOB = "seal1:", "seal1d:", b"LKS1"
UNSEALED_MARKERS = frozenset({"", "{}"})  # "nothing here" markers the center's queries compare with


def load_server_key(data_dir: Path) -> bytes:
    """The environment's key, else the key file beside the data (created once, 0600)."""
    from_env = os.environ.get("LOKET_CENTER_SECRETS_KEY")
    if from_env:
        return from_env.encode()
    path = Path(data_dir) / KEY_FILE
    if path.exists():
        return private_file(path).read_text().strip().encode()
    key = Fernet.generate_key()
    write_private(path, key.decode())
    return key


def configure(server_key: bytes, seal_personal: bool = False) -> None:
    global _box, _server_key, _personal, _seal_personal
    _box = Fernet(server_key)
    _server_key = base64.urlsafe_b64decode(server_key)
    _personal = (AESGCM(derived_key(b"personal", 32)), AESSIV(derived_key(b"personal-search", 64)))
    _seal_personal = seal_personal


def derived_key(label: bytes, length: int = 32) -> bytes:
    """A key of its own for `label`, derived from the server key: kept nowhere, the same in every
    process of the center and after a restore of its database with the same key file."""
    if _server_key is None:
        raise RuntimeError("the center's server key is not loaded (create_center_app loads it)")
    return HKDF(hashes.SHA256(), length, salt=None, info=b"loket-center " + label).derive(_server_key)


def _require_personal() -> tuple[AESGCM, AESSIV]:
    if _personal is None:
        raise RuntimeError("the center's server key is not loaded (create_center_app loads it)")
    return _personal


def seal_bytes(value: bytes, column: str) -> bytes:
    if not _seal_personal or not value or value.startswith(PERSONAL_BLOB):
        return value
    nonce = os.urandom(12)
    return PERSONAL_BLOB + nonce + _require_personal()[0].encrypt(nonce, value, column.encode())


def unseal_bytes(stored: bytes, column: str) -> bytes:
    if not stored.startswith(PERSONAL_BLOB):
        return stored  # written before sealing, or on SQLite
    try:
        return _require_personal()[0].decrypt(stored[4:16], stored[16:], column.encode())
    except InvalidTag:
        raise RuntimeError(f"{column} sealed with another server key: restore the center's key file") from None


def seal_text(value: str, column: str, searchable: bool = False) -> str:
    if not _seal_personal or value in UNSEALED_MARKERS or value.startswith((PERSONAL_TEXT, PERSONAL_SEARCH)):
        return value
    gcm, siv = _require_personal()
    if searchable:
        return PERSONAL_SEARCH + base64.b64encode(siv.encrypt(value.encode(), [column.encode()])).decode()
    nonce = os.urandom(12)
    return PERSONAL_TEXT + base64.b64encode(nonce + gcm.encrypt(nonce, value.encode(), column.encode())).decode()


def unseal_text(stored: str, column: str) -> str:
    try:
        if stored.startswith(PERSONAL_SEARCH):
            return _require_personal()[1].decrypt(base64.b64decode(stored[len(PERSONAL_SEARCH):]),
                                                  [column.encode()]).decode()
        if stored.startswith(PERSONAL_TEXT):
            raw = base64.b64decode(stored[len(PERSONAL_TEXT):])
            return _require_personal()[0].decrypt(raw[:12], raw[12:], column.encode()).decode()
    except InvalidTag:
        raise RuntimeError(f"{column} sealed with another server key: restore the center's key file") from None
    return stored


def _require_box() -> Fernet:
    if _box is None:
        raise RuntimeError("the center's server key is not loaded (create_center_app loads it)")
    return _box


def seal(secret: str) -> str:
    return SEALED_PREFIX + _require_box().encrypt(secret.encode()).decode()


def unseal(stored: str) -> str:
    if not stored.startswith(SEALED_PREFIX):
        return stored  # written before sealing; seal_legacy_secrets() seals it at start-up
    try:
        return _require_box().decrypt(stored[len(SEALED_PREFIX):].encode()).decode()
    except InvalidToken:
        raise RuntimeError("device secret sealed with another server key: restore the center's key file") from None


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


class SealedSecretField(TextField):
    """Plain text in Python, sealed in the database."""

    def db_value(self, value):
        return None if value is None else seal(value)

    def python_value(self, value):
        return None if value is None else unseal(value)


def _column(field) -> str:
    return f"{field.model._meta.table_name}.{field.column_name}"


class _SealedString:
    """An applicant's personal text: plain in Python, sealed in PostgreSQL (issue 30); mixed into a
    peewee text or char field."""
    searchable = False

    def db_value(self, value):
        return None if value is None else seal_text(value, _column(self), searchable=self.searchable)

    def python_value(self, value):
        return None if value is None else unseal_text(value, _column(self))


class SealedText(_SealedString, TextField):
    pass


class SealedChar(_SealedString, CharField):
    pass


class SealedSearchableChar(_SealedString, CharField):
    """Sealed the same way each time (the NIK): equal values compare equal, in a query too."""
    searchable = True


class SealedBlob(BlobField):
    """A photo: plain bytes in Python, sealed in PostgreSQL."""

    def db_value(self, value):
        if value is None:
            return None
        return super().db_value(seal_bytes(bytes(value), _column(self)))

    def python_value(self, value):
        return None if value is None else unseal_bytes(bytes(value), _column(self))

"""Device secrets sealed with a server key: a copy of the center's database alone signs nothing.

The center must know each kecamatan's secret to check its signatures (HMAC), so it cannot keep
only a hash. It keeps the secret encrypted (Fernet: AES-128-CBC + HMAC-SHA256) with a server key
that lives outside the database: DATA/device_secrets.key (0600) or LOKET_CENTER_SECRETS_KEY. A
database dump, a PostgreSQL backup or a stolen center.sqlite3 holds only sealed tokens.
"""
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from peewee import TextField

from app.frame.private_files import private_file, write_private

KEY_FILE = "device_secrets.key"
SEALED_PREFIX = "fernet:"

_box: Fernet | None = None


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


def configure(server_key: bytes) -> None:
    global _box
    _box = Fernet(server_key)


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

"""The office's recovery key: shown once for the admin to print and keep, changeable later.

Only a fingerprint of the printed key is kept in the database (setting `recovery_key_printed`),
so the page knows whether the current key was printed without storing the key itself there.
"""
import hashlib
from pathlib import Path

from app.frame.keystore import KeyStore
from app.frame import store

PRINTED_SETTING = "recovery_key_printed"
store.register_defaults(**{PRINTED_SETTING: ""})


def fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def keys_for(config) -> KeyStore:
    return KeyStore(Path(config["DATABASE_PATH"]).parent)


def state(config) -> str:
    """"ada", "hilang" or "rusak" (app.frame.keystore.KeyStore.recovery_key_state)."""
    return keys_for(config).recovery_key_state()


def current_key(config) -> str | None:
    """The key new backups use; None while it is missing or damaged (never made anew here)."""
    keys = keys_for(config)
    return keys.recovery_key() if keys.recovery_key_state() == "ada" else None


def was_printed(config) -> bool:
    key = current_key(config)
    return key is not None and store.get(PRINTED_SETTING) == fingerprint(key)

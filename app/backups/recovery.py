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


def current_key(config) -> str:
    return keys_for(config).recovery_key(create=True)


def was_printed(config) -> bool:
    return store.get(PRINTED_SETTING) == fingerprint(current_key(config))

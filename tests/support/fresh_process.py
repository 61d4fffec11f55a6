"""Tests: put a product module's process-wide memory back as a fresh process has it (the product itself
never forgets within a process, so these live here, not in app/)."""
from app.frame import db


def forget_cached_keys() -> None:
    """The next open of a database finds its key again (the keyring, the key file), like a new process."""
    db._keys.clear()

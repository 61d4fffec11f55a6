"""Files only the app's own user may read: the data folder, the database, backups, key files.

On Linux the folder is 0700 and each file 0600. On Windows, POSIX modes mean nothing (chmod only
toggles read-only): there the data lives under the user's profile (%LOCALAPPDATA%), whose ACL
already keeps other users out, and the keys go to the user's DPAPI-protected store (keyring), so
these helpers leave Windows files alone on purpose.
"""
import os
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def posix_modes_apply() -> bool:
    return os.name != "nt"


def private_dir(path) -> Path:
    """Create `path` (and parents) and make it the user's alone."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if posix_modes_apply():
        path.chmod(PRIVATE_DIR_MODE)
    return path


def private_file(path) -> Path:
    """Make an existing file readable by the user only (no-op when missing, or on Windows)."""
    path = Path(path)
    if posix_modes_apply() and path.exists():
        path.chmod(PRIVATE_FILE_MODE)
    return path


def write_private(path, text: str) -> Path:
    """Write `text` atomically to a file that is private from its first byte."""
    path = Path(path)
    partial = path.with_name(path.name + ".baru")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    descriptor = os.open(partial, flags, PRIVATE_FILE_MODE)
    try:
        os.write(descriptor, text.encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(partial, path)
    return private_file(path)

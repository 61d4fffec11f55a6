"""Files only the app's own user may read: the data folder, the database, backups, key files.

On Linux the folder is 0700 and each file 0600. On Windows, POSIX modes mean nothing (chmod only
toggles read-only): there the data lives under the user's profile (%LOCALAPPDATA%), whose ACL
already keeps other users out, and the keys go to the user's DPAPI-protected store (keyring), so
these helpers leave Windows files alone on purpose.

A file is made final in one way (`make_final`): written under a temporary name, synced, renamed over
its real name, and the rename made durable before anyone is told (issue 42, finding 9: a backup
reported as made was gone after a power cut half a second later, its folder entry still in the
disk's cache). `remove_unfinished` clears what a cut left of the temporary names at the next start.
"""
import ctypes
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

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


UNFINISHED_SUFFIX = ".baru"  # write_private's temporary name
# MoveFileExW's flags: replace an existing file; return only once the move is on the disk.
MOVEFILE_REPLACE_EXISTING, MOVEFILE_WRITE_THROUGH = 0x1, 0x8


def sync_file(path) -> None:
    """The file's bytes on the disk, not in its cache."""
    descriptor = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sync_folder(folder) -> None:
    """The folder's entries (a rename, a new file) on the disk. Windows cannot open a folder for
    this; there `_replace` asked for the rename to be written through instead. A file system that
    refuses (a network share) keeps the rename as before: never an error for the admin."""
    if os.name == "nt":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError as problem:
        log.debug("folder %s not opened for sync: %s", folder, problem)
        return
    try:
        os.fsync(descriptor)
    except OSError as problem:
        log.debug("folder %s not synced: %s", folder, problem)
    finally:
        os.close(descriptor)


def _replace(partial: Path, path: Path) -> None:
    """os.replace; on Windows MoveFileExW with write-through: NTFS journals its metadata, and this
    flag makes the call return only once the new name is in that journal on disk."""
    if os.name != "nt":
        os.replace(partial, path)
        return
    try:
        move = ctypes.WinDLL("kernel32", use_last_error=True).MoveFileExW
    except (AttributeError, OSError):  # no kernel32 to call: the plain rename
        os.replace(partial, path)
        return
    if not move(str(partial), str(path), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH):
        code = getattr(ctypes, "get_last_error", lambda: 0)()
        raise OSError(code, f"MoveFileExW {partial.name} -> {path.name} gagal")


def make_final(partial, path) -> Path:
    """`partial` (complete) becomes `path`, durably: its bytes synced, renamed over `path`, the
    folder synced. After a power cut the file is there under its real name, or was never told of."""
    partial, path = Path(partial), Path(path)
    sync_file(partial)
    _replace(partial, path)
    sync_folder(path.parent)
    return path


def write_private(path, text: str) -> Path:
    """Write `text` atomically and durably to a file that is private from its first byte."""
    path = Path(path)
    partial = path.with_name(path.name + UNFINISHED_SUFFIX)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    descriptor = os.open(partial, flags, PRIVATE_FILE_MODE)
    try:
        os.write(descriptor, text.encode("utf-8"))
    finally:
        os.close(descriptor)
    make_final(partial, path)
    return private_file(path)


def remove_unfinished(folder, suffixes=(UNFINISHED_SUFFIX,)) -> list[Path]:
    """At start: files a cut left under a temporary name, and SQLite's journals beside them
    (`<name><suffix>-journal`, `-wal`, `-shm`). Their real file, when told of, is already final."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    endings = tuple(suffix + tail for suffix in suffixes for tail in ("", "-journal", "-wal", "-shm"))
    left = [p for p in folder.iterdir() if p.name.endswith(endings) and p.is_file()]
    for path in left:
        path.unlink(missing_ok=True)
    return left

"""One server per data folder (issue 80, finding 5): two `run.py serve` on one folder raced on the same
files (one died at start on versions/sehat.json.baru; both came up and neither made its daily backup).

The program that serves a folder (the launcher, or a program serving itself) holds an OS lock on
DATA/server.lock for as long as it runs; the OS drops it when the process ends, however it ends (a
power cut leaves no stale lock). A second start is refused before it touches anything. The child a
launcher starts is covered by its launcher's lock (LOCK_ENV names the launcher's pid); a child started
by an older launcher, which holds none, takes the lock itself. Windows: msvcrt.locking on the file's
first byte; elsewhere os.lockf."""
import errno
import logging
import os
import time
from pathlib import Path

LOCK_FILE = "server.lock"
LOCK_ENV = "LOKET_SERVER_LOCK_PID"  # set by the holder: its children are covered by its lock
BUSY = 5  # `run.py serve`'s exit code when another server has the folder
HANDOVER_SECONDS = 60  # the program that started this one in its place lets the lock go
_held = []  # the open lock file, kept for the life of the process
# What locking answers when another process holds the lock (msvcrt: EACCES or EDEADLOCK; lockf: EACCES or EAGAIN)
HELD_ELSEWHERE = {errno.EACCES, errno.EAGAIN, getattr(errno, "EDEADLOCK", errno.EDEADLK), errno.EDEADLK}
log = logging.getLogger(__name__)


class FolderBusy(Exception):
    """str() is the one Indonesian sentence for the console."""


def hold(data_dir: Path, launched: bool = False, windows: bool | None = None) -> None:
    """This process serves `data_dir`, alone; FolderBusy when another server already does. `launched`: a
    launcher's child, covered by its launcher's lock when that launcher holds one."""
    started_by_holder = os.environ.get(LOCK_ENV) == str(os.getppid())
    if _held or (launched and started_by_holder):
        return
    # Windows: the program that applied an update started this one in its place and is on its way out.
    deadline = time.monotonic() + (HANDOVER_SECONDS if started_by_holder else 0)
    path = Path(data_dir) / LOCK_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(path, "a+b")  # noqa: SIM115 - held open until the process ends
        try:
            _lock((os.name == "nt") if windows is None else windows, handle)
            break
        except OSError as problem:
            handle.close()
            if problem.errno not in HELD_ELSEWHERE:  # a file system without locks: serve, as before there were any
                log.warning("the data folder cannot be locked (%s): a second server on it is not refused", problem)
                return
            if time.monotonic() < deadline:
                time.sleep(0.2)
                continue
        raise FolderBusy(f"Aplikasi sudah berjalan untuk folder data {data_dir}: buka aplikasi yang sudah berjalan di "
                         "peramban (atau hentikan dulu yang lama); yang ini tidak dijalankan dan tidak mengubah apa pun.") from None
    handle.seek(0)
    handle.truncate()
    # For whoever looks: which process serves the folder, after one blank byte, the one Windows locks.
    handle.write(b" " + str(os.getpid()).encode())
    handle.flush()
    _held.append(handle)
    os.environ[LOCK_ENV] = str(os.getpid())


def held_elsewhere(data_dir: Path, windows: bool | None = None) -> bool:
    """Whether another process serves the folder now (a probe: a lock taken here is let go at once)."""
    windows = (os.name == "nt") if windows is None else windows
    with open(Path(data_dir) / LOCK_FILE, "a+b") as handle:
        try:
            _lock(windows, handle)
        except OSError as problem:
            return problem.errno in HELD_ELSEWHERE
        _unlock(windows, handle)
    return False


def holder_pid(data_dir: Path) -> int | None:
    """The pid the server holding the folder wrote, past the byte Windows keeps locked."""
    try:
        with open(Path(data_dir) / LOCK_FILE, "rb") as handle:
            handle.seek(1)
            return int(handle.read(20).strip() or b"x")
    except (OSError, ValueError):
        return None


def _unlock(windows: bool, handle) -> None:
    if windows:
        import msvcrt
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        os.lockf(handle.fileno(), os.F_ULOCK, 0)


def _lock(windows: bool, handle) -> None:
    """Raises OSError when another process holds the lock."""
    if windows:
        import msvcrt
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)  # the first byte, whether or not it exists yet
    else:
        os.lockf(handle.fileno(), os.F_TLOCK, 0)  # the whole file, a POSIX record lock

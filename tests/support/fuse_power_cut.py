"""Power cuts below the file system: a FUSE layer that forgets what was not fsynced (issue 42, finding 8).

tests/support/power_cut.py cuts under SQLite (a VFS inside the program); this layer cuts under the
whole program, as a disk would: a passthrough file system (mfusepy on libfuse 3) mounted on a
folder and backed by another. Every call reaches the backing folder at once; beside it the layer
keeps what a disk would still hold after the power went off:

- a file's bytes as of its last fsync or fdatasync (before a block is first written or truncated
  after a sync, its old bytes are kept aside; a sync forgets them);
- a folder's entries (create, rename, unlink, mkdir, rmdir) as of the folder's last fsync (SQLite
  fsyncs the folder after it creates a WAL or journal; `make_final` after a rename).
  An unlinked file is moved to an attic beside the backing folder, so its bytes are still there
  if the folder's old entries come back.

A cut (`arm` at the Nth call of a kind, of those on paths holding `within` if given, or `cut` now) makes the layer answer every later call with
EIO and SIGKILLs the program's process group from inside the call that met it, so the program
tells nobody anything after the cut. At unmount the backing folder is rewritten to the durable
state: unsynced bytes and folder entries gone, then it can be mounted again.

A slow disk (issue 64): `sync_delay` seconds added to every fsync, fdatasync and folder fsync,
one sync at a time as on one spinning disk (a 5,400 rpm disk's flush takes 10-20 ms); reads and
writes go on meanwhile. A sync is durable when its delay has passed. Every sync is tallied by
path (`status()["syncs"]`), so a bench can count the syncs of each acknowledged write.

The layer runs as its own process (`FuseCut` starts it: `python -m tests.support.fuse_power_cut
BACKING MOUNT`), driven by JSON lines on its stdin, so its Python and libfuse's signal handlers
stay out of the test's process. Used by tests/core/test_fuse_power_cut.py and
bench/bench_power_cut.py --fuse (the app under clerks: tests/support/fuse_office.py), through
updates by tests/support/fuse_update.py (symlinks too: TUF's client keeps its root so), and slow by
bench/slow_pc.py and tests/core/test_one_sync_per_action.py.
"""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

BLOCK = 4096
DB_NAME = "loket.sqlite3"  # the office's main database: in WAL mode only a checkpoint writes it


def fuse_available() -> str | None:
    """None when a FUSE file system can be mounted here, else why not (a skip's reason)."""
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse is missing (no FUSE in this kernel or container)"
    if not os.access("/dev/fuse", os.R_OK | os.W_OK):
        return "/dev/fuse is not readable and writable by this user"
    if shutil.which("fusermount3") is None:
        return "fusermount3 is missing (Debian package fuse3)"
    try:
        import mfusepy  # noqa: F401
    except (ImportError, OSError) as problem:
        return f"mfusepy cannot load libfuse: {problem}"
    return None


# --- inside the layer's own process ----------------------------------------------------------------

class DiskModel:
    """What the disk keeps: old bytes of blocks written since each file's last sync, and each
    folder's entries at its last sync. Keyed by inode of the backing file system."""

    def __init__(self, backing: Path, attic: Path):
        self.backing, self.attic = backing, attic
        self.undo: dict[int, dict[int, bytes]] = {}  # inode -> block -> bytes at the last sync
        self.durable_size: dict[int, int] = {}  # inode -> size at the last sync
        self.folders: dict[int, dict[str, int]] = {}  # folder inode -> entries at its last sync

    # files
    def before_change(self, ino: int, fd: int, start: int, end: int) -> None:
        """Keep the old bytes of [start, end) before a write or truncate changes them."""
        if ino not in self.durable_size:
            self.durable_size[ino] = os.fstat(fd).st_size
            self.undo[ino] = {}
        durable, blocks = self.durable_size[ino], self.undo[ino]
        end = min(end, max(durable, start))  # bytes past the synced size were never on the disk
        for block in range(start // BLOCK, (end + BLOCK - 1) // BLOCK):
            if block not in blocks:
                blocks[block] = os.pread(fd, BLOCK, block * BLOCK)[: max(0, durable - block * BLOCK)]

    def synced(self, ino: int) -> None:
        self.undo.pop(ino, None)
        self.durable_size.pop(ino, None)

    def new_file(self, ino: int) -> None:
        self.undo[ino], self.durable_size[ino] = {}, 0  # never synced: empty after a cut

    # folders
    def before_entries_change(self, folder: Path) -> None:
        ino = os.lstat(folder).st_ino
        if ino not in self.folders:
            self.folders[ino] = {entry.name: entry.inode() for entry in os.scandir(folder)}

    def folder_synced(self, folder: Path) -> None:
        self.folders.pop(os.lstat(folder).st_ino, None)

    # the cut
    def _where(self) -> dict[int, Path]:
        found = {os.lstat(self.backing).st_ino: self.backing}
        for top in (self.backing, self.attic):
            for root, dirs, files in os.walk(top):
                for name in dirs + files:
                    path = Path(root) / name
                    found.setdefault(os.lstat(path).st_ino, path)
        return found

    def put_back(self) -> dict:
        """The backing folder as the disk kept it. Returns what was undone."""
        where = self._where()
        files = 0
        for ino, blocks in self.undo.items():
            path = where.get(ino)
            if path is None or not path.is_file():
                continue
            files += 1
            with open(path, "r+b") as raw:
                for block, old in blocks.items():
                    raw.seek(block * BLOCK)
                    raw.write(old)
                raw.truncate(self.durable_size[ino])
        entries = 0
        for folder_ino, durable in self.folders.items():  # entries made since the folder's sync go
            folder = self._where().get(folder_ino)
            if folder is None:
                continue
            for entry in os.scandir(folder):
                if durable.get(entry.name) != entry.inode():
                    entries += 1
                    os.rename(entry.path, self.attic / f"{entry.inode()}-{time.monotonic_ns()}")
        for folder_ino, durable in self.folders.items():  # entries removed since come back
            for name, ino in durable.items():
                folder = self._where().get(folder_ino)
                target = folder / name if folder else None
                if target is None or target.exists():
                    continue
                source = self._where().get(ino)
                if source is None:
                    continue
                entries += 1
                if source.is_relative_to(self.attic) or source.is_dir():
                    os.rename(source, target)
                else:  # also durable under another name (a rename synced on one side only)
                    os.link(source, target)
        shutil.rmtree(self.attic, ignore_errors=True)
        self.attic.mkdir()
        self.undo.clear()
        self.durable_size.clear()
        self.folders.clear()
        return {"files_undone": files, "entries_undone": entries}


def _aim(trigger: dict) -> str:
    """The count a trigger watches: its kind, or its kind among the calls on paths holding "within"."""
    return f"{trigger['kind']} in {trigger['within']}" if trigger.get("within") else trigger["kind"]


def _operations_class():
    import mfusepy

    class CutFS(mfusepy.Operations):
        """A passthrough to `backing` that feeds the DiskModel and can be cut."""
        use_ns = True

        def __init__(self, backing: Path, attic: Path):
            self.root = backing
            self.model = DiskModel(backing, attic)
            self.mutex = threading.RLock()
            self.fds: dict[int, int] = {}  # fh (our backing fd) -> inode
            self.dead = False
            self.kill_pgid: int | None = None
            self.trigger: dict | None = None  # {"kind": ..., "nth": n, "after": bool}
            self.counts: dict[str, int] = {}
            self.cut_note: dict = {}
            self.db_dirty = False  # the main database has writes not yet synced: a checkpoint is under way
            self.checkpoints = 0
            self.sync_delay = 0.0  # seconds each sync takes (a slow disk)
            self.disk = threading.Lock()  # one sync at a time, as on one disk
            self.syncs: dict[str, int] = {}  # path -> syncs (fsync, fdatasync, folder fsync) since the mount

        def _path(self, path: str) -> Path:
            return self.root / path.lstrip("/")

        # -- the cut --------------------------------------------------------------------
        def _kinds(self, op: str, path: str, offset: int | None = None) -> list[str]:
            """The names a trigger can count this call by."""
            name = path.rsplit("/", 1)[-1]
            kinds = [op, "any"]
            if op in ("write", "truncate", "fsync", "fsyncdir", "create", "rename", "unlink", "mkdir", "rmdir",
                      "symlink"):
                kinds.append("change")
            if name == DB_NAME and op in ("write", "fsync"):
                kinds.append(f"db_{op}")  # a checkpoint's write-back, or its sync
            if name == DB_NAME + "-wal":
                kinds.append(f"wal_{op}")
                if op == "write" and offset == 0:
                    kinds.append("wal_header")  # a new WAL, or the WAL started again after a checkpoint
            within = (self.trigger or {}).get("within")
            if within and within in path:  # counted apart too: a trigger can aim at one folder's calls
                kinds += [f"{kind} in {within}" for kind in kinds]
            return kinds

        def _gate(self, op: str, path: str = "", offset: int | None = None) -> None:
            """Count the call; at the armed one the power goes off. EIO once it is off."""
            if self.dead:
                raise OSError(errno.EIO, "power cut")
            for kind in self._kinds(op, path, offset):
                self.counts[kind] = self.counts.get(kind, 0) + 1
                trigger = self.trigger
                if trigger and _aim(trigger) == kind and self.counts[kind] >= trigger["nth"] and not trigger.get("after"):
                    self._cut(f"{op} {path}")
                    raise OSError(errno.EIO, "power cut")

        def _after(self, op: str, path: str) -> None:
            """A trigger with after=True: the call was done (a sync reached the disk), then the power went."""
            trigger = self.trigger
            if trigger and trigger.get("after") and _aim(trigger) in self._kinds(op, path) \
                    and self.counts.get(_aim(trigger), 0) >= trigger["nth"]:
                self._cut(f"after {op} {path}")

        def _cut(self, where: str) -> None:
            if self.dead:
                return
            self.dead = True
            self.cut_note = {"where": where, "in_checkpoint": self.db_dirty or where.endswith(DB_NAME),
                             "counts": dict(self.counts), "at": time.time()}
            if self.kill_pgid:  # the machine stops: the program gets no answer to this call
                try:
                    os.killpg(self.kill_pgid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

        # -- attributes and folders -------------------------------------------------------
        def getattr(self, path, fh=None):
            if self.dead:
                raise OSError(errno.EIO, "power cut")
            st = os.fstat(fh) if fh is not None else os.lstat(self._path(path))
            return {key: getattr(st, key) for key in ("st_mode", "st_nlink", "st_size", "st_uid", "st_gid",
                                                        "st_ino", "st_atime_ns", "st_mtime_ns", "st_ctime_ns")} \
                | {"st_atime": st.st_atime_ns, "st_mtime": st.st_mtime_ns, "st_ctime": st.st_ctime_ns}

        def access(self, path, amode):
            if not os.access(self._path(path), amode):
                raise OSError(errno.EACCES, "")
            return 0

        def readdir(self, path, fh):
            self._gate("readdir", path)
            return [".", "..", *os.listdir(self._path(path))]

        def opendir(self, path):
            return 0

        def releasedir(self, path, fh):
            return 0

        def _slow_sync(self, path: str) -> None:
            """Tally the sync; on a slow disk wait its time, one sync at a time, without holding up
            other calls."""
            with self.mutex:
                if self.dead:
                    raise OSError(errno.EIO, "power cut")
                self.syncs[path] = self.syncs.get(path, 0) + 1
            if self.sync_delay:
                with self.disk:
                    time.sleep(self.sync_delay)

        def fsyncdir(self, path, datasync, fh):
            self._slow_sync(path)
            with self.mutex:
                self._gate("fsyncdir", path)
                self.model.folder_synced(self._path(path))
                self._after("fsyncdir", path)
            return 0

        def statfs(self, path):
            st = os.statvfs(self.root)
            return {key: getattr(st, key) for key in ("f_bavail", "f_bfree", "f_blocks", "f_bsize", "f_favail",
                                                        "f_ffree", "f_files", "f_flag", "f_frsize", "f_namemax")}

        def chmod(self, path, mode):
            self._gate("chmod", path)
            os.chmod(self._path(path), mode)
            return 0

        def chown(self, path, uid, gid):
            self._gate("chown", path)
            os.chown(self._path(path), uid, gid)
            return 0

        def utimens(self, path, times=None):
            self._gate("utimens", path)
            os.utime(self._path(path), ns=times)
            return 0

        def mkdir(self, path, mode):
            with self.mutex:
                self._gate("mkdir", path)
                target = self._path(path)
                self.model.before_entries_change(target.parent)
                os.mkdir(target, mode)
            return 0

        def rmdir(self, path):
            with self.mutex:
                self._gate("rmdir", path)
                target = self._path(path)
                self.model.before_entries_change(target.parent)
                os.rename(target, self.model.attic / f"{os.lstat(target).st_ino}-{time.monotonic_ns()}")
            return 0

        def unlink(self, path):
            with self.mutex:
                self._gate("unlink", path)
                target = self._path(path)
                self.model.before_entries_change(target.parent)
                # kept in the attic: the folder's old entry may come back with its bytes
                os.rename(target, self.model.attic / f"{os.lstat(target).st_ino}-{time.monotonic_ns()}")
            return 0

        def rename(self, old, new):
            with self.mutex:
                self._gate("rename", new)
                source, target = self._path(old), self._path(new)
                self.model.before_entries_change(source.parent)
                self.model.before_entries_change(target.parent)
                if target.exists() and not target.is_dir():  # the replaced file may come back
                    os.link(target, self.model.attic / f"{os.lstat(target).st_ino}-{time.monotonic_ns()}")
                os.rename(source, target)
            return 0

        def symlink(self, target, source):
            """A link named `target` to `source` (TUF's client keeps its newest root so): a folder entry."""
            with self.mutex:
                self._gate("symlink", target)
                link = self._path(target)
                self.model.before_entries_change(link.parent)
                os.symlink(source, link)
            return 0

        def readlink(self, path):
            self._gate("readlink", path)
            return os.readlink(self._path(path))

        # -- files ----------------------------------------------------------------------
        def create(self, path, mode, fi=None):
            with self.mutex:
                self._gate("create", path)
                target = self._path(path)
                self.model.before_entries_change(target.parent)
                fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_EXCL, mode)
                ino = os.fstat(fd).st_ino
                self.model.new_file(ino)
                self.fds[fd] = ino
            return fd

        def open(self, path, flags):
            with self.mutex:
                self._gate("open", path)
                fd = os.open(self._path(path), os.O_RDWR if flags & os.O_ACCMODE else os.O_RDONLY)
                self.fds[fd] = os.fstat(fd).st_ino
                if flags & os.O_TRUNC:
                    self._truncate(fd, 0, path)
            return fd

        def read(self, path, size, offset, fh):
            self._gate("read", path)
            return os.pread(fh, size, offset)

        def write(self, path, data, offset, fh):
            with self.mutex:
                self._gate("write", path, offset)
                self.model.before_change(self.fds[fh], fh, offset, offset + len(data))
                if path.endswith("/" + DB_NAME):
                    self.db_dirty = True
                return os.pwrite(fh, data, offset)

        def _truncate(self, fd, length, path):
            size = os.fstat(fd).st_size
            if length < size:
                self.model.before_change(self.fds[fd], fd, length, size)
            elif length > size:
                self.model.before_change(self.fds[fd], fd, size, length)
            os.ftruncate(fd, length)

        def truncate(self, path, length, fh=None):
            with self.mutex:
                self._gate("truncate", path)
                if fh is not None:
                    self._truncate(fh, length, path)
                else:
                    fd = os.open(self._path(path), os.O_RDWR)
                    self.fds[fd] = os.fstat(fd).st_ino
                    try:
                        self._truncate(fd, length, path)
                    finally:
                        self.fds.pop(fd, None)
                        os.close(fd)
            return 0

        def fsync(self, path, datasync, fh):
            self._slow_sync(path)
            with self.mutex:
                self._gate("fsync", path)
                self.model.synced(self.fds[fh])  # the backing needs no real sync: the model is the disk
                if path.endswith("/" + DB_NAME) and self.db_dirty:
                    self.db_dirty = False
                    self.checkpoints += 1
                self._after("fsync", path)
            return 0

        def flush(self, path, fh):
            return 0

        def release(self, path, fh):
            with self.mutex:
                self.fds.pop(fh, None)
                os.close(fh)
            return 0

    return CutFS


def _serve(backing: Path, mount: Path) -> None:
    """The layer's process: mount, answer commands on stdin, put the disk's state back at the end."""
    import mfusepy
    attic = backing.parent / (backing.name + ".attic")
    shutil.rmtree(attic, ignore_errors=True)
    attic.mkdir()
    fs = _operations_class()(backing, attic)
    out_lock = threading.Lock()

    def say(message: dict) -> None:
        with out_lock:
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()

    def control() -> None:
        for line in sys.stdin:
            command = json.loads(line)
            kind = command["cmd"]
            with fs.mutex:
                if kind == "arm":
                    fs.trigger = command.get("trigger")
                    fs.kill_pgid = command.get("kill_pgid")
                    fs.counts = {}
                elif kind == "cut":
                    fs._cut("now")
                elif kind == "disk":
                    fs.sync_delay = float(command.get("sync_delay", 0))
                elif kind == "unmount":
                    break
                status = {"dead": fs.dead, "counts": dict(fs.counts), "checkpoints": fs.checkpoints,
                          "db_dirty": fs.db_dirty, "cut": fs.cut_note, "syncs": dict(fs.syncs)}
            say(status)
        subprocess.run(["fusermount3", "-u", "-z", str(mount)], check=False)

    threading.Thread(target=control, daemon=True).start()
    say({"mounting": str(mount)})
    mfusepy.FUSE(fs, str(mount), foreground=True, default_permissions=True, fsname="stroom")
    undone = fs.model.put_back() if fs.dead else {}
    shutil.rmtree(attic, ignore_errors=True)
    say({"unmounted": True, "cut": fs.cut_note, "checkpoints": fs.checkpoints, **undone})


# --- in the test's process -------------------------------------------------------------------------

class FuseCut:
    """One mount of the layer: `start()`, `arm(...)`, `status()`, `cut()`, `unmount()` -> the
    layer's last report (after a cut: the backing folder is back to the durable state)."""

    def __init__(self, backing: Path, mount: Path, log: Path | None = None, sync_delay: float = 0.0):
        self.backing, self.mount = Path(backing), Path(mount)
        self.log = log
        self.sync_delay = sync_delay
        self.process = None

    def start(self) -> FuseCut:
        self.mount.mkdir(parents=True, exist_ok=True)
        root = Path(__file__).resolve().parents[2]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.fuse_power_cut", str(self.backing), str(self.mount)],
            cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
            stderr=open(self.log, "ab") if self.log else subprocess.DEVNULL)
        self._read()  # "mounting"
        deadline = time.monotonic() + 20
        while not os.path.ismount(self.mount):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"the FUSE layer did not mount {self.mount}")
            time.sleep(0.02)
        if self.sync_delay:
            self.slow_disk(self.sync_delay)
        return self

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the FUSE layer stopped")
        return json.loads(line)

    def _ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def arm(self, kill_pgid: int | None, trigger: dict | None = None) -> dict:
        """trigger: {"kind": "write"|"fsync"|"change"|"db_write"|"db_fsync"|..., "nth": n, "after": bool,
        "within": "/folder/" (optional: only calls on paths holding it count)}."""
        return self._ask(cmd="arm", kill_pgid=kill_pgid, trigger=trigger)

    def status(self) -> dict:
        """dead, counts (since the last arm), checkpoints, cut, and syncs: path -> syncs since the mount."""
        return self._ask(cmd="status")

    def slow_disk(self, sync_delay: float) -> dict:
        """Every sync from now takes `sync_delay` seconds (0: at once)."""
        return self._ask(cmd="disk", sync_delay=sync_delay)

    def cut(self) -> dict:
        return self._ask(cmd="cut")

    def unmount(self) -> dict:
        self.process.stdin.write(json.dumps({"cmd": "unmount"}) + "\n")
        self.process.stdin.flush()
        while True:
            message = self._read()
            if message.get("unmounted"):
                break
        self.process.wait(30)
        return message

    def kill(self) -> None:
        """Only when something went wrong: the layer and its mount go away, nothing is put back."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        subprocess.run(["fusermount3", "-u", "-z", str(self.mount)], check=False, capture_output=True)


if __name__ == "__main__":
    _serve(Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve())

"""Power cuts for SQLite databases: a VFS that forgets every write not yet synced.

`PowerCutVFS` is an apsw VFS over the operating system's (`unix`, `win32`), and the connections
use SQLite3 Multiple Ciphers stacked on it (`multipleciphers-<name>`, which sqlite3mc builds on the
first open), so encryption stays on: the cipher layer encrypts pages and WAL frames as it does in
the office, this layer sees what reaches the disk. (Above the cipher layer it would not do: the
cipher VFS then leaves the WAL in plaintext.) For every file it keeps the file's bytes as they were at its last
`xSync` (read from the disk, so encrypted). At the cut, chosen as the Nth write, truncate or sync
(counted over all files), every later call fails as a dead disk would, the connections are
closed, and each file is put back to its last synced bytes: what the disk's cache held is gone,
as in SQLite's own crash tests (test6.c). The shared-memory index (-shm) lives in RAM and goes.
Deleting a file counts as done (SQLite deletes a WAL only once its pages are in the synced file).

`run_cuts` puts a program's database under a writing load through the program's own database
factory (its pragmas, its pool, its key), cuts, "restarts" (opens the file again through the real
VFS), and checks: every write acknowledged before the cut is there, no transaction is half there,
`PRAGMA integrity_check` says ok. Used by tests/core/test_power_cut.py and bench/bench_power_cut.py.
"""
import os
import random
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import apsw

OS_VFS = next(name for name in ("unix", "win32") if name in apsw.vfs_names())


class PowerCut(Exception):
    """The power went off (raised to the writer instead of an answer)."""


def _name_of(name) -> str | None:
    return name.filename() if isinstance(name, apsw.URIFilename) else name


def _read_raw(path: str) -> bytes:
    try:
        with open(path, "rb") as raw:
            return raw.read()
    except FileNotFoundError:
        return b""


class PowerCutVFS(apsw.VFS):
    """Counts writes, truncates and syncs; at `cut_at` the power goes off."""

    def __init__(self, name: str = "stroomstoring", base: str = OS_VFS):
        self.name, self.base = name, base
        self.synced: dict[str, bytes] = {}  # path -> its bytes at its last sync (on disk, encrypted)
        self.dirty: set[str] = set()
        self.operations = 0
        self.cut_at: int | None = None
        self.dead = False
        self.syncs = 0
        super().__init__(name, base)

    # --- the disk's memory --------------------------------------------------------------
    def remember(self, path: str) -> None:
        if path not in self.synced:  # first use since the last cut: what is on disk is durable
            self.synced[path] = _read_raw(path)

    def tick(self) -> bool:
        """True when the call may reach the disk. The call that meets the cut fails; later ones
        are dropped without a word (a dead machine answers no one: the writer looks at `dead`
        before it tells the clerk anything, and closing a connection must still let go)."""
        if self.dead:
            return False
        self.operations += 1
        if self.cut_at is not None and self.operations >= self.cut_at:
            self.dead = True
            raise apsw.IOError("power cut")
        return True

    def synced_now(self, path: str) -> None:
        self.syncs += 1
        self.synced[path] = _read_raw(path)
        self.dirty.discard(path)

    def arm(self, cut_at: int) -> None:
        """Everything on disk now is durable; the power goes off at the cut_at-th write or sync."""
        self.synced.clear()
        self.dirty.clear()
        self.operations, self.cut_at, self.dead = 0, cut_at, False

    def restore_synced_state(self) -> int:
        """After the cut, with every connection closed: the files as the disk kept them.
        Returns how many files lost writes."""
        lost = 0
        for path, content in self.synced.items():
            if path in self.dirty:
                lost += 1
            if _read_raw(path) != content:
                with open(path, "wb") as raw:
                    raw.write(content)
        for path in list(self.synced):
            if path.endswith("-wal"):
                Path(path[:-4] + "-shm").unlink(missing_ok=True)  # RAM: gone with the power
        self.synced.clear()
        self.dirty.clear()
        self.cut_at, self.dead = None, False
        return lost

    @property
    def encrypted_name(self) -> str:
        """The VFS a connection names: the cipher layer on top of this one."""
        return f"multipleciphers-{self.name}"

    # --- VFS ----------------------------------------------------------------------------
    def xOpen(self, name, flags):
        return PowerCutFile(self, name, flags)

    def xDelete(self, filename, syncdir):
        if self.dead:
            return
        super().xDelete(filename, syncdir)
        self.synced.pop(filename, None)
        self.dirty.discard(filename)


_vfs: PowerCutVFS | None = None


def power_cut_vfs() -> PowerCutVFS:
    """One per process, never unregistered: the cipher VFS made on top of it keeps pointing at it."""
    global _vfs
    if _vfs is None:
        _vfs = PowerCutVFS()
    return _vfs


class PowerCutFile(apsw.VFSFile):
    def __init__(self, vfs: PowerCutVFS, name, flags):
        self.vfs = vfs
        self.path = _name_of(name)
        super().__init__(vfs.base, name, flags)
        if self.path:
            vfs.remember(self.path)

    def xWrite(self, data, offset):
        if not self.vfs.tick():
            return None
        if self.path:
            self.vfs.remember(self.path)
            self.vfs.dirty.add(self.path)
        return super().xWrite(data, offset)

    def xTruncate(self, newsize):
        if not self.vfs.tick():
            return None
        if self.path:
            self.vfs.remember(self.path)
            self.vfs.dirty.add(self.path)
        return super().xTruncate(newsize)

    def xSync(self, flags):
        if not self.vfs.tick():
            return None
        result = super().xSync(flags)
        if self.path:
            self.vfs.synced_now(self.path)
        return result


# --- the writing load -------------------------------------------------------------------------

@dataclass
class CutReport:
    program: str
    cuts: int = 0
    writes: int = 0  # acknowledged transactions
    lost: int = 0  # acknowledged, then missing after the cut
    half: int = 0  # transactions found partly saved
    corrupt: int = 0  # integrity_check not ok, or the file would not open
    in_flight_kept: int = 0  # the unanswered write that was on disk anyway (allowed)
    checkpoints_cut: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.program:<10} cuts {self.cuts:>5}  writes {self.writes:>6}  lost {self.lost}  "
                f"half {self.half}  corrupt {self.corrupt}  (in flight and kept: {self.in_flight_kept})")


def _program(kind: str, path: Path):
    """(database factory, audit writer, audit table) of a program: kecamatan, desa or center."""
    if kind == "center":
        from sync.center.audit import audit
        from sync.center.db import center_database, make_center_database
        from sync.center.migrations import migrate_center

        def open_db():
            db = make_center_database(path)
            center_database.initialize(db)
            return db

        def write(key, payload):
            audit("uji_listrik", "muatan", key, payload[:200])
            audit("uji_listrik", "muatan", key, payload)
        from app.frame.db import connect as keyed_connect  # the SQLite center is encrypted like the offices
        return open_db, migrate_center, write, "center_audit", keyed_connect

    from app.frame import audit
    from app.frame.db import connect, database, make_database
    from app.frame.migrations import migrate

    def open_db():
        db = make_database(path)
        database.initialize(db)
        return db

    def write(key, payload):
        audit.record("uji_listrik", "muatan", key, payload[:200], after={"isi": payload})
        audit.record("uji_listrik", "muatan", key, "pasangan", after={"isi": payload[::-1]})
    return open_db, migrate, write, "audit_event", connect


def _raw_open(path: Path, keyed_connect):
    """The restarted program's first connection: the real VFS, the program's key."""
    if keyed_connect is not None:
        return keyed_connect(path)
    return apsw.Connection(str(path))


def run_cuts(kind: str, cuts: int, seed: int = 1, folder: Path | None = None, cuts_per_file: int = 100,
             max_operations: int = 240, synchronous: str | None = None) -> CutReport:
    """`cuts` power cuts under a writing load on a `kind` database ("kecamatan", "desa", "center").

    `synchronous` overrides the program's own setting (the benchmark's "before" figure)."""
    from app.frame import db as frame_db

    rng = random.Random(seed)
    report = CutReport(kind)
    own = Path(tempfile.mkdtemp(prefix=f"stroom-{kind}-", dir=folder or _fast_folder()))
    vfs = power_cut_vfs()
    saved = list(frame_db.PRAGMAS)  # every program's SQLite, the center's too, opens with these
    if synchronous:
        frame_db.PRAGMAS[:] = [(n, synchronous if n == "synchronous" else v) for n, v in frame_db.PRAGMAS]
    try:
        serial = 0
        while report.cuts < cuts:
            data = own / f"{kind}-{report.cuts}"
            data.mkdir()
            path = data / ("center.sqlite3" if kind == "center" else f"{kind}.sqlite3")
            open_db, migrate_db, write, table, keyed = _program(kind, path)
            db = open_db()
            with db.connection_context():
                migrate_db(db)
            _close(db)
            acknowledged: set[str] = set()
            for _ in range(min(cuts_per_file, cuts - report.cuts)):
                db = open_db()
                db.connect_params["vfs"] = vfs.encrypted_name
                vfs.arm(rng.randint(1, max_operations))
                in_flight = None
                # Another request's connection stays open (the office's write-stamp watcher, the
                # center's other requests), so a commit is not followed by the last close's checkpoint.
                other = _other_connection(path, keyed, vfs)
                try:
                    while True:
                        serial += 1
                        key = f"{serial:08d}"
                        payload = secrets.token_hex(rng.randint(50, 900))
                        in_flight = key
                        with db.connection_context():
                            with db.atomic():
                                write(key, payload)
                        if vfs.dead:
                            break  # the screen went dark with the rest: no number was shown
                        acknowledged.add(key)  # the clerk saw the number
                        report.writes += 1
                        in_flight = None
                        if rng.random() < 0.08:  # the program stops: last connection checkpoints
                            other.close()
                            _close(db)
                            other = _other_connection(path, keyed, vfs)
                except Exception:  # noqa: BLE001 - the power cut, as the writer meets it
                    if not vfs.dead:
                        raise
                _close(db)
                other.close()
                vfs.restore_synced_state()
                report.cuts += 1
                _check(path, keyed, table, acknowledged, in_flight, report)
            shutil.rmtree(data, ignore_errors=True)
    finally:
        frame_db.PRAGMAS[:] = saved
        shutil.rmtree(own, ignore_errors=True)
    return report


def _other_connection(path, keyed, vfs: PowerCutVFS) -> apsw.Connection:
    connection = apsw.Connection(str(path), vfs=vfs.encrypted_name)
    if keyed is not None:
        from app.frame.db import apply_pragmas, database_key, live_key_pragmas
        apply_pragmas(connection, live_key_pragmas(database_key(path)))
    connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
    return connection


def _close(db) -> None:
    try:
        if hasattr(db, "close_all"):
            db.close_all()
        elif not db.is_closed():
            db.close()
    except Exception:  # noqa: BLE001 - a connection the cut broke still lets go of its file
        pass


def _check(path, keyed, table, acknowledged, in_flight, report: CutReport) -> None:
    if keyed is not None and _read_raw(str(path))[:16] == b"SQLite format 3\x00":
        report.problems.append(f"cut {report.cuts}: the office database is in plaintext")
    try:
        connection = _raw_open(path, keyed)
    except apsw.Error as error:
        report.corrupt += 1
        report.problems.append(f"cut {report.cuts}: will not open: {error}")
        return
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchall()
        if verdict != [("ok",)]:
            report.corrupt += 1
            report.problems.append(f"cut {report.cuts}: integrity_check {verdict[:3]}")
        rows = dict(connection.execute(
            f"SELECT entity_id, count(*) FROM {table} WHERE action = 'uji_listrik' GROUP BY entity_id").fetchall())
    except apsw.Error as error:
        report.corrupt += 1
        report.problems.append(f"cut {report.cuts}: unreadable: {error}")
        return
    finally:
        connection.close()  # the restarted program's checkpoint, through the real VFS
    missing = acknowledged - set(rows)
    report.lost += len(missing)
    if missing:
        report.problems.append(f"cut {report.cuts}: {len(missing)} acknowledged writes lost")
        acknowledged -= missing  # counted once
    report.half += sum(1 for count in rows.values() if count != 2)
    if in_flight and in_flight in rows:
        report.in_flight_kept += 1
        acknowledged.add(in_flight)  # on disk now: it must stay


def _fast_folder() -> str | None:
    """RAM-backed where there is one (every sync here is a real fsync too)."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None

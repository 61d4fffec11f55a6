"""Power cuts for folder entries: a rename or a new file is kept only once its folder is synced.

tests/support/power_cut.py cuts the power under SQLite's writes (a VFS); this layer cuts it under
the file system's names. A journaling file system (ext4, NTFS) keeps a rename in its cache until
the folder is synced (fsync on the folder's descriptor; on Windows MoveFileExW's write-through), so
a file made final by a rename can come back after a cut under its temporary name, or not at all.

`FolderEntriesCut(monkeypatch, folder)` watches one folder, through `os.replace` and `os.fsync` as
this process calls them. Its model: what the folder held when it was armed, and what it held when a
rename into it started, is on the disk (SQLite syncs the folder itself when it makes the temporary
copy's journal, the step before, which Python does not see); a rename and what follows is on the
disk only once the folder's own descriptor is synced. `cut()` puts the folder back to its last
synced entries: renamed files get their old name back, a file replaced by a rename gets its old
bytes back, files created since are gone. Files' bytes are taken as they are (SQLite and `make_final`
sync them; their cut is power_cut.py's). Used by tests/core/test_durable_files.py.
"""
import os
import stat
from pathlib import Path


class FolderEntriesCut:
    def __init__(self, monkeypatch, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.identity = self._identity_of(os.stat(self.folder))
        self.durable: dict[str, int] = {}  # name -> inode, as the disk holds the folder
        self.replaced_bytes: dict[int, bytes] = {}  # inode -> bytes of a file a rename replaced
        self.folder_syncs = 0
        self.renames = 0
        real_replace, real_fsync = os.replace, os.fsync

        def replace(source, target, *args, **kwargs):
            target = Path(target)
            if target.parent.resolve() == self.folder.resolve():
                self.durable = self._entries()  # everything up to this rename was synced (see above)
                if target.exists():
                    self.replaced_bytes[target.stat().st_ino] = target.read_bytes()
                self.renames += 1
            return real_replace(source, target, *args, **kwargs)

        def fsync(descriptor):
            real_fsync(descriptor)
            status = os.fstat(descriptor)
            if stat.S_ISDIR(status.st_mode) and self._identity_of(status) == self.identity:
                self.folder_syncs += 1
                self.durable = self._entries()
                self.replaced_bytes.clear()

        monkeypatch.setattr(os, "replace", replace)
        monkeypatch.setattr(os, "fsync", fsync)
        self.durable = self._entries()

    @staticmethod
    def _identity_of(status) -> tuple[int, int]:
        return status.st_dev, status.st_ino

    def _entries(self) -> dict[str, int]:
        return {path.name: path.stat().st_ino for path in self.folder.iterdir() if path.is_file()}

    def cut(self) -> list[str]:
        """The power goes off: the folder as its last sync left it. Returns what changed."""
        now = self._entries()
        durable_name_of = {inode: name for name, inode in self.durable.items()}
        changed = []
        for name, inode in now.items():
            if self.durable.get(name) == inode:
                continue
            if inode in durable_name_of:  # renamed since the sync: the old name comes back
                os.rename(self.folder / name, self.folder / f"{name}.terputus")
            else:  # created since the sync: its entry never reached the disk
                (self.folder / name).unlink()
                changed.append(f"{name}: hilang")
        for name in list(now):
            moved = self.folder / f"{name}.terputus"
            if moved.exists():
                old_name = durable_name_of[now[name]]
                os.rename(moved, self.folder / old_name)
                changed.append(f"{name}: kembali bernama {old_name}")
        for name, inode in self.durable.items():
            if not (self.folder / name).exists() and inode in self.replaced_bytes:
                (self.folder / name).write_bytes(self.replaced_bytes[inode])  # the replaced file's bytes
                changed.append(f"{name}: isi lama")
        self.durable = self._entries()
        self.replaced_bytes.clear()
        return changed

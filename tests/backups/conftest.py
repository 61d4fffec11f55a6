import apsw
import pytest

from app.backups import engine


class Disk:
    full = True


@pytest.fixture
def disk_full_while_backing_up(monkeypatch):
    """Every backup's copy refused by a full disk (SQLite's SQLITE_FULL), in this process, while the
    returned disk's `full` is true; set it false to give the disk its room back."""
    real = engine.apply_pragmas
    disk = Disk()

    def refusing(connection, pragmas):
        if disk.full and connection.filename.endswith(engine.PARTIAL_SUFFIX):
            raise apsw.FullError("database or disk is full")
        return real(connection, pragmas)

    monkeypatch.setattr(engine, "apply_pragmas", refusing)
    return disk

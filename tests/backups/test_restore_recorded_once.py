"""Issue 61, finding 7: "a restore is written two or three times in the audit trail after a power cut".
The restore's note (beside the database) told every start to record the restore; its entry was written,
then the note deleted without its folder synced, so a cut brought the note back and the next start
wrote the entry again, and again after the next cut. Each restore now carries an id that its entry
keeps: a note whose restore is already in the trail is dropped, not recorded twice.

The cuts are real ones below the file system (tests/support/fuse_power_cut.py): what was not synced
is gone when the layer is unmounted."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.backups.engine import RESTORE_NOTE, backup_database
from tests.backups.test_backup_housekeeping import restore_entries, start
from tests.security.test_backup_keys import new_office
from tests.support.fuse_power_cut import FuseCut, fuse_available

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(fuse_available() is not None, reason=f"no FUSE file system here: {fuse_available()}")

START = "import sys; from app import create_app; create_app({'DATA_DIR': sys.argv[1], 'SECRET_KEY': 'x'})"


def _run(*arguments):
    done = subprocess.run([sys.executable, *arguments], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-2000:]


def _under_a_cut(backing: Path, mount: Path, *arguments):
    """Run a program on the data folder mounted through the layer, then the power goes off."""
    layer = FuseCut(backing, mount).start()
    try:
        _run(*[str(mount) if a == "{data}" else a for a in arguments])
        layer.cut()
    finally:
        layer.unmount()


@pytest.mark.slow
def test_a_restore_cut_after_its_entry_is_recorded_once_through_two_more_cuts(tmp_path):
    backing, mount = tmp_path / "disk", tmp_path / "mnt"
    backing.mkdir()
    new_office(backing)
    backup = backup_database(backing / "loket.sqlite3", tmp_path / "cadangan.sqlite3")
    # the command-line restore (its start records the entry), then the power goes
    _under_a_cut(backing, mount, "run.py", "restore", "--data", "{data}", "--from", str(backup))
    for _ in range(2):  # two more starts, each followed by a cut
        _under_a_cut(backing, mount, "-c", START, "{data}")
    entries = restore_entries(start(backing))  # the next start: its own chance to record it again
    assert len(entries) == 1 and "Data dipulihkan dari cadangan.sqlite3" in entries[0], entries
    assert not (backing / RESTORE_NOTE).exists()


def test_a_note_that_comes_back_after_its_entry_is_dropped_not_recorded_again(tmp_path):
    """The same without a file system: the note as the cut gives it back, beside the entry it led to."""
    from app.backups.engine import restore_database
    office = new_office(tmp_path)
    backup = backup_database(office, tmp_path / "cadangan.sqlite3")
    restore_database(backup, office, tmp_path / "backups")
    note = (tmp_path / RESTORE_NOTE).read_text(encoding="utf-8")
    assert len(restore_entries(start(tmp_path))) == 1
    (tmp_path / RESTORE_NOTE).write_text(note, encoding="utf-8")  # the deletion never reached the disk
    entries = restore_entries(start(tmp_path))
    assert len(entries) == 1 and not (tmp_path / RESTORE_NOTE).exists()

"""A power cut below the file system loses nothing a clerk was told was saved (issue 42, finding 8).

The kecamatan program (`run.py serve`) keeps its data folder on a FUSE layer that forgets every byte
not fsynced and every folder entry whose folder was not fsynced (tests/support/fuse_power_cut.py);
four clerks write through the forms; the program is killed at the cut and started again
(tests/support/fuse_office.py). Six cuts here, half of them while the program starts again (inside
the checkpoint it makes then); the 300-cut run is bench/bench_power_cut.py --fuse (docs/benchmarks.md).
"""
import os

import pytest

from tests.support.fuse_power_cut import FuseCut, fuse_available

pytestmark = [
    # a program started and killed a dozen times: once, in the Windows-like pass, which stands for the
    # office PC whose power goes (scripts/test.sh); the normal pass carries the PostgreSQL soaks
    pytest.mark.windows_pass,
    pytest.mark.skipif(fuse_available() is not None, reason=f"no FUSE file system here: {fuse_available()}"),
]


def test_cuts_under_clerks_lose_no_acknowledged_write():
    from tests.support.fuse_office import run_office_cuts
    # half the cuts inside the checkpoint the program makes as it starts, the rest while the clerks
    # work: at a moment, at the Nth change, inside a checkpoint's write-back or at its fsync
    report = run_office_cuts(6, seed=42, max_cycle_seconds=4, moment_seconds=(0.5, 3), start_cuts=0.5, triggers=[
        (3, "moment", None),
        (2, "nth change", lambda rng: {"kind": "change", "nth": rng.randint(1, 800)}),
        (2, "checkpoint write-back", lambda rng: {"kind": "db_write", "nth": rng.randint(1, 20)}),
        (1, "checkpoint fsync", lambda rng: {"kind": "db_fsync", "nth": 1}),
    ])
    assert report.cuts == 6
    assert report.writes > 6  # the cuts fell under clerks at work
    assert report.in_checkpoint >= 1, report.triggers  # the start's checkpoint, at least
    assert (report.lost, report.half, report.corrupt, report.failed_restarts, report.doubled) == (0, 0, 0, 0, 0), \
        report.problems[:5]


def test_the_layer_drops_what_was_not_synced():
    """The control: with synchronous=OFF nothing is fsynced, so the cut loses answered writes."""
    from tests.support import fuse_office
    report = fuse_office.run_office_cuts(1, seed=7, synchronous="off", moment_seconds=(2, 3), start_cuts=0,
                                         triggers=[(1, "moment", None)])
    assert report.lost > 0, report.line()
    assert report.failed_restarts == 0


def test_a_folder_entry_is_kept_only_once_its_folder_is_synced(tmp_path):
    """The layer's own model, without SQLite: a file's bytes at its fsync, a name at its folder's fsync."""
    backing, mount = tmp_path / "disk", tmp_path / "mnt"
    backing.mkdir()
    (backing / "lama.txt").write_bytes(b"lama")
    layer = FuseCut(backing, mount).start()
    try:
        def write(name, data, sync_file):
            fd = os.open(mount / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, data)
            if sync_file:
                os.fsync(fd)
            os.close(fd)

        write("tersimpan.txt", b"isi", sync_file=True)
        folder = os.open(mount, os.O_RDONLY)
        os.fsync(folder)  # both the bytes and the name are on the disk now
        write("nama-saja.txt", b"isi", sync_file=True)  # bytes synced, the name not
        os.rename(mount / "lama.txt", mount / "baru.txt")  # not synced: the old name comes back
        with open(mount / "tersimpan.txt", "ab") as more:
            more.write(b" tambahan")  # never synced
        layer.cut()
        with pytest.raises(OSError):
            (mount / "tersimpan.txt").read_bytes()  # a dead disk answers nothing
        os.close(folder)
    finally:
        layer.unmount()
    assert sorted(p.name for p in backing.iterdir()) == ["lama.txt", "tersimpan.txt"]
    assert (backing / "tersimpan.txt").read_bytes() == b"isi"
    assert (backing / "lama.txt").read_bytes() == b"lama"

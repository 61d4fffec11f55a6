"""What a release costs an office's disk, and the free-space floor an update keeps (issue 94 finding 2):
this tree's release wheel and its whole office lock for this PC's Python on Linux (candidate_build.gather,
as `run.py release build` gathers them; pip's cache or its index), installed with pip as the office's
updater installs it (app/updates/installing._install: --no-deps --target), its folder measured.

    python bench/bench_update_room.py [--database-mb 10 100 1000] [--work DIR]

Prints JSON: the download (every wheel: a first release with its whole lock; a later one fetches only the
wheels that changed), the folder pip made and its ratio to the wheels (room.py counts UNPACKED_PER_WHEEL_BYTE),
and for each database size the floor (app/backups/health.disk_danger_below) and the free space the updater
wants before it fetches a byte (app/updates/room.needed): on a disk with less, nothing is fetched.
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MIB = 1024 * 1024


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main() -> None:
    from app.backups import health
    from app.updates import room
    from sync.release import candidate_build as release_build
    from tests.updates.test_release_build import THIS_PYTHON
    from tests.updates.test_wheel_contents import build_release_wheel
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-mb", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--work", type=Path)
    options = parser.parse_args()
    work = options.work or Path(tempfile.mkdtemp(prefix="bench-update-room-"))
    started = time.monotonic()
    app = release_build.read_app_wheel(build_release_wheel(work / "build"))
    wheels, _ = release_build.gather(app, [THIS_PYTHON], ["manylinux_x86_64"], work / "wheels", say=lambda line: None)
    wheels = [app.path, *wheels]  # the release: the app's wheel and its closure
    download = sum(path.stat().st_size for path in wheels)
    command = [sys.executable, "-m", "pip", "install", "--no-index", "--no-deps", "--no-compile",
               "--disable-pip-version-check", "--target", str(work / "versi"), *map(str, wheels)]
    subprocess.run(command, check=True, capture_output=True)
    unpacked = folder_bytes(work / "versi")
    print(json.dumps({
        "target": f"Python {THIS_PYTHON} manylinux_x86_64", "version": app.version, "wheels": len(wheels),
        "download_mb": round(download / MIB, 1), "unpacked_mb": round(unpacked / MIB, 1),
        "unpacked_per_wheel_byte": round(unpacked / download, 2), "counted_per_wheel_byte": room.UNPACKED_PER_WHEEL_BYTE,
        "largest_wheels_mb": {path.name.split("-")[0]: round(path.stat().st_size / MIB, 1)
                              for path in sorted(wheels, key=lambda path: -path.stat().st_size)[:4]},
        "per_database": [{"database_mb": size, "floor_mb": round(health.disk_danger_below(size * MIB) / MIB),
                          "install_mb": round((download * (1 + room.UNPACKED_PER_WHEEL_BYTE) + 2 * size * MIB) / MIB),
                          "free_wanted_before_fetching_mb": round(room.needed(download, download, size * MIB) / MIB),
                          "free_wanted_later_release_app_wheel_only_mb": round(room.needed(
                              app.path.stat().st_size, download, size * MIB) / MIB)}
                         for size in options.database_mb],
        "seconds": round(time.monotonic() - started)}, indent=1))
    if not options.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""This tree's wheels, built once per test run for each variant (issue 93, finding 3): seven update test
files built the same wheel again and again, 10-15 s each. A build of the same files with the same changes
gives the same wheel, so it is kept under its key (the files' bytes and the variant) and each test gets a
copy in its own folder, as if it had built it there. Shared by the workers and both passes of a run. The
field versions' demo-filled offices are kept the same way (tests/support/field_versions.filled_office)."""
import fcntl
import hashlib
import shutil
import time
from pathlib import Path

from tests.sync.harness import ROOT

CACHE = ROOT / ".test-wheels"  # .gitignore; a key not used for a day is removed
UNUSED_SECONDS = 24 * 3600


def tree_key(files: list[str], variant: str) -> str:
    digest = hashlib.sha256(variant.encode())
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def built_once(key: str, into: Path, build) -> Path:
    """`build(folder)` builds in `folder` and returns what it made there (a wheel, or a folder of them); only
    that is kept, and copied into `into` at the same place within it, where `build(into)` would have made it."""
    CACHE.mkdir(exist_ok=True)
    kept = CACHE / key
    with open(CACHE / f"{key}.lock", "wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the test machine's workers: Linux
        if not (kept / "made").is_file():
            shutil.rmtree(kept, ignore_errors=True)
            work = kept / "work"
            relative = build(work).relative_to(work)
            (kept / "out" / relative).parent.mkdir(parents=True)
            (work / relative).rename(kept / "out" / relative)
            shutil.rmtree(work)
            (kept / "made").write_text(str(relative))
        relative = Path((kept / "made").read_text())
        (kept / "made").touch()
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if (kept / "out" / relative).is_dir():
            shutil.copytree(kept / "out" / relative, target, dirs_exist_ok=True)
        else:
            shutil.copy2(kept / "out" / relative, target)
    _forget_old()
    return target


def _forget_old() -> None:
    for mark in CACHE.glob("*/made"):
        if time.time() - mark.stat().st_mtime > UNUSED_SECONDS:
            shutil.rmtree(mark.parent, ignore_errors=True)

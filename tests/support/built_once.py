"""This tree's wheels, built once per test run for each variant (issue 93, finding 3): seven update test
files built the same wheel again and again, 10-15 s each. A build of the same files with the same changes
gives the same wheel, so it is kept under its key (the files' bytes and the variant) and each test gets a
copy in its own folder, as if it had built it there. Shared by the workers and both passes of a run. The
field versions' demo-filled offices are kept the same way (tests/support/field_versions.filled_office).

A release at another version, or with a planted defect, is that one wheel rewritten (`wheel_at`), not built
again: `pip wheel` of a copy whose pyproject says another version makes the same files under another
dist-info name (25 s a build on a loaded machine, ten variants a run before)."""
import base64
import fcntl
import hashlib
import re
import shutil
import time
import zipfile
from pathlib import Path
from typing import Callable

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
        if (kept / "out" / relative).is_dir():  # a venv's python stays the link to its base Python
            shutil.copytree(kept / "out" / relative, target, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copy2(kept / "out" / relative, target)
    _forget_old()
    return target


def gathered(app, python: str, platform: str, folder: Path) -> tuple[list[Path], dict[str, list[str]]]:
    """`candidate_build.gather(app, [python], [platform], folder)` (what `release build` downloads for that
    PC: the app wheel's lock from PyPI), gathered once per run for the same lock; for the tests whose
    subject is what a PC does with a release, not the gathering (tests/updates/test_release_build.py's)."""
    import json
    from sync.release import candidate_build
    closure_file = "closure.json"

    def gather(work: Path) -> Path:
        files, closure = candidate_build.gather(app, [python], [platform], work / "roda", say=lambda line: None)
        (work / "roda" / closure_file).write_text(json.dumps(closure))
        return work / "roda"
    key = hashlib.sha256("\0".join(["gather", python, platform, app.lock, *app.requires]).encode()).hexdigest()[:32]
    copy = built_once(key, folder.parent / f"{folder.name}.salinan", gather)  # kept under one name, used under any
    folder.mkdir(parents=True, exist_ok=True)
    for made in copy.iterdir():
        made.rename(folder / made.name)
    shutil.rmtree(copy.parent)
    closure = json.loads((folder / closure_file).read_text())
    (folder / closure_file).unlink()
    return sorted(folder.glob("*.whl")), closure


def _forget_old() -> None:
    for mark in CACHE.glob("*/made"):
        if time.time() - mark.stat().st_mtime > UNUSED_SECONDS:
            shutil.rmtree(mark.parent, ignore_errors=True)


def _digest(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel_at(base: Path, version: str, folder: Path, changed: dict[str, Callable[[bytes], bytes]] | None = None,
             added: dict[str, bytes] | None = None) -> Path:
    """`base` (a wheel of this tree) as `version`, in `folder`: its dist-info renamed, METADATA's version,
    the files in `changed` passed through their function, the files in `added` put in, RECORD's hashes made
    again (what `pip wheel` makes of a copy with that version and those files)."""
    old = base.name.split("-")[1]
    changed, added = dict(changed or {}), dict(added or {})
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / base.name.replace(f"-{old}-", f"-{version}-")
    rows, record = [], None
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        infos = source.infolist()
        assert not set(added) & {info.filename for info in infos}, "added files the wheel has already"
        date_time = infos[0].date_time
        for info in infos:
            data = source.read(info)
            name = info.filename.replace(f"-{old}.dist-info/", f"-{version}.dist-info/")
            if name.endswith(".dist-info/RECORD"):
                record = name
                continue
            if name.endswith(".dist-info/METADATA"):
                data = re.sub(rb"^Version: .*$", b"Version: " + version.encode(), data, count=1, flags=re.M)
            if name in changed:
                data = changed.pop(name)(data)
            entry = zipfile.ZipInfo(name, date_time=info.date_time)
            entry.external_attr, entry.compress_type = info.external_attr, zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
            rows.append(f"{name},{_digest(data)},{len(data)}")
        assert not changed, f"files to change the wheel lacks: {sorted(changed)}"
        for name, data in added.items():
            entry = zipfile.ZipInfo(name, date_time=date_time)
            entry.external_attr, entry.compress_type = 0o644 << 16, zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
            rows.append(f"{name},{_digest(data)},{len(data)}")
        rows.append(f"{record},,")
        target.writestr(record, "\n".join(rows) + "\n")
    return out

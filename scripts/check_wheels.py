"""Does every pinned dependency install from a wheel (no compiler) on each supported Python?

The office install (pyproject.toml `dependencies`) on Windows (win_amd64) and Linux (manylinux
x86_64) for every Python of loket_python.SUPPORTED, the center's (`dependencies` + the `center`
extra) on Linux for every Python of loket_python.CENTER_SUPPORTED. Each is resolved by uv for that
Python and platform, markers included, allowing wheels only and held to the versions of its lock (the
office's lock, the center's: scripts/lock.sh), so the files checked are the ones
installed; nothing is installed. A pin without a wheel is named on one line:

    NO WHEEL  Python 3.15 win_amd64 (office): lepton-jpeg-python==0.5.8 -- <uv's reason>

scripts/test.sh runs it in the full run (needs PyPI). `--pin` checks the given requirements
instead of pyproject's (tests/platform/test_wheel_check.py feeds it a known-bad one).

    .venv/bin/python scripts/check_wheels.py [--python 3.15 ...] [--platform win_amd64 ...] [--pin REQ ...]
"""
import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from loket_python import CENTER_SUPPORTED, SUPPORTED  # noqa: E402
from sync.release.dependency_lock import CENTER_LOCK, OFFICE_LOCK  # noqa: E402

# Our name of a platform -> uv's (--python-platform). Linux: glibc 2.34 and later (Debian 12, Ubuntu
# 22.04, RHEL 9), the oldest for which lepton-jpeg-python ships a wheel (README, "Python and platforms").
PLATFORMS = {"win_amd64": "x86_64-pc-windows-msvc", "manylinux_x86_64": "x86_64-manylinux_2_34"}
# uv names the first package it finds without a usable wheel like this.
# Each install's versions: the lock the offices install, or the center's (--pin checks other requirements alone).
LOCKS = {"office": ROOT / OFFICE_LOCK, "center": ROOT / CENTER_LOCK}
NO_WHEEL = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\{[^}]*\})?(==\S+)? has no (?:usable )?wheels")


def installs(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, tuple[list[str], list[str], tuple[str, ...]]]:
    """Each install checked: name -> (its requirements, its Pythons, the platforms it runs on)."""
    project = tomllib.loads(pyproject.read_text())["project"]
    office = list(project["dependencies"])
    return {"office": (office, SUPPORTED, tuple(PLATFORMS)),
            "center": (office + list(project["optional-dependencies"]["center"]), CENTER_SUPPORTED,
                       ("manylinux_x86_64",))}


def uv_binary() -> str:
    """uv, from the `uv` wheel of the test extra (beside this Python) or the PATH."""
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if not found:
        sys.exit("uv is missing: pip install -e '.[test]' (scripts/test.sh does)")
    return found


def resolve(requirements: list[str], python: str, platform: str, folder: Path, lock: Path | None = None) -> str:
    """'' when every requirement resolves to wheels for this Python and platform (at the versions of
    `lock` when given), else uv's reason.

    From uv's cache first (seconds); on PyPI only when that fails (a first run, a new pin, or a
    wheel the cache does not know of yet), so a failure is always PyPI's answer."""
    listing = folder / f"{python}-{platform}-{abs(hash(tuple(requirements)))}.txt"
    listing.write_text("\n".join(requirements) + "\n")
    command = [uv_binary(), "pip", "compile", "--quiet", "--no-header", "--python-version", python,
               "--python-platform", PLATFORMS[platform], "--only-binary", ":all:",
               "--output-file", str(folder / f"{listing.stem}.out"), str(listing)]
    command += ["--constraints", str(lock)] if lock else []
    for offline in (["--offline"], []):
        done = subprocess.run(command + offline, capture_output=True, text=True, timeout=600)
        if done.returncode == 0:
            return ""
    return done.stderr.strip() or done.stdout.strip() or f"uv exit {done.returncode}"


def failure_line(name: str, python: str, platform: str, reason: str) -> str:
    """One line naming the Python, the platform and the package uv found without a wheel, with
    uv's sentence about it (or its first line, when it named none)."""
    lines = [re.sub(r"^(cause|error):\s*", "", line.strip()) for line in reason.splitlines() if line.strip()]
    found = NO_WHEEL.search(reason)
    package = found.group(1) + (found.group(2) or "") if found else "a pinned dependency"
    cause = next((line for line in lines if found and found.group(0) in line), lines[0] if lines else "")
    return f"NO WHEEL  Python {python} {platform} ({name}): {package} -- {cause[:300]}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", action="append", choices=SUPPORTED, help="only this Python (repeatable)")
    parser.add_argument("--platform", action="append", choices=tuple(PLATFORMS), help="only this platform (repeatable)")
    parser.add_argument("--pin", action="append", metavar="REQ", help="check these requirements instead of pyproject's")
    args = parser.parse_args(argv)
    started = time.monotonic()
    checked = {"pins": (args.pin, SUPPORTED, tuple(PLATFORMS))} if args.pin else installs()
    jobs = [(name, requirements, python, platform)
            for name, (requirements, pythons, platforms) in checked.items()
            for python in pythons if python in (args.python or SUPPORTED)
            for platform in platforms if platform in (args.platform or PLATFORMS)]
    with tempfile.TemporaryDirectory(prefix="loket-wheels-") as folder, ThreadPoolExecutor(4) as pool:
        reasons = list(pool.map(lambda job: resolve(job[1], job[2], job[3], Path(folder), LOCKS.get(job[0])),
                                jobs))
    failures = [failure_line(name, python, platform, reason)
                for (name, _, python, platform), reason in zip(jobs, reasons) if reason]
    for (name, _, python, platform), reason in zip(jobs, reasons):
        if not reason:
            print(f"ok        Python {python} {platform} ({name})")
    for line in failures:
        print(line)
    print(f"{len(jobs)} installs checked, {len(failures)} without wheels, in {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

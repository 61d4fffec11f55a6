"""The versions still running in the field, as trees taken from this repository's history: the tests of
version skew (issue 80) run their launchers and sync clients against today's release and center.

Each name is a landed version an office may still run for weeks of a rollout. A clone without that
history (a shallow one) skips such a test with the reason."""
import hashlib
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The first tree with the updater (its launcher takes every later release), and the landed versions whose launchers
# or clients still run in the field.
FIELD_VERSIONS = {
    "first-updatable": "882de731582ec6a1975a860834ffa12a7912ad2f",
    # 0.2.0, the landed version before 0.3.0 (its launcher is 798c4b26's, the one landed before it).
    "previous-but-one": "d36a77079ce8369681fa10a385140902060691f5",
    # 0.3.0: its PCs send a health report of the first shape (issue 81).
    "previous": "bb30ea33da98e18309d59dc9be8ae482b021c602",
    # 0.3.1 (stop 86): its launcher is today's kind (it holds the folder's lock), without 0.3.2's answer to a
    # second start.
    "landed-0.3.1": "01757d526b07f44feb04348d14e1c354044c9443",
    # 0.3.2 (stop 95): a second start names the first server's pid; its launcher does not run the version's lock.
    "landed-0.3.2": "7e2bc9069314b5fe10994106982b35226dcced02",
    # 0.3.3 (stop 96): each version runs its own lock from its first start.
    "landed-0.3.3": "a4d44feb63888a9bfda0ebf4edb78d2d9064be45",
    # 0.3.4 (stop 97): run.py refuses a signer typed without -I -S in its first lines.
    "landed-0.3.4": "dfaabd95ec85b07e556b96cf761a8dc6e651915c",
    # 0.3.5 (stop 98): "tetap ditawarkan" said only while the release is offered.
    "landed-0.3.5": "98db685fe20201095d8dc9bfbc40e366b2f95c16",
    # 0.3.6, the last landed version (stop 99): the Coba lagi of a release an older launcher took back is said.
    "last-landed": "910f3193ca669d7dcb6637f4a1e203bb8362fd72",
    # The landed version before issue 72 (0.2.0 too): its counter PC takes a renumber of a relayed form's
    # application without the form's "nomor_diganti" step, as the issue-80 rollout met it (finding 2). Its
    # launcher waits up to 15 minutes for the version's own "baik" (finding 1; the two above write it themselves).
    "before-renumber-step": "6ce2a857306f035326963f5655833c9777982764",
}


def field_commit(name: str) -> str:
    """The full commit of a field version, or a skip when this clone lacks it."""
    found = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{FIELD_VERSIONS[name]}^{{commit}}"],
                           cwd=ROOT, capture_output=True, text=True)
    if found.returncode != 0:
        pytest.skip(f"this clone lacks the field version {name} ({FIELD_VERSIONS[name]}): a shallow clone")
    return found.stdout.strip()


def field_version_tree(name: str, folder: Path) -> Path:
    """The tree of field version `name`, unpacked into `folder` (made here)."""
    commit = field_commit(name)
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def filled_office(name: str, data: Path, fill) -> Path:
    """Field version `name`'s office data folder as its own `run.py demo` fills it, in `data` (issue 93: 12-13 s
    a fill, eight launcher tests). `fill(folder)` runs that version's demo into `folder`; it runs once a day
    per version (tests/support/built_once.py, keyed by the commit and the office's date: demo data is dated
    from the day it is made) and each test gets its own copy, with the folder's remembered place
    (lokasi-folder.txt, keystore.LOCATION_FILE) written as the demo writes it there."""
    from tests.support.built_once import built_once
    office_day = datetime.now(timezone(timedelta(hours=7))).date().isoformat()  # WIB, a fixed offset: no tzdata
    key = hashlib.sha256(f"field-demo:{field_commit(name)}:{office_day}".encode()).hexdigest()[:32]

    def filled(folder: Path) -> Path:
        fill(folder / data.name)
        return folder / data.name
    made = built_once(key, data.parent, filled)
    assert made == data, (made, data)
    location = data / "lokasi-folder.txt"
    lines = location.read_text(encoding="utf-8").splitlines()
    location.write_text("\n".join([str(data.resolve()), *lines[1:]]) + "\n", encoding="utf-8")
    return data

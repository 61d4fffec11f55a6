"""The dependency locks (scripts/lock.sh writes them): every package an install needs, one exact version
for each Python and system (its markers choose) and the sha256 of each file of it.

The office's lock travels inside the release wheel (OFFICE_LOCK, package data): `release build` gathers
exactly its files for each target (sync/release/candidate_build.py, gather), and tests/updates/test_lock.py checks
the three locks (the center's is CENTER_LOCK) against pyproject.toml. Read here once for all: what a lock
line says, which lines a PC of one Python and system installs, and whether those are every package its
parents ask for."""
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

OFFICE_LOCK = "app/frame/data/requirements-office.lock"  # its path in the tree and in the release wheel
DEV_LOCK = "requirements-dev.lock"
CENTER_LOCK = "requirements-center.lock"  # the center's install (docs/operations.md), the dev lock's versions
ROOT_NAME = "loket-kecamatan"  # how a lock's "via" comment names pyproject.toml's own needs


class LockError(ValueError):
    """A lock that cannot be read or used as it is; the message is one Indonesian sentence."""


@dataclass
class Pin:
    name: str  # canonical (PEP 503)
    version: Version
    marker: Marker | None
    hashes: list[str]
    parents: list[str] = field(default_factory=list)  # the "via" comment: who asks for it (canonical names)

    def line(self) -> str:
        """The line pip reads for it, marker left out (evaluated for the target here, never by pip for the
        Python running it)."""
        return f"{self.name}=={self.version} " + " ".join(f"--hash={h}" for h in self.hashes)

    def applies(self, environment: dict) -> bool:
        return self.marker is None or self.marker.evaluate(dict(environment, extra=""))


def read(path: Path) -> list["Pin"]:
    return parse(Path(path).read_text(encoding="utf-8"))


def parse(text: str) -> list[Pin]:
    """Every entry of a lock in pip's requirements format as uv writes it (name==version ; marker, then its
    --hash options, then "# via" comments); LockError for anything else, so nothing in it is ignored."""
    pins: list[Pin] = []
    logical, via = "", False
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not logical and stripped.startswith("#"):
            note = stripped.lstrip("#").strip()
            if note.startswith("via") and pins:
                via = True
                note = note[3:].strip()
            if via and note:
                pins[-1].parents += [_parent(part) for part in note.split(",") if _parent(part)]
            continue
        via = False
        logical += " " + stripped.removesuffix("\\")
        if stripped.endswith("\\"):
            continue
        if logical.strip():
            pins.append(_entry(logical.strip(), number))
        logical = ""
    if logical.strip():
        raise LockError("Daftar versi terpotong: baris terakhirnya bersambung ke baris yang tidak ada.")
    return pins


def _entry(text: str, number: int) -> Pin:
    words = text.split()
    options = [word for word in words if word.startswith("--")]
    requirement_text = " ".join(word for word in words if not word.startswith("--"))
    hashes = [option.removeprefix("--hash=") for option in options if option.startswith("--hash=sha256:")]
    try:
        requirement = Requirement(requirement_text)
    except InvalidRequirement:
        raise LockError(f"Baris {number} daftar versi tidak terbaca: {text[:80]!r}.") from None
    pinned = [spec for spec in requirement.specifier if spec.operator == "=="]
    if len(options) != len(hashes) or not hashes or len(pinned) != 1 or len(requirement.specifier) != 1 \
            or requirement.url or requirement.extras:
        raise LockError(f"Baris {number} daftar versi ({requirement_text}) bukan satu versi persis dengan sidik "
                        "sha256 berkasnya (--hash): daftar versi dibuat ulang dengan bash scripts/lock.sh.")
    return Pin(canonicalize_name(requirement.name), Version(pinned[0].version), requirement.marker, hashes)


def _parent(text: str) -> str:
    """A "via" entry as a name: pyproject.toml's own (ROOT_NAME), a package, '' for a constraints file."""
    text = text.strip()
    if not text or text.startswith("-c ") or text.startswith("-r "):
        return ""
    return canonicalize_name(text.split()[0].split("[")[0])


def for_target(pins: list[Pin], environment: dict) -> dict[str, Pin]:
    """The lines a PC of `environment` installs, by name; LockError when its markers choose two versions
    of one package for it."""
    chosen: dict[str, Pin] = {}
    for pin in pins:
        if not pin.applies(environment):
            continue
        if pin.name in chosen:
            raise LockError(f"Daftar versi memilih dua versi {pin.name} ({chosen[pin.name].version} dan "
                            f"{pin.version}) untuk Python {environment['python_version']} "
                            f"{environment['sys_platform']}.")
        chosen[pin.name] = pin
    return chosen


def unmet(chosen: dict[str, Pin], roots: list[Requirement], environment: dict, requires_of) -> list[str]:
    """What the chosen lines lack for a PC of `environment` (Indonesian, one a line; [] when none):
    a requirement of pyproject (`roots`, markers already evaluated) or of a chosen package that no chosen
    line satisfies, and a chosen line nothing asks for. `requires_of(pin)` gives a package's Requires-Dist,
    or None when unknown here: then its "via" comment stands for its edges."""
    problems, reached, wanted_extras = [], set(), {}
    pending = [(ROOT_NAME, requirement) for requirement in roots]
    while pending:
        asker, requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        pin = chosen.get(name)
        if pin is None or not requirement.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{asker} meminta {requirement}, daftar versi memberi "
                            + (f"{name}=={pin.version}" if pin else "tidak ada") + ".")
            continue
        extras = set(requirement.extras) - wanted_extras.get(name, set())
        if name in reached and not extras:
            continue
        reached.add(name)
        wanted_extras[name] = wanted_extras.get(name, set()) | extras
        requires = requires_of(pin)
        if requires is None:  # a file not at hand here: the lock's own word on who needs whom
            pending += [(name, Requirement(child.name)) for child in chosen.values() if name in child.parents]
            continue
        for text in requires:
            child = Requirement(text)
            if child.marker is None or any(child.marker.evaluate(dict(environment, extra=extra))
                                           for extra in {"", *wanted_extras[name]}):
                child.marker = None
                pending.append((name, child))
    problems += [f"{name}=={chosen[name].version} terpilih tetapi tidak diminta paket mana pun."
                 for name in sorted(set(chosen) - reached)]
    return problems

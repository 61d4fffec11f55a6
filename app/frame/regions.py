"""Kemendagri region codes (Kepmendagri 300.2.2-2138/2025), shipped in app/frame/data.

Codes are dotted in the list (`35.08.07`); NIK and KK carry them without dots (`350807`).
"""
import csv
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REGION_FILE = Path(__file__).parent / "data" / "wilayah-kemendagri-2025.csv"


@dataclass(frozen=True)
class Region:
    code: str  # dotted, e.g. "35.08.07"
    name: str

    @property
    def level(self) -> str:
        return {1: "provinsi", 2: "kabupaten", 3: "kecamatan", 4: "desa"}[self.code.count(".") + 1]


@lru_cache(maxsize=1)
def _table() -> tuple[bytes, array]:
    """The file's lines as they are (one bytes object, codes in order) and where each line starts.

    Every code and name as Python strings in a dict took 15 MB of the server's memory for its life
    (16 MB more while the file was read), for an office that asks for one kecamatan's desa and a few
    codes a day; the bytes and an index of the lines take 2.6 MB, and a look-up is a binary search
    (issue 45)."""
    data = REGION_FILE.read_bytes()
    if b"\r" in data:  # a copy saved with Windows line ends
        data = data.replace(b"\r\n", b"\n")
    if not data.endswith(b"\n"):
        data += b"\n"
    find = data.find
    at = find(b"\n") + 1  # the header line is skipped
    starts = array("I", [at])
    while (at := find(b"\n", at) + 1) < len(data):
        starts.append(at)
    starts.append(len(data))  # the end, so line i runs from starts[i] to starts[i + 1] - 1
    return data, starts


def _code_at(data: bytes, starts: array, i: int) -> bytes:
    return data[starts[i]:data.index(b",", starts[i])]


def _name_at(data: bytes, starts: array, i: int) -> str:
    line = data[starts[i]:starts[i + 1] - 1].decode("utf-8")
    name = line.partition(",")[2]
    return next(csv.reader([line]))[1] if name.startswith('"') else name  # "Lubuk Pakam I,II"


def _first_at_or_after(code: bytes) -> int:
    """The index of the first line whose code is not below `code` (codes are ASCII, in order)."""
    data, starts = _table()
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high) // 2
        if _code_at(data, starts, middle) < code:
            low = middle + 1
        else:
            high = middle
    return low


# The codes a kecamatan meets are few (its own, its desa's, the NIKs' regions), and each record's rules look
# up five: kept, a record's rules at the center 0.43 -> 0.25 ms (bench/bench_sync.py store). ~0.2 MB at most.
@lru_cache(maxsize=1024)
def _name_of(code: str) -> str | None:
    if not code.isascii():
        return None
    data, starts = _table()
    key = code.encode("ascii")
    i = _first_at_or_after(key)
    if i < len(starts) - 1 and _code_at(data, starts, i) == key:
        return _name_at(data, starts, i)
    return None


def _under(prefix: str):
    """(code, name) of every region whose code starts with `prefix`, in code order."""
    data, starts = _table()
    key = prefix.encode("ascii") if prefix.isascii() else b"\xff"
    i, last = _first_at_or_after(key), len(starts) - 1
    while i < last and (code := _code_at(data, starts, i)).startswith(key):
        yield code.decode("ascii"), _name_at(data, starts, i)
        i += 1


def dotted(code: str) -> str:
    """'350807' -> '35.08.07'; '3508072005' -> '35.08.07.2005'; dotted codes pass through."""
    code = code.strip()
    if "." in code or not code.isdigit():
        return code
    parts = [code[0:2], code[2:4], code[4:6], code[6:10]]
    return ".".join(p for p in parts if p)


def region(code: str) -> Region | None:
    code = dotted(code)
    name = _name_of(code)
    return Region(code, name) if name is not None else None


def region_name(code: str) -> str | None:
    found = region(code)
    return found.name if found else None


def is_kecamatan_code(code: str) -> bool:
    """True when `code` (dotted or six digits) is a real kecamatan."""
    code = dotted(code)
    return code.count(".") == 2 and _name_of(code) is not None


def desa_of(kecamatan_code: str) -> list[Region]:
    """The desa/kelurahan of a kecamatan, in code order."""
    prefix = dotted(kecamatan_code) + "."
    return [Region(c, n) for c, n in _under(prefix) if c.count(".") == 3]


def parents(code: str) -> list[Region]:
    """Province, kabupaten, ... above `code`, outermost first."""
    parts = dotted(code).split(".")
    found = [region(".".join(parts[:i])) for i in range(1, len(parts))]
    return [r for r in found if r]


@lru_cache(maxsize=1)
def _children_index() -> dict[str, list[Region]]:
    """Parent code ('' for the country) -> its regions in code order: the cascading selects."""
    index: dict[str, list[Region]] = {}
    for code, name in _under(""):
        if code.count(".") < 3:  # provinsi, kabupaten/kota, kecamatan; desa are listed by desa_of
            index.setdefault(code.rpartition(".")[0], []).append(Region(code, name))
    return index


def children(parent_code: str = "") -> list[Region]:
    """Provinces for '', kabupaten/kota of a province, kecamatan of a kabupaten."""
    return list(_children_index().get(dotted(parent_code) if parent_code else "", []))


# The legal time zone of each province (Keppres 41/1987, and the provinces formed since in the
# area each came from). No province in the Kemendagri 2025 list straddles two zones, so the
# province decides; a code missing here (a province added later) proposes nothing and the admin
# chooses. tests/settings/test_zones.py checks that every province in the list is here.
ZONE_OF_PROVINCE = {
    **dict.fromkeys(("11", "12", "13", "14", "15", "16", "17", "18", "19", "21",
                     "31", "32", "33", "34", "35", "36", "61", "62"), "WIB"),
    **dict.fromkeys(("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"), "WITA"),
    **dict.fromkeys(("81", "82", "91", "92", "93", "94", "95", "96"), "WIT"),
}


def zone_of(code: str) -> str | None:
    """'WIB', 'WITA' or 'WIT' for a province, kabupaten, kecamatan or desa code; None if unknown."""
    code = dotted(code or "")
    return ZONE_OF_PROVINCE.get(code.split(".")[0]) if code else None

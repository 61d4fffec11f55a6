"""The regency's letterhead on the Kinerja Kecamatan report for the Bupati (issue 29).

The report is the regency government's, not the printing center's: PEMERINTAH KABUPATEN <name>, the
office that issues it, its address, and its logo when one is configured (LOKET_CENTER_KABUPATEN,
LOKET_CENTER_DINAS, LOKET_CENTER_ALAMAT, LOKET_CENTER_LOGO: README). The center's own printed lists
keep the center's heading (templates/center/_letterhead.html).
"""
import base64
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app

from app.frame import regions
from app.frame.letterhead_logo import LogoError, normalise_logo
from sync.center.models import Kecamatan

DEFAULT_OFFICE = "Dinas Kependudukan dan Pencatatan Sipil"  # the office that runs the center


@dataclass(frozen=True)
class Letterhead:
    government: str  # "Kabupaten Lumajang": printed "PEMERINTAH KABUPATEN LUMAJANG"
    office: str
    address: str
    logo: str | None  # a data: URI (the pages' CSP allows data: images): no route of its own to guard

    @property
    def addressee(self) -> str:
        """Whom the report is addressed to: a kota's head is the Wali Kota, a kabupaten's the Bupati
        (UU 23/2014 Pasal 59); Kemendagri names every kota "Kota ..." (codes xx.71 and up)."""
        kind, _, place = self.government.partition(" ")
        head = "Wali Kota" if kind.lower() == "kota" else "Bupati"
        return f"{head} {place}".strip()


def _regency(configured: str) -> tuple[str | None, str]:
    """(Kemendagri code or None, name) of the configured kabupaten/kota (a name or its code), else of
    the one most registered kecamatan belong to: every kecamatan the center serves is in its regency."""
    if configured:
        name = regions.region_name(configured)
        if name:
            return regions.dotted(configured), name
        name = configured if configured.lower().startswith(("kabupaten ", "kota ")) else f"Kabupaten {configured}"
        found = next((r for province in regions.children("") for r in regions.children(province.code)
                      if r.name.lower() == name.lower()), None)
        return (found.code, found.name) if found else (None, name)
    codes = Counter(code.rpartition(".")[0] for (code,) in Kecamatan.select(Kecamatan.code).tuples())
    for code, _ in codes.most_common(1):
        name = regions.region_name(code)
        if name:
            return code, name
    return None, "Kabupaten"


@lru_cache(maxsize=4)
def logo_uri(path: str) -> str | None:
    """The configured logo as a small PNG (as the office's is stored), read once; a file that cannot be
    read is logged and left out, so the report still prints."""
    if not path:
        return None
    try:
        png = normalise_logo(Path(path).read_bytes())
    except (OSError, LogoError) as problem:
        current_app.logger.warning("Logo kop surat kabupaten (%s) tidak dipakai: %s", path, problem)
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def regency_letterhead() -> Letterhead:
    config = current_app.config
    code, name = _regency(config["REGENCY_NAME"])
    address = config["REGENCY_ADDRESS"]
    if not address:
        province = regions.region_name(code.split(".")[0]) if code else None
        address = f"{name}, Provinsi {province}" if province else name
    return Letterhead(name, config["REGENCY_OFFICE"] or DEFAULT_OFFICE, address, logo_uri(config["REGENCY_LOGO"]))

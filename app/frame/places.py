"""The desa of this office's kecamatan: the list every application and pre-registration form checks
its desa against (the counter's, the desa PC's, a relayed form's). No Flask: storage modules read it."""
from functools import lru_cache

from app.frame import regions, store


@lru_cache(maxsize=4)
def _desa_of(kecamatan_code: str) -> tuple:
    return tuple(regions.desa_of(kecamatan_code))  # the same tuple for every form of the day


@lru_cache(maxsize=4)
def _desa_names_of(kecamatan_code: str) -> dict:
    return {r.code: r.name for r in _desa_of(kecamatan_code)}


def desa_list() -> list:
    return list(_desa_of(store.get("kecamatan_code") or ""))


def desa_names() -> dict[str, str]:
    return _desa_names_of(store.get("kecamatan_code") or "")

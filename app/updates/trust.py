"""Which regency root this PC trusts, rooted in paper: the admin types (or scans) the fingerprint the
regency printed (`run.py release keys`), and a check takes a root from the center or a stick only
when its own keys give that fingerprint (app/updates/fetching.py). Until then nothing is fetched
beyond the root, offered or installed. Later roots come by TUF's chain (each signed by the one
before), so the regency can still rotate its root key.

A PC of the previous version took its first root unconfirmed; it counts as unconfirmed until the
admin types the fingerprint: equal, it is kept; different, it is dropped and the next check starts
afresh from the regency's."""
import re
import shutil
from pathlib import Path

from tuf.api.metadata import Metadata, Root

from app.frame import audit
from app.frame.db import database
from app.updates.state import paths, read_state, write_state
from sync.releases import FINGERPRINT_HEX, root_fingerprint

ASK_REGENCY = ("Minta lembar sidik jari kunci root dari admin kabupaten (dicetak saat kunci rilis dibuat dengan "
               "run.py release keys; bukan dari halaman pusat, yang bisa diubah orang yang membobol komputer pusat), lalu ketik sidik jari itu "
               "di halaman Pembaruan Aplikasi. Sampai itu, komputer ini tidak mengunduh atau memasang pembaruan.")
MAX_TYPED_CHARS = 200
SEPARATORS = re.compile(r"[\s\-_:.]+")


class FingerprintInvalid(ValueError):
    """str() tells the admin, in Indonesian, what is wrong with what was typed."""


def normalized(typed: str) -> str:
    """The fingerprint as `run.py release keys` prints it ("3f2a 9c01 ..."), from what was typed or
    scanned: spaces, dashes and case do not matter; several root keys are separated by "/"."""
    if not typed or not typed.strip():
        raise FingerprintInvalid("Ketik sidik jari kunci root dari lembar kabupaten (32 huruf/angka, "
                                 "delapan kelompok empat).")
    if len(typed) > MAX_TYPED_CHARS:
        raise FingerprintInvalid("Sidik jari terlalu panjang: satu kunci root punya 32 huruf/angka (0-9 dan a-f).")
    keys = []
    for part in typed.split("/"):
        digits = SEPARATORS.sub("", part).lower()
        if not re.fullmatch(r"[0-9a-f]{%d}" % FINGERPRINT_HEX, digits):
            raise FingerprintInvalid(f"Sidik jari harus {FINGERPRINT_HEX} huruf/angka 0-9 dan a-f (delapan kelompok "
                                     f"empat, misalnya 3f2a 9c01 ...); yang diketik berisi {len(digits)} karakter"
                                     + (" dengan huruf selain a-f." if re.search(r"[^0-9a-f]", digits) else ".")
                                     + " Periksa lagi lembar dari kabupaten.")
        keys.append(" ".join(digits[i:i + 4] for i in range(0, FINGERPRINT_HEX, 4)))
    return " / ".join(sorted(keys))


def fingerprint_of_bytes(data: bytes) -> str | None:
    try:
        return root_fingerprint(Metadata[Root].from_bytes(data).signed)
    except Exception:  # noqa: BLE001  (any malformed root: it is no one's)
        return None


def _chain(metadata: Path) -> list[Path]:
    """The roots this PC accepted: TUF's root_history (the first is the one it started from) and root.json."""
    history = metadata / "root_history"
    found = sorted(history.glob("*.root.json"), key=lambda p: int(p.name.split(".")[0])
                   if p.name.split(".")[0].isdigit() else 0) if history.is_dir() else []
    return [*found, metadata / "root.json"]


def _fingerprints(metadata: Path) -> list[str]:
    seen = []
    for path in _chain(metadata):
        try:
            found = fingerprint_of_bytes(path.read_bytes())
        except OSError:
            continue
        if found and found not in seen:
            seen.append(found)
    return seen


def expected_root(data_dir: Path) -> str | None:
    """The fingerprint the admin typed from the regency's sheet; None before."""
    return read_state(data_dir).get("expected_root") or None


def trusts_a_root(data_dir: Path) -> bool:
    return (paths(data_dir).metadata / "root.json").exists()


def trusted_fingerprint(data_dir: Path) -> str | None:
    """The root this PC trusts now (the newest it accepted), as `run.py release keys` printed it."""
    try:
        return fingerprint_of_bytes((paths(data_dir).metadata / "root.json").read_bytes())
    except OSError:
        return None


def confirmed(data_dir: Path) -> bool:
    """Does this PC trust the regency's root as its admin confirmed it? (A root on its chain has the
    typed fingerprint: TUF accepted every later one because the one before signed it.)"""
    expected = expected_root(data_dir)
    return bool(expected) and trusts_a_root(data_dir) and expected in _fingerprints(paths(data_dir).metadata)


def forget(data_dir: Path) -> str | None:
    """Drop the roots (and all metadata) this PC trusts, and the release learnt through them; returns
    the fingerprint dropped."""
    dropped = trusted_fingerprint(data_dir)
    shutil.rmtree(paths(data_dir).metadata, ignore_errors=True)
    write_state(data_dir, available=None, settled=None, dropped_root=dropped)
    return dropped


def confirm(data_dir: Path, typed: str, user=None) -> tuple[str, bool]:
    """The admin's typed fingerprint, stored (audited) as the one expected; a root this PC took
    unconfirmed that does not match is dropped. Returns the admin's message and whether all is well
    (False: a root was dropped); FingerprintInvalid when what was typed is no fingerprint."""
    expected = normalized(typed)
    before = expected_root(data_dir)
    with database.atomic():
        audit.record("ubah", "pengaturan", "kunci_root_pembaruan",
                     f"Sidik jari kunci root kabupaten dikonfirmasi: {expected}",
                     before={"sidik_jari": before} if before else None, after={"sidik_jari": expected}, user=user)
        write_state(data_dir, expected_root=expected)
    if not trusts_a_root(data_dir):
        return (f"Sidik jari {expected} disimpan. Kunci root kabupaten diterima pada pemeriksaan pembaruan berikutnya "
                "(sinkronisasi atau flashdisk), hanya bila sidik jarinya sama.", True)
    if confirmed(data_dir):
        write_state(data_dir, dropped_root=None)
        return f"Cocok: komputer ini memercayai kunci root kabupaten {expected}. Pembaruan dari kabupaten dapat dipasang.", True
    dropped = forget(data_dir)
    return (f"Komputer ini memercayai kunci {dropped or 'yang tidak terbaca'}, yang BUKAN kunci kabupaten ({expected}). "
            "Kunci itu dibuang beserta pembaruan yang dibaca dengannya; kunci kabupaten diambil lagi pada pemeriksaan "
            "berikutnya. Laporkan ke admin kabupaten: sumber pembaruan komputer ini pernah memberi kunci orang lain.", False)


def describe(data_dir: Path) -> dict:
    """What the update page says about the trusted root."""
    state = read_state(data_dir)
    return {"expected": state.get("expected_root"), "trusted": trusted_fingerprint(data_dir),
            "confirmed": confirmed(data_dir), "dropped": state.get("dropped_root")}

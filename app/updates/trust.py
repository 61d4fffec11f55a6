"""Which regency root this PC trusts, rooted in paper: the admin types (or scans) the fingerprint the
regency printed (`run.py release keys`), and a check takes a root from the center or a stick only
when its own keys give that fingerprint, all 32 digits (app/updates/fetching.py). Until then nothing
is fetched beyond the root, offered or installed. Later roots come by TUF's chain (each signed by the
one before), so the regency can still rotate its root key.

The sheet is the only source (issue 69): no page shows a fingerprint to copy (a refused root is named
without its digits, the trail keeps only its first and last groups), the regency never sends one by
message, and every typing, the first included (issue 79), needs the admin's password and a second
typing. A change that the PC's trusted chain
does not hold is a typing error, not the regency's key gone bad: refused, the confirmed root kept,
unless the admin says the regency handed out a new sheet because its old root key was lost.

A PC of the previous version took its first root unconfirmed; it counts as unconfirmed until the
admin types the fingerprint: equal, it is kept; different, it is dropped (it was never confirmed) and
the next check starts afresh from the sheet's."""
import re
import shutil
from pathlib import Path

from tuf.api.metadata import Metadata, Root

from app.frame import audit
from app.frame.audit_rule import act
from app.frame.db import database
from app.updates.state import now_text, paths, read_state, write_state
from sync.release.key_signing import FINGERPRINT_HEX, NEVER_BY_MESSAGE, printed_fingerprint, root_fingerprint

ASK_REGENCY = ("Minta lembar sidik jari kunci root dari admin kabupaten (dicetak saat kunci rilis dibuat dengan "
               "run.py release keys), lalu ketik sidik jari dari lembar itu di halaman Pembaruan Aplikasi. "
               + NEVER_BY_MESSAGE + " Sampai itu, komputer ini tidak mengunduh atau memasang pembaruan.")
CHECK_TYPING = "Periksa lagi yang Anda ketik dengan lembar kabupaten."
MAX_TYPED_CHARS = 200
SEPARATORS = re.compile(r"[\s\-_:.]+")


class FingerprintInvalid(ValueError):
    """str() tells the admin, in Indonesian, what is wrong; `field` is the form field it belongs to."""

    def __init__(self, message: str, field: str = "sidik_jari"):
        super().__init__(message)
        self.field = field


def normalized(typed: str) -> str:
    """The one root key's fingerprint as `run.py release keys` prints it ("3f2a 9c01 ..."), from what
    was typed or scanned: spaces, dashes and case do not matter; several keys are refused."""
    if not typed or not typed.strip():
        raise FingerprintInvalid("Ketik sidik jari kunci root dari lembar kabupaten (32 huruf/angka, "
                                 "delapan kelompok empat).")
    if len(typed) > MAX_TYPED_CHARS:
        raise FingerprintInvalid("Sidik jari terlalu panjang: satu kunci root punya 32 huruf/angka (0-9 dan a-f).")
    if "/" in typed:
        # The sheet names one key; a root of several keys can hold a stranger's beside the regency's.
        raise FingerprintInvalid("Sidik jari cukup satu: lembar kabupaten mencetak satu kunci root (delapan "
                                 "kelompok empat); beberapa kunci yang dipisah \"/\" tidak diterima.")
    digits = SEPARATORS.sub("", typed).lower()
    if not re.fullmatch(r"[0-9a-f]{%d}" % FINGERPRINT_HEX, digits):
        raise FingerprintInvalid(f"Sidik jari harus {FINGERPRINT_HEX} huruf/angka 0-9 dan a-f (delapan kelompok "
                                 f"empat, seperti tercetak di lembar); yang diketik berisi {len(digits)} karakter"
                                 + (" dengan huruf selain a-f." if re.search(r"[^0-9a-f]", digits) else ".")
                                 + " Periksa lagi lembar dari kabupaten.")
    return printed_fingerprint(digits)


def in_the_trail(fingerprint: str) -> str:
    """A typed fingerprint as the trail keeps it: its first and last groups, never the sheet's eight
    (no page, print or trail shows one to copy); enough to tell two typings apart or check one
    against the sheet."""
    digits = fingerprint.replace(" ", "")
    return f"{digits[:4]}\u2026{digits[-4:]}"


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
    typed fingerprint, all 32 digits: TUF accepted every later one because the one before signed it.)"""
    expected = expected_root(data_dir)
    return bool(expected) and trusts_a_root(data_dir) and expected in _fingerprints(paths(data_dir).metadata)


def forget(data_dir: Path) -> None:
    """Drop the roots (and all metadata) this PC trusts, and the release learnt through them. The page
    says a root was dropped, never which: its digits are not the sheet's and must not be typed."""
    shutil.rmtree(paths(data_dir).metadata, ignore_errors=True)
    write_state(data_dir, available=None, settled=None, dropped_root=True)


@act("ubah")
def confirm(data_dir: Path, typed: str, user=None, again: str | None = None, password_ok: bool = False,
            new_sheet: bool = False) -> tuple[str, bool]:
    """The admin's typed fingerprint, stored (audited, with who and when) as the one expected. Every
    typing, the first included, needs `password_ok` and `again` (the second typing) equal to it
    (issue 79: every PC types it first at a rollout, when a lure would pay most); a change the
    trusted chain does not hold is refused as a typing error unless `new_sheet` (the regency's old
    root key was lost). A root this PC took unconfirmed that does not match is dropped.
    Returns the admin's message and whether all is well; FingerprintInvalid (nothing changed) else."""
    expected = normalized(typed)
    before = expected_root(data_dir)
    metadata = paths(data_dir).metadata
    if not password_ok:
        raise FingerprintInvalid("Kata sandi salah atau kosong: " + ("mengganti sidik jari yang sudah disimpan"
                                 if before else "menyimpan sidik jari") + " memerlukan kata sandi Anda. "
                                 "Tidak ada yang diubah.", "kata_sandi")
    try:
        repeated = normalized(again or "")
    except FingerprintInvalid:
        repeated = None
    if repeated != expected:
        raise FingerprintInvalid("Ketikan kedua tidak sama dengan yang pertama: ketik sidik jari dari lembar "
                                 "kabupaten dua kali. Tidak ada yang diubah.", "sidik_jari_ulang")
    if before and confirmed(data_dir) and expected not in _fingerprints(metadata) and not new_sheet:
        raise FingerprintInvalid(
            "Sidik jari ini tidak sama dengan kunci root yang sudah dikonfirmasi di komputer ini. "
            + CHECK_TYPING + " Kunci yang dikonfirmasi tetap dipakai; tidak ada yang diubah. Jangan mengetik "
            "sidik jari dari pesan, telepon atau halaman lain.")
    with database.atomic():
        audit.record("ubah", "pengaturan", "kunci_root_pembaruan",
                     "Sidik jari kunci root kabupaten diketik dua kali dari lembar, dengan kata sandi",
                     before={"sidik_jari": in_the_trail(before)} if before else None,
                     after={"sidik_jari": in_the_trail(expected)}, user=user)
        write_state(data_dir, expected_root=expected, expected_root_by=_name(user), expected_root_at=now_text())
    if not trusts_a_root(data_dir):
        return ("Sidik jari disimpan. Kunci root kabupaten diterima pada pemeriksaan pembaruan berikutnya "
                "(sinkronisasi atau flashdisk), hanya bila sidik jarinya sama dengan yang diketik.", True)
    if confirmed(data_dir):
        write_state(data_dir, dropped_root=None)
        return "Cocok: komputer ini memercayai kunci root kabupaten. Pembaruan dari kabupaten dapat dipasang.", True
    forget(data_dir)
    if before and new_sheet:
        return ("Sidik jari dari lembar baru disimpan; kunci root lama dilepas. Kunci root kabupaten diambil lagi "
                "pada pemeriksaan berikutnya, hanya bila sidik jarinya sama dengan yang diketik.", True)
    # Only a root never confirmed (the previous version's) gets here: dropping it costs nothing.
    return (CHECK_TYPING + " Sidik jari yang diketik tidak sama dengan kunci yang diterima komputer ini tanpa "
            "konfirmasi (oleh versi aplikasi sebelumnya). Kunci itu dilepas beserta pembaruan yang dibaca dengannya; "
            "kunci kabupaten diambil lagi pada pemeriksaan berikutnya, hanya bila sidik jarinya sama dengan yang "
            "diketik. Bila yang diketik sudah sama dengan lembar, beri tahu admin kabupaten.", False)


def _name(user) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "username", "") or "sistem")[:80]


def describe(data_dir: Path) -> dict:
    """What the update page says about the trusted root: never a fingerprint, only whether this PC
    trusts the sheet's key, who typed it and when."""
    state = read_state(data_dir)
    trusted = trusted_fingerprint(data_dir)
    expected = state.get("expected_root")
    by, at = (state.get("expected_root_by"), state.get("expected_root_at")) if expected else (None, None)
    if expected and not by:
        by, at = _typed_in_the_trail()
    return {"typed": bool(expected), "trusts": trusts_a_root(data_dir), "confirmed": confirmed(data_dir),
            "rotated": bool(expected) and trusted is not None and trusted != expected,
            "dropped": bool(state.get("dropped_root")), "by": by, "at": at}


def _typed_in_the_trail() -> tuple[str | None, str | None]:
    """Who typed the fingerprint and when, from the audit trail: a PC that confirmed it on a version
    that kept neither in its update state."""
    from peewee import PeeweeException
    try:
        row = (audit.AuditEvent.select().where(audit.AuditEvent.entity_id == "kunci_root_pembaruan")
               .order_by(audit.AuditEvent.id.desc()).first())
    except PeeweeException:
        return None, None
    return (row.username, str(row.at)) if row else (None, None)

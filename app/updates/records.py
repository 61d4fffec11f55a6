"""The update page's changes that are audited: the admin's night setting, and a version installed."""
from pathlib import Path

from app.frame import audit
from app.frame.audit_rule import act
from app.frame.db import database
from app.updates.state import write_state


@act("ubah")
def set_nightly(data_dir: Path, at_night: bool) -> None:
    write_state(data_dir, apply_at_night=at_night)
    with database.atomic():
        audit.record("ubah", "pengaturan", "pembaruan_malam",
                     "Pembaruan dipasang sendiri pada malam hari" if at_night else "Pembaruan hanya dipasang dengan tombol")


@act("pasang_pembaruan")
def note_installed(version: str, pages: int, user=None) -> None:
    with database.atomic():
        audit.record("pasang_pembaruan", "aplikasi", version,
                     f"Versi {version} dipasang dan lulus pemeriksaan {pages} halaman pada salinan data; dicoba setelah "
                     "berganti versi", user=user)

"""The office settings' changes made at the admin's pages: each checks nothing the form has not,
writes, and records its audit row in one transaction (the identity itself: settings/identity.save)."""
from app.frame import audit
from app.auth.accounts import names_in_password
from app.frame import store, versions
from app.frame.audit_rule import act, nothing_done
from app.frame.dates import utc_now
from app.frame.db import database
from app.settings import identity
from app.settings.models import StoredFile

LOGO_KEY = "letterhead_logo"
OFFICE_LABELS = {"address": "Alamat kantor", "phone": "Telepon / hotline", "email": "Surel", "camat_name": "Nama Camat",
                 "camat_nip": "NIP Camat", "timezone": "Zona waktu", "public_address": "Alamat publik", "office_hours": "Jam layanan",
                 "kecamatan_code": "Kode kecamatan"}


def office_version(values: dict) -> dict:
    """What the office page shows: its version (two admins at once)."""
    return {key: values.get(key) or "" for key in OFFICE_LABELS}


@act("ubah")
def ask_for_a_password_without_the_office_name(user, typed: str) -> str | None:
    """After the setup: the admin's password (`typed`, just verified) was chosen at the first start,
    before the office's names were known; when it holds one of them, it must be
    changed now. Returns the words saying why, else None."""
    problem = names_in_password(typed) if user is not None else None
    if problem is None:
        return nothing_done()
    with database.atomic():
        user.must_change_password = True
        user.save()
        audit.record("ubah", "akun", user.username, "Kata sandi memuat nama kantor, wilayah atau desa: wajib diganti")
    return problem


@act("ubah")
def set_up_office(values: dict, png: bytes | None, background_rule: bool = False) -> None:
    """The first run's identity, its logo and the photo-background rule the admin chose (seed 004 §2.2:
    stated at setup, never a silent default), together or not at all. The LAN's CA, if made before,
    takes the kecamatan's name."""
    from flask import current_app

    from app.frame import office_tls
    with database.atomic():
        identity.save(values, "Identitas kantor diubah" if identity.is_set_up() else "Penyiapan kantor")
        office_tls.name_the_ca_at_setup()
        if png:
            store_logo(png)
        before = store.get("photo_background_rule")
        store.put("photo_background_rule", background_rule)
        audit.record("ubah", "pengaturan", "latar_foto", "Aturan latar foto " + ("dipakai" if background_rule
                                                                                 else "tidak dipakai") + " (penyiapan)",
                     {"photo_background_rule": before}, {"photo_background_rule": background_rule})
    office_tls.serve_at_once(current_app)


def save_office(values: dict, form):
    """The office's identity as the page sent it, unless another admin saved since the page was read:
    then the conflict (app/frame/versions.py) and nothing saved."""
    with database.atomic():  # read again under the write lock: another admin's save may have come first
        conflict = versions.conflict(form, office_version(identity.current_values()), office_version(values),
                                     OFFICE_LABELS)
        if not conflict:
            identity.save(values, "Identitas kantor diubah")
    return conflict


@act("ubah")
def store_logo(png: bytes) -> None:
    """The letterhead logo, already normalised (frame/letterhead_logo.normalise_logo)."""
    with database.atomic():
        (StoredFile.insert(key=LOGO_KEY, content=png, mime_type="image/png", updated_at=utc_now())
         .on_conflict_replace().execute())
        audit.record("ubah", "pengaturan", "logo", f"Logo kop surat diganti ({len(png)} bita)")


@act("ubah")
def set_session_timeout(minutes: int) -> None:
    before = store.get("session_idle_minutes")
    with database.atomic():
        store.put("session_idle_minutes", minutes)
        audit.record("ubah", "pengaturan", "sesi", "Batas sesi menganggur diubah",
                     {"session_idle_minutes": before}, {"session_idle_minutes": minutes})


@act("ubah")
def note_autostart(installed: bool) -> None:
    """The start-with-the-PC entry lives in the PC's own settings; the trail records the change."""
    with database.atomic():
        audit.record("ubah", "pengaturan", "mulai_otomatis", "Mulai otomatis " + ("dipasang" if installed else "dilepas"))

"""The application form as a page reads and shows it: the uploaded photo and what the form's template
needs. The KTP-el counter's pages and the desa's (the F-1.07, the counter accepting a pre-registration)
show the same form, so both read it here (below both programs: the desa PC has no counter pages)."""
import hashlib
import threading
from collections import OrderedDict

from flask import request

from app.frame import store
from app.frame import person_rules
from app.frame.applicant_photo import NormalisedPhoto, PhotoError, background_rule_warning, normalise_photo
from app.frame.places import desa_list

# The admin's choice at the kecamatan (Pengaturan Pendaftaran); a desa PC keeps the default.
store.register_defaults(photo_background_rule=False)
PHOTO_NOT_KEPT = ("Foto yang dipilih belum tersimpan karena ada isian yang perlu diperbaiki: browser tidak "
                  "menyimpan pilihan berkas. Pilih atau ambil foto lagi sebelum menyimpan.")


# Photos checked when the clerk chose them (the form's check, `photo_check`), by the SHA-256 of the file as
# the browser sent it: Simpan sends the same file and takes the photo checked then, not its decoding and
# resizing again (10 ms of CPU, ~40 ms on half a core shared with a busy program, issue 73). In this process
# only, the last few: what Simpan answers is still durable only once its transaction commits.
CHECKED_PHOTOS_KEPT = 8
# A clerk who takes the photo last presses Simpan while its check still runs: Simpan waits for that check
# (at most this long) rather than decoding the same photo beside it on the same half core.
CHECK_IN_PROGRESS_WAIT_SECONDS = 10
_checked: OrderedDict[str, NormalisedPhoto] = OrderedDict()
_checking: dict[str, threading.Event] = {}  # digests being checked now, set when their check ends
_checked_lock = threading.Lock()


def checked_photo(data: bytes) -> NormalisedPhoto:
    """normalise_photo(data), made once for the same bytes (raises PhotoError)."""
    digest = hashlib.sha256(data).hexdigest()
    with _checked_lock:
        if (photo := _kept(digest)) is not None:
            return photo
        running = _checking.get(digest)
        if running is None:
            _checking[digest] = threading.Event()
    if running is not None:  # the same photo's check is under way: its answer, or our own if it failed
        running.wait(CHECK_IN_PROGRESS_WAIT_SECONDS)
        with _checked_lock:
            photo = _kept(digest)
        return photo if photo is not None else normalise_photo(data)
    try:
        photo = normalise_photo(data)
        with _checked_lock:
            _checked[digest] = photo
            while len(_checked) > CHECKED_PHOTOS_KEPT:
                _checked.popitem(last=False)
        return photo
    finally:
        with _checked_lock:
            _checking.pop(digest).set()


def _kept(digest: str) -> NormalisedPhoto | None:  # under _checked_lock
    if (photo := _checked.get(digest)) is not None:
        _checked.move_to_end(digest)
    return photo


def read_photo(errors: dict, birth_year: int | None, warnings: dict):
    """The uploaded (or webcam) photo, normalised; None when none was given."""
    upload = request.files.get("photo")
    data = upload.read() if upload and upload.filename else b""
    if not data:
        return None
    try:
        photo = checked_photo(data)
    except PhotoError as problem:
        errors["photo"] = problem.message
        return None
    if birth_year and store.get("photo_background_rule"):
        if (warning := background_rule_warning(photo.background, birth_year)) is not None:
            warnings["photo"] = warning
    return photo


def form_context(form, errors, warnings, application=None, collective=None, duplicates=(), holds=()):
    upload = request.files.get("photo")
    if errors and "photo" not in errors and upload is not None and upload.filename:
        warnings = {**warnings, "photo": PHOTO_NOT_KEPT}  # a refused form comes back without the file
    return dict(form=form, errors=errors, warnings=warnings, application=application, collective=collective,
                duplicates=duplicates, holds=holds, desa=desa_list(), reasons=person_rules.REASONS,
                religions=person_rules.RELIGIONS, marital_statuses=person_rules.MARITAL_STATUSES,
                sexes=person_rules.SEXES, occupations=person_rules.OCCUPATION_SUGGESTIONS,
                # the inline checks under NIK and KK: the counter's (the desa's form names its own)
                nik_check="registration.check_nik", kk_check="registration.check_kk",
                photo_check="registration.check_photo")

"""The admin's update page: what runs, what is available (with its notes), one button to apply it,
the night setting, a USB folder to read a release from, what happened last (a refusal, a version
taken back), and the regency root this PC trusts with the form where its admin types the
fingerprint from the regency's sheet (app/updates/trust.py)."""
from functools import partial
from pathlib import Path

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from app.capabilities import MenuItem
from app.frame import audit, throttle
from app.frame.page_turns import long_running
from app.updates import records, state, versions, waiting

blueprint = Blueprint("updates", __name__)


def _waiting(user) -> int:
    """The menu's badge: 1 while a release waits to be applied (never before the root is confirmed)."""
    kept = state.read_state(current_app.config["DATA_DIR"])
    return 1 if kept.get("available") and kept.get("expected_root") else 0


MENU = [MenuItem("Pembaruan Aplikasi", "updates.index", order=94, badge=_waiting)]
MAX_FOLDER_CHARS = 300
MAX_PASSWORD_CHARS = 200


@blueprint.get("/admin/pembaruan")
def index():
    return _page()


def _page(errors=None, folder: str = "", status: int = 200, typed: str = ""):
    data_dir = current_app.config["DATA_DIR"]
    root = _root_trust(data_dir)
    shown = state.read_state(data_dir)
    if not root["confirmed"]:
        shown["available"] = None  # learnt through a root nobody confirmed: never offered
    selection = state.read_selection(data_dir)
    shown["interrupted"] = waiting.interrupted_said(shown, selection)  # its promise as true as it is now
    return render_template("updates/index.html", state=shown, errors=errors or {}, folder=folder, typed=typed,
                           running=versions.running_version(), selection=selection,
                           root=root), status


def _root_trust(data_dir) -> dict:
    from app.updates import trust  # loads TUF: only on this page
    return trust.describe(data_dir)


@blueprint.post("/admin/pembaruan/kunci-root")
def confirm_root():
    """The fingerprint the regency printed, typed or scanned by this PC's admin twice, with the admin's
    password (audited): the first typing as much as a change (app/updates/trust.py)."""
    from app.updates import trust
    data_dir = current_app.config["DATA_DIR"]
    typed = request.form.get("sidik_jari", "")
    change = bool(trust.expected_root(data_dir))
    # The password is checked as often as sign-in allows: five wrong, then 429 for a while.
    password_ok, wait = throttle.password_again(
        g.user, request.form.get("kata_sandi", "")[:MAX_PASSWORD_CHARS],
        "mengganti sidik jari kunci root" if change else "menyimpan sidik jari kunci root",
        partial(audit.record, entity="pengguna", entity_id=g.user.id))
    if wait:
        body, status = _page({"kata_sandi": throttle.password_again_refused(wait)},
                             typed=typed[:trust.MAX_TYPED_CHARS], status=429)
        return body, status, throttle.retry_after(wait)
    try:
        message, well = trust.confirm(data_dir, typed, user=g.user, again=request.form.get("sidik_jari_ulang", ""),
                                      password_ok=password_ok, new_sheet=request.form.get("lembar_baru") == "ya")
    except trust.FingerprintInvalid as problem:
        return _page({problem.field: str(problem)}, typed=typed[:trust.MAX_TYPED_CHARS], status=422)
    flash(message, "success" if well else "error")
    return redirect(url_for("updates.index"))


@blueprint.post("/admin/pembaruan/pasang")
@long_running
def apply():
    from app.updates.installing import apply_available, restart_soon
    try:
        message = apply_available(current_app.config, user=g.user)
    except versions.UpdateRefused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("updates.index"))
    flash(message, "success")
    page = _page()  # the answer itself, not a redirect: the server restarts right after it
    restart_soon()
    return page


@blueprint.post("/admin/pembaruan/malam")
def nightly():
    records.set_nightly(current_app.config["DATA_DIR"], request.form.get("malam") == "ya")  # the button says which
    flash("Pengaturan pemasangan malam disimpan.", "success")
    return redirect(url_for("updates.index"))


@blueprint.post("/admin/pembaruan/usb")
@long_running
def from_folder():
    """A release from a USB stick: a copy of the center's release folder (metadata/ and targets/)."""
    typed = request.form.get("folder", "").strip()
    if not typed:
        return _page({"folder": "Tulis letak folder pembaruan di flashdisk, misalnya E:\\pembaruan."}, typed, 422)
    if len(typed) > MAX_FOLDER_CHARS or not _is_release_folder(Path(typed)):
        return _page({"folder": "Folder itu bukan folder pembaruan (harus berisi folder metadata dan targets dari "
                                "pusat). Periksa huruf flashdisk dan nama foldernya."}, typed[:MAX_FOLDER_CHARS], 422)
    folder = Path(typed)
    if not state.read_state(current_app.config["DATA_DIR"]).get("expected_root"):
        return _page({"sidik_jari": "Ketik dulu sidik jari kunci root dari lembar kabupaten: tanpa itu pembaruan dari "
                                    "flashdisk tidak dibaca."}, typed, 422)
    from app.updates import fetching  # TUF: loaded when a release is read, not with the page
    try:
        found = fetching.check_source(current_app.config["DATA_DIR"], fetching.FolderSource(folder))
    except fetching.Postponed:
        flash("Berkas di flashdisk tidak terbaca utuh; colok ulang lalu coba lagi.", "error")
        return redirect(url_for("updates.index"))
    if found.get("refused") or found.get("waits_for_room"):
        flash(found.get("refused") or found["waits_for_room"], "error")
    elif found.get("available"):
        flash(f"Pembaruan versi {found['available']['version']} dibaca dari flashdisk dan sudah diperiksa.", "success")
    else:
        flash("Flashdisk tidak berisi versi yang lebih baru dari versi yang berjalan.", "success")
    return redirect(url_for("updates.index"))


def _is_release_folder(folder: Path) -> bool:
    try:
        return (folder / "metadata").is_dir() and (folder / "targets").is_dir()
    except (OSError, ValueError):  # a name the system refuses (too long, a NUL): not a folder
        return False

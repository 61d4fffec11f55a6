"""The admin's update page: what runs, what is available (with its notes), one button to apply it,
the night setting, a USB folder to read a release from, and what happened last (a refusal, a
version taken back)."""
from pathlib import Path

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for

from app.capabilities import MenuItem
from app.frame.page_turns import long_running
from app.updates import records, state, versions

blueprint = Blueprint("updates", __name__)


def _waiting(user) -> int:
    """The menu's badge: 1 while a release waits to be applied."""
    return 1 if state.read_state(current_app.config["DATA_DIR"]).get("available") else 0


MENU = [MenuItem("Pembaruan Aplikasi", "updates.index", order=94, badge=_waiting)]
MAX_FOLDER_CHARS = 300


@blueprint.get("/admin/pembaruan")
def index():
    return _page()


def _page(errors=None, folder: str = "", status: int = 200):
    data_dir = current_app.config["DATA_DIR"]
    return render_template("updates/index.html", state=state.read_state(data_dir), errors=errors or {},
                           folder=folder, running=versions.running_version(),
                           selection=state.read_selection(data_dir), fingerprint=_trusted_root(data_dir)), status


def _trusted_root(data_dir) -> str | None:
    from app.updates.fetching import trusted_root_fingerprint  # loads TUF: only on this page
    return trusted_root_fingerprint(data_dir)


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
    from app.updates import fetching  # TUF: loaded when a release is read, not with the page
    try:
        state = fetching.check_source(current_app.config["DATA_DIR"], fetching.FolderSource(folder))
    except fetching.Postponed:
        flash("Berkas di flashdisk tidak terbaca utuh; colok ulang lalu coba lagi.", "error")
        return redirect(url_for("updates.index"))
    if state.get("refused"):
        flash(state["refused"], "error")
    elif state.get("available"):
        flash(f"Pembaruan versi {state['available']['version']} dibaca dari flashdisk dan sudah diperiksa.", "success")
    else:
        flash("Flashdisk tidak berisi versi yang lebih baru dari versi yang berjalan.", "success")
    return redirect(url_for("updates.index"))


def _is_release_folder(folder: Path) -> bool:
    try:
        return (folder / "metadata").is_dir() and (folder / "targets").is_dir()
    except (OSError, ValueError):  # a name the system refuses (too long, a NUL): not a folder
        return False

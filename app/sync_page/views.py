"""The sync page: last success, what waits, what failed and why, the log, the button, USB."""
from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, send_from_directory,
                   url_for)
from htmx_flask import make_response as htmx_response

from app.capabilities import Card, MenuItem
from app.frame.access import may, user_may
from app.frame.dates import format_datetime, utc_now
from app.frame import store
from app.sync_page import enrolment, identity, records
from app.frame.page_turns import long_running
from sync import protocol, public_status
from sync.client import engine, outbox, scheduler, statuses
from sync.client.clerk_first import not_a_clerks_request
from sync.client.models import SyncLog
from sync.usb import BatchFileError
from app.frame.request_cycle import bounded_int

blueprint = Blueprint("sync_page", __name__)
MENU = [MenuItem("Sinkronisasi", "sync_page.index", order=70,
                 badge=lambda user: outbox.failed_count(limit=99) if may(user, "sinkronisasi.kirim") else 0)]


def dashboard_cards(user):
    if not may(user, "sinkronisasi.baca"):
        return []
    held = identity.state()
    if held is not None:
        return [Card("Nomor pendaftaran ditahan", "Pilih identitas PC", "admin memilih di halaman Sinkronisasi",
                     url_for("sync_page.index") + "#identitas-pc", "warn")]
    current = engine.current_link()
    waiting = outbox.waiting_count()
    if current is None:
        step = ("Daftarkan dengan kode dari pusat cetak" if user_may("sync_page.enrol")  # the admin: the step itself
                else "Hubungi admin kantor")
        return [Card("Sinkronisasi pusat", "Belum terdaftar", step, url_for("sync_page.index"), "warn")]
    note = "terakhir berhasil: " + (format_datetime(current.last_success_at, store.get("timezone"))
                                    if current.last_success_at else "belum pernah")
    return [Card("Menunggu dikirim ke pusat", str(waiting), note, url_for("sync_page.index"),
                 "warn" if current.last_error else "info")]


def _page_context(errors=None):
    return {"link": engine.current_link(), "waiting": outbox.waiting_count(), "failed": outbox.failed_items(),
            "log": list(SyncLog.select().order_by(SyncLog.id.desc()).limit(50)), "progress": engine.PROGRESS,
            "owed": engine.PROGRESS.running and engine.pass_owed(),
            "nightly": store.get("sync_nightly_time"), "errors": errors or {},
            "export": _latest_export(), "issues": statuses.open_issues(), "identity": identity.state(),
            "center_words": protocol.CENTER_STATUS_WORDS, "public_number": public_status.number_of,
            "left": identity.left_to_their_pc()}


@blueprint.get("/sinkronisasi")
def index():
    return render_template("sync_page/index.html", **_page_context())


def _progress_fragment():
    """The progress box; once no pass runs, the facts and the log again (out of band), so the figures
    a pass changed (waiting, last success, last problem) show without a reload."""
    fragment = render_template("sync_page/_progress.html", progress=engine.PROGRESS, link=engine.current_link(),
                               owed=engine.PROGRESS.running and engine.pass_owed())
    if engine.PROGRESS.running or engine.current_link() is None:
        return fragment
    context = _page_context()
    return (fragment + render_template("sync_page/_facts.html", oob=True, **context)
            + render_template("sync_page/_log.html", oob=True, **context))


@blueprint.get("/sinkronisasi/progres")
@not_a_clerks_request  # the bar of the pass polling itself: the pass does not wait on it
def progress():
    return _progress_fragment()


@blueprint.post("/sinkronisasi/mulai")
def start():
    if engine.current_link() is None:
        flash("Komputer ini belum terdaftar di pusat.", "error")
        return redirect(url_for("sync_page.index")), 303
    started = scheduler.start_manual_sync(current_app._get_current_object())
    if request.htmx:  # the fragment says a pass runs, and that one more follows when it is owed
        return _progress_fragment()
    flash(scheduler.MANUAL_SYNC_SAID[started], "info")
    return redirect(url_for("sync_page.index")), 303


@blueprint.post("/sinkronisasi/ekspor")
@long_running
def export_batch():
    if engine.current_link() is None:
        flash("Komputer ini belum terdaftar di pusat; berkas USB memerlukan kunci pendaftaran.", "error")
        return redirect(url_for("sync_page.index")), 303
    folder = _new_export_folder()
    files, count = records.export_to_usb(folder)
    flash(f"{count} permohonan disimpan dalam {len(files)} berkas. Unduh semua berkas di bawah ini ke USB "
          "(atau salin dari folder yang tertulis), lalu impor semuanya di halaman Impor USB pusat.", "success")
    return redirect(url_for("sync_page.index") + "#usb"), 303


def _usb_root():
    return current_app.config["DATA_DIR"] / "usb"


def _new_export_folder():
    """A folder of its own for this export: two presses in one second must not mix their files (an earlier
    export's files may be signed with a key revoked since, and the center refuses the whole set)."""
    stamp = f"{utc_now():%Y%m%d-%H%M%S}"
    folder, again = _usb_root() / stamp, 1
    while folder.exists():
        again += 1
        folder = _usb_root() / f"{stamp}-{again}"
    return folder


def _latest_export():
    """(folder, [file names]) of the newest export set, or (None, [])."""
    root = _usb_root()
    folders = sorted((p for p in root.iterdir() if p.is_dir()), reverse=True) if root.is_dir() else []
    if not folders:
        return None, []
    return folders[0], sorted(p.name for p in folders[0].glob("*.lkb"))


@blueprint.get("/sinkronisasi/ekspor/<folder>/<name>")
def download_batch(folder: str, name: str):
    latest, names = _latest_export()
    if latest is None or folder != latest.name or name not in names:
        abort(404)
    return send_from_directory(latest, name, as_attachment=True, mimetype="application/octet-stream")


@blueprint.post("/sinkronisasi/impor-status")
@long_running
def import_status():
    """Applied while the form shows that it works (an htmx post, templates/sync_page/_status_import.html);
    without htmx the same post answers with the whole page."""
    upload = request.files.get("status_file")
    if engine.current_link() is None:
        return _status_import_refused("Komputer ini belum terdaftar di pusat.")
    if upload is None or not upload.filename:
        return _status_import_refused("Pilih berkas status (.lks) dari pusat.")
    try:
        applied = records.import_status_file(upload.read())
    except (BatchFileError, ValueError) as problem:
        return _status_import_refused(str(problem))
    flash(f"{applied} status baru diterapkan dari berkas.", "success")
    if request.htmx:  # the whole page again, with its figures and the message
        return htmx_response("", 200, redirect=url_for("sync_page.index"))
    return redirect(url_for("sync_page.index")), 303


def _status_import_refused(message: str):
    errors = {"status_file": message}
    if request.htmx:  # only the form, with its message (static/js/app.js swaps a 422 in)
        return render_template("sync_page/_status_import.html", errors=errors), 422
    return render_template("sync_page/index.html", **_page_context(errors)), 422


@blueprint.post("/sinkronisasi/jadwal")
def schedule():
    value = request.form.get("nightly", "").strip()
    parts = value.split(":")
    hour, minute = (bounded_int(parts[0], highest=23), bounded_int(parts[1], highest=59)) if len(parts) == 2 \
        else (None, None)
    if hour is None or minute is None:
        return render_template("sync_page/index.html", **_page_context({"nightly": "Isi jam seperti 21:00."})), 422
    records.set_nightly_time(hour, minute, value)
    flash("Jadwal sinkronisasi malam disimpan.", "success")
    return redirect(url_for("sync_page.index")), 303


@blueprint.post("/sinkronisasi/daftar")
@long_running
def enrol():
    """Enrol (or re-enrol, replacing the key) with the center's address and one-time code."""
    center_url = request.form.get("center_url", "").strip()[:300]
    additional = identity.state() is not None  # another PC's backup here: enrolling makes it a PC tambahan
    try:
        made = enrolment.enrol_this_pc(center_url, request.form.get("code", ""), store.get("kecamatan_code"),
                                       current_app.config["DEVICE_ID"])
    except enrolment.EnrolmentError as problem:
        context = _page_context({problem.field: str(problem)})
        return render_template("sync_page/index.html", **context, center_url=center_url), 422
    if additional:
        flash("Komputer ini terdaftar sebagai PC tambahan dengan kode perangkatnya sendiri; nomor pendaftaran "
              "dapat dibuat lagi.", "success")
        return redirect(url_for("sync_page.index")), 303
    flash(f"Komputer ini terdaftar di pusat cetak {made.center_url}.", "success")
    return redirect(url_for("sync_page.index")), 303


@blueprint.post("/sinkronisasi/putus")
def unlink():
    if request.form.get("confirm") != "ya":
        return render_template("sync_page/index.html", **_page_context(
            {"confirm_unlink": "Centang persetujuan untuk memutus tautan."})), 422
    enrolment.unlink_this_pc()
    flash("Tautan dengan pusat diputus. Permohonan tetap menunggu; daftarkan lagi dengan kode baru.", "success")
    return redirect(url_for("sync_page.index")), 303


@blueprint.post("/sinkronisasi/identitas-pc/ganti")
@long_running
def identity_replace():
    """"PC ini menggantikan PC P1": the center re-keys P1 for this PC and refuses the old one."""
    held = identity.state()
    if held is not None and request.form.get("confirm") != "ya":
        return render_template("sync_page/index.html", **_page_context(
            {"confirm_replace": f"Centang bahwa PC {held['code']} yang lama tidak dipakai lagi."})), 422
    try:
        code = identity.replace_other_pc()
    except identity.IdentityError as problem:
        return render_template("sync_page/index.html", **_page_context({"confirm_replace": str(problem)})), 422
    flash(f"Komputer ini sekarang PC {code}. Komputer lama dengan kode itu ditolak pusat mulai sekarang.", "success")
    return redirect(url_for("sync_page.index")), 303


@blueprint.post("/sinkronisasi/kirim-dari-sini/<int:item_id>")
def send_from_here(item_id: int):
    """An application left to the PC that numbered it (this PC is a PC tambahan): that PC will not send
    it, so this one does (app/sync_page/identity.py)."""
    item = identity.send_from_here(item_id)
    if item is None:
        flash("Permohonan itu tidak lagi menunggu PC lain (sudah diterima pusat atau sudah dikirim dari sini).", "info")
    else:
        flash(f"Permohonan {item.registration_number} dikirim dari komputer ini pada sinkronisasi berikutnya; "
              "statusnya diikuti di sini.", "success")
    return redirect(url_for("sync_page.index") + "#menunggu-pc-lain"), 303

from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file,
                   session, url_for)

from app.backups import health, recovery, records
from app.backups.engine import BackupError, list_backups, recovery_key_problem
from app.capabilities import MenuItem
from app.frame.page_turns import long_running
from app.frame.signin import load_current_user

blueprint = Blueprint("backups", __name__, template_folder="templates")
MENU = [MenuItem("Cadangan Data", "backups.index", order=92)]


@blueprint.get("/admin/cadangan")
def index():
    return _index_page({})


def _index_page(errors, status=200):
    config = current_app.config
    return render_template("backups/index.html", backups=list_backups(config["BACKUP_DIR"]), errors=errors,
                           backup_dir=config["BACKUP_DIR"], keep=config["BACKUP_KEEP"],
                           recovery_key_printed=recovery.was_printed(config),
                           daily=health.daily_backup_state(config)), status


@blueprint.post("/admin/cadangan")
@long_running
def create():
    try:
        made = records.make_manual_backup(current_app.config)
    except BackupError as problem:
        flash(str(problem), "error")
        return redirect(url_for("backups.index"))
    flash(f"Cadangan {made.name} dibuat.", "success")
    return redirect(url_for("backups.index"))


@blueprint.get("/admin/cadangan/<name>")
def download(name: str):
    matches = [p for p in list_backups(current_app.config["BACKUP_DIR"]) if p.name == name]
    if not matches:
        abort(404)
    records.record_download(name)
    return send_file(matches[0], as_attachment=True, download_name=name)


RESTORE_PATH = "/admin/cadangan/pulihkan"
RESTORE_UPLOAD_MAX = 4 * 1024 ** 3  # a database with years of photos; everything else keeps MAX_CONTENT_LENGTH
UPLOAD_LIMITS = {RESTORE_PATH: RESTORE_UPLOAD_MAX}


@blueprint.post(RESTORE_PATH)
@long_running
def restore():
    """Restore from a listed backup or an uploaded file (app/backups/records.restore). Bad files change nothing."""
    config = current_app.config
    render_page = _new_pc_page if request.form.get("halaman") == "pc-baru" else _index_page
    if request.form.get("confirm") != "ya":
        return render_page({"confirm": "Centang persetujuan: data sekarang akan diganti isi cadangan."}, 422)
    upload = request.files.get("backup_file")
    name = request.form.get("name", "")
    # On a new PC the admin types the office's printed recovery key; here, nothing is needed.
    recovery_key = request.form.get("recovery_key", "").strip()[:100] or None
    try:
        if upload is not None and upload.filename:
            source, safety = records.restore_upload(upload, config, recovery_key, g.user)
        else:
            matches = [p for p in list_backups(config["BACKUP_DIR"]) if p.name == name]
            if not matches:
                raise BackupError("Pilih cadangan dari daftar atau unggah berkas cadangan.")
            source = matches[0]
            safety = records.restore(source, config, recovery_key, g.user)
    except BackupError as problem:
        field = "recovery_key" if problem.needs_recovery_key else "backup_file"  # the summary links to it
        return render_page({field: str(problem)}, 422)
    load_current_user()  # the session as the restored data knows it
    if g.user is None:  # the backup's accounts now (a new PC): say so on the sign-in page, not "sesi berakhir"
        session.clear()
        flash(f"Data dipulihkan dari {source.name}. Masuk dengan akun dari cadangan itu.", "success")
        return redirect(url_for("auth.login"), 303)
    flash(f"Data dipulihkan dari {source.name}. Data sebelumnya disimpan sebagai {safety.name if safety else '-'}. "
          "Bila akun Anda tidak ada di cadangan itu, masuk lagi dengan akun dari cadangan.", "success")
    return redirect(url_for("backups.index"), 303)


@blueprint.get(RESTORE_PATH)
def new_pc_restore():
    """A new PC's first screen offers this beside the setup: the office's data from a backup."""
    return _new_pc_page({})


def _new_pc_page(errors, status=200):
    return render_template("backups/new_pc_restore.html", errors=errors), status


@blueprint.get("/admin/cadangan/kunci-pemulihan")
def recovery_key():
    """Shown until the admin confirms it is printed; after that, only its place and a change button.
    A missing or damaged key is said so, with the admin's choices (never replaced silently)."""
    return _recovery_key_page({})


def _recovery_key_page(errors, status=200):
    config = current_app.config
    printed = recovery.was_printed(config)
    key = None if printed else recovery.current_key(config)
    return render_template("backups/recovery_key.html", printed=printed, key=key,
                           ca=_office_ca_words() if key else None,
                           problem=recovery_key_problem(Path(config["DATABASE_PATH"]).parent),
                           errors=errors, where=recovery.keys_for(config).where()), status


def _office_ca_words() -> dict:
    """The office CA's fingerprints, printed on the same sheet as the recovery key (issue 84): a counter
    PC's admin compares the certificate it is asked to trust with the paper."""
    from app.frame import office_tls
    cert = office_tls.office_ca()["cert"]
    return {"sha256": office_tls.fingerprint(cert), "sha1": office_tls.fingerprint(cert, "sha1")}


@blueprint.post("/admin/cadangan/kunci-pemulihan/ketik")
def recovery_key_typed():
    """The printed key typed back after the key file was lost or damaged; checked against a backup."""
    try:
        records.type_back_printed_key(current_app.config, request.form.get("recovery_key", "")[:100])
    except BackupError as problem:
        return _recovery_key_page({"recovery_key": str(problem)}, 422)
    flash("Kunci pemulihan tercetak dipakai lagi; cadangan berikutnya dikunci dengannya.", "success")
    return redirect(url_for("backups.recovery_key"), 303)


@blueprint.post("/admin/cadangan/kunci-pemulihan/dicetak")
def recovery_key_printed():
    records.confirm_key_printed(current_app.config)
    flash("Kunci pemulihan tidak akan ditampilkan lagi. Simpan cetakannya di brankas kantor.", "success")
    return redirect(url_for("backups.recovery_key"))


@blueprint.post("/admin/cadangan/kunci-pemulihan/ganti")
def recovery_key_change():
    if request.form.get("yakin") != "ya":
        return _recovery_key_page({"yakin": "Centang pernyataan bahwa Anda siap mencetak kunci yang baru."}, 422)
    records.replace_recovery_key(current_app.config)
    flash("Kunci pemulihan baru dibuat. Cetak dan simpan sekarang; cadangan berikutnya memakai kunci ini.", "success")
    return redirect(url_for("backups.recovery_key"))

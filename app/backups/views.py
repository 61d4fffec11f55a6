from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for

from app import audit
from app.frame.access import allow
from app.backups import recovery
from app.backups.engine import BackupError, backup_database, list_backups
from app.capabilities import MenuItem
from app.frame.db import database
from app.frame.roles import ADMIN
from app.frame import store

blueprint = Blueprint("backups", __name__, template_folder="templates")
MENU = [MenuItem("Cadangan Data", "backups.index", order=92)]


@blueprint.get("/admin/cadangan")
@allow(ADMIN)
def index():
    config = current_app.config
    return render_template("backups/index.html", backups=list_backups(config["BACKUP_DIR"]),
                           backup_dir=config["BACKUP_DIR"], keep=config["BACKUP_KEEP"],
                           recovery_key_printed=recovery.was_printed(config))


@blueprint.post("/admin/cadangan")
@allow(ADMIN)
def create():
    config = current_app.config
    name = f"manual-{datetime.now():%Y%m%d-%H%M%S}.sqlite3"
    try:
        made = backup_database(config["DATABASE_PATH"], config["BACKUP_DIR"] / name)
    except BackupError as problem:
        flash(str(problem), "error")
        return redirect(url_for("backups.index"))
    with database.atomic():
        audit.record("cadangkan", "cadangan", made.name, f"Cadangan manual dibuat ({made.stat().st_size} bita)")
    flash(f"Cadangan {made.name} dibuat.", "success")
    return redirect(url_for("backups.index"))


@blueprint.get("/admin/cadangan/<name>")
@allow(ADMIN)
def download(name: str):
    matches = [p for p in list_backups(current_app.config["BACKUP_DIR"]) if p.name == name]
    if not matches:
        abort(404)
    with database.atomic():
        audit.record("unduh", "cadangan", name, "Berkas cadangan diunduh")
    return send_file(matches[0], as_attachment=True, download_name=name)


@blueprint.get("/admin/cadangan/kunci-pemulihan")
@allow(ADMIN)
def recovery_key():
    """Shown until the admin confirms it is printed; after that, only its place and a change button."""
    config = current_app.config
    printed = recovery.was_printed(config)
    return render_template("backups/recovery_key.html", printed=printed,
                           key=None if printed else recovery.current_key(config),
                           where=recovery.keys_for(config).where())


@blueprint.post("/admin/cadangan/kunci-pemulihan/dicetak")
@allow(ADMIN)
def recovery_key_printed():
    config = current_app.config
    with database.atomic():
        store.put(recovery.PRINTED_SETTING, recovery.fingerprint(recovery.current_key(config)))
        audit.record("konfirmasi", "kunci_pemulihan", "", "Admin menyatakan kunci pemulihan sudah dicetak dan disimpan")
    flash("Kunci pemulihan tidak akan ditampilkan lagi. Simpan cetakannya di brankas kantor.", "success")
    return redirect(url_for("backups.recovery_key"))


@blueprint.post("/admin/cadangan/kunci-pemulihan/ganti")
@allow(ADMIN)
def recovery_key_change():
    if request.form.get("yakin") != "ya":
        flash("Centang pernyataan bahwa Anda siap mencetak kunci yang baru.", "error")
        return redirect(url_for("backups.recovery_key"))
    recovery.keys_for(current_app.config).replace_recovery_key()
    with database.atomic():
        audit.record("ganti", "kunci_pemulihan", "", "Kunci pemulihan diganti; cadangan baru memakai kunci baru")
    flash("Kunci pemulihan baru dibuat. Cetak dan simpan sekarang; cadangan berikutnya memakai kunci ini.", "success")
    return redirect(url_for("backups.recovery_key"))

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for

from app import audit
from app.backups.engine import BackupError, backup_database, list_backups
from app.capabilities import MenuItem
from app.frame.db import database

blueprint = Blueprint("backups", __name__, template_folder="templates")
MENU = [MenuItem("Cadangan Data", "backups.index", order=92)]


@blueprint.get("/admin/cadangan")
def index():
    config = current_app.config
    return render_template("backups/index.html", backups=list_backups(config["BACKUP_DIR"]),
                           backup_dir=config["BACKUP_DIR"], keep=config["BACKUP_KEEP"])


@blueprint.post("/admin/cadangan")
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
def download(name: str):
    matches = [p for p in list_backups(current_app.config["BACKUP_DIR"]) if p.name == name]
    if not matches:
        abort(404)
    with database.atomic():
        audit.record("unduh", "cadangan", name, "Berkas cadangan diunduh")
    return send_file(matches[0], as_attachment=True, download_name=name)

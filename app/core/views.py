"""Landing page, health check, htmx served from this machine."""
from pathlib import Path

import js_lib_htmx
from flask import Blueprint, current_app, g, jsonify, redirect, render_template, send_from_directory, url_for

from app import capabilities
from app.access import PUBLIC, public, allow
from app.db import database
from app.migrations import database_level
from app.roles import ACCOUNT, DESA

blueprint = Blueprint("core", __name__, template_folder="templates")

# htmx 2.0.3 as shipped inside the pinned django-js-lib-htmx wheel: no CDN, no copy in the repo.
HTMX_DIR = Path(js_lib_htmx.__file__).parent / "static" / "htmx"


@blueprint.get("/")
@allow(*ACCOUNT)
def dashboard():
    if g.user.role == DESA:  # the desa operator's landing page is their desa's list, nothing else
        return redirect(url_for("desa.home"))
    if current_app.config["MODE"] == "desa":  # a desa PC's admin: its accounts and its enrolment
        return redirect(url_for("desa.operators"))
    cards = []
    for module in capabilities.modules():
        make_cards = getattr(module, "dashboard_cards", None)
        if make_cards:
            cards.extend(make_cards(g.user))
    return render_template("core/dashboard.html", cards=cards)


@blueprint.get("/healthz")
@public
def healthz():
    return jsonify(app="loket-kecamatan", version=current_app.config["VERSION"],
                   database_level=database_level(database))


@blueprint.get("/vendor/htmx.min.js")
@public
def htmx_js():
    return send_from_directory(HTMX_DIR, "htmx.min.js", max_age=86400)


@blueprint.get("/beranda")
@public
def home():
    return redirect(url_for("core.dashboard") if g.get("user") else url_for("auth.login"))

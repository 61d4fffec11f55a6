"""Landing page, health check, htmx served from this machine."""

import peewee
from flask import Blueprint, current_app, g, jsonify, redirect, render_template, url_for

from app import capabilities
from app.frame.db import database
from app.frame.migrations import database_level
from app.frame.access import may
from app.frame.templating import send_htmx

blueprint = Blueprint("core", __name__, template_folder="templates")



@blueprint.get("/")
def dashboard():
    if may(g.user, "desa.pra_daftar"):  # the desa operator's landing page is their desa's list, nothing else
        return redirect(url_for("desa.home"))
    landing = capabilities.landing()
    if landing:  # a program whose home is one of its pages (a desa PC's admin)
        return redirect(url_for(landing))
    return render_template("core/dashboard.html", cards=capabilities.dashboard_cards(g.user))


@blueprint.get("/healthz")
def healthz():
    """What a health check needs (the launcher, the update walk, a monitor): "ok" when the database
    answers, 503 when it does not. The version and the database level only to an admin who may
    install updates: to a stranger they would say which known defects this PC still has."""
    try:
        level = database_level(database)
    except peewee.DatabaseError:
        return jsonify(status="tidak sehat"), 503
    if not may(g.get("user"), "pembaruan.kelola"):
        return jsonify(status="ok")
    return jsonify(status="ok", app="loket-kecamatan", version=current_app.config["VERSION"], database_level=level)


@blueprint.get("/vendor/htmx.min.js")
def htmx_js():
    return send_htmx()


@blueprint.get("/beranda")
def home():
    return redirect(url_for("core.dashboard") if g.get("user") else url_for("auth.login"))

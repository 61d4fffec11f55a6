"""Loket Kecamatan: the front office of a kecamatan, on one PC, offline first."""
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from flask import Flask, g
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from app import capabilities, templating
from app.access import check_every_view_declares_roles, enforce_roles
from app.auth.current import load_current_user
from app.config import load_config
from app.core.errors import register_error_pages
from app.db import open_database
from app.migrations import migrate

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()

try:
    VERSION = version("loket-kecamatan")
except PackageNotFoundError:
    VERSION = "0.1.0"


def create_app(config: dict | None = None) -> Flask:
    """Build the kecamatan app; `config` overrides the environment (tests, CLI flags)."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(load_config(config))
    app.config["VERSION"] = VERSION
    db = open_database(app.config["DATABASE_PATH"])
    with db.connection_context():
        migrate(db)
    app.extensions["database"] = db

    csrf.init_app(app)
    Htmx(app)
    for module in capabilities.modules():
        app.register_blueprint(module.blueprint)
    check_every_view_declares_roles(app)
    templating.install(app)
    register_error_pages(app)

    @app.before_request
    def open_connection():
        # A connection per request; a caller that already holds one (CLI, tests) keeps it.
        g.opened_connection = db.is_closed()
        if g.opened_connection:
            db.connect()
        load_current_user()

    app.before_request(enforce_roles)

    @app.teardown_request
    def close_connection(exc):
        if g.get("opened_connection") and not db.is_closed():
            db.close()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if g.get("user"):  # pages with personal data must not linger in shared caches
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app

"""Loket Kecamatan: the front office of a kecamatan, on one PC, offline first."""
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from app import capabilities, templating
from app.access import check_every_view_declares_roles, enforce_roles
from app.auth.current import load_current_user
from app.backups.engine import encrypt_plaintext_backups
from app.config import load_config
from app.core.errors import register_error_pages
from app.db import open_database
from app.migrations import migrate
from app.request_cycle import install_request_cycle

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
    encrypt_plaintext_backups(app.config["BACKUP_DIR"], app.config["DATABASE_PATH"])  # upgrade, once
    app.extensions["database"] = db

    csrf.init_app(app)
    Htmx(app)
    for module in capabilities.modules():
        app.register_blueprint(module.blueprint)
    check_every_view_declares_roles(app)
    templating.install(app)
    register_error_pages(app)

    install_request_cycle(app, db, load_current_user, enforce_roles)

    return app

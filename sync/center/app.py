"""The regency printing center's own Flask app: its database, its accounts, its API and pages."""
import os
import secrets
from pathlib import Path

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from htmx_flask import Htmx

from app import dates
from app.access import check_every_view_declares_roles
from app.core.errors import MESSAGES
from app.request_cycle import install_request_cycle
from app.private_files import private_dir, private_file, write_private
from sync.center import api, sealed, views
from sync.center.keys import seal_legacy_secrets
from sync.center.access import CENTER_ROLES, center_user_may, enforce_center_roles, load_operator
from sync.center.db import open_center_database
from sync.center.migrations import migrate_center
from sync.protocol import MAX_PACKET_BYTES

ROOT = Path(__file__).resolve().parents[2]


def center_config(overrides: dict | None = None) -> dict:
    """Defaults, then LOKET_CENTER_* from the environment, then the caller (CLI flags, tests)."""
    overrides = dict(overrides or {})
    data_dir = Path(overrides.pop("DATA_DIR", None) or os.environ.get("LOKET_CENTER_DATA_DIR")
                    or Path.home() / ".local" / "share" / "loket-center")
    private_dir(data_dir)
    key_file = data_dir / "secret_key"  # signs operator sessions: the center's user only (0600)
    if not key_file.exists():
        write_private(key_file, secrets.token_hex(32))
    private_file(key_file)  # an older center left it 0644
    config = {
        "DATA_DIR": data_dir,
        "DATABASE_PATH": data_dir / "center.sqlite3",
        "DATABASE_URL": os.environ.get("LOKET_CENTER_DATABASE_URL"),
        "SECRET_KEY": key_file.read_text().strip(),
        "CENTER_NAME": os.environ.get("LOKET_CENTER_NAME", "Pusat Cetak KTP-el Dinas Dukcapil"),
        "CENTER_ROOT": ROOT,
        # Refused before the body is read: a 50 MB packet never reaches a handler.
        "MAX_CONTENT_LENGTH": MAX_PACKET_BYTES,
        "SESSION_COOKIE_NAME": "loket_center_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "PAGE_SIZE": 100,
    }
    config.update(overrides)
    return config


def _register_error_pages(app) -> None:
    """Calm Indonesian error pages in the center's own layout (API errors stay JSON)."""
    def page(status, message=None):
        title, default = MESSAGES.get(status, MESSAGES[500])
        if request.path.startswith("/api/"):
            from flask import jsonify
            return jsonify({"error": title, "message": message or default}), status
        return render_template("center/error.html", title=title, message=message or default, status=status), status

    for status in MESSAGES:
        if status != 500:
            app.register_error_handler(status, lambda error, status=status: page(status))
    app.register_error_handler(CSRFError, lambda error: page(400, "Formulir kedaluwarsa; muat ulang halaman."))

    @app.errorhandler(500)
    def internal_error(error):
        app.logger.error("unhandled error on %s %s", request.method, request.path,
                         exc_info=getattr(error, "original_exception", error))
        return page(500)


def create_center_app(config: dict | None = None) -> Flask:
    app = Flask("loket_center", template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(center_config(config))
    db = open_center_database(app.config["DATABASE_PATH"], app.config.get("DATABASE_URL"))
    sealed.configure(sealed.load_server_key(app.config["DATA_DIR"]))
    with db.connection_context():
        migrate_center(db)
        seal_legacy_secrets()
    app.extensions["center_database"] = db

    csrf = CSRFProtect(app)
    csrf.exempt(api.blueprint)  # the API authenticates each request by its signature instead
    Htmx(app)
    app.register_blueprint(api.blueprint, url_prefix="/api")
    app.register_blueprint(views.blueprint)
    check_every_view_declares_roles(app)
    _register_error_pages(app)
    app.jinja_env.filters["tanggal"] = lambda d, weekday=False: dates.format_date(d, weekday)
    app.jinja_env.filters["tanggal_jam"] = lambda moment: dates.format_datetime(moment, "WIB")
    app.jinja_env.globals.update(user_may=center_user_may, CENTER_ROLES=CENTER_ROLES,
                                 center_name=lambda: app.config["CENTER_NAME"])

    install_request_cycle(app, db, load_operator, enforce_center_roles)

    return app

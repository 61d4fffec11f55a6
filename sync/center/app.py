"""The regency printing center's own Flask app: its database, its accounts, its API and pages."""
import os
from pathlib import Path

from flask import Flask, g, request
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from app.frame import templating
from app.frame.access import enforce_roles, install_policy, user_may
from app.frame.config import secret_key, whole_number_setting, zone_setting
from app.frame.errors import error_page, register_error_pages
from app.frame.private_files import private_dir, remove_unfinished
from app.frame.request_cycle import CONTENT_SECURITY_POLICY, install_bounded_ids, install_request_cycle
from app.frame.signin import load_current_user
from app.frame.guides import PUSAT, make_blueprint
from sync.center.labels import readable_record
from sync.center.letterhead import regency_letterhead
from sync.center import api, fleet, performance, public_status, relay, sealed, sms, updates, views  # noqa: F401  (api, fleet, relay, performance, public_status, updates, views add routes)
from sync.center.access import CENTER_DOORS, CENTER_ROLES
from sync.center.zone import own_zone
from sync.center.keys import seal_legacy_personal, seal_legacy_secrets
from sync.center.models import CenterThrottleHit, Operator, OperatorSession
from sync.center.policy import POLICY
from sync.center.routes import api_blueprint, page_blueprint
from sync.center.db import (center_data_dir, center_database_place, is_postgres, open_center_database, reachable,
                            record_center_database)
from sync.center.migrations import migrate_center
from sync.protocol import MAX_PACKET_BYTES

ROOT = Path(__file__).resolve().parents[2]
TOO_LARGE_PAGE = ("Berkas terlalu besar: paling banyak %d MB sekali kirim. Pilih berkas kiriman bernomor satu per "
                  "satu atau sekaligus (halaman Impor USB mengirimnya bergantian), atau buat ulang berkas di "
                  "kecamatan: sekarang otomatis dibagi." % (MAX_PACKET_BYTES // (1024 * 1024)))


def center_config(overrides: dict | None = None) -> dict:
    """Defaults, then LOKET_CENTER_* from the environment, then the caller (CLI flags, tests)."""
    overrides = dict(overrides or {})
    data_dir = center_data_dir(overrides.pop("DATA_DIR", None))
    private_dir(data_dir)  # the session key (0600, frame.config.secret_key) and the server key live here
    database_path, database_url = center_database_place(data_dir, overrides.pop("DATABASE_URL", None), starting=True)
    config = {
        "DATA_DIR": data_dir,
        "DATABASE_PATH": database_path,
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key(data_dir),
        "CENTER_NAME": os.environ.get("LOKET_CENTER_NAME", "Pusat Cetak KTP-el Dinas Dukcapil"),
        # The regency's letterhead on the Kinerja report for the Bupati (sync/center/letterhead.py): the
        # kabupaten/kota (name or code; empty: the one its kecamatan belong to), office, address, logo file.
        "REGENCY_NAME": os.environ.get("LOKET_CENTER_KABUPATEN", "").strip(),
        "REGENCY_OFFICE": os.environ.get("LOKET_CENTER_DINAS", "").strip(),
        "REGENCY_ADDRESS": os.environ.get("LOKET_CENTER_ALAMAT", "").strip(),
        "REGENCY_LOGO": os.environ.get("LOKET_CENTER_LOGO", "").strip(),
        "CENTER_ROOT": ROOT,
        # Refused before the body is read: a 50 MB packet never reaches a handler.
        "MAX_CONTENT_LENGTH": MAX_PACKET_BYTES,
        "SESSION_COOKIE_NAME": "loket_center_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "PAGE_SIZE": 100,
        # The center's own pages (its print runs, shipments); a kecamatan's moments are shown in
        # that kecamatan's zone (the `tanggal_jam(code)` filter). Empty: its kecamatan's (own_zone).
        "TIME_ZONE": zone_setting("LOKET_CENTER_TIME_ZONE", ""),
        # The address kecamatan PCs reach the center on (shown with an enrolment code); without it,
        # the address the admin's browser used.
        "PUBLIC_URL": (os.environ.get("LOKET_CENTER_PUBLIC_URL") or "").strip().rstrip("/"),
        # Days after a card is shipped before the center drops its photo and personal fields (retention.py).
        "PURGE_AFTER_DAYS": whole_number_setting("LOKET_CENTER_PURGE_DAYS", 90, 1, 3650),
        # The internet-facing login: the same throttle and limits as the kecamatan's (app/frame/config.py).
        "LOGIN_WINDOW_MINUTES": 15,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
        # Public status records (issue 28) are deleted this long after handover or closing.
        "PUBLIC_STATUS_KEEP_DAYS": whole_number_setting("LOKET_CENTER_PUBLIC_STATUS_KEEP_DAYS", 90, 1, 3650),
        # Behind the regency's reverse proxy every request comes from 127.0.0.1: with the proxies in front
        # counted here (1 for one nginx), the visitor's address is taken from X-Forwarded-For, so the
        # per-address throttles (/cek, login) and the audit trail see each visitor. 0: the header is ignored
        # (a visitor could write anything in it).
        "PROXY_HOPS": whole_number_setting("LOKET_CENTER_PROXY_HOPS", 0, 0, 5),
        # One SMS per event through gammu-smsd's tables in this database (PostgreSQL only, sync/center/sms.py).
        "SMS_GATEWAY": os.environ.get("LOKET_CENTER_SMS_GATEWAY", "").strip().lower() in ("1", "ya", "yes", "gammu"),
    }
    config.update(overrides)
    return config


def create_center_app(config: dict | None = None) -> Flask:
    app = Flask("loket_center", template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(center_config(config))
    url = app.config.get("DATABASE_URL")
    db = reachable(open_center_database(app.config["DATABASE_PATH"], url, strict=app.testing), url)
    sealed.configure(sealed.load_server_key(app.config["DATA_DIR"]), seal_personal=is_postgres(db))
    remove_unfinished(app.config["DATA_DIR"])  # key files a cut left half-named
    with db.connection_context():
        migrate_center(db)
        seal_legacy_secrets()
        sms.check_gateway(app, db)
        if is_postgres(db):
            seal_legacy_personal()
    if url:  # the folder knows its database: `run.py release publish` and the next start find it (issue 88)
        record_center_database(app.config["DATA_DIR"], url)
    app.extensions["center_database"] = db

    csrf = CSRFProtect(app)
    csrf.exempt(api_blueprint)  # the API authenticates each request by its signature instead
    install_bounded_ids(app)  # before the blueprints: every <int:...> stops at 2^63 - 1
    app.register_blueprint(api_blueprint, url_prefix="/api")
    app.register_blueprint(page_blueprint)
    app.register_blueprint(make_blueprint("center_guide", "center/base.html", PUSAT))  # /bantuan: the roles' guides
    install_policy(app, POLICY)
    register_error_pages(app, page_template="center/error.html", api_prefix="/api/")
    app.register_error_handler(413, lambda error: error_page(413, TOO_LARGE_PAGE))
    templating.install(app, own_zone, user_may, "center.htmx_js")
    app.jinja_env.globals.update(CENTER_ROLES=CENTER_ROLES, center_name=lambda: app.config["CENTER_NAME"],
                                 readable_record=readable_record, regency_letterhead=regency_letterhead)
    app.extensions["account_model"] = Operator
    app.extensions["session_model"] = OperatorSession
    app.extensions["throttle_model"] = CenterThrottleHit
    app.extensions["doors"] = CENTER_DOORS

    install_request_cycle(app, db, load_operator, enforce_roles, CONTENT_SECURITY_POLICY)
    public_status.install_refusal_gate(app)  # outside the app: a remembered refusal costs nothing
    if app.config["PROXY_HOPS"]:  # outermost, so the refusal gate too reads the visitor's address
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"])

    return app


def load_operator() -> None:
    """The signed-in operator of a page. The API is signed request by request (sync/center/api.py):
    an operator's cookie means nothing there, and reading the session would add `Vary: Cookie` to
    every answer's head on the rural link."""
    if request.blueprint == api_blueprint.name:
        g.user = None
        return
    load_current_user()


def prune_nonces(app) -> None:
    """Background job: used nonces older than twice the time window can no longer be replayed."""
    from sync.center.keys import forget_old_nonces
    forget_old_nonces()


def purge_personal_data(app) -> None:
    from sync.center.retention import purge_job
    purge_job(app)




def forget_public_statuses(app) -> None:
    """Background job: public status records past their retention time are deleted (issue 28)."""
    from sync.center.public_status_records import forget_finished
    forget_finished(app.config["PUBLIC_STATUS_KEEP_DAYS"])


def start_center_jobs(app):
    """The jobs sync/center/program.py declares, on the center's database."""
    from app.frame.jobs import start_jobs
    from sync.center.program import PROGRAM
    return start_jobs(app, PROGRAM.jobs(), db=app.extensions["center_database"])

"""The office app of the kecamatan and of the desa PC: the frame plus the capabilities its program declares
(app/programs/kecamatan.py, app/programs/desa.py). It stands with the declarations it reads and below the
office commands that build it (app/programs/office_commands.py, sync_commands.py)."""
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from app import capabilities
from app.programs import desa, kecamatan
from app.frame.programs import resolve
from app.backups.engine import encrypt_plaintext_backups, record_restore, remove_partial_files, settle_recovery_key
from app.frame import dates, installation, privacy, submissions, templating
from app.frame.access import enforce_roles, install_policy, user_may
from app.frame.config import load_config
from app.frame.db import is_plaintext, open_database
from app.frame.keystore import KEY_FOLDER
from app.frame.private_files import remove_unfinished
from app.frame.errors import register_error_pages
from app.frame.application_status import status_label
from app.frame.request_cycle import CONTENT_SECURITY_POLICY, install_bounded_ids, install_request_cycle
from app.frame.page_turns import install_page_turns
from app.frame.roles import ROLE_LABELS
from app.frame.version import APP_VERSION
from app.frame.signin import idle_limit, load_current_user
from app.auth.models import StaffSession, User
from app.frame import audit, store

ROOT = Path(__file__).resolve().parents[2]
csrf = CSRFProtect()



def office_zone() -> str:
    try:
        return store.get("timezone")
    except Exception:  # before migrations (first start) there is no setting table yet
        return dates.DEFAULT_TIME_ZONE


def program_of(mode: str):
    """The office program a mode names (app/frame/config.load_config settles MODE)."""
    return desa.PROGRAM if mode == desa.PROGRAM.name else kecamatan.PROGRAM


def create_app(config: dict | None = None) -> Flask:
    """Build the office app of the configured program; `config` overrides the environment (tests, CLI flags)."""
    app = Flask("app", template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(load_config(config))
    app.config["VERSION"] = APP_VERSION
    db_path = app.config["DATABASE_PATH"]
    fresh = not db_path.exists() or db_path.stat().st_size == 0
    upgrading = not fresh and is_plaintext(db_path)  # the version before encryption: converted now
    audit.watch_commits(db_path, strict=app.testing)  # before the first connection: each one is watched
    db = open_database(db_path)
    program = app.extensions["program"] = program_of(app.config["MODE"])
    with db.connection_context():
        resolve(program.migrate)(db)  # its own schema (the desa PC's converts an older database first)
        installation.catch_up_with_marker(db, db_path)
        installation.settle_at_start(db, db_path)
        first_start = fresh or upgrading or not User.select().exists()
    settle_recovery_key(db_path.parent, may_create=first_start)  # never a new key behind the admin's back
    if upgrading:
        encrypt_plaintext_backups(app.config["BACKUP_DIR"], db_path)
    remove_partial_files(app.config["BACKUP_DIR"])  # copies cut short by a kill or a power cut
    for folder in (db_path.parent, db_path.parent / KEY_FOLDER):  # key files and notes a cut left half-named
        remove_unfinished(folder)
    with db.connection_context():
        record_restore(db_path)  # a restore done from the command line, or cut short before its entry
    app.extensions["database"] = db

    csrf.init_app(app)
    install_bounded_ids(app)  # before the blueprints: every <int:...> stops at 2^63 - 1
    for blueprint in capabilities.blueprints(program):
        app.register_blueprint(blueprint)
    app.extensions["upload_limits"] = capabilities.upload_limits(program)
    install_policy(app, resolve(program.policy))
    templating.install(app, office_zone, user_may, "core.htmx_js")
    app.jinja_env.globals.update(menu_for_user=capabilities.menu_for_user, ROLE_LABELS=ROLE_LABELS,
                                 office=store.all_settings)
    app.jinja_env.filters["status_label"] = status_label  # an application's step: the counter's and the desa PC's
    register_error_pages(app)
    privacy.install(app)
    app.jinja_env.globals["form_token_input"] = submissions.token_input  # one submission, one record
    app.jinja_env.globals["session_idle_minutes"] = lambda: int(idle_limit().total_seconds() // 60)
    app.extensions["account_model"] = User
    app.extensions["session_model"] = StaffSession
    app.extensions["idle_minutes"] = lambda: store.get("session_idle_minutes")  # set on the office page

    # the clerk's browser on this PC reads over loopback: nothing to gain from gzip there
    install_request_cycle(app, db, load_current_user, enforce_roles, CONTENT_SECURITY_POLICY, gzip_for_this_pc=False)
    for gate in capabilities.request_gates(program):  # after the user and the role check are known
        app.before_request(gate)
    install_page_turns(app, app.config["PAGE_TURNS"], app.config["PAGE_TURN_PATIENCE"])

    return app

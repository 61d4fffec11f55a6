"""The center's PostgreSQL database in the tests: each test a fresh one, its migrations paid once (issue 93).

A test on PostgreSQL gets its database (LOKET_TEST_PG_URL, one per worker and pass) dropped and made again
as a copy of a template (`CREATE DATABASE ... TEMPLATE`): the template is a database the product's own
`migrate_center` migrated once, named after a hash of the migrations it ran (schema/center/*.sql and the
code that renders them), so a changed step makes a new template and the stale one is dropped. The test's
database is then what a center that just migrated an empty database has, on the same server; its writes go
with it at the next test's drop. Before, each test dropped its schema and ran all 30 steps again.

Tests of the migrations themselves take `empty_database` and run them for real."""
import hashlib
from pathlib import Path

from sync.center.migrations import CENTER_SCHEMA

TEMPLATE_MARK = "_tpl_"
RENDERING = Path(__file__).resolve().parents[2] / "sync" / "center" / "migrations.py"


def fresh_center_database(url: str, directory: Path = CENTER_SCHEMA) -> str:
    """`url`'s database made anew, migrated by `directory`'s steps (a copy of the template); returns `url`."""
    _, name = _split(url)
    template = f"{name}{TEMPLATE_MARK}{migrations_key(directory)}"
    admin = _admin(url)
    if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (template,)).fetchone():
        _make_template(admin, url, template, directory)
    _recreate(admin, name, template)
    return url


def empty_database(url: str) -> str:
    """`url`'s database made anew and empty (PostgreSQL's template0): for tests that run the migrations."""
    _recreate(_admin(url), _split(url)[1], "template0")
    return url


def migrations_key(directory: Path = CENTER_SCHEMA) -> str:
    """What the template holds: every step's name and text, and the code that renders and applies them."""
    digest = hashlib.sha256(RENDERING.read_bytes())
    for path in sorted(Path(directory).glob("*.sql")):
        digest.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _make_template(admin, url: str, template: str, directory: Path) -> None:
    from sync.center.db import make_center_database
    from sync.center.migrations import migrate_center
    base = template.split(TEMPLATE_MARK)[0] + TEMPLATE_MARK
    for (stale,) in admin.execute("SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (base,)).fetchall():
        admin.execute(f'DROP DATABASE "{stale}" WITH (FORCE)')  # a half-made one, or one of older steps
    building = base + "building"
    admin.execute(f'CREATE DATABASE "{building}" TEMPLATE template0')
    db = make_center_database(url=_with_database(url, building))
    try:
        with db.connection_context():
            migrate_center(db, directory)  # the product's own migration code, as the center runs it at its start
    finally:
        db.close_all()
    # made under another name: a migration that failed half-way leaves no template that looks whole
    admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{template}"')


def _recreate(admin, name: str, template: str) -> None:
    # FORCE: a pool the last test left open (a center process, an app not closed) is cut, not waited for
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    # FILE_COPY (PostgreSQL 15's other way): the files copied whole, not written through the WAL, faster here
    strategy = " STRATEGY FILE_COPY" if admin.info.server_version >= 150000 else ""
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')


def _split(url: str) -> tuple[str, str]:
    server, name = url.split("?", 1)[0].rsplit("/", 1)
    return server, name


def _with_database(url: str, name: str) -> str:
    return f"{_split(url)[0]}/{name}"


_admins = {}


def _admin(url: str):
    """A connection to the server's `postgres` database (a database cannot be dropped from inside itself),
    kept for the worker's next tests."""
    import psycopg
    server = _split(url)[0]
    admin = _admins.get(server)
    if admin is None or admin.closed or admin.broken:
        admin = _admins[server] = psycopg.connect(f"{server}/postgres", autocommit=True)
    return admin

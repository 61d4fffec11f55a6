"""tests/support/center_postgres.py: each PostgreSQL test's center database fresh and fully migrated, the
migrations paid once per worker, never a template older than the steps."""
import shutil

import psycopg

from sync.center.migrations import CENTER_SCHEMA
from tests.support.center_postgres import TEMPLATE_MARK, empty_database, fresh_center_database


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as connection:
        return {name for (name,) in connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


def templates_of(url: str) -> list[str]:
    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres") as connection:
        return [found for (found,) in connection.execute(
            "SELECT datname FROM pg_database WHERE starts_with(datname, %s)", (name + TEMPLATE_MARK,))]


def test_a_changed_migration_makes_a_new_template_and_the_stale_one_goes(tmp_path, pg_url):
    steps = tmp_path / "center"
    shutil.copytree(CENTER_SCHEMA, steps)
    url = pg_url + "_steps"  # its own database and template: the worker's stay as they are
    try:
        fresh_center_database(url, steps)
        assert "kecamatan" in tables(url) and "catatan_baru" not in tables(url)
        first = templates_of(url)
        assert len(first) == 1

        # the last step edited in place (as a branch does before it lands): same files, same count, new text
        last = sorted(steps.glob("*.sql"))[-1]
        last.write_text(last.read_text(encoding="utf-8") + '\nCREATE TABLE "catatan_baru" ("id" {ID});\n',
                        encoding="utf-8")
        fresh_center_database(url, steps)
        assert "catatan_baru" in tables(url)  # from a template made anew, not the one of the old text
        assert len(templates_of(url)) == 1 and templates_of(url) != first
    finally:
        server, name = url.rsplit("/", 1)
        with psycopg.connect(server + "/postgres", autocommit=True) as admin:
            for made in [name, *templates_of(url)]:
                admin.execute(f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')


def test_a_tests_writes_are_gone_for_the_next_even_with_its_connection_left_open(pg_url):
    fresh_center_database(pg_url)
    left_open = psycopg.connect(pg_url, autocommit=True)  # as a center pool a test did not close
    left_open.execute("INSERT INTO \"kecamatan\" (\"code\", \"digits\", \"name\", \"created_at\", \"event_seq\") "
                      "VALUES ('35.08.07', '350807', 'Yosowilangun', '2026-11-29 08:00:00', 0)")
    fresh_center_database(pg_url)  # the next test's
    with psycopg.connect(pg_url) as connection:
        assert connection.execute('SELECT COUNT(*) FROM "kecamatan"').fetchone() == (0,)
        level = connection.execute('SELECT MAX("level") FROM "schema_migration"').fetchone()[0]
    assert level == len(list(CENTER_SCHEMA.glob("*.sql")))  # every step, as the center's own start leaves it
    assert left_open.closed or left_open.broken or _cut(left_open)
    left_open.close()


def test_an_empty_database_has_no_table_for_the_migration_tests(pg_url):
    fresh_center_database(pg_url)
    empty_database(pg_url)
    assert tables(pg_url) == set()


def _cut(connection) -> bool:
    try:
        connection.execute("SELECT 1")
    except psycopg.OperationalError:
        return True
    return False

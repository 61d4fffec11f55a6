"""Migrations: the SQL in schema/ builds exactly what the models describe."""
import pytest

from app.programs.kecamatan import PROGRAM as KECAMATAN
from app.auth.models import StaffSession, User
from app.frame.throttle import ThrottleHit
from app.frame.db import BaseModel, make_database
from app.frame.migrations import APPLICATION_ID, DatabaseTooNew, code_level, database_level, migrate


def all_models():
    KECAMATAN.modules()  # import every capability (the kecamatan holds them all), so every model is known
    found, pending = [], list(BaseModel.__subclasses__()) + [User, StaffSession, ThrottleHit]
    while pending:
        model = pending.pop()
        found.append(model)
        pending.extend(model.__subclasses__())
    return found


def describe(db):
    """Tables with their columns, indexes and foreign keys, as SQLite reports them."""
    shape = {}
    tables = [r[0] for r in db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for table in tables:
        # By name: a column's position is no part of the schema (an inherited model, such as
        # User on the frame's Account, lists its own fields after the shared ones).
        columns = sorted(tuple(r[1:6]) for r in db.execute_sql(f'PRAGMA table_info("{table}")'))
        indexes = sorted((r[1], r[2]) for r in db.execute_sql(f'PRAGMA index_list("{table}")')
                         if not r[1].startswith("sqlite_autoindex"))
        index_columns = {name: [c[2] for c in db.execute_sql(f'PRAGMA index_info("{name}")')] for name, _ in indexes}
        foreign = sorted(tuple(r[2:5]) for r in db.execute_sql(f'PRAGMA foreign_key_list("{table}")'))
        shape[table] = {"columns": columns, "indexes": indexes, "index_columns": index_columns, "foreign": foreign}
    return shape


def test_migrating_an_empty_database_gives_the_models_schema(tmp_path):
    from_sql = make_database(tmp_path / "migrated.sqlite3")
    migrate(from_sql)
    from_models = make_database(tmp_path / "models.sqlite3")
    models = all_models()
    with from_models.bind_ctx(models):
        from_models.create_tables(models)
    assert {"user", "audit_event", "setting"} <= set(describe(from_sql))
    assert describe(from_sql) == describe(from_models)
    assert database_level(from_sql) == code_level()
    assert from_sql.execute_sql("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_migrate_is_idempotent(tmp_path):
    db = make_database(tmp_path / "x.sqlite3")
    assert migrate(db) == code_level()
    assert migrate(db) == code_level()


def test_database_newer_than_the_code_is_refused_and_left_alone(tmp_path):
    db = make_database(tmp_path / "new.sqlite3")
    migrate(db)
    db.execute_sql(f"PRAGMA user_version = {code_level() + 1}")
    before = describe(db)
    with pytest.raises(DatabaseTooNew, match="versi aplikasi yang lebih baru"):
        migrate(db)
    assert describe(db) == before


def test_a_failing_migration_rolls_back_everything(tmp_path):
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "0001_ok.sql").write_text("CREATE TABLE a (id INTEGER PRIMARY KEY);")
    (schema / "0002_broken.sql").write_text("CREATE TABLE b (id INTEGER PRIMARY KEY); THIS IS NOT SQL;")
    db = make_database(tmp_path / "x.sqlite3")
    with pytest.raises(Exception):
        migrate(db, schema)
    assert database_level(db) == 0
    assert db.execute_sql("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[0] == 0

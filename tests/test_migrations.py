"""Migrations: the SQL in schema/ builds exactly what the models describe."""
import os

import pytest

from app.programs.kecamatan import PROGRAM as KECAMATAN
from app.auth.models import StaffSession, User
from app.frame.throttle import ThrottleHit
from app.frame.db import BaseModel, make_database
from app.frame.migrations import APPLICATION_ID, DatabaseTooNew, code_level, database_level, migrate


def all_models():
    KECAMATAN.modules()  # import every capability (the kecamatan holds them all), so every model is known
    return loaded_models()


def loaded_models():
    """Every model the modules imported so far define."""
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


def models_schema(path, models) -> dict:
    from_models = make_database(path)
    with from_models.bind_ctx(models):
        from_models.create_tables(models)
    return describe(from_models)


def test_migrating_an_empty_database_gives_the_models_schema(tmp_path):
    from_sql = make_database(tmp_path / "migrated.sqlite3")
    migrate(from_sql)
    assert {"user", "audit_event", "setting"} <= set(describe(from_sql))
    assert describe(from_sql) == models_schema(tmp_path / "models.sqlite3", all_models())
    assert database_level(from_sql) == code_level()
    assert from_sql.execute_sql("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


# In a fresh interpreter that loads what the desa PC loads (its capabilities, jobs and commands), and
# no more: the models it knows against schema/desa.
DESA_MODELS = """
import json, sys
from pathlib import Path
from app.frame.programs import resolve
from app.programs.desa import PROGRAM
PROGRAM.modules(), PROGRAM.jobs(), [resolve(command.add) for command in PROGRAM.commands]
from tests.test_migrations import describe, loaded_models, models_schema
from app.frame.db import make_database
from app.frame.migrations import migrate_desa
folder = Path(sys.argv[1])
migrated = make_database(folder / "migrated.sqlite3")
migrate_desa(migrated)
print(json.dumps([describe(migrated), models_schema(folder / "models.sqlite3", loaded_models())]))
"""


def test_a_desa_pcs_tables_are_its_models_and_no_kecamatan_table(tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", DESA_MODELS, str(tmp_path)], cwd=root, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(root)})
    assert out.returncode == 0, out.stderr
    migrated, from_models = json.loads(out.stdout)
    assert migrated == from_models
    assert {"user", "setting", "pre_registration", "user_desa", "sync_outbox", "public_status"} <= set(migrated)
    kecamatan_only = {"application", "complaint", "survey_response", "quarter_recap", "office_day_note",
                      "indicator_target", "application_fts", "tally_zone", "complaint_category"}
    assert not kecamatan_only & set(migrated)


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

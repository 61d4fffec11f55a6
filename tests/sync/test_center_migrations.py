"""The center's schema SQL builds exactly what its models describe, on SQLite and PostgreSQL."""
import pytest
from peewee import ModelIndex

from sync.center.db import make_center_database
from sync.center.migrations import CENTER_SCHEMA, CenterDatabaseTooNew, center_level, migrate_center
from sync.center.models import MODELS
from app.frame.migrations import code_level
from tests.sync.conftest import NO_PG, PG_URL
from tests.support.center_postgres import empty_database
from tests.test_migrations import describe


def test_center_sql_gives_the_models_schema_on_sqlite(tmp_path):
    migrated = make_center_database(tmp_path / "migrated.sqlite3")
    assert migrate_center(migrated) == code_level(CENTER_SCHEMA)
    from_models = make_center_database(tmp_path / "models.sqlite3")
    with from_models.bind_ctx(MODELS):
        from_models.create_tables(MODELS)
    shape = describe(migrated)
    assert shape.pop("schema_migration")
    assert shape == describe(from_models)


def test_center_migrations_are_idempotent_and_refuse_a_newer_database(tmp_path):
    db = make_center_database(tmp_path / "c.sqlite3")
    assert migrate_center(db) == migrate_center(db) == center_level(db) == code_level(CENTER_SCHEMA)
    db.execute_sql('INSERT INTO "schema_migration" ("level", "applied_at") VALUES (99, CURRENT_TIMESTAMP)')
    with pytest.raises(CenterDatabaseTooNew):
        migrate_center(db)


def test_center_sql_gives_the_models_columns_on_postgresql():
    if not PG_URL:
        pytest.skip(NO_PG)
    empty_database(PG_URL)
    db = make_center_database(url=PG_URL)
    assert migrate_center(db) == migrate_center(db) == code_level(CENTER_SCHEMA)
    for model in MODELS:
        columns = {c.name: c.null for c in db.get_columns(model._meta.table_name)}
        assert columns == {f.column_name: f.null for f in model._meta.sorted_fields}, model.__name__
        made = db.get_indexes(model._meta.table_name)
        indexes, names = {tuple(i.columns) for i in made}, {i.name for i in made}
        for index in model._meta.indexes:
            if isinstance(index, ModelIndex):  # one declared with Model.add_index (a partial one): by its name
                assert index._name in names, index._name
                continue
            fields, unique = index
            assert tuple(model._meta.fields[f].column_name for f in fields) in indexes
    db.close_all()
    assert CENTER_SCHEMA.name == "center"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_usb_reports_step_keeps_every_report_and_numbers_on_after_them(tmp_path, dialect):
    """0025 (issue 81) makes fleet_report anew so that a USB file's report keeps its clock unmeasured (NULL):
    the reports already kept stay, and the next one is numbered after them (PostgreSQL's sequence too)."""
    import shutil
    earlier = tmp_path / "center"
    earlier.mkdir()
    for path in sorted(CENTER_SCHEMA.glob("*.sql"))[:24]:
        shutil.copy(path, earlier / path.name)
    if dialect == "postgresql":
        if not PG_URL:
            pytest.skip(NO_PG)
        empty_database(PG_URL)
        db = make_center_database(url=PG_URL)
    else:
        db = make_center_database(tmp_path / "c.sqlite3")
    assert migrate_center(db, earlier) == 24
    db.execute_sql('INSERT INTO "kecamatan" ("id", "code", "digits", "name", "created_at", "event_seq") '
                   "VALUES (1, '35.08.07', '350807', 'Yosowilangun', '2026-11-27 08:00:00', 0)")
    db.execute_sql('INSERT INTO "device_key" ("id", "kecamatan_id", "key_id", "secret", "device_id", "created_at") '
                   "VALUES (1, 1, 'k1', 's', '', '2026-11-27 08:00:00')")
    for offset in (4, -130):
        db.execute_sql('INSERT INTO "fleet_report" ("device_key_id", "received_at", "clock_offset", "report") '
                       "VALUES (1, '2026-11-27 09:00:00', %s, '{}')" % offset)
    assert migrate_center(db) == code_level(CENTER_SCHEMA)
    db.execute_sql('INSERT INTO "fleet_report" ("device_key_id", "received_at", "clock_offset", "report") '
                   "VALUES (1, '2026-11-28 09:00:00', NULL, '{}')")
    rows = db.execute_sql('SELECT "id", "clock_offset" FROM "fleet_report" ORDER BY "id"').fetchall()
    assert [tuple(row) for row in rows] == [(1, 4), (2, -130), (3, None)]
    if dialect == "postgresql":
        db.close_all()

"""A desa PC's database has its own tables only (schema/desa). One made before, under the kecamatan's
schema (any level), is converted at the start or after a restore in one transaction: every row of the
desa tables kept, the kecamatan's tables dropped only while they hold nothing a person saved."""
import io
import logging

import pytest
from peewee import IntegrityError

from app import create_app
from app.frame import migrations
from app.frame.db import database, make_database
from app.frame.keystore import KeyStore
from app.frame.migrations import (APPLICATION_ID, DESA_APPLICATION_ID, DESA_SCHEMA, KECAMATAN_SCHEMA, code_level,
                                  database_level, migration_files, schema_at_level, schema_of)
from tests.desa.test_desa_mode import bound_to, desa_admin, desa_app, kecamatan, text  # noqa: F401  (fixtures)

KECAMATAN_ONLY = {"application", "complaint", "survey_response", "quarter_recap", "application_fts", "tally_zone"}


def tables(db) -> set[str]:
    return {name for kind, name, _, _ in schema_of(db.connection()) if kind == "table"}


def desa_tables() -> set[str]:
    return {name for kind, name, _, _ in schema_at_level(code_level(DESA_SCHEMA), DESA_SCHEMA) if kind == "table"}


def old_desa_database(path, level: int):
    """A desa PC's database as the versions before its own schema made it: the kecamatan's migrations
    up to `level`, each desa table there holding two rows (every column filled that may be)."""
    db = make_database(path)
    with db.connection_context(), db.atomic():
        for number, file in migration_files(KECAMATAN_SCHEMA)[:level]:
            db.connection().execute(file.read_text(encoding="utf-8"))
            db.execute_sql(f"PRAGMA user_version = {number}")
        for table in sorted(tables(db) & desa_tables(), key=lambda name: name != "user"):  # the accounts first
            columns = list(db.execute_sql(f'PRAGMA table_info("{table}")'))
            for i in (1, 2):
                values = [_value(column, i) for column in columns]
                names = ", ".join(f'"{c[1]}"' for c in columns)
                try:
                    with db.atomic():
                        db.execute_sql(f'INSERT OR IGNORE INTO "{table}" ({names}) '
                                       f'VALUES ({", ".join("?" * len(values))})', values)
                except IntegrityError:  # the early outbox held applications only: a desa PC's was empty
                    pass
    return db


def _value(column, i: int):
    _, name, kind, not_null, _, primary = column
    if kind == "BLOB":
        return bytes([i]) * 16  # a photo
    if not not_null and not primary:
        return None  # keys to the kecamatan's applications among them
    if kind == "INTEGER":
        return 100 + i  # a user's id, and the keys to it
    if kind in ("DATE", "DATETIME"):
        return f"2025-01-0{i}" + (" 08:00:00" if kind == "DATETIME" else "")
    return f"{name}-{i}"


def rows(db, only: set[str], columns_of: dict | None = None) -> dict:
    """Every row of the tables `only`, by the columns each had in `columns_of` (default: its own)."""
    found = {}
    for table in sorted(only):
        columns = (columns_of or {}).get(table) or [c[1] for c in db.execute_sql(f'PRAGMA table_info("{table}")')]
        names = ", ".join(f'"{c}"' for c in columns)
        found[table] = sorted(map(repr, db.execute_sql(f'SELECT {names} FROM "{table}"').fetchall()))
    return found


def test_a_fresh_desa_pc_has_its_tables_and_no_kecamatan_table(desa_app):
    db = desa_app.extensions["database"]
    with bound_to(desa_app):
        assert not KECAMATAN_ONLY & tables(db) and {"pre_registration", "user", "sync_outbox"} <= tables(db)
        assert migrations.application_id(db) == DESA_APPLICATION_ID
        assert database_level(db) == code_level(DESA_SCHEMA)
        assert schema_of(db.connection()) == schema_at_level(code_level(DESA_SCHEMA), DESA_SCHEMA)


# Columns of the kecamatan's levels past the conversion that desa level 1 has not: the conversion lets
# them go (migrations._rebuild), and the desa schema's later levels add them back at their defaults.
LET_GO = {"sync_link": {"pass_requested_at", "packet_bytes"}}


@pytest.mark.parametrize("level", [code_level(KECAMATAN_SCHEMA), migrations.CONVERTED_AT_KECAMATAN_LEVEL, 10])
def test_an_old_desa_pcs_database_is_converted_at_its_start_with_every_row(tmp_path, kecamatan, level):
    folder = tmp_path / "desa-lama"
    folder.mkdir()
    old = old_desa_database(folder / "desa.sqlite3", level)
    with old.connection_context():
        before_tables = tables(old) & desa_tables()
        columns = {t: [c[1] for c in old.execute_sql(f'PRAGMA table_info("{t}")') if c[1] not in LET_GO.get(t, ())]
                   for t in before_tables}
        before = rows(old, before_tables, columns)
        assert before["pre_registration"] and before["user"]
    old.close()
    try:
        app = create_app({"DATA_DIR": folder, "SECRET_KEY": "x", "TESTING": True, "MODE": "desa"})
        db = app.extensions["database"]
        with db.connection_context():
            kept = rows(db, before_tables, columns)
            # The start records the machine it runs on (app/frame/installation.py): the app's own write.
            assert kept.pop("installation") and before.pop("installation")
            assert kept == before  # every row the clerks saved
            assert {row[0] for row in db.execute_sql('SELECT packet_bytes FROM sync_link')} == {0}  # the first guess
            assert not KECAMATAN_ONLY & tables(db)
            assert migrations.application_id(db) == DESA_APPLICATION_ID
            assert schema_of(db.connection()) == schema_at_level(code_level(DESA_SCHEMA), DESA_SCHEMA)
    finally:
        database.initialize(kecamatan.extensions["database"])


def test_a_conversion_cut_short_leaves_the_old_database_as_it_was(tmp_path, monkeypatch):
    db = old_desa_database(tmp_path / "desa.sqlite3", 20)
    with db.connection_context():
        schema, before = schema_of(db.connection()), rows(db, tables(db))
    original = migrations._rebuild

    def cut(connection, name, sql):  # the power cut half-way: kecamatan levels applied, triggers dropped
        original(connection, name, sql)
        raise OSError("listrik padam")

    monkeypatch.setattr(migrations, "_rebuild", cut)
    with db.connection_context(), pytest.raises(OSError):
        migrations.migrate_desa(db)
    with db.connection_context():
        assert schema_of(db.connection()) == schema and rows(db, tables(db)) == before
        assert database_level(db) == 20 and migrations.application_id(db) == APPLICATION_ID
    monkeypatch.undo()
    with db.connection_context():  # the next start converts it
        assert migrations.migrate_desa(db) == code_level(DESA_SCHEMA)


def test_a_kecamatan_table_holding_a_row_is_kept_and_said(tmp_path, caplog):
    """It stays on the kecamatan's schema, followed to its last level: the desa PC's models read the
    tables both share as they are now (sync_link's pass_requested_at, level 28)."""
    db = old_desa_database(tmp_path / "desa.sqlite3", migrations.CONVERTED_AT_KECAMATAN_LEVEL)
    with db.connection_context():
        db.execute_sql("INSERT INTO complaint_category (name, section, is_active) VALUES ('Lain', 'umum', 1)")
        with caplog.at_level(logging.WARNING):
            assert migrations.migrate_desa(db) == code_level(KECAMATAN_SCHEMA)
        assert "pass_requested_at" in [c[1] for c in db.execute_sql('PRAGMA table_info("sync_link")')]
        assert "complaint_category" in caplog.text and "tetap disimpan" in caplog.text
        assert migrations.application_id(db) == APPLICATION_ID and "complaint_category" in tables(db)
        assert db.execute_sql("SELECT count(*) FROM pre_registration").fetchone()[0] == 2


def test_an_old_desa_backup_restores_on_a_desa_pc_and_is_converted(tmp_path, desa_app):
    from app.backups.engine import backup_database, settle_recovery_key
    old_folder = tmp_path / "desa-lama"
    old_folder.mkdir()
    old_desa_database(old_folder / "desa.sqlite3", code_level(KECAMATAN_SCHEMA)).close()
    settle_recovery_key(old_folder, may_create=True)  # as that PC's first start made it
    old_backup = backup_database(old_folder / "desa.sqlite3", old_folder / "cadangan.sqlite3")
    client, _ = desa_admin(desa_app)
    restored = client.post("/admin/cadangan/pulihkan", content_type="multipart/form-data", data={
        "confirm": "ya", "recovery_key": KeyStore(old_folder).recovery_key(),
        "backup_file": (io.BytesIO(old_backup.read_bytes()), "cadangan.sqlite3")})
    assert restored.status_code == 303, text(restored)[:500]
    db = desa_app.extensions["database"]
    with bound_to(desa_app):
        assert migrations.application_id(db) == DESA_APPLICATION_ID and not KECAMATAN_ONLY & tables(db)
        assert [r[0] for r in db.execute_sql("SELECT number FROM pre_registration ORDER BY id")] == [
            "number-1", "number-2"]


def test_a_desa_pcs_backup_is_refused_at_the_kecamatan(desa_app, kecamatan, client_as):
    from app.backups.engine import backup_database
    desa_admin(desa_app)
    with bound_to(desa_app):
        desa_backup = backup_database(desa_app.config["DATABASE_PATH"], desa_app.config["DATA_DIR"] / "d.sqlite3")
    database.initialize(kecamatan.extensions["database"])
    refused = client_as("admin").post("/admin/cadangan/pulihkan", content_type="multipart/form-data", data={
        "confirm": "ya", "recovery_key": KeyStore(desa_app.config["DATA_DIR"]).recovery_key(),
        "backup_file": (io.BytesIO(desa_backup.read_bytes()), "d.sqlite3")})
    assert refused.status_code == 422 and "Ini cadangan komputer desa" in text(refused)

"""Statements built once (app/frame/statements.py): the text is kept, the answer never is."""
from datetime import date

import pytest
from peewee import SQL, CharField, DatabaseProxy, DateField, Model, SqliteDatabase, fn
from playhouse.db_url import connect

from app.frame import statements

proxy = DatabaseProxy()
built = []


class Visit(Model):
    person = CharField()
    day = DateField()

    class Meta:
        database = proxy
        table_name = "statement_test_visit"


def visits_on(day):
    built.append(day)
    return Visit.select(fn.COUNT(SQL("*"))).where(Visit.day == day)


def visits_from(day):
    return Visit.select(Visit.person, Visit.day).where(Visit.day >= day).order_by(Visit.person).tuples()


def visits_with_person(person):
    return Visit.select().where(Visit.person == person).limit(1)


@pytest.fixture
def sqlite_visits():
    statements._kept.cache_clear()  # each test counts its own builds, whatever ran before it in this process
    db = SqliteDatabase(":memory:")
    proxy.initialize(db)
    db.create_tables([Visit])
    yield db
    db.close()


def test_a_kept_statement_answers_what_the_table_holds_now(sqlite_visits):
    today = date(2026, 11, 26)
    built.clear()
    assert statements.scalar(visits_on, today) == 0
    Visit.create(person="Siti", day=today)
    assert statements.scalar(visits_on, today) == 1  # the same text, a fresh answer
    Visit.create(person="Budi", day=today)
    Visit.delete().where(Visit.person == "Siti").execute()
    assert statements.scalar(visits_on, today) == 1
    assert statements.scalar(visits_on, date(2026, 11, 27)) == 0  # another day: another statement
    assert built == [today, date(2026, 11, 27)]  # each built once, however often it ran


def test_rows_come_back_through_the_fields_conversions(sqlite_visits):
    Visit.create(person="Siti", day=date(2026, 11, 26))
    Visit.create(person="Ani", day=date(2026, 11, 20))
    assert statements.rows(visits_from, date(2026, 11, 21)) == [("Siti", date(2026, 11, 26))]
    found = statements.rows(visits_with_person, "Ani")
    assert [(v.person, v.day) for v in found] == [("Ani", date(2026, 11, 20))]
    assert statements.rows(visits_with_person, "nobody") == []


def test_one_builder_on_sqlite_then_postgresql_gets_each_database_s_own_text(sqlite_visits, pg_url):
    """The center's models run on SQLite or PostgreSQL behind one proxy (`?` against `%s`): a text
    kept for one must not be run on the other."""
    today = date(2026, 11, 26)
    Visit.create(person="Siti", day=today)
    assert statements.scalar(visits_on, today) == 1
    pg = connect(pg_url)
    proxy.initialize(pg)
    try:
        pg.drop_tables([Visit])
        pg.create_tables([Visit])
        Visit.create(person="Budi", day=today)
        Visit.create(person="Ani", day=today)
        assert statements.scalar(visits_on, today) == 2
        assert [v.person for v in statements.rows(visits_with_person, "Ani")] == ["Ani"]
        pg.drop_tables([Visit])
    finally:
        pg.close()
        proxy.initialize(sqlite_visits)
    assert statements.scalar(visits_on, today) == 1

"""Statements built once (app/frame/statements.py): the text is kept, the answer never is."""
from datetime import date

import pytest
from peewee import SQL, CharField, DatabaseProxy, DateField, ForeignKeyField, Model, SqliteDatabase, fn
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


class Note(Model):
    visit = ForeignKeyField(Visit)
    text = CharField()

    class Meta:
        database = proxy
        table_name = "statement_test_note"


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
    db.create_tables([Visit, Note])
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


def notes_with_visits(person):
    return Note.select(Note, Visit).join(Visit).where(Visit.person == person).order_by(Note.id)


def test_rows_read_again_give_the_joined_models_as_a_fresh_query_does(sqlite_visits):
    """A kept statement read again gives what peewee's own query gives: the joined model, dates converted."""
    siti = Visit.create(person="Siti", day=date(2026, 11, 26))
    Note.create(visit=siti, text="KK difotokopi")
    assert statements.rows(notes_with_visits, "Budi") == []
    first = statements.rows(notes_with_visits, "Siti")
    Note.create(visit=siti, text="NIK dicek")
    again = statements.rows(notes_with_visits, "Siti")
    assert [(n.text, n.visit.person, n.visit.day) for n in again] == [
        ("KK difotokopi", "Siti", date(2026, 11, 26)), ("NIK dicek", "Siti", date(2026, 11, 26))]
    assert [(n.text, n.visit.day) for n in first] == [("KK difotokopi", date(2026, 11, 26))]
    fresh = list(Note.select(Note, Visit).join(Visit).where(Visit.person == "Siti").order_by(Note.id))
    assert [(n.id, n.text, n.visit.id, n.visit.day) for n in again] == [(n.id, n.text, n.visit.id, n.visit.day)
                                                                        for n in fresh]


def test_the_one_private_name_the_product_reads_of_peewee_is_still_there():
    """statements.rows reads peewee's `_get_cursor_wrapper` and a query's `_database` (argued there):
    a peewee release that renames either fails here, by name, before any page does."""
    query = Visit.select()
    assert callable(getattr(query, "_get_cursor_wrapper", None))
    assert hasattr(query, "_database")


def visits_after(person):
    built.append(person)
    return (Visit.select(Visit.day).where((Visit.person == person) & (Visit.day > statements.each_run(0)))
            .order_by(Visit.day).tuples())


def test_a_value_given_on_each_run_is_not_kept_in_the_text(sqlite_visits):
    """A feed's cursor changes on every pass: the text is built once and runs with each one's."""
    for day in (20, 22, 24):
        Visit.create(person="Siti", day=date(2026, 11, day))
    built.clear()
    after = [statements.rows(visits_after, "Siti", each_run=(date(2026, 11, d).isoformat(),)) for d in (19, 21, 24)]
    assert after == [[(date(2026, 11, 20),), (date(2026, 11, 22),), (date(2026, 11, 24),)],
                     [(date(2026, 11, 22),), (date(2026, 11, 24),)], []]
    assert statements.scalar(visits_after, "Siti", each_run=("2026-11-23",)) == date(2026, 11, 24).isoformat()
    assert built == ["Siti"]


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


def test_fetched_rows_are_the_database_s_own_values_from_a_text_built_once(sqlite_visits):
    """A list that formats its values itself reads them unconverted (the recap's list, issue 73)."""
    for day in (20, 22):
        Visit.create(person="Siti", day=date(2026, 11, day))
    built.clear()
    assert statements.fetched(visits_after, "Siti", each_run=("2026-11-19",)) == [("2026-11-20",), ("2026-11-22",)]
    assert statements.fetched(visits_after, "Siti", each_run=("2026-11-21",)) == [("2026-11-22",)]
    assert statements.query(visits_after, "Siti") is statements.query(visits_after, "Siti")
    assert built == ["Siti"]

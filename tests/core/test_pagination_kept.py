"""Keyset pages of a kept statement (app/frame/pagination.paginate_kept): the same pages as a query's
(paginate), forward and back, in either direction of the ORDER BY, with the cursor given on each run."""
from datetime import date

import pytest
from flask import Flask
from peewee import CharField, DateField, Model, SqliteDatabase

from app.frame import statements
from app.frame.pagination import paginate, paginate_kept

database = SqliteDatabase(":memory:")


class Entry(Model):
    person = CharField()
    day = DateField()

    class Meta:
        database = database
        table_name = "pagination_test_entry"


def newest_first(person):
    return (Entry.select(Entry.person, Entry.day, Entry.id).where(Entry.person == person)
            .order_by(Entry.day.desc(), Entry.id.desc()))


def without_its_key(person):
    return Entry.select(Entry.person).where(Entry.person == person).order_by(Entry.id.asc())


@pytest.fixture
def entries():
    statements._kept.cache_clear()
    database.connect(reuse_if_open=True)
    database.create_tables([Entry])
    for n in range(23):  # three entries a day: the id orders a day's
        Entry.create(person="Siti", day=date(2026, 11, 1 + n // 3))
    Entry.create(person="Budi", day=date(2026, 11, 5))
    yield
    database.drop_tables([Entry])
    database.close()


def _pages(read, arguments: dict) -> list:
    with Flask(__name__).test_request_context("/", query_string=arguments):
        return read()


def test_kept_pages_are_a_query_s_pages_forward_and_back(entries):
    def kept(arguments):
        page = _pages(lambda: paginate_kept(newest_first, ("Siti",), 10), arguments)
        return page, [row[2] for row in page.items]

    def built(arguments):
        page = _pages(lambda: paginate(newest_first("Siti"), 10), arguments)
        return page, [row.id for row in page.items]

    order = [e.id for e in newest_first("Siti")]
    for read in (kept, built):
        pages, arguments = [], {}
        while True:
            page, ids = read(arguments)
            pages.append(ids)
            if not page.has_next:
                break
            arguments = page.next_args
        assert sum(pages, []) == order and [len(p) for p in pages] == [10, 10, 3]
        back = []
        while page.has_previous:
            page, ids = read(page.previous_args)
            back.append(ids)
        assert back == pages[-2::-1] and page.number == 1
    assert kept({"setelah": '["2026-11-04",11]'})[0].next_args == built({"setelah": '["2026-11-04",11]'})[0].next_args


def test_a_kept_list_must_select_its_sort_keys(entries):
    with pytest.raises(ValueError):
        _pages(lambda: paginate_kept(without_its_key, ("Siti",), 10), {})

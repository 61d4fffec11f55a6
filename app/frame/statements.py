"""Statements whose SQL text peewee builds once for their arguments, not on every request.

peewee builds a query's SQL text each time it runs it: 0.3-0.8 ms for each of the landing page's
counts and for the session read on every request, whose statements then run in 0.02-0.05 ms. Their
text and parameters depend only on arguments that change a few times a day (today's date, whether a
role sees confidential complaints, a status, a session's token), so the text is kept per (builder,
arguments). The peewee query stays the one definition of the rule: `scalar(overdue_count, today)`
runs `overdue_count(today)`'s SQL, built on the first call of the day.

A builder is a module-level function of hashable arguments that returns a peewee model query; what
it reads from anywhere but its arguments would be frozen into the kept text, so it reads nothing else.
A value with more values than a cache holds (a key id, a kecamatan, a feed's cursor) is not one of
them: the builder puts `each_run(0)` where it goes, and the caller gives it on each run, as in
`rows(build, *args, each_run=(kecamatan_id, cursor))`: one text for every key and kecamatan.
"""
import functools

from peewee import Value

KEPT_STATEMENTS = 256  # about 20 builders, each with a day's arguments or a few: old days fall out


def each_run(index: int) -> Value:
    """In a builder: the `index`th of the values its caller gives on each run (`each_run=`), as the
    database takes it (an int, a str: no field's conversion is applied)."""
    return Value(_Slot(index), converter=False)


class _Slot:
    def __init__(self, index: int):
        self.index = index


def scalar(build, *args, each_run=()):
    """The first column of the first row of build(*args) as the database gives it, None without a row."""
    database, sql, params = _kept(build, args).statement(each_run)
    row = database.execute_sql(sql, params).fetchone()
    return None if row is None else row[0]


def rows(build, *args, each_run=()) -> list:
    """The rows of build(*args) as peewee gives them (model instances, joined ones included; tuples
    after `.tuples()`), each value through its field's conversion."""
    kept = _kept(build, args)
    database, sql, params = kept.statement(each_run)
    # A peewee private name (all of them: tests/core/test_peewee_private_names.py, which fails on a
    # rename): its own reader of a cursor for this query, what `query.execute()` does after building
    # the text, the only way to get its model instances and joins without building it again.
    return list(kept.query._get_cursor_wrapper(database.execute_sql(sql, params)))


def fetched(build, *args, each_run=()) -> list:
    """The rows of build(*args) as tuples of what the database gives (no field's conversion, in the
    select's order): for a list that formats its values itself, where peewee's conversion of each
    value was a third of the page's Python (the recap's list, issue 73)."""
    database, sql, params = _kept(build, args).statement(each_run)
    return database.execute_sql(sql, params).fetchall()


def query(build, *args):
    """The query build(*args) made when its text was kept: to read its shape (its ORDER BY, its
    columns) without building it again. Never run or changed: its copies are other statements."""
    return _kept(build, args).query


class _Statement:
    def __init__(self, query):
        self.query = query
        self.texts = {}  # per kind of database behind the model's (proxy): SQLite, PostgreSQL

    def statement(self, each_run=()) -> tuple:
        database = self.query.model._meta.database  # the model's own: the office's or the center's
        dialect = _dialect(database)
        if dialect not in self.texts:
            sql, params = database.get_sql_context().sql(self.query).query()
            self.texts[dialect] = sql, tuple(params)  # a tuple: no caller changes what the next one runs
        sql, params = self.texts[dialect]
        if each_run:
            params = tuple(each_run[p.index] if isinstance(p, _Slot) else p for p in params)
        return database, sql, params


def _dialect(database) -> type:
    """The kind of database behind a model's (a proxy's) database: SQLite or PostgreSQL."""
    return type(getattr(database, "obj", database))


@functools.lru_cache(maxsize=KEPT_STATEMENTS)
def _kept(build, args) -> _Statement:
    return _Statement(build(*args))

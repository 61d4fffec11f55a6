"""Statements whose SQL text peewee builds once for their arguments, not on every request.

peewee builds a query's SQL text each time it runs it: 0.3-0.8 ms for each of the landing page's
counts and for the session read on every request, whose statements then run in 0.02-0.05 ms. Their
text and parameters depend only on arguments that change a few times a day (today's date, whether a
role sees confidential complaints, a status, a session's token), so the text is kept per (builder,
arguments). The peewee query stays the one definition of the rule: `scalar(overdue_count, today)`
runs `overdue_count(today)`'s SQL, built on the first call of the day.

A builder is a module-level function of hashable arguments that returns a peewee model query; what
it reads from anywhere but its arguments would be frozen into the kept text, so it reads nothing else.
"""
import functools

KEPT_STATEMENTS = 256  # about 20 builders, each with a day's arguments or a few: old days fall out


def scalar(build, *args):
    """The first column of the first row of build(*args) as the database gives it, None without a row."""
    database, sql, params = _kept(build, args).statement()
    row = database.execute_sql(sql, params).fetchone()
    return None if row is None else row[0]


def rows(build, *args) -> list:
    """The rows of build(*args) as peewee gives them (model instances, joined ones included; tuples
    after `.tuples()`), each value through its field's conversion."""
    kept = _kept(build, args)
    database, sql, params = kept.statement()
    # peewee's own reader of a cursor for this query: `query.execute()` without building the text again
    return list(kept.query._get_cursor_wrapper(database.execute_sql(sql, params)))


class _Statement:
    def __init__(self, query):
        self.query = query
        self.texts = {}  # per kind of database behind the model's (proxy): SQLite, PostgreSQL

    def statement(self) -> tuple:
        database = self.query._database  # the model's own: the office's or the center's
        dialect = type(getattr(database, "obj", database))
        if dialect not in self.texts:
            sql, params = database.get_sql_context().sql(self.query).query()
            self.texts[dialect] = sql, tuple(params)  # a tuple: no caller changes what the next one runs
        return (database, *self.texts[dialect])


@functools.lru_cache(maxsize=KEPT_STATEMENTS)
def _kept(build, args) -> _Statement:
    return _Statement(build(*args))

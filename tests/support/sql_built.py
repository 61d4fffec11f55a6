"""The SQL texts peewee builds from now on (issue 73: building one cost ~0.2 ms, five times its run), for
the tests that a kept statement (app/frame/statements.py) builds nothing after its first request."""
import peewee


def sql_texts_built(monkeypatch) -> list:
    """A list that gets an entry each time peewee builds a statement's text, until the test ends."""
    built = []
    plain = peewee.Database.get_sql_context  # what peewee asks for each time it builds a statement's text

    def counted(self, *args, **kwargs):
        built.append(self)
        return plain(self, *args, **kwargs)
    monkeypatch.setattr(peewee.Database, "get_sql_context", counted)
    return built

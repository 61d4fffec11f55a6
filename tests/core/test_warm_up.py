"""run.py serve warms the process beside the server starting (issue 32: the first page after a restart)."""
from app.frame.serving import FIRST_PAGES, page_templates, warm_up
from app.frame.working_days import national_holidays


def test_the_warm_up_compiles_the_templates_loads_the_calendar_and_keeps_a_keyed_connection(app):
    database = app.extensions["database"]
    database.close_idle()
    app.jinja_env.cache.clear()
    national_holidays.cache_clear()
    warm_up(app, list(FIRST_PAGES)).join(60)  # every page template by default: seconds, too long for a test
    assert {name for _, name in app.jinja_env.cache.keys()} >= set(FIRST_PAGES)
    assert national_holidays.cache_info().currsize == 3  # last, this and next year
    assert len(database._connections) == 1  # opened, keyed and given back to the pool for the first page


def test_the_warm_up_compiles_every_page_of_the_program_the_first_ones_first(app):
    names = page_templates(app)
    assert names[:3] == list(FIRST_PAGES)
    assert set(names) == {n for n in app.jinja_env.list_templates() if n.endswith(".html") and not n.startswith("center/")}

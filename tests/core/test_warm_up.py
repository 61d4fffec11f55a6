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


def test_a_desa_pc_warms_its_own_pages_and_logs_no_error(tmp_path, caplog):
    """Issue 83, finding 5: a desa PC logged an ERROR at every start (`No filter named 'hari_kerja'`, the
    recap's template, not a page of its program) and its warm-up stopped there."""
    import logging

    from app.programs.office_app import create_app
    desa = create_app({"DATA_DIR": tmp_path / "desa-pc", "SECRET_KEY": "desa-secret", "TESTING": True, "MODE": "desa"})
    names = page_templates(desa)
    assert any(n.startswith("desa/") for n in names)
    assert not any(n.startswith(("recap/", "registration/", "center/")) for n in names)
    with caplog.at_level(logging.ERROR):
        warm_up(desa, names).join(120)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    assert {name for _, name in desa.jinja_env.cache.keys()} >= set(names)  # every one compiled, none skipped


def test_the_warm_up_waits_while_a_request_is_in_flight(app):
    """Issue 73: on a quarter of a core its ~0.5 s of CPU made the first page wait after a cold start."""
    from app.frame.request_cycle import REQUESTS_IN_FLIGHT
    app.jinja_env.cache.clear()
    in_flight = app.extensions[REQUESTS_IN_FLIGHT]
    in_flight.begin()  # a clerk's request being served
    try:
        warming = warm_up(app, ["auth/login.html"])
        warming.join(1)
        assert warming.is_alive()
        assert not app.jinja_env.cache  # nothing compiled beside the request
    finally:
        in_flight.end()
    warming.join(60)
    assert {name for _, name in app.jinja_env.cache.keys()} == {"auth/login.html"}


def test_the_background_jobs_start_once_the_first_pages_are_answered(app):
    """`run.py serve` starts its jobs (the daily backup, the sync probe) after the first pages, not beside them."""
    import threading

    from app.frame.serving import after_the_first_pages
    started = threading.Event()
    waiting = after_the_first_pages(app, started.set, quiet=0, latest=3600)
    waiting.join(1)
    assert waiting.is_alive() and not started.is_set()  # no page asked yet
    assert app.test_client().get("/healthz").status_code == 200
    waiting.join(60)
    assert started.is_set()


def test_the_background_jobs_start_at_the_latest_when_no_one_opens_a_page(app):
    import threading

    from app.frame.serving import after_the_first_pages
    started = threading.Event()
    after_the_first_pages(app, started.set, latest=0).join(60)
    assert started.is_set()

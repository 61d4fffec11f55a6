"""Background jobs of the serving process: the daily backup, and what capabilities add.

A capability lists `BACKGROUND_JOBS = [(seconds, job)]`; each job is called as job(app)
in its own daemon thread, every `seconds`, with a database connection open.
"""
import logging
import threading

from app import capabilities

log = logging.getLogger(__name__)


def _loop(app, seconds: int, job, stop: threading.Event, db=None) -> None:
    db = db or app.extensions["database"]
    while not stop.is_set():
        try:
            with app.app_context(), db.connection_context():
                job(app)
        except Exception:  # a failed run is logged and tried again next time
            log.exception("background job %s failed", job.__name__)
        stop.wait(seconds)


def start_jobs(app, jobs, db=None) -> threading.Event:
    """Run each (seconds, job) in its own daemon thread; set the returned event to stop them."""
    stop = threading.Event()
    for seconds, job in jobs:
        threading.Thread(target=_loop, args=(app, seconds, job, stop, db), daemon=True,
                         name=f"job-{job.__name__}").start()
    return stop


def start_background_jobs(app) -> threading.Event:
    only = app.config.get("BACKGROUND_MODULES")  # desa mode: the daily backup, not the kecamatan's sync
    return start_jobs(app, [job for module in capabilities.modules()
                            if only is None or module.__name__ in only
                            for job in getattr(module, "BACKGROUND_JOBS", [])])

"""Background jobs of a serving process, for every program: each (seconds, job) runs as job(app) in
its own daemon thread, every `seconds`, with a database connection open. A program declares its
jobs (app/frame/programs.py, `background_jobs`)."""
import logging
import threading

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

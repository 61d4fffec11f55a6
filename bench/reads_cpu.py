"""A request's CPU against its own reads (issue 73): what Python spends above the SQL it runs.

For the benches that serve pages (bench_recap.py) or compute them in process (bench_indicators.py):
`watch_statements()` hands the office database's every later query a cursor that times each call
into SQLite (execute, and each fetch of its rows: the reads as the view makes them, warm or cold,
its pages decrypted; the thread's CPU inside those calls) in the thread that made it, and notes the statement; `counted(app)` is a WSGI
middleware that takes each request's thread CPU (time.thread_time, to the microsecond) and those
reads, and appends one JSON line per request to the file named by LOKET_READS_LOG; `Measured` does
the same around a call in process. SQLite's own profile hook counts whole milliseconds, too coarse
for statements of 0.05 ms. The ratio CPU / reads is what the page costs above its reads: 1.0 would
be a page that only reads.
"""
import json
import os
import threading
import time

_here = threading.local()
_lock = threading.Lock()


class _TimedCursor:
    """An apsw cursor whose calls into SQLite are timed for the thread's Measured windows."""

    def __init__(self, cursor):
        self._cursor = cursor

    def _timed(self, call, *args):
        started = time.thread_time()  # CPU, as the request's: a thread put aside meanwhile adds nothing
        try:
            return call(*args)
        finally:
            if getattr(_here, "statements", None) is not None:
                _here.reads += time.thread_time() - started

    def execute(self, sql, bindings=None):
        if getattr(_here, "statements", None) is not None:
            _here.statements.append(sql)
        self._timed(self._cursor.execute, sql, bindings)
        return self

    def fetchone(self):
        return self._timed(self._cursor.fetchone)

    def fetchall(self):
        return self._timed(self._cursor.fetchall)

    def __iter__(self):
        return self

    def __next__(self):
        return self._timed(self._cursor.__next__)

    def __getattr__(self, name):
        return getattr(self._cursor, name)


def watch_statements() -> None:
    """Every query of the office's database from now on goes through a timed cursor."""
    from app.frame.db import PooledAPSWDatabase
    plain = PooledAPSWDatabase.cursor
    PooledAPSWDatabase.cursor = lambda self, named_cursor=None: _TimedCursor(plain(self, named_cursor))


class Measured:
    """with Measured() as m: ... -> m.cpu_ms (this thread's CPU), m.reads_ms (its time inside SQLite),
    m.statements (their SQL). Windows may nest (a part of a view inside the view)."""

    def __enter__(self):
        if getattr(_here, "statements", None) is None:
            _here.statements, _here.reads, _here.depth = [], 0.0, 0
        _here.depth += 1
        self.first, self.reads = len(_here.statements), _here.reads
        self.cpu = time.thread_time()
        return self

    def __exit__(self, *exc):
        self.cpu_ms = (time.thread_time() - self.cpu) * 1000
        self.reads_ms = (_here.reads - self.reads) * 1000
        self.statements = _here.statements[self.first:]
        _here.depth -= 1
        if not _here.depth:
            _here.statements = None
        return False


def counted(app):
    """`app` with a JSON line per request in LOKET_READS_LOG: path, cpu_ms, reads_ms, statements."""
    target = os.environ["LOKET_READS_LOG"]

    def middleware(environ, start_response):
        with Measured() as measured:
            body = b"".join(app(environ, start_response))  # the page rendered whole inside the window
        line = json.dumps({"path": environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", ""),
                           "cpu_ms": measured.cpu_ms, "reads_ms": measured.reads_ms,
                           "statements": len(measured.statements)})
        with _lock, open(target, "a") as log:
            log.write(line + "\n")
        return [body]
    return middleware


def read_log(path) -> list[dict]:
    try:
        with open(path) as log:
            return [json.loads(line) for line in log if line.strip()]
    except FileNotFoundError:
        return []

"""The rule "every act its own line" (issues 70 and 82), one copy for the office and the center: which
tables need a line, which function wrote a change (the innermost of the writers' folders on its stack),
whether a line is that act's own (the innermost function on its stack that changed a row wrote it, or
one that function called; never its caller, never a page's view line),
the declarations that a write is no one's act, and each act's declaration of its own line (`act`). How a program sees the rows a transaction changed is
its own: the office's apsw hooks (app/frame/audit.py), the center's peewee transaction boundaries on
SQLite and PostgreSQL (sync/center/db.py, sync/center/trail.py). Imports nothing but the standard
library, so the center takes it without the office's needs and the office without the center's."""
import contextlib
import functools
import logging
import sys
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# SQLite's FTS5 keeps an index in tables of its own (application_fts_data...): they belong to the index.
_INDEX_PARTS = ("data", "idx", "content", "docsize", "config")
_OTHER, _WRITER, _PAGE, _DEMO = 0, 1, 2, 3  # what a source file is to the rule
_ALL = frozenset({"*"})


def is_view(action: str) -> bool:
    """A line that records who opened what (`lihat`, `lihat_foto`): it covers no change but a view."""
    return action.startswith("lihat")


class TrailRule:
    """One program's rule: its trail table, the tables of no one's act (each with its reason), and the
    folders whose functions are named as writers (`writers`, below the project's root) less the guard's
    own (`not_writers`)."""

    def __init__(self, audit_table: str, not_acts: dict[str, str], writers: tuple[str, ...],
                 not_writers: tuple[Path, ...] = ()):
        self.audit_table, self.not_acts = audit_table, not_acts
        self._writers = tuple(ROOT / folder for folder in writers)
        self._not_writers = not_writers
        self._kinds: dict[str, int] = {}  # source file -> _OTHER/_WRITER/_PAGE/_DEMO, asked once
        self._names: dict = {}  # code -> 'path:function'
        self._declared = threading.local()  # per thread: another thread's declaration covers nothing here
        self.started_by: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # thread -> its starter
        _RULES.append(self)

    # --- declarations of no one's act ------------------------------------------------------------
    @contextlib.contextmanager
    def declaring(self, reason: str, *tables: str):
        """Writes that record no one's act though their table does: the statements run inside it, in this
        thread, to `tables` (every table when none is named). `with rule.declaring(why), database.atomic():`
        or around the one statement; never a whole function (a write added there later would be exempt)."""
        assert reason, "a declaration says why"
        before = getattr(self._declared, "tables", frozenset())
        self._declared.tables = before | (frozenset(tables) or _ALL)
        try:
            yield
        finally:
            self._declared.tables = before

    def declared(self, table: str | None = None) -> bool:
        """This thread declared `table` (None: every table) no one's act."""
        tables = getattr(self._declared, "tables", frozenset())
        return "*" in tables or (table is not None and table in tables)

    def audited(self, table: str) -> bool:
        """A change to `table` needs a line: every table not named in `not_acts`, a new one too."""
        return table != self.audit_table and not table.startswith(("sqlite_", "pg_")) \
            and _index_of(table) not in self.not_acts

    def untrailed(self, tables) -> list[str]:
        """The tables among `tables` that need a line, less those this thread declares no one's act."""
        return sorted(table for table in tables if self.audited(table) and not self.declared(table))

    # --- who wrote: the functions of the writers' folders on a write's stack ------------------------
    def frames_of(self, frame) -> tuple | None:
        """The writers' frames behind a write, innermost first (a page's too); () when there is none (a
        test's or a tool's own write, the schema); None when a demo module writes its example."""
        found = []
        kinds = self._kinds
        while frame is not None:
            filename = frame.f_code.co_filename
            kind = kinds.get(filename)
            if kind is None:
                kind = kinds[filename] = self._kind(Path(filename))
            if kind == _DEMO:
                return None
            if kind:
                found.append(frame)
            frame = frame.f_back
        return tuple(found)

    def _kind(self, path: Path) -> int:
        if not any(path.is_relative_to(folder) for folder in self._writers) \
                or any(path.is_relative_to(own) for own in self._not_writers):
            return _OTHER
        return _DEMO if path.name == "demo.py" else _PAGE if path.name.endswith("views.py") else _WRITER

    def name(self, frames) -> str:
        """The function that wrote, as path:function; else the one that started this thread; else ''."""
        if not frames:
            return self.started_by.get(threading.current_thread(), "")
        code = frames[0].f_code
        name = self._names.get(code)
        if name is None:
            name = self._names[code] = f"{Path(code.co_filename).relative_to(ROOT).as_posix()}:{code.co_name}"
        return name

    def writer_of(self, frame) -> str:
        return self.name(self.frames_of(frame) or ())

    def acts(self, frames) -> tuple:
        """The act a write belongs to: its writers' frames below the page that ran them, innermost first
        (a page is no act: the status move and the next page's view line are two)."""
        return tuple(frame for frame in frames if self._kinds[frame.f_code.co_filename] == _WRITER)

    def uncovered(self, changes, lines) -> dict[str, list[str]]:
        """{writer: tables} of `changes` ({(table, frames)}) that no line of their own act covers. A line
        (the frames behind each line that is not a view's) is the act of the innermost function on its
        stack that changed a row in this commit (a helper that only writes the line is its caller's):
        it covers that function's changes and those of the functions it called, never its caller's. An
        act that calls another act (a form accepted at the counter makes an application) needs a line
        of its own: the inner act's line stands for the inner act only. A line or change with no act of
        its own (a test's, a thread's whose starter is named) covers or is covered by any other line."""
        changing = {frame for _, frames in changes for frame in self.acts(frames or ())}
        owners, any_line = set(), False
        for frames in lines:
            acts = self.acts(frames)
            owner = next((frame for frame in acts if frame in changing), None)
            any_line |= not acts
            if owner is not None:
                owners.add(owner)
        missing: dict[str, set] = {}
        for table, frames in changes:
            if not frames and not self.started_by.get(threading.current_thread()):
                continue  # a test's or a tool's own write
            acts = self.acts(frames)
            if any_line or (lines and not acts) or owners.intersection(acts):
                continue
            missing.setdefault(self.name(frames), set()).add(table)
        return {writer: sorted(tables) for writer, tables in missing.items() if writer}


_RULES: list[TrailRule] = []


# --- Each act declares its line where it is written (issue 91) ------------------------------------------
# `@act("cadangkan")` above the function that does an act names the action(s) of its line, as ODK Central
# declares `.audit` beside each query function. When it returns (not when it raises: then nothing was
# done), a line of one of those actions was written in this thread while it ran, and not inside another
# declared act it called: a callee's line stands for the callee only. So an act that changes no row (a
# backup, a restore, a release published) is checked too, and so is an act that writes only through
# another act. The commit check (TrailRule.uncovered) stays for what no declaration names: raw SQL, a
# trigger, a thread, a function nobody declared.
class ActWithoutLine(Exception):
    """A declared act returned without a line of its own (tests; an office or a center note it instead)."""


class _Running:
    """One running declared act: the actions of the lines it wrote itself, whether it said it did nothing
    (nothing_done), the watchers of the databases it (or an act it called) ran a statement on; with
    `per_row`, the rows of that table it changed itself and the entity ids of its own lines."""
    __slots__ = ("written", "did_nothing", "watchers", "per_row", "rows", "line_ids")

    def __init__(self, per_row):
        self.written, self.did_nothing, self.watchers = set(), False, set()
        self.per_row, self.rows, self.line_ids = per_row, set(), set()


class _Acts(threading.local):
    def __init__(self):
        self.open: list[_Running] = []  # this thread's running declared acts, innermost last


_acts = _Acts()


class Watcher:
    """One watched database's answer to an act that returned without its line: a test's refuses it
    (`strict`), an office's or a center's logs it and keeps it for its admin's health card (`report(writer,
    what)`). An act answers to the databases it ran a statement on (`note_database`), never to another
    database of the process; one that ran none, to the database watched last."""
    __slots__ = ("strict", "report")
    last = None

    def __init__(self, strict: bool, report):
        self.strict, self.report = strict, report
        Watcher.last = self

    @staticmethod
    def missing(watchers, writer: str, actions, rows: str = "") -> None:
        what = f"(tanpa baris audit {'/'.join(sorted(actions))}{' untuk ' + rows if rows else ''})"
        logging.getLogger("app.frame.audit").error("tindakan tanpa catatan audit: %s (%s)", what, writer)
        watchers = watchers or {Watcher.last} - {None}
        if any(watcher.strict for watcher in watchers):
            raise ActWithoutLine(f"tindakan tanpa catatan audit: {what} ({writer})")
        for watcher in watchers:
            watcher.report(writer, what)


def act(*actions: str, per_row: str | None = None):
    """Declares the decorated function an act whose own line is one of `actions` (see above). With `per_row`
    (a table), an act that writes a batch (the sync pass's moves) writes one line per row of that table it
    changed, naming the row (its entity id): a batch with only its first line is refused too."""
    assert actions and not any(is_view(action) for action in actions), "an act names the line it writes"
    declared = frozenset(actions)

    def declare(function):
        path = Path(function.__code__.co_filename).resolve()
        writer = f"{(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path).as_posix()}:{function.__qualname__}"

        @functools.wraps(function)
        def declared_act(*args, **kwargs):
            running = _Running(per_row)
            _acts.open.append(running)
            try:
                result = function(*args, **kwargs)
            finally:
                _acts.open.pop()
                if _acts.open:  # the databases a callee used are its caller's too
                    _acts.open[-1].watchers |= running.watchers
            if not running.written & declared and not running.did_nothing:
                Watcher.missing(running.watchers, writer, declared)
            elif running.rows - running.line_ids:
                Watcher.missing(running.watchers, writer, declared,
                                f"{len(running.rows - running.line_ids)} baris {per_row}")
            return result

        declared_act.act_lines = declared
        return declared_act
    return declare


def nothing_done(result=None):
    """`return nothing_done(conflict)`: the running declared act returns having done nothing (a conflict,
    nothing left to do), so no line is asked of it. Said where it returns, so a reader sees each such way out."""
    if _acts.open:
        _acts.open[-1].did_nothing = True
    return result


def note_line(action: str, entity_id=None) -> None:
    """A line of `action` was written in this thread: it is the innermost running declared act's."""
    if _acts.open:
        running = _acts.open[-1]
        running.written.add(action)
        if running.per_row:
            running.line_ids.add(str(entity_id))


def note_database(watcher: Watcher) -> None:
    """A statement ran in this thread on the database `watcher` watches: the innermost running declared act used it."""
    if _acts.open:
        _acts.open[-1].watchers.add(watcher)


def note_row(table: str, row_id) -> None:
    """A row of `table` changed in this thread: the innermost running declared act's, counted when it
    declared `per_row` for that table (the office's preupdate hook tells it)."""
    if _acts.open and _acts.open[-1].per_row == table:
        _acts.open[-1].rows.add(str(row_id))


@functools.cache
def name_threads_after_their_starter() -> None:
    """A thread's stack begins in threading, not in the function that started it: each rule keeps its
    writer when the thread starts (Python 3.11 raises no audit event for a thread's start; 3.12 and 3.13
    raise different ones). A pool's worker is named after the first to give it work; a thread whose
    target is the database's own `execute_sql` after the function that started it."""
    start = threading.Thread.start

    @functools.wraps(start)
    def start_named(thread):
        for rule in _RULES:
            writer = rule.writer_of(sys._getframe(1))
            if writer:
                rule.started_by[thread] = writer
        return start(thread)

    threading.Thread.start = start_named
    submit = ThreadPoolExecutor.submit

    @functools.wraps(submit)
    def submit_named(pool, fn, /, *args, **kwargs):
        """A pool started before (outside the app too): its worker's write is named after whoever handed
        it this work, for as long as it runs."""
        writers = {rule: rule.writer_of(sys._getframe(1)) for rule in _RULES}

        def named(*args, **kwargs):
            thread = threading.current_thread()
            before = {rule: rule.started_by.get(thread) for rule in writers}
            for rule, writer in writers.items():
                _keep(rule.started_by, thread, writer)
            try:
                return fn(*args, **kwargs)
            finally:
                for rule, writer in before.items():
                    _keep(rule.started_by, thread, writer)
        return submit(pool, named, *args, **kwargs) if any(writers.values()) else submit(pool, fn, *args, **kwargs)

    ThreadPoolExecutor.submit = submit_named


def _keep(started_by, thread, writer) -> None:
    if writer:
        started_by[thread] = writer
    else:
        started_by.pop(thread, None)


def _index_of(table: str) -> str:
    name, _, part = table.rpartition("_")
    return name if part in _INDEX_PARTS else table

"""The rule "every write leaves its trail" (issue 70), one copy for the office and the center: which
tables of a commit need an audit row the commit lacks, which function wrote them, and a writer's
declaration that its write is no one's act. How a program sees the tables a commit changed is its own:
the office's apsw hooks (app/frame/audit.py), the center's peewee transaction boundaries on SQLite and
PostgreSQL (sync/center/db.py, sync/center/trail.py). Imports nothing but the standard library, so the
center takes it without the office's needs and the office without the center's."""
import contextlib
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# SQLite's FTS5 keeps an index in tables of its own (application_fts_data...): they belong to the index.
_INDEX_PARTS = ("data", "idx", "content", "docsize", "config")


class TrailRule:
    """One program's rule: its trail table, the tables of no one's act (each with its reason), and the
    folders whose functions are named as writers (`writers`, below the project's root) less the guard's
    own (`not_writers`)."""

    def __init__(self, audit_table: str, not_acts: dict[str, str], writers: tuple[str, ...],
                 not_writers: tuple[Path, ...] = ()):
        self.audit_table, self.not_acts = audit_table, not_acts
        self._writers = tuple(ROOT / folder for folder in writers)
        self._not_writers = not_writers
        self._declared = threading.local()  # per thread: another request's declaration covers nothing here

    @contextlib.contextmanager
    def declaring(self, reason: str):
        """Writes that record no one's act though their table does. Outside the transaction: it must
        hold at the commit (`with rule.declaring(why), database.atomic():`)."""
        before, self._declared.reason = getattr(self._declared, "reason", None), reason
        try:
            yield
        finally:
            self._declared.reason = before

    def declared(self) -> bool:
        return bool(getattr(self._declared, "reason", None))

    def untrailed(self, tables) -> list[str]:
        """The tables of a commit that need an audit row it lacks ([] when it has one or is declared).
        A table not named in `not_acts` is audited, a new one too."""
        if self.audit_table in tables or self.declared():
            return []
        return sorted(table for table in tables
                      if not table.startswith(("sqlite_", "pg_")) and _index_of(table) not in self.not_acts)

    def writer_of(self, frame) -> str:
        """The innermost function of the writers' folders behind a commit, as path:function; ''
        when there is none (a test's or a tool's own write, the schema) or a demo module writes its
        example office or center."""
        writer = ""
        while frame is not None:
            path = Path(frame.f_code.co_filename)
            if any(path.is_relative_to(folder) for folder in self._writers) \
                    and not any(path.is_relative_to(own) for own in self._not_writers):
                if path.name == "demo.py":
                    return ""
                writer = writer or f"{path.relative_to(ROOT).as_posix()}:{frame.f_code.co_name}"
            frame = frame.f_back
        return writer


def _index_of(table: str) -> str:
    name, _, part = table.rpartition("_")
    return name if part in _INDEX_PARTS else table

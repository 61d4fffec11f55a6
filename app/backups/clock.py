"""The PC's clock moved by days (issue 61, finding 7): said on the home pages, and no automatic backup
is dated by a clock in doubt.

Two signs, neither needing the center:
- behind: the office has already written later than now (the newest audit row, the newest automatic
  backup's day), by more than a day: the clock was set back, or had been ahead before;
- a jump: between two looks of this program (the hourly backup job, each home page), the wall clock
  moved a day or more further than a clock the date does not move (since_boot: counts through sleep,
  so a PC suspended over a weekend has not jumped). The jump is kept in a setting for JUMP_SHOWN
  after it was seen. A date set wrong while the program is not running is seen only when it is
  behind (the first sign).

A forward jump holds the automatic backup for a day after the last moment known good (the wall time
just before the jump), so no backup is named for a day the office has not reached: if the new date
is wrong, its backup would sort as the newest for as long as the date is wrong. If the new date is
right (a clock that had been behind, set right), the hold lasts JUMP_SHOWN and the card offers the
manual backup meanwhile.
"""
import os
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from flask import has_request_context, request

from app.backups.engine import AUTOMATIC_PREFIX, SUFFIX
from app.frame import audit, statements, store
from app.frame.dates import duration_words, format_datetime, to_local, utc_now
from app.frame.db import database

JUMP_SETTING = "clock_jump"
store.register_defaults(**{JUMP_SETTING: {}})
DOUBT = timedelta(days=1)  # office PCs drift by minutes; a day is a date set wrong
JUMP_SHOWN = timedelta(days=3)

def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc).replace(microsecond=0, tzinfo=None)


def since_boot(os_name: str = os.name) -> float:
    """Seconds on a clock that the date being set does not move and that runs on through sleep (a PC
    suspended over the weekend has not jumped): Windows' tick count, Linux's boot time."""
    if os_name == "nt":
        import ctypes
        ticks = ctypes.windll.kernel32.GetTickCount64
        ticks.restype = ctypes.c_uint64
        return ticks() / 1000
    if hasattr(time, "CLOCK_BOOTTIME"):
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    return time.monotonic()


_last_look: tuple[float, float] | None = None  # (wall seconds, since_boot seconds) at this program's last look
_looking = threading.Lock()


def look(wall: float | None = None, monotonic: float | None = None) -> dict:
    """Compare the wall clock's move with the monotonic clock's since the last look; a gap of a day or
    more is kept (JUMP_SETTING). Returns the jump on record (empty when none is shown)."""
    global _last_look
    wall = time.time() if wall is None else wall
    monotonic = since_boot() if monotonic is None else monotonic
    with _looking:
        before, _last_look = _last_look, (wall, monotonic)
    if before is not None:
        gap = (wall - before[0]) - (monotonic - before[1])
        if abs(gap) >= DOUBT.total_seconds():
            known_good = _utc(before[0] + (monotonic - before[1]))
            jump = {"seen": _utc(wall).isoformat(),
                    "known_good": known_good.isoformat(), "seconds": round(gap)}
            earlier = store.get(JUMP_SETTING) or {}
            if earlier and abs(earlier["seconds"] + gap) < DOUBT.total_seconds():
                jump = {}  # the date set right again: the jump before is undone
            with audit.without_trail("the clock's state, shown on the health card"), database.atomic():
                store.put(JUMP_SETTING, jump)
            return jump
    return current_jump(_utc(wall))


def current_jump(now: datetime | None = None) -> dict:
    """The jump on record while it is shown: JUMP_SHOWN after it was seen, ending early when the clock
    went back to where it was (the date set right again)."""
    jump = store.get(JUMP_SETTING) or {}
    if not jump:
        return {}
    now = now or utc_now()
    seen = datetime.fromisoformat(jump["seen"])
    if jump["seconds"] > 0 and now < seen - timedelta(seconds=jump["seconds"]) + DOUBT:
        return {}  # forward, then set back: the behind check speaks if records are now in the future
    if not seen - DOUBT <= now < seen + JUMP_SHOWN:
        return {}
    return jump


def _latest_audit_row():
    from app.frame.audit_event import AuditEvent
    return AuditEvent.select(AuditEvent.at).order_by(AuditEvent.at.desc()).limit(1)


def newest_written(backup_dir: Path) -> datetime | None:
    """The latest moment the office has written (UTC): its newest audit row, or the start of the day
    after its newest automatic backup's name (a backup of a day is made on that day)."""
    moments = []
    latest_row = statements.scalar(_latest_audit_row)  # on every home page: its SQL built once
    if latest_row:
        moments.append(latest_row if isinstance(latest_row, datetime) else datetime.fromisoformat(str(latest_row)))
    day = newest_automatic_day(backup_dir)
    if day is not None:
        moments.append(datetime.combine(day, datetime.min.time()))  # its local midnight, as UTC: never later
    return max(moments) if moments else None


def automatic_backups(backup_dir: Path) -> tuple[date | None, datetime | None]:
    """(the newest automatic backup's day by its name, the newest write of one, UTC) from one listing of
    the folder, kept for the rest of the request: the admin's home page asks for both."""
    # kept in the request itself: g lives as long as its app context, which tests share between requests
    listed = request.environ.setdefault("loket.automatic_backups", {}) if has_request_context() else {}
    if str(backup_dir) not in listed:
        days, written = [], []
        for path in Path(backup_dir).glob(f"{AUTOMATIC_PREFIX}*{SUFFIX}") if Path(backup_dir).is_dir() else []:
            try:
                written.append(path.stat().st_mtime)
                days.append(date.fromisoformat(path.name[len(AUTOMATIC_PREFIX):-len(SUFFIX)]))
            except (ValueError, OSError):
                continue
        listed[str(backup_dir)] = (max(days) if days else None, _utc(max(written)) if written else None)
    return listed[str(backup_dir)]


def newest_automatic_day(backup_dir: Path) -> date | None:
    return automatic_backups(backup_dir)[0]


def behind_by(backup_dir: Path, now: datetime | None = None) -> timedelta | None:
    """How far the clock is behind what the office already wrote, when that is a day or more."""
    now = now or utc_now()
    newest = newest_written(backup_dir)
    if newest is None or newest - now < DOUBT:
        return None
    return newest - now


def hold_daily_backup_after(jump: dict, zone: str) -> date | None:
    """After a forward jump: the last day an automatic backup may be named for (the day after the
    last moment known good); None when nothing is held."""
    if not jump or jump["seconds"] <= 0:
        return None
    return to_local(datetime.fromisoformat(jump["known_good"]), zone).date() + timedelta(days=1)


def jump_words(jump: dict, zone: str) -> tuple[str, str]:
    """(what moved, the state in a few words) of a jump, in Indonesian."""
    direction = "maju" if jump["seconds"] > 0 else "mundur"
    return (f"Jam komputer melompat {direction} {duration_words(jump['seconds'])}",
            f"sekitar {format_datetime(datetime.fromisoformat(jump['seen']), zone)}")

"""This PC's report of its own health to the regency (issue 81), sent by the pass of a kecamatan or desa
PC whenever it says something new and at least daily (a phase after the push: sync/client is not
touched), and read on the center's Kesehatan Komputer page (sync/center/fleet.py, which refuses any
other key, type or size). A quiet pass stays its probe and status pull.

What it holds, never a value of a citizen: the running version; what its last update did (taken,
refused before the switch, or taken back after it, with the version and why); the last automatic
backup's age and whether it went to another drive (a flashdisk or an external disk: "usb") or to the
data's own disk; free disk; writes kept without their audit row and 5xx errors since the last report
(counts); the first line of each kind of error (its class, where it was raised and the endpoint: never
str(error), so no value can ride along; ErrorKinds); queued outbox items; the office's telephone as the
admin set it; a release that waits for room on this disk (its version and the megabytes to free: room.py,
shape 3); that the office stopped, its clerks' saves refused for a full disk (shape 4). The center reads
the clock offset itself from the signed request's time and answers it: kept here ("center_clock") and said
on the PC's own health card (clock_concerns). Some 230 bytes a report
(320 with a kind of error), at most MAX_REPORT_BYTES (fitted). A center whose probe says True (0.3.0) takes the first shape only.

An office without a link carries the same report in every USB batch file (sync/usb.office_report_hooks):
what it counted is taken once a status file of the center comes back."""
import json
import logging
import os
import re
import shutil
import traceback
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, g, got_request_exception, request

from app.backups import health as office_health
from app.frame.errors import disk_full_since
from app.updates import room
from app.updates.state import ErrorCount, _writing, read_state, write_state
from sync import protocol, usb
from sync.client.records import plug_phase

log = logging.getLogger(__name__)
REPORT_PATH = "/fleet/report"
MIB = 1024 * 1024
SENT_KEY = "fleet_sent"  # status.json: the totals last reported, so each report counts what came since
RESEND = timedelta(hours=20)  # a report saying nothing new still goes once a day: the page's history
MAX_REPORT_BYTES = 2048  # sync/center/fleet.MAX_REPORT_BYTES (the center is not imported by an office)
ERROR_KINDS = "error_kinds"  # status.json: {line: count} since the report the center last took
MAX_ERROR_KINDS, MAX_ERROR_LINE = 10, 160  # sync/center/fleet's bounds
USB_SENT = "fleet_usb"  # status.json: what the last USB files' report counted, taken when a status file comes back
USB_SHAPE = "fleet_usb_shape"  # status.json: the report's shape the center's last status file said it takes
CENTER_CLOCK = "center_clock"  # status.json: the center's reading of this PC's clock, {offset, at}
CLOCK_WARN_SECONDS = 120  # said on the card before the center's 5-minute window refuses the passes


def error_line(error: BaseException, endpoint: str | None) -> str:
    """One kind of error: its class, the innermost place in the program's own code it went through
    (module:function:line) and the endpoint. Never str(error): its message may hold a NIK, a name, an SQL
    parameter. Characters beyond a name's, and any run of 6 digits, are masked (sync/center/fleet.ERROR_LINE)."""
    frames = traceback.extract_tb(error.__traceback__) if error.__traceback__ else []
    line = f"{type(error).__name__} {own_place(frames, Path(__file__).resolve().parents[2])} {endpoint or '-'}"
    line = re.sub(r"\d{6,}", "_", re.sub(r"[^\w.:<>/ -]", "_", line, flags=re.ASCII))
    return line[:MAX_ERROR_LINE]


# The program's own code under the folder that holds `app`: the source tree, or site-packages once installed
# from the wheel (where every dependency sits beside it); tests/ exists only in the source tree.
OWN_CODE = ("app", "sync", "run.py", "tests")


def own_place(frames, root: Path) -> str:
    """module:function:line of the innermost frame in the program's own code, "-" when none is."""
    for frame in reversed(frames):
        path = Path(frame.filename).resolve()
        if root in path.parents and path.relative_to(root).parts[0] in OWN_CODE:
            return f"{'.'.join(path.relative_to(root).with_suffix('').parts)}:{frame.name}:{frame.lineno}"
    return "-"


class ErrorKinds(ErrorCount):
    """ErrorCount (each 5xx into health's "errors_since") that also keeps the first line of each kind
    (status.json ERROR_KINDS, at most MAX_ERROR_KINDS, across restarts) until the center took them."""

    def __init__(self, data_dir: Path, version: str, every: float = 5.0):
        super().__init__(data_dir, version, every)
        self.kinds: dict[str, int] = {}

    def __call__(self, response):
        if response.status_code >= 500:
            line = g.pop("loket_error_line", None) or f"HTTP{response.status_code} - {request.endpoint or '-'}"
            with self.lock:
                self.kinds[line] = self.kinds.get(line, 0) + 1
        return super().__call__(response)

    def flush(self) -> None:
        with self.lock:
            kinds, self.kinds = self.kinds, {}
        super().flush()
        if not kinds:
            return
        try:
            with _writing:
                kept = dict(_stored_kinds(read_state(self.data_dir)))
                for line, count in kinds.items():
                    if line in kept or len(kept) < MAX_ERROR_KINDS:  # a kind beyond is in the count only
                        kept[line] = kept.get(line, 0) + count
                write_state(self.data_dir, **{ERROR_KINDS: kept})
        except Exception:  # as ErrorCount: the kinds are worth less than the request
            log.warning("error kinds could not be kept", exc_info=True)


def watch_errors(app, version: str, every: float = 5.0) -> ErrorKinds:
    """The serving program's 5xx counted with their kinds (run.py serve)."""
    kinds = ErrorKinds(app.config["DATA_DIR"], version, every)

    def noted(sender, exception, **extra):
        g.loket_error_line = error_line(exception, request.endpoint)
    got_request_exception.connect(noted, app, weak=False)
    app.after_request(kinds)
    return kinds


def _stored_kinds(state: dict) -> dict:
    kinds = state.get(ERROR_KINDS)
    return {line: count for line, count in kinds.items() if isinstance(line, str) and isinstance(count, int)} \
        if isinstance(kinds, dict) else {}


def _update(state: dict) -> dict:
    """The last update's outcome: its refusal ("ditolak" before the switch, "dikembalikan" after it)
    unless a later walk after a switch says a version was taken ("diambil")."""
    from app.updates.sync_phase import last_refusal
    refusal = last_refusal(state)
    health = state.get("health") if isinstance(state.get("health"), dict) else {}
    taken = {"outcome": "diambil", "version": health.get("version"), "why": "", "at": health.get("at")} \
        if health.get("walk") == "lulus" else None
    if refusal and not (taken and str(taken["at"] or "") > str(refusal["at"] or "")):
        kept = state.get("rolled_back_kept") if isinstance(state.get("rolled_back_kept"), dict) else {}
        return {"outcome": "ditolak" if refusal["stage"] == "sebelum" else "dikembalikan",
                "version": refusal["version"], "why": refusal["why"][:300], "at": refusal["at"],
                # the saves the data held once back (app/updates/launcher.take_back): nothing taken was lost
                **({"kept": kept["saves"]} if refusal["stage"] == "sesudah" and kept.get("version") == refusal["version"]
                   and isinstance(kept.get("saves"), int) else {})}
    return taken or {}


def _backup(config, data_dir: Path) -> dict:
    from app.backups.clock import automatic_backups
    from app.frame.dates import utc_now
    backup_dir = config.get("BACKUP_DIR")
    last = automatic_backups(backup_dir)[1] if backup_dir else None
    if last is None:
        return {"age_hours": None, "where": None}
    try:  # another drive than the data's (st_dev is the volume on Windows too): a flashdisk or an external disk
        where = "usb" if os.stat(backup_dir).st_dev != os.stat(data_dir).st_dev else "disk"
    except OSError:
        where = None
    return {"age_hours": max(int((utc_now() - last).total_seconds() // 3600), 0), "where": where}


def build_report(config, state: dict, shape: int = 2) -> tuple[dict, dict]:
    """(the report, the totals it counted from): the totals are kept once the center has taken it. Shape 1
    is 0.3.0's: no error kinds, no saves kept (that center refuses a key it does not know); shape 2 has no
    release waiting for room."""
    from app.frame import audit, store
    from app.updates.launcher import launched
    from app.updates.versions import current_version, running_version
    from sync.client import outbox
    data_dir = Path(config["DATA_DIR"])
    health = state.get("health") if isinstance(state.get("health"), dict) else {}
    totals = {"trail": sum(int(gap.get("count") or 0) for gap in audit.trail_gaps(data_dir)),
              "errors": int(health.get("errors_since") or 0)}
    sent = state.get(SENT_KEY) if isinstance(state.get(SENT_KEY), dict) else {}
    since = {name: total - sent.get(name, 0) if total >= sent.get(name, 0) else total for name, total in totals.items()}
    try:
        free = shutil.disk_usage(data_dir).free // MIB
    except OSError:
        free = 0
    # the version that serves: a pass from the command line runs the installed program's code (issue 94)
    version = running_version() if launched() else current_version(data_dir)
    report = {"version": version, "update": _update(state), "backup": _backup(config, data_dir),
              "disk_free_mb": free, "trail_gaps": since["trail"], "errors": since["errors"],
              "outbox": outbox.waiting_count(), "phone": (store.get("phone") or "").strip()[:40]}
    if shape < 2:
        report["update"].pop("kept", None)
        return report, totals
    if shape >= 3 and state.get(room.ROOM) and state.get(f"{room.ROOM}_version") and state.get(f"{room.ROOM}_mb"):
        report["room"] = {"version": state[f"{room.ROOM}_version"], "short_mb": int(state[f"{room.ROOM}_mb"])}
    if shape >= 4 and disk_full_since(data_dir):  # its clerks' saves are refused: the office stopped (issue 89)
        report["disk_full"] = True
    kinds = _stored_kinds(state)
    report["error_kinds"] = [[count, line] for line, count in kinds.items()][:MAX_ERROR_KINDS]
    totals["kinds"] = dict((line, count) for count, line in report["error_kinds"])
    while len(protocol.canonical_json(report)) > MAX_REPORT_BYTES and report["error_kinds"]:
        count, line = report["error_kinds"].pop()  # the latest kinds wait for the next report
        del totals["kinds"][line]
    return report, totals


def what_changed(report: dict) -> str:
    """The report as far as it matters between two passes: the backup's age in days, the disk only
    whether it is under the warning's threshold, the queue left out (each moves all day long)."""
    from app.backups.health import DISK_WARN_BYTES  # the center's threshold too (sync/center/fleet.DISK_LOW_MB)
    backup = report["backup"]
    # The counts since the last report: any is new (due), none is not news (no report only to say 0).
    return json.dumps(dict(report, outbox=None, trail_gaps=None, errors=None, error_kinds=None,
                           disk_free_mb=report["disk_free_mb"] * MIB < DISK_WARN_BYTES,
                           backup=dict(backup, age_hours=None if backup["age_hours"] is None
                                       else backup["age_hours"] // 24)), sort_keys=True)


def due(state: dict, report: dict, now: datetime) -> bool:
    """Sent when it says something new, and at least once every RESEND (the nightly pass): a quiet pass
    adds no request to its probe and status pull (the rural link's bytes)."""
    sent = state.get(SENT_KEY) if isinstance(state.get(SENT_KEY), dict) else {}
    try:
        last = datetime.fromisoformat(sent["at"])
    except (KeyError, TypeError, ValueError):
        return True
    clock = state.get(CENTER_CLOCK) if isinstance(state.get(CENTER_CLOCK), dict) else {}
    off = abs(int(clock.get("offset") or 0)) > CLOCK_WARN_SECONDS  # read again each pass until it is set
    counted = report["trail_gaps"] or report["errors"] or report.get("error_kinds")
    return off or counted or sent.get("changed") != what_changed(report) or not timedelta(0) <= now - last < RESEND


def _taken(data_dir, totals: dict, changed: str, now: datetime, **also) -> None:
    """The center took a report counted from `totals`: the next one counts from there, its error kinds
    (those sent; one noted since stays) are cleared."""
    with _writing:
        kinds = _stored_kinds(read_state(data_dir))
        for line, count in (totals.get("kinds") or {}).items():
            if kinds.get(line, 0) <= count:
                kinds.pop(line, None)
            else:
                kinds[line] -= count
        write_state(data_dir, **{SENT_KEY: dict({k: v for k, v in totals.items() if k != "kinds"},
                                                at=now.isoformat(timespec="seconds"), changed=changed),
                                 ERROR_KINDS: kinds}, **also)


def send_report(client, link, report, progress) -> None:
    """The report, when the center's probe says it takes them (an older center does not) and it is due."""
    from sync.client.transport import Refused
    from app.frame.dates import utc_now
    shape = client.probed.get("fleet_report")
    if not shape:
        return
    config = current_app.config
    state = read_state(config["DATA_DIR"])
    # A 0.3.0 center says True and refuses the keys it does not know: the first shape to it.
    shape = shape if isinstance(shape, int) and not isinstance(shape, bool) else 1
    sent_report, totals = build_report(config, state, shape)
    now = utc_now()
    if not due(state, sent_report, now):
        return
    try:
        answer = client.call_json("POST", protocol.API_PREFIX + REPORT_PATH, sent_report)
    except Refused as refusal:  # the report is worth less than the pass: said in the log, sent again next pass
        log.warning("health report refused by the center: %s", refusal)
        return
    offset = answer.get("clock_offset") if isinstance(answer, dict) else None
    clock = {CENTER_CLOCK: {"offset": offset, "at": now.isoformat(timespec="seconds")}} \
        if isinstance(offset, int) and not isinstance(offset, bool) else {}
    _taken(config["DATA_DIR"], totals, what_changed(sent_report), now, **clock)


def file_report() -> dict | None:
    """The report every USB batch file carries (sync/usb.office_report), in the shape the center's last status
    file said it takes (as its probe says to a pass; shape 2 until one came back, the first USB reports' shape):
    a stopped office says so by USB too (issue 94). What it counted is kept until a status file from the center
    comes back (file_report_taken); on a full disk that note cannot be written, and the report goes all the same
    (its counts are said again in the next file)."""
    from app.frame.dates import utc_now
    from app.frame.errors import is_disk_full
    config = current_app.config
    state = read_state(config["DATA_DIR"])
    shape = state.get(USB_SHAPE)
    report, totals = build_report(config, state, shape if type(shape) is int and shape >= 2 else 2)
    try:
        write_state(config["DATA_DIR"], **{USB_SENT: dict(totals, changed=what_changed(report),
                                                          at=utc_now().isoformat(timespec="seconds"))})
    except OSError as error:
        if not is_disk_full(error):
            raise
    return report


def file_report_taken(shape: int | None = None) -> None:
    """A status file came back: the center read the files (and their report) before it wrote it. `shape`: the
    report's shape that center takes, kept for the next files (None: an older center, which says none)."""
    from app.frame.dates import utc_now
    data_dir = current_app.config["DATA_DIR"]
    state = read_state(data_dir)
    said = {USB_SHAPE: shape} if shape != state.get(USB_SHAPE) else {}
    sent = state.get(USB_SENT)
    if isinstance(sent, dict) and sent:
        _taken(data_dir, {k: v for k, v in sent.items() if k not in ("changed", "at")}, sent.get("changed", ""),
               utc_now(), **{USB_SENT: None}, **said)
    elif said:
        write_state(data_dir, **said)


def clock_concerns(config) -> list:
    """The center's reading of this PC's clock, from the answer to its last report, on its own health card
    (the clock is never changed by it): a pass refused for its time says so there already (its own card)."""
    clock = read_state(config["DATA_DIR"]).get(CENTER_CLOCK)
    offset = clock.get("offset") if isinstance(clock, dict) else None
    if not isinstance(offset, int) or abs(offset) <= CLOCK_WARN_SECONDS:
        return []
    words = f"{round(abs(offset) / 60)} menit {'lebih cepat' if offset > 0 else 'lebih lambat'}"
    return [office_health.Concern("warn", "Jam komputer menurut pusat", words,
                    f"Menurut pusat kabupaten, jam komputer ini {words}; setel tanggal, jam dan zona waktu Windows. "
                    "Bila selisihnya lebih dari 5 menit, pusat menolak sinkronisasi.",
                    "Menurut pusat kabupaten, jam komputer kantor tidak tepat. Minta admin menyetel tanggal dan "
                    "jam Windows.", "sync_page.index")]


for _role in ("kecamatan", "desa"):
    plug_phase(_role, "after", send_report)
    plug_phase(_role, "disk_full", send_report)  # the pass cannot write: the center still hears it stopped
usb.office_report_hooks.update(build=file_report, taken=file_report_taken)
if clock_concerns not in office_health.CONCERN_SOURCES:
    office_health.CONCERN_SOURCES.append(clock_concerns)

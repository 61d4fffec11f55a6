"""This PC's report of its own health to the regency (issue 81), sent by the pass of a kecamatan or desa
PC whenever it says something new and at least daily (a phase after the push: sync/client is not
touched), and read on the center's Kesehatan Komputer page (sync/center/fleet.py, which refuses any
other key, type or size). A quiet pass stays its probe and status pull.

What it holds, never a value of a citizen: the running version; what its last update did (taken,
refused before the switch, or taken back after it, with the version and why); the last automatic
backup's age and whether it went to another drive (a flashdisk or an external disk: "usb") or to the
data's own disk; free disk; writes kept without their audit row and 5xx errors since the last report
(counts); queued outbox items; the office's telephone as the admin set it. The center reads the clock
offset itself from the signed request's time. Some 300 bytes a report."""
import json
import logging
import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app

from sync.client.records import plug_phase

log = logging.getLogger(__name__)
REPORT_PATH = "/fleet/report"
MIB = 1024 * 1024
SENT_KEY = "fleet_sent"  # status.json: the totals last reported, so each report counts what came since
RESEND = timedelta(hours=20)  # a report saying nothing new still goes once a day: the page's history


def _update(state: dict) -> dict:
    """The last update's outcome: its refusal ("ditolak" before the switch, "dikembalikan" after it)
    unless a later walk after a switch says a version was taken ("diambil")."""
    from app.updates.sync_phase import last_refusal
    refusal = last_refusal(state)
    health = state.get("health") if isinstance(state.get("health"), dict) else {}
    taken = {"outcome": "diambil", "version": health.get("version"), "why": "", "at": health.get("at")} \
        if health.get("walk") == "lulus" else None
    if refusal and not (taken and str(taken["at"] or "") > str(refusal["at"] or "")):
        return {"outcome": "ditolak" if refusal["stage"] == "sebelum" else "dikembalikan",
                "version": refusal["version"], "why": refusal["why"][:300], "at": refusal["at"]}
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


def build_report(config, state: dict) -> tuple[dict, dict]:
    """(the report, the totals it counted from): the totals are kept once the center has taken it."""
    from app.frame import audit, store
    from app.updates.versions import running_version
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
    report = {"version": running_version(), "update": _update(state), "backup": _backup(config, data_dir),
              "disk_free_mb": free, "trail_gaps": since["trail"], "errors": since["errors"],
              "outbox": outbox.waiting_count(), "phone": (store.get("phone") or "").strip()[:40]}
    return report, totals


def what_changed(report: dict) -> str:
    """The report as far as it matters between two passes: the backup's age in days, the disk only
    whether it is under the warning's threshold, the queue left out (each moves all day long)."""
    from app.backups.health import DISK_WARN_BYTES  # the center's threshold too (sync/center/fleet.DISK_LOW_MB)
    backup = report["backup"]
    return json.dumps(dict(report, outbox=None, disk_free_mb=report["disk_free_mb"] * MIB < DISK_WARN_BYTES,
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
    return sent.get("changed") != what_changed(report) or not timedelta(0) <= now - last < RESEND


def send_report(client, link, report, progress) -> None:
    """The report, when the center's probe says it takes them (an older center does not) and it is due."""
    from sync import protocol
    from sync.client.transport import Refused
    from app.frame.dates import utc_now
    from app.updates.state import read_state, write_state
    if not client.probed.get("fleet_report"):
        return
    config = current_app.config
    state = read_state(config["DATA_DIR"])
    sent_report, totals = build_report(config, state)
    now = utc_now()
    if not due(state, sent_report, now):
        return
    try:
        client.call_json("POST", protocol.API_PREFIX + REPORT_PATH, sent_report)
    except Refused as refusal:  # the report is worth less than the pass: said in the log, sent again next pass
        log.warning("health report refused by the center: %s", refusal)
        return
    write_state(config["DATA_DIR"], **{SENT_KEY: dict(totals, at=now.isoformat(timespec="seconds"),
                                                      changed=what_changed(sent_report))})


for _role in ("kecamatan", "desa"):
    plug_phase(_role, "after", send_report)

"""The regency's releases at the center: the TUF repository (sync/release/key_signing.py) served to enrolled PCs
over the signed link, in two rings; the admin's page listing what was published, the pilot PCs and
how each is after the update, and releasing a release to everyone; the PCs' update reports; the
daily re-signing of the timestamps. `run.py release ...` is sync/center/release_commands.py.

The repository lives in DATA/pembaruan/repo; the online key (snapshot and timestamp) in
DATA/pembaruan/online.pem. The root and targets keys never come here (docs/operations.md).

Rings (issue 60): a release published while the regency has pilot PCs goes to them first; the admin
then releases it to everyone from the page. Every PC asks for the same `metadata/timestamp.json`;
the center hands a pilot the pilots' timestamp and every other PC everyone's, and remembers the
newest it handed each PC (DeviceKey.served_timestamp and served_snapshot): TUF refuses a timestamp
or a snapshot older than one it has seen, so a PC taken out of the pilots keeps the pilots'
timestamp until everyone's has caught up with what it saw (the next release to everyone).

Watching the pilots (issue 69 finding 4): a PC's report carries the release it refused last, before the
switch or taken back after it; each pilot's verdict is about the release under test (pilot_verdict),
never its walk of the version it ran before; releasing to everyone while a pilot has not passed asks
again on a page naming them (release_to_all). A PC outside the pilots is handed no timestamp while
nothing is released to everyone (a 404 its PC reads as nothing published: app/updates/fetching.py)."""
import json
import logging
import re
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for

from app.frame.audit_rule import act, nothing_done
from app.frame.dates import utc_now
from app.frame.request_cycle import bounded_int, int_arg
from app.frame.version import version_key
from sync import protocol
from sync.center.audit import audit
from sync.center.db import center_database
from sync.center.models import DeviceKey, FleetLatest, FleetReport, Kecamatan, ReleaseRetry
from sync.center.release_commands import online_key_of, repository_of
from sync.center.routes import api_blueprint, error_answer, json_body, page_blueprint
from sync.center.trail import no_ones_act
from sync.release.key_signing import EVERYONE, PILOT, UPDATE_CHUNK_BYTES

log = logging.getLogger(__name__)
MAX_NAME_CHARS = 420
MAX_OFFSET = 2 ** 40  # far above any wheel
REPOSITORY_NAME = re.compile(r"^(metadata|targets)/[A-Za-z0-9][A-Za-z0-9._-]{0,200}(/[A-Za-z0-9][A-Za-z0-9._-]{0,200})?$")
TIMESTAMP_NAME = "metadata/timestamp.json"


# --- which timestamp a PC is handed ---------------------------------------------------------------

def _acceptable(timestamp: dict | None, key: DeviceKey) -> bool:
    """Would this PC's TUF take it? Never a version or a snapshot below what it was handed before (the
    same version again is the same file: both rings count on one counter)."""
    return timestamp is not None and (
        timestamp["version"] == key.served_timestamp
        or (timestamp["version"] > key.served_timestamp and timestamp["snapshot"] >= key.served_snapshot))


def ring_timestamp(timestamps: dict, key: DeviceKey) -> dict | None:
    """The timestamp for this PC, of `timestamps` ({ring: sync.release.key_signing.timestamp_of}): the pilots' for a
    pilot; everyone's for the others, unless it would take this PC back (a pilot taken out of the
    ring): then the pilots' still. None: nothing published for this PC yet."""
    everyone, pilot = timestamps[EVERYONE], timestamps[PILOT]
    if key.pilot_since is not None and _acceptable(pilot, key):
        return pilot
    if _acceptable(everyone, key):
        return everyone
    if key.served_timestamp and _acceptable(pilot, key):
        return pilot
    return everyone


def on_pilot_timestamp(timestamps: dict, key: DeviceKey) -> bool:
    """Is this PC handed the pilots' timestamp (a pilot, or one taken out whose everyone's is behind)?"""
    return timestamps[PILOT] is not None and ring_timestamp(timestamps, key) is timestamps[PILOT]


_seen: dict = {}  # the repository -> (its timestamp files' stats, {ring: timestamp}, root version)


def _repository_state(data_dir: Path) -> tuple[dict, int]:
    """Both rings' timestamps and the newest root's version, read again only when a file changed (a
    release, a release to everyone, the daily job): every PC's probe asks."""
    from sync.release import key_signing
    repository = repository_of(data_dir)
    stats = []
    for path in (repository / "metadata", key_signing.timestamp_path(repository, EVERYONE),
                 key_signing.timestamp_path(repository, PILOT)):
        try:
            found = path.stat()
            stats.append((found.st_mtime_ns, found.st_ino))  # a file replaced within one clock tick: a new inode
        except OSError:
            stats.append(None)
    seen = _seen.get(repository)
    if seen is None or seen[0] != stats:
        seen = _seen[repository] = (stats, {ring: key_signing.timestamp_of(repository, ring) for ring in (EVERYONE, PILOT)},
                                    key_signing.newest_root_version(repository))
    return seen[1], seen[2]


def release_news(data_dir: Path, key: DeviceKey, behind_the_running_one: bool = False) -> dict | None:
    """For this PC's probe (issue 45): the versions of the newest root and of the timestamp it would be
    handed ({"root": n, "timestamp": n}), None before anything is published for it. A PC whose last
    check ended with exactly these, nothing waiting, makes no update check in its pass
    (app/updates/sync_phase.py): a refresh would fetch the same two files again. `behind_the_running_one`
    (fetches_behind_the_running_one): the timestamp this PC was handed last, so that program's pass finds
    nothing new until the running version has checked the release."""
    timestamps, root = _repository_state(data_dir)
    chosen = ring_timestamp(timestamps, key)
    if chosen is None:
        return None
    return {"root": root, "timestamp": key.served_timestamp if behind_the_running_one and key.served_timestamp
            else chosen["version"]}


# The first version whose pass checks the disk's room before it fetches a release (app/updates/room.py), whose
# reports name the version that runs and carry its wait for room: the installed program of an older one, run from
# the command line, fetches a release without looking at the disk (issue 94, finding 2).
FIRST_WITH_ROOM = "0.3.2"
# From 0.3.6 its wait for room ends its check (app/updates/fetching.check_source writes "settled"): an older pass
# reads a check that ran to its end on the news it is told as "nothing new" and asks for nothing. Behind 0.3.2 to
# 0.3.5 (their wait leaves the check open) it does ask, and the repository answers it 503 (repository_file).


def fetches_behind_the_running_one(key: DeviceKey, asking: str) -> bool:
    """Is the program asking (`asking`: its request's version) an installed program without the room check,
    run from the command line (Task Scheduler's `run.py sync`) on a PC whose reports say a version that checks
    room runs? Then the release is the running version's to fetch, when the disk has room: the older program is
    told no news beyond what this PC holds and no "coba lagi" mark (behind 0.3.6 on it makes no update check),
    and any file of the repository it asks for anyway is answered 503 (repository_file), which it reads as a
    broken link: it fetches nothing and writes nothing, never a refusal or a false word on a page."""
    if version_key(asking) >= version_key(FIRST_WITH_ROOM):
        return False
    return version_key(running_versions([key])[key.id]) >= version_key(FIRST_WITH_ROOM)


def probe_news(data_dir: Path, key: DeviceKey, asking: str = "") -> dict:
    """What the probe says of updates: the release news, that this center takes update reports, and the
    releases marked "coba lagi" (retry_news; said only once there is one). To a program that fetches behind the
    running one (fetches_behind_the_running_one, `asking`: its version), the timestamp its PC holds and no mark:
    a 0.3.1 pass taking a mark checks and fetches at once."""
    behind = fetches_behind_the_running_one(key, asking)
    retry = {} if behind else retry_news()
    return {"release": release_news(data_dir, key, behind), "update_health": True,
            **({"release_retry": retry} if retry else {})}


def _note_served(key: DeviceKey, timestamp: dict) -> None:
    if timestamp["version"] > key.served_timestamp:
        with no_ones_act("which release a PC was handed"), center_database.atomic():
            (DeviceKey.update(served_timestamp=timestamp["version"], served_snapshot=timestamp["snapshot"])
             .where((DeviceKey.id == key.id) & (DeviceKey.served_timestamp < timestamp["version"])).execute())


@api_blueprint.get("/v1/updates")
def repository_file():
    """One file of the release repository (`name`), from byte `from` on (at most UPDATE_CHUNK_BYTES): a
    PC resumes a wheel where a broken link left it. The answer is signed like every other one. The
    timestamp is this PC's ring's (ring_timestamp)."""
    name = request.args.get("name", "")[:MAX_NAME_CHARS]
    start = int_arg(request.args, "from", 0, highest=MAX_OFFSET)
    if not REPOSITORY_NAME.match(name) or ".." in name or start is None:
        return error_answer(400, "bad_name", "nama berkas pembaruan tidak sah")
    if fetches_behind_the_running_one(g.device_key, protocol.reported_version(request.headers)[1]):
        # Its 0.2.0 to 0.3.1 client reads a 5xx as a broken link ("dilanjutkan pada sinkronisasi berikutnya"),
        # every other answer as a refusal said on the update page, or as a release to fetch onto a small disk.
        return error_answer(503, "running_version_fetches", "rilis diunduh oleh versi yang berjalan di komputer "
                                                            "ini, yang memeriksa ruang disk lebih dulu")
    data_dir = current_app.config["DATA_DIR"]
    if name == TIMESTAMP_NAME:
        chosen = ring_timestamp(_repository_state(data_dir)[0], g.device_key)
        if chosen is None:
            return error_answer(404, "not_found", "belum ada rilis yang terbit untuk komputer ini")
        _note_served(g.device_key, chosen)
        content, total = chosen["bytes"][start:start + UPDATE_CHUNK_BYTES], len(chosen["bytes"])
    else:
        path = repository_of(data_dir) / name
        if not path.is_file():
            return error_answer(404, "not_found", "berkas pembaruan tidak ada di pusat")
        with open(path, "rb") as file:
            file.seek(start)
            content = file.read(UPDATE_CHUNK_BYTES)
        total = path.stat().st_size
    response = current_app.response_class(content, mimetype="application/octet-stream")
    response.headers["X-Total-Length"] = str(total)
    return response


# --- a PC's report after an update ----------------------------------------------------------------

MAX_HEALTH_BYTES = 16 * 1024
MAX_FAILED_PAGES = 50
MAX_FAILED_CHARS = 300
WALKS = ("lulus", "gagal", None)  # None: errors counted before the version's walk ran
VERSION_TEXT = re.compile(r"^[0-9A-Za-z.+!_-]{1,32}$")
# A release this PC refused (issue 69 finding 4): "sebelum" its walk on a copy, before the switch;
# "sesudah" the switch, taken back. Sent by app/updates/sync_phase.update_report; a PC of the previous
# version sends none.
REFUSAL_STAGES = ("sebelum", "sesudah")
MAX_WHY_CHARS = 1000


def _count(value, highest: int) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= highest else None


def cleaned_health(value) -> tuple[dict | None, str]:
    """The report as it is stored (app/updates: DATA/pembaruan/status.json `health`), or None and the
    Indonesian reason it is refused."""
    if not isinstance(value, dict):
        return None, "laporan pembaruan harus berupa objek JSON"
    version = value.get("version")
    if not isinstance(version, str) or not VERSION_TEXT.match(version):
        return None, "laporan pembaruan: versi tidak sah"
    if value.get("walk") not in WALKS:
        return None, "laporan pembaruan: hasil pemeriksaan halaman harus 'lulus', 'gagal' atau kosong"
    pages, errors = _count(value.get("pages", 0), 1_000_000), _count(value.get("errors_since", 0), 10 ** 9)
    if pages is None or errors is None:
        return None, "laporan pembaruan: jumlah halaman dan galat harus bilangan bulat tidak negatif"
    failed = value.get("failed", [])
    if not isinstance(failed, list) or len(failed) > MAX_FAILED_PAGES:
        return None, f"laporan pembaruan: daftar halaman gagal paling banyak {MAX_FAILED_PAGES}"
    at, readable = _moment_text(value.get("at"))
    if not readable:
        return None, "laporan pembaruan: waktu pemeriksaan tidak sah"
    refused, problem = _cleaned_refusal(value.get("refused"))
    if problem:
        return None, problem
    cleaned = {"version": version, "walk": value.get("walk"), "pages": pages, "errors_since": errors,
               "failed": [_failed_text(item) for item in failed], "at": at}
    return dict(cleaned, refused=refused) if refused else cleaned, ""


def _moment_text(at) -> tuple[str | None, bool]:
    """An ISO moment as it is stored (UTC without a zone), and whether it was readable (None is)."""
    try:
        moment = datetime.fromisoformat(at) if isinstance(at, str) and len(at) <= 40 else None
    except ValueError:
        moment = None
    if moment is None:
        return None, at is None
    return _utc_moment(at).isoformat(timespec="seconds"), True


def _cleaned_refusal(value) -> tuple[dict | None, str]:
    """The report's `refused` ({version, stage, why, at}) as stored, or the reason it is refused."""
    if value is None:
        return None, ""
    if not isinstance(value, dict) or not isinstance(value.get("version"), str) \
            or not VERSION_TEXT.match(value["version"]):
        return None, "laporan pembaruan: versi yang ditolak tidak sah"
    if value.get("stage") not in REFUSAL_STAGES:
        return None, "laporan pembaruan: tahap penolakan harus 'sebelum' atau 'sesudah' berganti versi"
    at, readable = _moment_text(value.get("at"))
    if not readable:
        return None, "laporan pembaruan: waktu penolakan tidak sah"
    return {"version": value["version"], "stage": value["stage"], "why": str(value.get("why") or "")[:MAX_WHY_CHARS],
            "at": at}, ""


def _failed_text(item) -> str:
    """One failed page as the page shows it: a path, or {"path", "status"} (what a walk may report)."""
    if isinstance(item, dict):
        item = " ".join(str(item.get(part, "")) for part in ("path", "status") if item.get(part) not in (None, ""))
    return str(item)[:MAX_FAILED_CHARS]


@api_blueprint.post("/v1/updates/health")
def update_health():
    """A PC's report after an update (the walk of its pages, the errors since): kept per PC for the
    release page's pilot list and the Kecamatan page."""
    if len(request.get_data(cache=True)) > MAX_HEALTH_BYTES:
        return error_answer(413, "too_large", f"laporan pembaruan terlalu besar (paling banyak "
                                              f"{MAX_HEALTH_BYTES // 1024} KB)")
    health, problem = cleaned_health(json_body())
    if health is None:
        return error_answer(400, "bad_health", problem)
    with no_ones_act("a PC's own report after an update"), center_database.atomic():
        (DeviceKey.update(update_health=json.dumps(health, ensure_ascii=False), update_health_at=utc_now())
         .where(DeviceKey.id == g.device_key.id).execute())
    return jsonify({"stored": True})


def _utc_moment(text) -> datetime | None:
    """An ISO moment as the center keeps moments (UTC without a zone), for the pages' zone; None if unreadable."""
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment and moment.tzinfo else moment


def health_of(key: DeviceKey) -> dict | None:
    """The PC's last report as the pages show it, with `at_moment` (a datetime, or None) and its
    refusal's (`refused`, None when it sent none: a PC of the previous version never does)."""
    try:
        health = json.loads(key.update_health) if key.update_health else None
    except ValueError:
        return None
    if not isinstance(health, dict):
        return None
    refused = health.get("refused") if isinstance(health.get("refused"), dict) else None
    return dict(health, at_moment=_utc_moment(health.get("at")),
                refused=dict(refused, at_moment=_utc_moment(refused.get("at"))) if refused else None)


def pilot_verdict(health: dict | None, running: str | None, version: str) -> dict:
    """What a pilot's reports say of release `version` (never of the version it ran before):
    {"state", "passed", "health", "refused"}. state: "ditolak" (refused before the switch, or taken
    back after it), "gagal" / "lulus" / "belum diperiksa" (its walk after switching to `version`),
    "belum memasang" (no report about `version`: it still runs `running`). Passed only when it walked
    every page of `version` without an error and counted none since."""
    refused = (health or {}).get("refused")
    if refused and refused.get("version") == version:
        return {"state": "ditolak", "passed": False, "health": None, "refused": refused}
    if health and health.get("version") == version:
        state = health.get("walk") or "belum diperiksa"
        return {"state": state, "passed": state == "lulus" and not health.get("errors_since"),
                "health": health, "refused": None}
    return {"state": "belum diperiksa" if running == version else "belum memasang", "passed": False,
            "health": None, "refused": None}


# --- what the regency's PCs run, for the Kecamatan page ----------------------------------------------

# A PC whose running version reports sends a report at least every 20 hours (app/updates/fleet_report.RESEND),
# and with the first pass once it is back from a silence (off, or no link: keys.SILENCE) with its report due (a
# pass probes every 5 minutes).
REPORTS_WITHIN = timedelta(days=1)
FIRST_PASS_WITHIN = timedelta(hours=1)


# The first version whose report names what its launcher serves even from the command line (app/updates/
# fleet_report.build_report); 0.3.0 and 0.3.1 name their own program there.
FIRST_NAMING_WHAT_RUNS = "0.3.2"


REFUSED = ("ditolak", "dikembalikan")  # a report's update block: refused before the switch, taken back after it


def _names_what_runs(report: dict) -> bool:
    named = report.get("version")
    return isinstance(named, str) and version_key(named) >= version_key(FIRST_NAMING_WHAT_RUNS)


def _block(report: dict) -> dict:
    return report.get("update") if isinstance(report.get("update"), dict) else {}


def reported_version(report: dict | None, said: list[tuple[datetime, dict]] = ()) -> str | None:
    """The version a PC's report (as stored: as the PC sent it) says runs; `said`: the PC's reports up to it
    ((received_at, report), oldest first: named_by_reports). A report of 0.3.2 on names what runs, whoever sent
    it; its block is never read for it (a "diambil" there can be a walk from before a going back, once a "Coba
    lagi" mark took the release off the PC's failed ones: app/updates/state.take_retries).

    The program of 0.3.0 or 0.3.1 names itself: as the launcher's server, or as the installed program run from
    the command line (Task Scheduler's `run.py sync`) while its launcher serves a later version (issue 94,
    finding 5). What runs is then the newest of: the version it names; the release its block says was taken
    ("diambil"); the versions that reports of 0.3.2 on named in the day before it (a version that runs reports
    at least every 20 hours) -- less each one a report since said was refused or taken back (after the walk
    that took it, or after the report that named it). A report a center before this rule stored already names
    the taken version: read here, it names the same."""
    if not report:
        return None
    named = report.get("version")
    if not isinstance(named, str) or _names_what_runs(report):
        return named
    refused = {}  # version -> the latest moment a report said it was refused or taken back
    named_then = {}  # a version a report of 0.3.2 on named -> the refusal of it known then
    last = said[-1][0] if said else None
    for at, earlier in [*said, (last, report)]:
        block = _block(earlier)
        if block.get("outcome") in REFUSED and isinstance(block.get("version"), str):
            refused[block["version"]] = max(refused.get(block["version"], ""), str(block.get("at") or ""))
        if _names_what_runs(earlier) and last - at <= REPORTS_WITHIN:
            named_then[earlier["version"]] = refused.get(earlier["version"], "")
    running = [version for version, known in named_then.items() if refused.get(version, "") <= known]
    block = _block(report)
    taken = block.get("version") if block.get("outcome") == "diambil" and isinstance(block.get("version"), str) else None
    if taken and not (taken in refused and refused[taken] >= str(block.get("at") or "")):
        running.append(taken)
    return max([named, *running], key=version_key)


REFUSAL_TEXTS = tuple(f'"outcome": "{outcome}"' for outcome in REFUSED)  # in a report as stored (fleet.store)


def _window(report: dict | None, received_at: datetime | None) -> tuple[datetime, datetime, datetime] | None:
    """The PC's reports reported_version reads with `report` (received at `received_at`), as (since, refusals
    since, until): none for a report of 0.3.2 on; for 0.3.0 or 0.3.1, those of the day before it and, back to the
    walk its block names, those saying a release was refused or taken back."""
    if not report or _names_what_runs(report) or received_at is None:
        return None
    since = received_at - REPORTS_WITHIN
    walked = _utc_moment(_block(report).get("at")) if _block(report).get("outcome") == "diambil" else None
    return since, min(since, walked - REPORTS_WITHIN) if walked else since, received_at


# What only a report of 0.3.2 on says (its shapes 3 and 4, app/updates/fleet_report.py): a release waiting for room,
# the office stopped by a full disk. A 0.3.0/0.3.1 program's report never does, even where the version that runs did.
LATER_SHAPES = ("room", "disk_full")


def as_the_running_version_said(report: dict | None, said: list[tuple[datetime, dict]], running: str | None):
    """`report` as the page reads it: one of 0.3.0 or 0.3.1 (Task Scheduler's pass of the installed program) with
    LATER_SHAPES as the latest report in `said` (reported_version's) naming `running`, the version that runs, said
    them in the day before (issue 94, finding 2: else the PC's "pembaruan menunggu ruang disk" went with every
    older pass). Any other report as it came."""
    if not report or _names_what_runs(report) or not said:
        return report
    last = said[-1][0]
    latest = next((earlier for at, earlier in reversed(said) if _names_what_runs(earlier)
                   and earlier["version"] == running and last - at <= REPORTS_WITHIN), None)
    return dict(report, **{name: latest[name] for name in LATER_SHAPES if name in latest}) if latest else report


def read_by_reports(reports: list[tuple[int, dict | None, datetime | None]]) -> list[tuple[str | None, dict | None]]:
    """(reported_version, as_the_running_version_said) of each (key id, report, received at), with the earlier
    reports they read (_window), read in one statement for them all: none when each is of 0.3.2 on (the pages'
    statements do not grow with PCs)."""
    windows = [_window(report, at) for _, report, at in reports]
    wanted = {key_id for (key_id, _, _), window in zip(reports, windows) if window}
    stored: dict[int, list] = {}
    if wanted:
        used = [window for window in windows if window]
        query = FleetReport.select(FleetReport.device_key, FleetReport.received_at, FleetReport.report).where(
            FleetReport.device_key.in_(sorted(wanted)) & (FleetReport.received_at <= max(w[2] for w in used))
            & ((FleetReport.received_at >= min(w[0] for w in used)) | (
                (FleetReport.received_at >= min(w[1] for w in used))
                & (FleetReport.report.contains(REFUSAL_TEXTS[0]) | FleetReport.report.contains(REFUSAL_TEXTS[1])))))
        for key_id, at, text in query.order_by(FleetReport.received_at, FleetReport.id).tuples():
            stored.setdefault(key_id, []).append((at, text, any(words in text for words in REFUSAL_TEXTS)))
    parsed: dict[str, dict] = {}

    def said(key_id: int, window) -> list[tuple[datetime, dict]]:
        if not window:
            return []
        since, refusals_since, until = window
        return [(at, parsed.get(text) or parsed.setdefault(text, json.loads(text)))
                for at, text, refusal in stored.get(key_id, ())
                if at <= until and (at >= since or (refusal and at >= refusals_since))]
    read = []
    for (key_id, report, _), window in zip(reports, windows):
        earlier = said(key_id, window)
        running = reported_version(report, earlier)
        read.append((running, as_the_running_version_said(report, earlier, running)))
    return read


def named_by_reports(reports: list[tuple[int, dict | None, datetime | None]]) -> list[str | None]:
    """reported_version of each (key id, report, received at): read_by_reports."""
    return [running for running, _ in read_by_reports(reports)]


def version_that_runs(key: DeviceKey, reported: str | None, reported_at: datetime | None) -> str:
    """The version a PC runs, whatever program made its last request (issue 94, finding 5), decided here
    only. A request's header names the program that sent it: the installed one too, when Task Scheduler runs
    `run.py sync` (0.2.0's sends no report, a later one's names what its launcher serves) while the launcher
    serves a later version. So the version its latest report says runs (`reported`, of the report received at
    `reported_at`: named_by_reports), unless a newer program signed since (a new version's first request comes
    before its report) or the PC has gone on signing for more than a day after that report and for the time of a
    first pass since it came back from a silence (no reporting version runs: it went back to one that sends none).
    A PC back from a day off whose installed program's pass signs first is not named by it: the version that runs
    reports with its first pass. Only the PC's own signed requests and reports set its version."""
    header = key.app_version or ""
    if not reported or version_key(header) > version_key(reported):
        return header
    if key.last_used_at and reported_at and key.last_used_at > max(
            reported_at + REPORTS_WITHIN, (key.back_at or reported_at) + FIRST_PASS_WITHIN):
        return header
    return reported


def running_versions(keys: list[DeviceKey]) -> dict[int, str]:
    """version_that_runs of each key, its latest report read once."""
    latest = {}
    for key_id, text, at in (FleetLatest.select(FleetLatest.device_key, FleetLatest.report, FleetLatest.received_at)
                             .where(FleetLatest.device_key.in_([key.id for key in keys])).tuples()):
        latest[key_id] = ((json.loads(text) if text else None), at)
    said = [(key.id, *latest.get(key.id, (None, None))) for key in keys]
    return {key.id: version_that_runs(key, reported, at)
            for key, reported, (_, _, at) in zip(keys, named_by_reports(said), said)}


def fleet_versions(keys: list[DeviceKey], data_dir: Path, running: dict[int, str] | None = None) -> dict:
    """How many PCs run which version (version_that_runs; `running` when the caller read it already),
    compared with the newest release published to everyone (the center's own version counts only for the
    protocol): {"newest", "trial", "counts" [(version, n)], "unreported", "outdated" (key ids), "all_newest",
    "running" {key id: version}}."""
    from sync.release import key_signing
    published = key_signing.published_releases(repository_of(data_dir))
    newest = next((r["version"] for r in published if r["ring"] == EVERYONE), None)
    trial = next((r["version"] for r in published if r["ring"] == PILOT), None)
    active = [key for key in keys if key.revoked_at is None]
    reported = [key for key in active if key.protocol_version]
    running = running if running is not None else running_versions(reported)
    counts = Counter(running.get(key.id) or "tidak dilaporkan" for key in reported)
    outdated = {key.id for key in reported
                if key.protocol_version < protocol.PROTOCOL_VERSION
                or (newest and version_key(running.get(key.id)) < version_key(newest))}
    return {"newest": newest, "trial": trial,
            "counts": sorted(counts.items(), key=lambda item: version_key(item[0]), reverse=True),
            "unreported": len(active) - len(reported), "outdated": outdated,
            "all_newest": bool(newest and reported and set(counts) == {newest} and not outdated),
            "running": running}


# --- the admin's page ---------------------------------------------------------------------------

def _device_label(key: DeviceKey) -> str:
    where = f"Desa {key.desa_code}" if key.desa_code else "loket kecamatan"
    return f"{key.kecamatan.name} ({key.kecamatan.code}), {where}, perangkat {key.device_code or key.key_id}"


def _active_keys():
    return list(DeviceKey.select(DeviceKey, Kecamatan).join(Kecamatan)
                .where(DeviceKey.revoked_at.is_null() & (DeviceKey.replaced_by == ""))
                .order_by(Kecamatan.code, DeviceKey.desa_code, DeviceKey.device_code))


@page_blueprint.get("/admin/rilis")
def releases():
    return _releases_page({}, {})


def _pilots(keys: list[DeviceKey], timestamps: dict) -> list[dict]:
    """The PCs that take the pilots' releases: the marked ones and those taken out that still do."""
    pilots = [key for key in keys if key.pilot_since is not None or on_pilot_timestamp(timestamps, key)]
    running = running_versions(pilots)
    return [{"key": key, "label": _device_label(key), "health": health_of(key), "pilot": key.pilot_since is not None,
             "on_pilot": on_pilot_timestamp(timestamps, key), "running": running[key.id]} for key in pilots]


def not_passed(pilots: list[dict], version: str) -> list[dict]:
    """The pilots whose reports do not say release `version` passed (refused, failed, not taken yet,
    errors since), each with its verdict: named before the release goes to everyone."""
    return [dict(pilot, verdict=verdict) for pilot in pilots
            for verdict in [pilot_verdict(pilot["health"], pilot["running"], version)] if not verdict["passed"]]


def _published(data_dir: Path) -> list[dict]:
    from sync.release import key_signing as repository
    return [dict(release, signed_moment=_utc_moment(release.get("signed_at")))
            for release in repository.published_releases(repository_of(data_dir))]


def _releases_page(form: dict, errors: dict):
    from sync.release import key_signing as repository
    data_dir = current_app.config["DATA_DIR"]
    published = _published(data_dir)
    newest_root = repository.newest_root(repository_of(data_dir))
    pilots = _pilots(keys := _active_keys(), _repository_state(data_dir)[0])
    trial = next((r for r in published if r["ring"] == PILOT), None)
    for pilot in pilots:
        pilot["verdict"] = pilot_verdict(pilot["health"], pilot["running"], trial["version"]) if trial else None
    marks = {mark.version: mark for mark in ReleaseRetry.select()}
    refused = {}  # version -> the PCs whose last report refused it or took it back (each report read once)
    for key in keys:
        version = ((health_of(key) or {}).get("refused") or {}).get("version")
        refused.setdefault(version, []).append((key.id, _device_label(key)))
    for release in published:
        release["not_passed"] = not_passed(pilots, release["version"]) if release["ring"] == PILOT else []
        release["went_back"] = refused.get(release["version"], [])
        release["retry"] = marks.get(release["version"])
    return render_template("center/releases.html", releases=published, pilots=pilots, trial=trial,
                           others=[(key.id, _device_label(key)) for key in keys if key.pilot_since is None],
                           online_key=online_key_of(data_dir).exists(),
                           fingerprint=repository.root_fingerprint_of(newest_root) if newest_root else None,
                           EVERYONE=EVERYONE, PILOT=PILOT, form=form, errors=errors), 422 if errors else 200


@page_blueprint.post("/admin/rilis/komputer-uji")
@act("keluar_komputer_uji", "komputer_uji")
def mark_pilot():
    """A PC made a pilot (it takes each release first), or taken out of the pilots; audited."""
    form = {"key": request.form.get("key", ""), "pilot": request.form.get("pilot", "")}
    key_id = bounded_int(form["key"])
    key = DeviceKey.select(DeviceKey, Kecamatan).join(Kecamatan).where(
        (DeviceKey.id == key_id) & DeviceKey.revoked_at.is_null() & (DeviceKey.replaced_by == "")).first() \
        if key_id is not None else None
    if key is None:
        return nothing_done(_releases_page(form, {"key": "Pilih komputer yang terdaftar dan kuncinya masih berlaku."}))
    if form["pilot"] not in ("1", "0"):
        return nothing_done(_releases_page(form, {"key": "Pilih: jadikan komputer uji atau keluarkan dari komputer uji."}))
    label = _device_label(key)
    with center_database.atomic():
        if form["pilot"] == "1":
            DeviceKey.update(pilot_since=utc_now()).where(DeviceKey.id == key.id).execute()
            audit("komputer_uji", "perangkat", key.key_id, f"{label} dijadikan komputer uji pembaruan")
        else:
            DeviceKey.update(pilot_since=None).where(DeviceKey.id == key.id).execute()
            audit("keluar_komputer_uji", "perangkat", key.key_id, f"{label} dikeluarkan dari komputer uji pembaruan")
    if form["pilot"] == "1":
        flash(f"{label} menjadi komputer uji: rilis berikutnya sampai ke komputer ini lebih dulu.", "success")
    else:
        key = DeviceKey.get_by_id(key.id)
        still = on_pilot_timestamp(_repository_state(current_app.config["DATA_DIR"])[0], key)
        flash(f"{label} bukan lagi komputer uji."
              + (" Komputer ini sudah menerima rilis uji, jadi tetap menerima rilis uji sampai rilis itu diterbitkan "
                 "untuk semua komputer (versi yang sudah diterimanya tidak boleh mundur)." if still else ""), "success")
    return redirect(url_for("center.releases")), 303


CONFIRMED = "ya"  # the confirmation step's field `konfirmasi`


def _pending_words(pending: list[dict]) -> str:
    """The pilots not passed, for the audit trail: "label (state)" each."""
    return "; ".join(f"{pilot['label']} ({pilot['verdict']['state']})" for pilot in pending)


@page_blueprint.post("/admin/rilis/<int:targets_version>/semua")
def release_to_all(targets_version: int):
    """The release the pilots took, released to every PC (everyone's timestamp moved to it); audited.
    While a pilot has not passed it (refused it, failed, not taken it yet), the first press answers a
    page naming them and asking again: only a POST with konfirmasi=ya goes on, and the audit row names
    them."""
    from sync.release import key_signing as repository
    data_dir = current_app.config["DATA_DIR"]
    if not online_key_of(data_dir).exists():
        flash("Kunci online belum dipasang di komputer pusat ini: rilis tidak dapat diterbitkan.", "error")
        return redirect(url_for("center.releases")), 303
    chosen = next((r for r in _published(data_dir) if r["targets_version"] == targets_version and r["ring"] == PILOT),
                  None)
    pending = not_passed(_pilots(_active_keys(), _repository_state(data_dir)[0]), chosen["version"]) if chosen else []
    if pending and request.form.get("konfirmasi") != CONFIRMED:
        return render_template("center/release_confirm.html", release=chosen, pending=pending, CONFIRMED=CONFIRMED)
    try:
        release = _release_to_everyone(data_dir, targets_version, pending)
    except repository.ReleaseError as problem:
        flash(str(problem), "error")
        return redirect(url_for("center.releases")), 303
    flash(f"Rilis {release['version']} diterbitkan untuk semua komputer: kantor kecamatan dan desa menerimanya "
          "pada sinkronisasi berikutnya.", "success")
    return redirect(url_for("center.releases")), 303


@act("terbit_semua")
def _release_to_everyone(data_dir: Path, targets_version: int, pending: list[dict]) -> dict:
    """Everyone's timestamp moved to the release, and its line (naming the pilots that had not passed it)."""
    from sync.release import key_signing as repository
    release = repository.release_to_everyone(repository_of(data_dir), online_key_of(data_dir), targets_version)
    with center_database.atomic():
        audit("terbit_semua", "rilis", release["version"],
              f"Rilis {release['version']} (targets versi {release['targets_version']}) diterbitkan untuk semua "
              f"komputer" + (f", dikonfirmasi walaupun komputer uji belum lulus: {_pending_words(pending)}"
                             if pending else ""))
    return release


# --- a release offered again (issue 81) ------------------------------------------------------------
# A PC remembers a release it refused before the switch or took back after it, and is never offered it
# again (app/updates/state.remember_failure). The admin's "Coba lagi" counts one more mark for that
# version; the counts go to every PC with its probe, and a PC that has not seen a version's count yet
# takes that version off its failed ones (app/updates/state.take_retries): once per mark.

MAX_RETRY_NEWS = 20  # the newest marked versions a probe carries
# The first version whose PCs read the marks. An older one (0.3.0, 0.2.0 in the field) keeps a failed release
# failed for good: only the next release, a new version number, reaches it (its pages say so, never "Coba lagi").
FIRST_TAKING_RETRIES = "0.3.1"


def takes_retries(version) -> bool:
    """Whether a PC running `version` (its report's, or its key's) acts on a "coba lagi" mark."""
    return isinstance(version, str) and version_key(version) >= version_key(FIRST_TAKING_RETRIES)


def retry_news() -> dict:
    """{version: marks} of the releases marked "coba lagi", the MAX_RETRY_NEWS marked last."""
    return dict(ReleaseRetry.select(ReleaseRetry.version, ReleaseRetry.marks)
                .order_by(ReleaseRetry.marked_at.desc(), ReleaseRetry.id.desc()).limit(MAX_RETRY_NEWS).tuples())


def went_back(keys: list[DeviceKey], version: str) -> list[tuple[DeviceKey, dict]]:
    """The PCs whose last report says they refused release `version` or took it back, each with that report."""
    reported = ((key, health_of(key) or {}) for key in keys)
    return [(key, health) for key, health in reported if (health.get("refused") or {}).get("version") == version]


@act("coba_lagi")
def _mark_retry(version: str, keys: list) -> None:
    """The act of the page below (its refusals write nothing): the release's next retry mark."""
    with center_database.atomic():
        mark = ReleaseRetry.get_or_none(ReleaseRetry.version == version)
        marks = (mark.marks if mark else 0) + 1
        if mark:
            ReleaseRetry.update(marks=marks, marked_at=utc_now()).where(ReleaseRetry.id == mark.id).execute()
        else:
            ReleaseRetry.insert(version=version, marks=marks, marked_at=utc_now()).execute()
        audit("coba_lagi", "rilis", version,
              f"Rilis {version} ditawarkan lagi (tanda coba lagi ke-{marks}) kepada komputer yang menolak atau "
              f"mengembalikannya" + (f": {'; '.join(_device_label(key) for key in keys)}" if keys else ""))


@page_blueprint.post("/admin/rilis/coba-lagi")
def retry_release():
    """A published release offered again to the PCs that refused it or took it back (each once for this
    mark: one that fails again keeps it failed until the next mark); audited. From the release page, or
    from a PC's Kesehatan Komputer page (`komputer`: back there)."""
    version = request.form.get("versi", "").strip()[:40]
    back_to = bounded_int(request.form.get("komputer", ""))
    if version not in {release["version"] for release in _published(current_app.config["DATA_DIR"])}:
        return _releases_page({"versi": version}, {"status": f"Versi {version or '(kosong)'} tidak ada di daftar "
                                                             "rilis yang terbit di pusat ini: pilih rilis dari daftar."})
    back = went_back(_active_keys(), version)
    keys = [key for key, _ in back]
    old = [key for key, health in back if not takes_retries(health.get("version"))]  # the version its report says
    _mark_retry(version, keys)
    flash(f"Rilis {version} ditawarkan lagi kepada komputer yang menolak atau mengembalikannya"
          f"{f' ({len(keys)} komputer menurut laporannya)' if keys else ''}: masing-masing mencobanya sekali lagi pada "
          "sinkronisasi berikutnya, dan memeriksanya lagi sebelum berganti versi.", "success")
    if old:
        flash(f"{len(old)} komputer di antaranya memakai versi lama yang belum mengenal tanda coba lagi "
              f"({'; '.join(_device_label(key) for key in old)}): rilis {version} tidak ditawarkan lagi kepadanya; "
              "ia hanya mengambil rilis berikutnya, dengan nomor versi baru.", "error")
    if back_to is not None and DeviceKey.get_or_none(DeviceKey.id == back_to):
        return redirect(url_for("center.fleet_pc", key_id=back_to)), 303
    return redirect(url_for("center.releases")), 303


def refresh_timestamp(app) -> None:
    """Background job: both rings' timestamps are re-signed daily, so a PC never finds one expired
    between releases."""
    from sync.release import key_signing as repository
    data_dir = app.config["DATA_DIR"]
    key = online_key_of(data_dir)
    if key.exists() and repository_of(data_dir).is_dir():
        repository.sign_timestamp(repository_of(data_dir), repository.load_signer(key))

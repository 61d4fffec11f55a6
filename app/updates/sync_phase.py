"""The sync pass's last step on a kecamatan or desa PC: ask the center for its newest release and fetch
what this PC lacks of it. A link that breaks mid-way ends nothing: the next pass goes on from there."""
import logging

from flask import current_app

from sync.client.records import plug_phase

log = logging.getLogger(__name__)


def check_release(client, link, report, progress) -> None:
    """The check, unless the pass's probe said the center holds what this PC's last check ended with
    (fetching.nothing_new): then only when it was checked is noted, and what a download left is dropped.
    An older center says nothing. A
    release the regency marked "coba lagi" is taken off this PC's failed ones first (state.take_retries)."""
    from app.frame.dates import utc_now
    from app.updates.fetching import CenterSource, Postponed, check_source, drop_leftovers, nothing_new
    from app.updates.state import take_retries, write_state
    progress.phase = "pembaruan"
    data_dir = current_app.config["DATA_DIR"]
    retried = take_retries(data_dir, client.probed.get("release_retry"))  # the regency's "coba lagi"
    if retried:
        log.info("release offered again by the regency: %s", ", ".join(retried))
    elif "release" in client.probed and nothing_new(data_dir, client.probed["release"]):
        write_state(data_dir, checked_at=utc_now().isoformat(timespec="seconds"))
        drop_leftovers(data_dir)  # nothing on offer, nothing being fetched: the cache keeps nothing
        return
    try:
        state = check_source(data_dir, CenterSource(client))
    except Postponed as postponed:
        log.info("release download postponed: %s", postponed)
        return
    if state.get("refused"):
        log.warning("release refused: %s", state["refused"])


HEALTH_PATH = "/updates/health"
_reported: dict = {}  # data folder -> the report the center last took (or, older, did not know): sent once
REFUSALS = (("check_refused", "sebelum"), ("rolled_back", "sesudah"))  # app/updates/state.remember_failure's keys
MAX_WHY_CHARS = 1000  # the center keeps as much (sync/center/updates.py)


def last_refusal(state: dict) -> dict | None:
    """The release this PC refused last, as the center shows it beside a pilot (issue 69 finding 4):
    {version, stage ("sebelum" the switch: its walk on a copy; "sesudah": taken back), why, at}. Only a
    version remembered as failed (an interrupted attempt is none); None when there is none."""
    from app.updates.state import failure_version
    failed = [str(version) for version in state.get("failed_versions") or []]
    found = []
    for key, stage in REFUSALS:
        version = failure_version(state, key)
        if version in failed:
            found.append({"version": version, "stage": stage, "why": state[key][:MAX_WHY_CHARS], "at": state.get(f"{key}_at")})
    return max(found, key=lambda refusal: str(refusal["at"] or "")) if found else None


def update_report(state: dict) -> dict | None:
    """What the center is told of this PC's updates: its last walk after a switch (state "health") with
    the release it refused last, if any. A PC that refused a release before ever switching reports its
    running version, not walked."""
    from app.updates.versions import running_version
    health = state.get("health") if isinstance(state.get("health"), dict) else None
    refused = last_refusal(state)
    if refused is None:
        return health
    return dict(health or {"version": running_version(), "walk": None, "pages": 0, "failed": [], "at": None,
                           "errors_since": 0}, refused=refused)


def report_health(client, link, report, progress) -> None:
    """This PC's report (update_report) to the center, once per report and process, when the center's
    probe says it takes them; a center that does not know the request (404) is nothing to do."""
    import json
    from sync import protocol
    from sync.client.transport import Refused
    from app.updates.state import read_state
    sent_report = update_report(read_state(current_app.config["DATA_DIR"]))
    if sent_report is None or not client.probed.get("update_health"):
        return
    sent = json.dumps(sent_report, sort_keys=True)
    where = str(current_app.config["DATA_DIR"])
    if _reported.get(where) == sent:
        return
    try:
        client.call_json("POST", protocol.API_PREFIX + HEALTH_PATH, sent_report)
    except Refused as refusal:
        if refusal.status != 404:  # refused as it is: sent again only when it changes
            log.warning("update report refused by the center: %s", refusal)
    _reported[where] = sent


for _role in ("kecamatan", "desa"):
    plug_phase(_role, "after", report_health)
    plug_phase(_role, "after", check_release)

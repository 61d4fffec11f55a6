"""The sync pass's last step on a kecamatan or desa PC: ask the center for its newest release and fetch
what this PC lacks of it. A link that breaks mid-way ends nothing: the next pass goes on from there."""
import logging

from flask import current_app

from sync.client.records import plug_phase

log = logging.getLogger(__name__)


def check_release(client, link, report, progress) -> None:
    """The check, unless the pass's probe said the center holds what this PC's last check ended with
    (fetching.nothing_new): then only when it was checked is noted. An older center says nothing."""
    from app.frame.dates import utc_now
    from app.updates.fetching import CenterSource, Postponed, check_source, nothing_new
    from app.updates.state import write_state
    progress.phase = "pembaruan"
    data_dir = current_app.config["DATA_DIR"]
    if "release" in client.probed and nothing_new(data_dir, client.probed["release"]):
        write_state(data_dir, checked_at=utc_now().isoformat(timespec="seconds"))
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


def report_health(client, link, report, progress) -> None:
    """This PC's report after an update (DATA/pembaruan/status.json `health`: the walk of its pages,
    the errors since) to the center, once per report and process, when the center's probe says it
    takes them; a center that does not know the request (404) is nothing to do."""
    import json
    from sync import protocol
    from sync.client.transport import Refused
    from app.updates.state import read_state
    health = read_state(current_app.config["DATA_DIR"]).get("health")
    if not isinstance(health, dict) or not client.probed.get("update_health"):
        return
    sent = json.dumps(health, sort_keys=True)
    where = str(current_app.config["DATA_DIR"])
    if _reported.get(where) == sent:
        return
    try:
        client.call_json("POST", protocol.API_PREFIX + HEALTH_PATH, health)
    except Refused as refusal:
        if refusal.status != 404:  # refused as it is: sent again only when it changes
            log.warning("update report refused by the center: %s", refusal)
    _reported[where] = sent


for _role in ("kecamatan", "desa"):
    plug_phase(_role, "after", report_health)
    plug_phase(_role, "after", check_release)

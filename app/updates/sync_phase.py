"""The sync pass's last step on a kecamatan or desa PC: ask the center for its newest release and fetch
what this PC lacks of it. A link that breaks mid-way ends nothing: the next pass goes on from there."""
import logging

from flask import current_app

from sync.client.records import plug_phase

log = logging.getLogger(__name__)


def check_release(client, link, report, progress) -> None:
    from app.updates.fetching import CenterSource, Postponed, check_source
    progress.phase = "pembaruan"
    try:
        state = check_source(current_app.config["DATA_DIR"], CenterSource(client))
    except Postponed as postponed:
        log.info("release download postponed: %s", postponed)
        return
    if state.get("refused"):
        log.warning("release refused: %s", state["refused"])


for _role in ("kecamatan", "desa"):
    plug_phase(_role, "after", check_release)

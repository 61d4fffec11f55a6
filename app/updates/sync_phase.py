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


for _role in ("kecamatan", "desa"):
    plug_phase(_role, "after", check_release)

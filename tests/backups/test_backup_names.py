"""Issue 25: a manual backup's name carried the PC's clock (UTC on a PC left so) while the list beside
it shows the office's time: "manual-...-010000" next to "09.00 WITA"."""
import re
from datetime import datetime, timedelta

from app.frame import dates, store


def test_a_manual_backup_is_named_in_the_offices_time(client_for, db, app):
    store.put("timezone", "WITA")
    before = dates.to_local(dates.utc_now(), "WITA").replace(tzinfo=None)
    assert client_for("admin").post("/admin/cadangan", data={}).status_code in (302, 303)
    after = dates.to_local(dates.utc_now(), "WITA").replace(tzinfo=None)
    names = [p.name for p in app.config["BACKUP_DIR"].glob("manual-*")]
    assert len(names) == 1
    stamp = datetime.strptime(re.search(r"manual-(\d{8}-\d{6})", names[0]).group(1), "%Y%m%d-%H%M%S")
    assert before - timedelta(seconds=1) <= stamp <= after + timedelta(seconds=1), (names, before)

"""SIGKILL either end at random points during sync; after restarting, the same result as without."""
import random
import time

import pytest

from tests.sync.harness import (CenterServer, Process, enrol_kecamatan, fill_kecamatan, kecamatan_app,
                                prepare_center)
from tests.sync.invariants import (assert_each_at_center_once, assert_each_status_back_once, center_mark_all,
                                   kecamatan_statuses, sync_until_settled)


COUNT = 60
KILLS = 5


def sync_process(kecamatan_dir, log):
    return Process(["sync", "--data", str(kecamatan_dir), "--full"], log).start()


def marked_when_all_received(kec_app, center_app, marked: bool) -> bool:
    if not marked and set(kecamatan_statuses(kec_app).values()) == {"diterima_pusat"}:
        center_mark_all(center_app, ["printed", "shipped"])
        return True
    return marked


@pytest.mark.windows_pass  # the office PC's process killed: run once, in the Windows-like pass (scripts/test.sh)
def test_killing_the_kecamatan_sync_process_loses_and_doubles_nothing(tmp_path):
    rng = random.Random(20)
    center_dir, kecamatan_dir = tmp_path / "center", tmp_path / "kecamatan"
    center_app, code = prepare_center(center_dir)
    center = CenterServer(center_dir).start()
    try:
        kec_app = kecamatan_app(kecamatan_dir)
        numbers = fill_kecamatan(kec_app, COUNT)
        enrol_kecamatan(kec_app, center.url, code)
        marked = False
        for kill in range(KILLS):
            process = sync_process(kecamatan_dir, tmp_path / f"sync-{kill}.log")
            time.sleep(rng.uniform(0.5, 3.0))  # startup, manifest, mid-packet, mid-status page...
            process.kill()
            marked = marked_when_all_received(kec_app, center_app, marked)
        for _ in range(10):
            if sync_process(kecamatan_dir, tmp_path / "sync-final.log").wait() == 0:
                marked = marked_when_all_received(kec_app, center_app, marked)
            if marked and set(kecamatan_statuses(kec_app).values()) == {"dikirim"}:
                break
        sync_until_settled(kec_app, expect_status="dikirim")
        assert_each_at_center_once(center_app, numbers)
        assert_each_status_back_once(kec_app, numbers)
    finally:
        center.stop()


@pytest.mark.soak  # the center killed: run once, in the normal pass (scripts/test.sh)
def test_killing_the_center_loses_and_doubles_nothing(tmp_path):
    rng = random.Random(21)
    center_dir, kecamatan_dir = tmp_path / "center", tmp_path / "kecamatan"
    center_app, code = prepare_center(center_dir)
    center = CenterServer(center_dir).start()
    try:
        kec_app = kecamatan_app(kecamatan_dir)
        numbers = fill_kecamatan(kec_app, COUNT)
        enrol_kecamatan(kec_app, center.url, code)
        marked = False
        for kill in range(KILLS):
            process = sync_process(kecamatan_dir, tmp_path / f"sync-{kill}.log")
            time.sleep(rng.uniform(0.8, 3.0))
            center.kill()
            process.wait()
            center = CenterServer(center_dir, port=center.port).start()
            marked = marked_when_all_received(kec_app, center_app, marked)
        sync_until_settled(kec_app, expect_status="diterima_pusat" if not marked else "dikirim")
        if not marked:
            center_mark_all(center_app, ["printed", "shipped"])
            sync_until_settled(kec_app, expect_status="dikirim")
        assert_each_at_center_once(center_app, numbers)
        assert_each_status_back_once(kec_app, numbers)
    finally:
        center.stop()

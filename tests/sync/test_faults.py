"""Through a fault-injecting proxy: every application at the center exactly once, every status back once."""
import pytest

from tests.sync.harness import CenterServer, enrol_kecamatan, fill_kecamatan, kecamatan_app, prepare_center
from tests.sync.invariants import (assert_each_at_center_once, assert_each_status_back_once, center_mark_all,
                                   sync_until_settled, small_packets)

linkproxy = pytest.importorskip("tests.support.linkproxy",
                                reason="tests/support/linkproxy.py comes with branch infra; merge it to run this")

pytestmark = pytest.mark.soak  # fault soak: run once, in the normal pass (scripts/test.sh)

COUNT = 200


def test_two_hundred_applications_through_every_fault(tmp_path):
    center_dir = tmp_path / "center"
    center_app, code = prepare_center(center_dir)
    center = CenterServer(center_dir).start()
    plan = linkproxy.FaultPlan(rate=0.25, seed=6, seconds=0.5)
    proxy = linkproxy.LinkProxy(("127.0.0.1", center.port), faults=plan, seed=6)
    proxy.start()
    try:
        kec_app = kecamatan_app(tmp_path / "kecamatan")
        numbers = fill_kecamatan(kec_app, COUNT, photo_size=(60, 80))
        enrol_kecamatan(kec_app, center.url, code, link_url=proxy.url)
        sync_until_settled(kec_app, expect_status="diterima_pusat", **small_packets())
        assert_each_at_center_once(center_app, numbers)
        center_mark_all(center_app, ["printed", "shipped"])
        sync_until_settled(kec_app, expect_status="dikirim", **small_packets())
        assert_each_status_back_once(kec_app, numbers)
        assert sum(plan.injected.values()) >= 20 and len(plan.injected) == len(linkproxy.FAULT_KINDS), plan.injected
        print(f"faults injected: {dict(plan.injected)} in {plan.requests_seen} requests")
    finally:
        proxy.close()
        center.stop()

"""The relay under faults and kills, through both hops (desa -> center -> kecamatan, statuses back):
every pre-registration relayed exactly once, into the counter's queue exactly once, every status back
exactly once. A real center (waitress subprocess), the fault proxy of tests/support, SIGKILL of the sync
processes and of the center."""
import random
import time
from collections import Counter

import pytest

from app.desa.models import PreRegistration
from app.frame.db import database
from sync.client import engine
from sync.client.models import OutboxItem, StatusIssue, SyncLink
from tests.desa.test_desa_mode import bound_to, desa_app, kecamatan  # noqa: F401  (fixtures)
from tests.desa.test_relay import center, enrolled_desa, linked_kecamatan  # noqa: F401  (fixtures)
from tests.support.factory import applicant_form
from tests.sync.harness import CenterServer, Process
from tests.support.factory import numbered_photo_jpeg, person_name
from tests.sync.invariants import small_packets

linkproxy = pytest.importorskip("tests.support.linkproxy", reason="tests/support/linkproxy.py is needed")

pytestmark = pytest.mark.soak  # fault and SIGKILL soak: run once, in the normal pass (scripts/test.sh)


def fill_desa(desa_app, count: int) -> list[str]:
    """`count` pre-registrations with photos saved on the desa PC, as its form saves them."""
    from types import SimpleNamespace

    from app.desa import records
    from app.registration import intake
    from app.registration.views import desa_list
    numbers = []
    with bound_to(desa_app):
        for n in range(1, count + 1):
            clean, errors, _ = intake.validate_application(
                applicant_form(nik=f"350807120590{n:04d}", full_name=person_name(n), phone=""), desa_list(), records.today())
            assert not errors, errors
            photo = SimpleNamespace(jpeg=numbered_photo_jpeg(n, size=(60, 80)), background="biru")
            numbers.append(records.create_pre_registration(clean, photo, entered_by_name="Kaur Umum").number)
    return numbers


def point_at(app, url: str) -> None:
    with bound_to(app), database.atomic():
        SyncLink.update(center_url=url).execute()


def sync(app, **options):
    with bound_to(app):
        return engine.sync_once(full=True, **options)


def relayed_numbers(kecamatan_app) -> Counter:
    with bound_to(kecamatan_app):
        return Counter(p.number for p in PreRegistration.select() if p.source == "relay")


def accept_all(kecamatan_app) -> None:
    """The counter accepts every relayed form as it came (the same `accept` its page uses)."""
    from app.desa import acceptance, qr
    with bound_to(kecamatan_app):
        for pre in PreRegistration.select().where(PreRegistration.status == PreRegistration.WAITING):
            clean = {key: getattr(pre, key) for key in qr.CARRIED_FIELDS}
            acceptance.accept(pre, clean)


def desa_statuses(desa_app) -> Counter:
    with bound_to(desa_app):
        return Counter(p.relay_status for p in PreRegistration.select())


def settle(apps_in_order, done, passes=60, **options):
    for _ in range(passes):
        for app in apps_in_order:
            sync(app, **options)
        if done():
            return
        time.sleep(0.1)
    raise AssertionError("the relay did not settle")


def assert_relayed_once(center_app, kecamatan_app, desa_app, numbers) -> None:
    from sync.center.models import RelayItem, RelayStatus
    with center_app.extensions["center_database"].connection_context():
        assert Counter(r.number for r in RelayItem.select()) == Counter(numbers), "each form at the center once"
        accepted = Counter(s.number for s in RelayStatus.select().where(RelayStatus.status == "diterima_loket"))
    assert accepted == Counter(numbers), "each acceptance relayed once"
    assert relayed_numbers(kecamatan_app) == Counter(numbers), "each form in the counter's queue once"
    with bound_to(desa_app):
        forms = OutboxItem.select().where(OutboxItem.kind == "pra")  # not their public status (issue 28)
        assert Counter(i.state for i in forms) == Counter({"acked": len(numbers)})
        assert {p.relay_status for p in PreRegistration.select()} == {"diterima_loket"}
        assert StatusIssue.select().count() == 0


@pytest.fixture
def three_offices(desa_app, linked_kecamatan, client_as, center):
    enrolled_desa(desa_app, linked_kecamatan, client_as)
    return center, linked_kecamatan, desa_app


def test_forty_forms_through_every_fault_on_both_hops(three_offices, monkeypatch):
    from app.desa import relay
    center, kecamatan, desa = three_offices
    # Its length (issue 93): forty forms, four to an inbox page and small packets, make enough requests on each hop
    # that the seeded plan's 30 % hits every fault kind at least once (asserted at the end).
    numbers = fill_desa(desa, 40)
    monkeypatch.setattr(relay, "INBOX_PAGE", 4)  # short inbox pages: many requests for the faults to hit
    plan = linkproxy.FaultPlan(rate=0.3, seed=17, seconds=0.5)
    proxy = linkproxy.LinkProxy(("127.0.0.1", center.port), faults=plan, seed=17)
    proxy.start()
    try:
        point_at(desa, proxy.url)
        point_at(kecamatan, proxy.url)
        settle([desa, kecamatan], lambda: relayed_numbers(kecamatan) == Counter(numbers), **small_packets())
        accept_all(kecamatan)
        settle([kecamatan, desa], lambda: desa_statuses(desa) == Counter({"diterima_loket": 40}), **small_packets())
        assert_relayed_once(center.app, kecamatan, desa, numbers)
        assert sum(plan.injected.values()) >= 10 and len(plan.injected) == len(linkproxy.FAULT_KINDS), plan.injected
    finally:
        proxy.close()


def sync_process(app, log, *mode):
    return Process(["sync", "--data", str(app.config["DATA_DIR"]), *mode, "--full"], log).start()


def test_killing_each_hop_mid_pass_loses_and_doubles_nothing(three_offices, tmp_path):
    center, kecamatan, desa = three_offices
    rng = random.Random(17)
    # Its length (issue 93): three kills of each hop a round, at 0.3-2.5 s, land at its start, in the manifest, in a
    # packet and in an inbox page; thirty forms keep a pass busy that long.
    numbers = fill_desa(desa, 30)
    try:
        for round_ in range(2):  # round 0: forms up and into the queue; round 1: statuses back
            if round_ == 1:
                accept_all(kecamatan)
            for kill in range(3):
                for app, mode in ((desa, ("--mode", "desa")), (kecamatan, ())):
                    process = sync_process(app, tmp_path / f"sync-{round_}-{kill}.log", *mode)
                    time.sleep(rng.uniform(0.3, 2.5))  # startup, manifest, mid-packet, mid-inbox page ...
                    if rng.random() < 0.5:
                        process.kill()  # the office PC loses power
                    else:
                        center.kill()  # the center dies while answering
                        process.wait()
                        center = CenterServer(center.data_dir, port=center.port).start()
                        center.app = three_offices[0].app
            if round_ == 0:
                settle([desa, kecamatan], lambda: relayed_numbers(kecamatan) == Counter(numbers))
            else:
                settle([kecamatan, desa], lambda: desa_statuses(desa) == Counter({"diterima_loket": 30}))
        assert_relayed_once(center.app, kecamatan, desa, numbers)
    finally:
        center.stop()

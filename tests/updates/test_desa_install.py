"""A real update reaches a desa PC end to end (issue 44, "Done when"): the regency publishes this
tree's wheel at a running center; the desa PC's running server (`run.py serve --mode desa`) learns
of it on its passes with its own device key, through the fault proxy (the release's wheel crosses a
link that breaks, stalls and resets), its admin (the desa PC's one admin account: the policy's
`pembaruan.kelola` row, "Admin" column) finds "Pembaruan Aplikasi" in the menu and applies it with the
button; the server comes back on the new version with the desa's data. A second release that
migrates the desa database and then cannot serve is taken back by the launcher: the desa PC returns
to the version before, with its data as at the switch, and says so on the page.

Real pip builds and installs, real processes: in the full tier only (soak)."""
import pytest

import run
from app.frame.db import database
from tests.sync.harness import CenterServer, Process, enrol_kecamatan, free_port, kecamatan_app, prepare_center, wait_for
from tests.sync.test_end_to_end import wait_until
from tests.updates.helpers import release
from sync.release import key_signing
from tests.updates.helpers import confirm_root
from tests.updates.test_install import BAD, GOOD, Admin, applied_and_taken_back, build_wheel

linkproxy = pytest.importorskip("tests.support.linkproxy", reason="tests/support/linkproxy.py is needed")

pytestmark = pytest.mark.soak
DESA_PASSWORD = "desa-darungan-rahasia-7"


def desa_code(office) -> str:
    """The kecamatan admin's code for the Darungan PC (its page, as in tests/desa)."""
    import re

    from app.auth.accounts import create_user
    from app.firstrun import seed_identity
    from tests.conftest import CsrfClient, sign_in_as
    from tests.desa.conftest import DARUNGAN
    office.test_client_class = CsrfClient
    database.initialize(office.extensions["database"])
    with office.app_context(), office.extensions["database"].connection_context():
        seed_identity("35.08.07")
        admin = create_user("admin-kec", "Admin Kecamatan", "admin", password="admin-rahasia-12",
                            must_change_password=False)[0]
        client = office.test_client()
        sign_in_as(client, admin)
        page = client.post("/admin/operator-desa/kode-komputer", data={"desa": DARUNGAN}).get_data(as_text=True)
    return re.search(r'<code class="enrolment-code">([^<]+)</code>', page).group(1)


def enrolled_desa_pc(desa_dir, code: str, link_url: str, keys) -> int:
    """A desa PC set up as its admin does it: first start, own password, enrolled with the kecamatan's
    code (over the center's own address), then its link pointed at the faulty one. Returns its
    pre-registrations, saved before any update."""
    from app import create_app
    from app.auth.accounts import change_password
    from app.auth.models import User
    from app.firstrun import ensure_admin
    from sync.client.models import SyncLink
    from tests.conftest import CsrfClient, sign_in_as
    from tests.desa.test_relay_faults import fill_desa
    desa = create_app({"DATA_DIR": desa_dir, "SECRET_KEY": "desa-secret", "TESTING": True, "MODE": "desa"})
    desa.test_client_class = CsrfClient
    database.initialize(desa.extensions["database"])
    with desa.app_context(), desa.extensions["database"].connection_context():
        ensure_admin()
        admin = User.get(User.username == "admin")
        change_password(admin, DESA_PASSWORD)
        User.update(must_change_password=False).where(User.id == admin.id).execute()
        client = desa.test_client()
        sign_in_as(client, User.get_by_id(admin.id))
        enrolled = client.post("/admin/komputer-desa", data={"kode": code})
        assert enrolled.status_code == 302, enrolled.get_data(as_text=True)[-2000:]
        with database.atomic():
            SyncLink.update(center_url=link_url).execute()
    confirm_root(desa, desa_dir, key_signing.key_folder_fingerprint(keys))  # the regency's sheet, typed
    return len(fill_desa(desa, 2))


def pre_registrations(desa_dir) -> int:
    from app.frame.db import connect
    connection = connect(desa_dir / "desa.sqlite3", readonly=True)
    try:
        return connection.execute("SELECT count(*) FROM pre_registration").fetchall()[0][0]
    finally:
        connection.close()


def learnt_through_faults(admin: Admin, desa_dir, version: str, log) -> None:
    """Passes of the desa PC (its own `run.py sync`, beside the server's scheduled ones) until the
    release is fetched whole: a broken link postpones, the next pass goes on."""
    for attempt in range(40):
        if f"Pembaruan tersedia: versi {version}" in admin.page():
            return
        Process(["sync", "--mode", "desa", "--data", str(desa_dir)], log.with_name(f"{log.name}-{attempt}")).start().wait()
    raise AssertionError(f"release {version} not learnt through the faulty link:\n{admin.page()[-2000:]}")


def test_an_update_reaches_a_desa_pc_through_faults_and_a_version_that_cannot_start_is_taken_back(tmp_path):
    from app.updates.state import read_selection, read_state
    good = build_wheel(GOOD, tmp_path)
    bad = build_wheel(BAD, tmp_path, broken="start")
    center_dir, keys = tmp_path / "center", tmp_path / "flashdisk" / "kunci"
    office_dir, desa_dir = tmp_path / "kecamatan", tmp_path / "desa-pc"
    _, code = prepare_center(center_dir)
    assert run.main(["release", "keys", "--keys", str(keys), "--root", str(tmp_path / "flashdisk-root")]) == 0
    assert run.main(["release", "install-online-key", "--data", str(center_dir), "--keys", str(keys)]) == 0
    center = CenterServer(center_dir).start()
    plan = linkproxy.FaultPlan(rate=0.3, seed=44, seconds=0.5)
    proxy = linkproxy.LinkProxy(("127.0.0.1", center.port), faults=plan, seed=44)
    proxy.start()
    desa = None
    try:
        office = kecamatan_app(office_dir)
        enrol_kecamatan(office, center.url, code)
        saved = enrolled_desa_pc(desa_dir, desa_code(office), proxy.url, keys)
        release(keys, center_dir, GOOD, "Versi uji untuk desa: formulir F-1.07 baru.", good, tmp_path)

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        desa = Process(["serve", "--mode", "desa", "--data", str(desa_dir), "--port", str(port)],
                       tmp_path / "desa.log").start()
        wait_for(url + "/masuk", timeout=90)
        admin = Admin(url, "admin", DESA_PASSWORD)
        learnt_through_faults(admin, desa_dir, GOOD, tmp_path / "sync-desa")
        assert sum(plan.injected.values()) >= 3, plan.injected  # the link did break on the way
        page = admin.page()
        assert "Versi uji untuk desa: formulir F-1.07 baru." in page
        assert 'href="/admin/pembaruan"' in page  # in the desa admin's menu, with its badge
        assert 'Pembaruan Aplikasi <span class="badge"' in page
        answer = admin.apply()
        assert f"Versi {GOOD} terpasang dan diperiksa pada salinan data" in answer, answer[-3000:]
        wait_until(lambda: admin.running(GOOD), timeout=180, what=f"the desa PC back on {GOOD}")
        assert (desa_dir / "versions" / GOOD / "run.py").exists()
        assert list((desa_dir / "backups").glob(f"sebelum-pembaruan-{GOOD}-*.sqlite3"))
        assert not list(desa_dir.glob("pembaruan-uji*"))
        assert not (desa_dir / "loket.sqlite3").exists()  # the check and the new version kept to the desa's database
        assert pre_registrations(desa_dir) == saved

        # A version that passes the check but cannot serve is taken back, with the desa's data before it.
        release(keys, center_dir, BAD, "Versi yang tidak bisa berjalan.", bad, tmp_path)
        learnt_through_faults(admin, desa_dir, BAD, tmp_path / "sync-desa-2")
        applied_and_taken_back(admin, desa_dir, "desa.sqlite3")
        assert read_selection(desa_dir)["version"] == GOOD
        assert BAD in read_state(desa_dir)["failed_versions"]
        assert pre_registrations(desa_dir) == saved
    finally:
        if desa:
            desa.stop()
        proxy.close()
        center.stop()

"""Releases rolled out in rings, watched from the center (issue 60): the regency admin marks pilot PCs
on the Rilis Pembaruan page; a release published while there are pilots reaches them first (the
pilots' timestamp), the others keep everyone's; each pilot's report after the update shows on the
page; "Terbitkan untuk semua komputer" moves everyone's timestamp on. No PC is ever handed an older
timestamp or snapshot than one it saw (a pilot taken out of the ring, the daily re-signing); a USB
copy carries everyone's; publishing, marking and releasing are audited."""
import json
import re
from types import SimpleNamespace

import pytest
from peewee import fn

import run
from app.updates import fetching
from app.updates.state import read_state, write_state
from sync import protocol
from sync.release import key_signing
from sync.client.transport import CenterClient, Refused
from tests.sync.harness import enrol_kecamatan, kecamatan_app
from tests.sync.test_end_to_end import signed_in
from tests.updates.helpers import Regency, RegencyCenter, confirm_root
from tests.support.factory import kecamatan_row

PILOT_KECAMATAN = "35.08.08"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
HEALTH = {"version": "9.1.0", "walk": "gagal", "pages": 41, "failed": ["/pendaftaran (500)"],
          "at": "2026-11-27T08:10:00+00:00", "errors_since": 3}


class RolloutCenter(RegencyCenter):
    """The regency's side of the rollout tests: RegencyCenter with the pilots' kecamatan (35.08.08) and the
    regency admin's account. Made once per test file (`shared_rollout`); reset() also revokes the keys of
    the PCs earlier tests enrolled, as an admin retires old PCs, so that each test's two PCs are the
    regency's only ones (the pilots' table, the rings and the fleet count no one else)."""

    def __init__(self, folder, database_url=None):
        super().__init__(folder, database_url)
        from sync.center.accounts import create_operator
        with self.center_db():
            kecamatan_row(PILOT_KECAMATAN, "Kunir")
            create_operator("kabupaten", "Admin Kabupaten", "admin", password="admin-rahasia-12",
                            must_change_password=False)

    def reset(self) -> str:
        from sync.center import keys
        from sync.center.models import DeviceKey, Kecamatan
        code = super().reset()
        with self.center_db():
            for key in DeviceKey.select(DeviceKey, Kecamatan).join(Kecamatan).where(DeviceKey.revoked_at.is_null()):
                keys.revoke(key)
        return code


class Rollout(Regency):
    """The regency (its office in 35.08.07), a second office in 35.08.08 that becomes the pilot, and
    the regency admin signed in at the center. `shared`: the file's RolloutCenter (reset); without it,
    a center of the test's own. The audit is read from the test's start on (audit())."""

    def __init__(self, tmp_path, database_url=None, shared: RolloutCenter | None = None):
        self.regency = shared or RolloutCenter(tmp_path, database_url)
        super().__init__(tmp_path, shared=self.regency)
        self.owned = shared is None
        from sync.center import keys
        from sync.center.models import CenterAudit, Kecamatan
        with self.center_db():
            code = keys.new_enrolment_code(Kecamatan.get(Kecamatan.code == PILOT_KECAMATAN))
            self.audit_from = CenterAudit.select(fn.MAX(CenterAudit.id)).scalar() or 0
        self.pilot_dir = tmp_path / "kecamatan-uji"
        self.pilot = kecamatan_app(self.pilot_dir)
        enrol_kecamatan(self.pilot, self.center.url, code, kecamatan_code=PILOT_KECAMATAN)
        from sync.client import engine
        self.pilot_key_id = within(self.pilot, engine.current_link).key_id
        confirm_root(self.pilot, self.pilot_dir, self.fingerprint())
        self.admin = signed_in(self.center.url, "kabupaten", "admin-rahasia-12", "/masuk")

    def center_db(self):
        return self.regency.center_db()

    def sync(self):
        return within(self.office, sync_once)

    def sync_pilot(self):
        return within(self.pilot, sync_once)

    def pilot_key(self):
        """The center's row of this test's pilot (the key its enrolment got)."""
        from sync.center.models import DeviceKey
        with self.center_db():
            return DeviceKey.get(DeviceKey.key_id == self.pilot_key_id)

    def audit(self) -> list[tuple]:
        """The center's release and pilot rows written since this test's regency was set up."""
        from sync.center.models import CenterAudit
        with self.center_db():
            return [(row.username, row.action, row.entity_id, row.summary)
                    for row in CenterAudit.select().where(CenterAudit.id > self.audit_from).order_by(CenterAudit.id)
                    if row.action in ("terbit", "terbit_semua", "komputer_uji", "keluar_komputer_uji")]

    def pilot_label(self) -> str:
        """The pilot as the center names it (its device code the center's, P1 for the regency's first)."""
        return f"Kunir ({PILOT_KECAMATAN}), loket kecamatan, perangkat {self.pilot_key().device_code}"

    def page(self, path="/admin/rilis") -> str:
        response = self.admin.get(self.center.url + path)
        assert response.status_code == 200, response.text[:500]
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
        assert "<script>" not in response.text and " onclick=" not in response.text
        return response.text

    def press(self, action: str, **fields):
        token = TOKEN.search(self.page()).group(1)
        return self.admin.post(self.center.url + action, data={"csrf_token": token, **fields})

    def make_pilot(self, pilot: bool):
        return self.press("/admin/rilis/komputer-uji", key=str(self.pilot_key().id), pilot="1" if pilot else "0")


def within(kec_app, fn):
    """fn() against this PC's database (the models' proxy points at one database at a time)."""
    from app.frame.db import database
    database.initialize(kec_app.extensions["database"])
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        return fn()


def sync_once():
    from sync.client import engine
    return engine.sync_once()


@pytest.fixture(scope="module")
def shared_rollout(tmp_path_factory):
    """One rollout regency per test file (keys, online key, a real center process, the admin), handed to
    each test's Rollout reset, with two offices of the test's own."""
    made = RolloutCenter(tmp_path_factory.mktemp("kabupaten"))
    yield made
    made.stop()


@pytest.fixture
def rollout(tmp_path, shared_rollout):
    made = Rollout(tmp_path, shared=shared_rollout)
    yield made
    made.stop()


def app_wheel(version: str) -> list[str]:
    return [f"loket_kecamatan-{version}-py3-none-any.whl"]


def offered(data_dir) -> tuple:
    state = read_state(data_dir)
    return (state.get("available") or {}).get("version"), state.get("refused")


@pytest.mark.slow
def test_a_release_reaches_the_pilots_first_and_everyone_once_the_admin_releases_it(rollout, capsys):
    rollout.publish("9.0.0", "Rilis untuk semua.", app_wheel("9.0.0"))  # no pilot yet: everyone's at once
    assert "terbit untuk semua komputer (belum ada komputer uji)" in capsys.readouterr().out
    rollout.sync(), rollout.sync_pilot()
    assert offered(rollout.office_dir) == offered(rollout.pilot_dir) == ("9.0.0", None)

    marked = rollout.make_pilot(True)
    assert marked.status_code == 200 and "menjadi komputer uji" in marked.text
    rollout.publish("9.1.0", "Rilis uji: pengaduan per desa.", app_wheel("9.1.0"))
    assert "Rilis 9.1.0 terbit untuk 1 komputer uji" in capsys.readouterr().out
    rollout.sync(), rollout.sync_pilot()
    assert offered(rollout.office_dir) == ("9.0.0", None)  # everyone's timestamp stays on 9.0.0
    assert offered(rollout.pilot_dir) == ("9.1.0", None)
    # The stick the center writes for an office without a link carries everyone's release: 9.0.0 there too.
    stick = rollout.tmp / "flashdisk" / "pembaruan"
    assert run.main(["release", "usb", "--data", str(rollout.center_dir), "--to", str(stick)]) == 0
    assert fetching.check_source(rollout.office_dir, fetching.FolderSource(stick))["available"]["version"] == "9.0.0"

    # The pilot's report after its update, as its update walk writes it, reaches the center on its next pass.
    write_state(rollout.pilot_dir, health=HEALTH)
    assert not rollout.sync_pilot().error
    page = rollout.page()
    row = page[page.index('id="daftar-rilis"'):]
    assert re.search(r"<td>9\.1\.0 \(terbaru\)</td>.*?Komputer uji saja.*?Terbitkan untuk semua komputer", row, re.S)
    assert re.search(r"<td>9\.0\.0</td>.*?<td>Semua komputer</td>", row, re.S)
    assert re.search(r"<td>\d{1,2} \w+ \d{4} \d\d\.\d\d WIB</td>", row)  # signed, in the center's zone
    pilots = page[page.index('id="komputer-uji"'):]
    pilots = pilots[:pilots.index("</table>")]
    assert "Kunir (35.08.08), loket kecamatan" in pilots and "Yosowilangun" not in pilots
    assert "<strong>gagal</strong>: versi 9.1.0, 41 halaman" in pilots and "/pendaftaran (500)" in pilots
    assert "27 November 2026 15.10 WIB" in pilots  # the walk's moment in the office's zone
    assert "<td>3 <span class=\"muted\">(versi 9.1.0)</span></td>" in pilots  # errors since the update
    assert "belum pernah" not in pilots  # its last pass is shown
    kecamatans = rollout.page("/admin/kecamatan")
    assert "pemeriksaan setelah pembaruan ke 9.1.0: gagal (41 halaman, gagal: /pendaftaran (500)), 3 galat" in kecamatans
    assert "Rilis 9.1.0 sedang diuji di komputer uji." in kecamatans

    # The pilot failed it: the button asks first, naming it, and goes on only when confirmed (issue 69 finding 4).
    action = f"/admin/rilis/{key_signing.ring_releases(rollout.repository())['uji']}/semua"
    asked = rollout.press(action)
    assert asked.status_code == 200 and "belum lulus dengan rilis 9.1.0" in asked.text
    assert "Kunir (35.08.08), loket kecamatan" in asked.text and 'name="konfirmasi" value="ya"' in asked.text
    assert key_signing.ring_releases(rollout.repository())["semua"] == 1  # nothing released yet
    released = rollout.press(action, konfirmasi="ya")
    assert released.status_code == 200 and "Rilis 9.1.0 diterbitkan untuk semua komputer" in released.text
    rollout.sync(), rollout.sync_pilot()
    assert offered(rollout.office_dir) == offered(rollout.pilot_dir) == ("9.1.0", None)
    assert "Terbitkan untuk semua komputer</button>" not in rollout.page()
    assert [(user, action, version) for user, action, version, _ in rollout.audit()] == [
        ("run.py release publish", "terbit", "9.0.0"), ("kabupaten", "komputer_uji", rollout.pilot_key().key_id),
        ("run.py release publish", "terbit", "9.1.0"), ("kabupaten", "terbit_semua", "9.1.0")]
    assert rollout.audit()[2][3] == "Rilis 9.1.0 (targets versi 2) terbit untuk 1 komputer uji"
    assert rollout.audit()[3][3].endswith(f"dikonfirmasi walaupun komputer uji belum lulus: {rollout.pilot_label()} (gagal)")


@pytest.mark.slow
def test_a_pilot_taken_out_of_the_ring_is_never_handed_an_older_timestamp(rollout):
    from sync.center.updates import refresh_timestamp
    rollout.publish("9.0.0", "Rilis untuk semua.", app_wheel("9.0.0"))
    rollout.make_pilot(True)
    rollout.publish("9.1.0", "Rilis uji.", app_wheel("9.1.0"))
    rollout.sync_pilot()
    assert offered(rollout.pilot_dir) == ("9.1.0", None)

    taken_out = rollout.make_pilot(False)
    assert "bukan lagi komputer uji" in taken_out.text and "tetap menerima rilis uji" in taken_out.text
    # Everyone's timestamp (9.0.0, an older version) would be refused by its TUF as a replay.
    rollout.sync_pilot()
    assert offered(rollout.pilot_dir) == ("9.1.0", None)
    assert "Sudah dikeluarkan dari komputer uji" in rollout.page()
    # The daily job signs both timestamps on one counter: nobody goes back.
    before = {ring: key_signing.timestamp_of(rollout.repository(), ring)["version"] for ring in ("semua", "uji")}
    refresh_timestamp(SimpleNamespace(config={"DATA_DIR": rollout.center_dir}))
    after = {ring: key_signing.timestamp_of(rollout.repository(), ring)["version"] for ring in ("semua", "uji")}
    assert after["semua"] > max(before.values()) and after["uji"] > after["semua"]
    rollout.sync(), rollout.sync_pilot()
    assert offered(rollout.office_dir) == ("9.0.0", None) and offered(rollout.pilot_dir) == ("9.1.0", None)
    assert rollout.pilot_key().served_timestamp == after["uji"]

    rollout.press(f"/admin/rilis/{key_signing.ring_releases(rollout.repository())['uji']}/semua", konfirmasi="ya")
    rollout.sync(), rollout.sync_pilot()
    assert offered(rollout.office_dir) == offered(rollout.pilot_dir) == ("9.1.0", None)
    everyone = key_signing.timestamp_of(rollout.repository(), "semua")
    assert rollout.pilot_key().served_timestamp == everyone["version"]  # back on everyone's
    assert "Sudah dikeluarkan dari komputer uji" not in rollout.page()
    # Made a pilot again, it takes the pilots' timestamp once it is newer than everyone's (the next signing).
    rollout.make_pilot(True)
    refresh_timestamp(SimpleNamespace(config={"DATA_DIR": rollout.center_dir}))
    rollout.sync_pilot()
    assert offered(rollout.pilot_dir) == ("9.1.0", None)
    assert rollout.pilot_key().served_timestamp == key_signing.timestamp_of(rollout.repository(), "uji")["version"]


@pytest.mark.slow
def test_the_admins_ring_actions_refuse_what_cannot_be_done_in_indonesian(rollout):
    rollout.publish("9.0.0", "Rilis untuk semua.", app_wheel("9.0.0"))
    again = rollout.press("/admin/rilis/1/semua")
    assert "sudah terbit untuk semua komputer: tidak ada yang berubah" in again.text
    unknown = rollout.press("/admin/rilis/77/semua")
    assert "Rilis itu tidak ada di repositori pusat ini" in unknown.text
    nobody = rollout.press("/admin/rilis/komputer-uji", key="", pilot="1")
    assert nobody.status_code == 422 and 'href="#f-key"' in nobody.text
    assert "Pilih komputer yang terdaftar dan kuncinya masih berlaku." in nobody.text
    operator = signed_in(rollout.center.url, "operator", "operator-rahasia-1", "/masuk")
    token = TOKEN.search(operator.get(rollout.center.url + "/").text).group(1)
    refused = operator.post(rollout.center.url + "/admin/rilis/komputer-uji",
                            data={"csrf_token": token, "key": str(rollout.pilot_key().id), "pilot": "1"})
    assert refused.status_code == 403 and rollout.pilot_key().pilot_since is None
    no_token = rollout.admin.post(rollout.center.url + "/admin/rilis/komputer-uji",
                                  data={"key": str(rollout.pilot_key().id), "pilot": "1"})
    assert no_token.status_code == 400 and rollout.pilot_key().pilot_since is None


@pytest.mark.slow
def test_the_update_report_is_bounded_and_validated(rollout):
    from sync.center.updates import MAX_HEALTH_BYTES
    from sync.client import engine
    link = within(rollout.pilot, engine.current_link)
    client = CenterClient(link.center_url, link.key_id, link.secret)
    path = protocol.API_PREFIX + "/updates/health"
    for bad, message in ((dict(HEALTH, walk="ok"), "harus 'lulus', 'gagal' atau kosong"),
                         (dict(HEALTH, version="10.0/../../KORBAN"), "versi tidak sah"),
                         (dict(HEALTH, pages=-1), "bilangan bulat tidak negatif"),
                         (dict(HEALTH, errors_since=True), "bilangan bulat tidak negatif"),
                         (dict(HEALTH, failed=["/x"] * 51), "paling banyak 50"),
                         (dict(HEALTH, at="kemarin"), "waktu pemeriksaan tidak sah"),
                         ([HEALTH], "objek JSON")):
        with pytest.raises(Refused) as refused:
            client.call_json("POST", path, bad)
        assert refused.value.status == 400 and message in str(refused.value), bad
    with pytest.raises(Refused) as refused:
        client.call_json("POST", path, dict(HEALTH, failed=["/" + "x" * 290] * 50, pad="x" * MAX_HEALTH_BYTES))
    assert refused.value.status == 413 and "terlalu besar" in str(refused.value)
    assert rollout.pilot_key().update_health == ""
    assert client.call_json("POST", path, dict(HEALTH, failed=[{"path": "/pendaftaran", "status": 500}])) == {
        "stored": True}
    stored = json.loads(rollout.pilot_key().update_health)
    assert stored["failed"] == ["/pendaftaran 500"] and stored["walk"] == "gagal"
    assert stored["at"] == "2026-11-27T08:10:00"  # in UTC, as every moment at the center
    # Errors counted before the new version's walk ran (app/updates/state.ErrorCount): no walk, no moment yet.
    assert client.call_json("POST", path, dict(HEALTH, walk=None, at=None, pages=0, errors_since=2)) == {
        "stored": True}
    assert "pemeriksaan setelah pembaruan ke 9.1.0: belum diperiksa, 2 galat" in rollout.page("/admin/kecamatan")


@pytest.mark.slow
def test_the_first_release_of_a_regency_with_pilots_is_nothing_yet_for_the_others(rollout):
    """Pilots marked before anything was published: the others have no timestamp of their ring yet, which is
    no refusal on their update page (their probe's `release` is null: the pass asks nothing)."""
    rollout.make_pilot(True)
    rollout.publish("9.0.0", "Rilis pertama, untuk komputer uji.", app_wheel("9.0.0"))
    assert key_signing.timestamp_of(rollout.repository(), "semua") is None
    rollout.sync(), rollout.sync_pilot()
    assert offered(rollout.office_dir) == (None, None)
    assert read_state(rollout.office_dir).get("checked_at")
    assert offered(rollout.pilot_dir) == ("9.0.0", None)
    rollout.press(f"/admin/rilis/{key_signing.ring_releases(rollout.repository())['uji']}/semua", konfirmasi="ya")
    rollout.sync()
    assert offered(rollout.office_dir) == ("9.0.0", None)


def test_a_signing_lock_left_by_a_cut_is_taken_over(tmp_path):
    """Both timestamps count on one counter, so one process signs at a time (a lock file, made the same
    way on Windows and Linux); one left by a process that died does not stop the next release."""
    import os
    import time
    keys = key_signing.create_keys(tmp_path / "kunci")
    wheels = tmp_path / "wheels"
    from tests.updates.helpers import fake_wheel
    fake_wheel(wheels, "loket_kecamatan-9.0.0-py3-none-any.whl", 1000)
    bundle = key_signing.sign_release(keys, "9.0.0", "Rilis.", sorted(wheels.glob("*.whl")), tmp_path / "paket")
    repository = tmp_path / "repo"
    lock = repository / key_signing.SIGNING_LOCK
    lock.parent.mkdir(parents=True)
    lock.write_bytes(b"")
    old = time.time() - key_signing.SIGNING_STALE_SECONDS - 5
    os.utime(lock, (old, old))
    assert key_signing.publish(bundle, repository, keys / "online.pem")["version"] == "9.0.0"
    assert not lock.exists() and key_signing.timestamp_of(repository, "semua")["version"] == 2

"""A rollout seen from the center's Kecamatan page and over the link (issue 60): the sentence about
versions compares each PC's reported version with the newest release published to everyone (finding
7: "Semua komputer yang sudah melapor memakai versi ini" (0.1.0) beside three PCs at 0.2.0); a PC of
the previous protocol syncs while a release is with the pilots; an office's report after its update
goes to a center that takes it, once, and is never sent to a center that does not."""
import json
from pathlib import Path

import pytest

from app.frame.dates import utc_now
from app.updates.state import write_state
from sync import protocol
from sync.release import key_signing
from sync.center import keys
from sync.center.db import center_database
from sync.center.models import DeviceKey
from sync.center.release_commands import online_key_of, repository_of
from sync.client import engine
from sync.client.transport import CenterClient
from tests.sync.test_center_pages import client_as, operators  # noqa: F401  fixtures
from tests.sync.test_client import FlaskSession, client_of, kecamatan, run  # noqa: F401  fixtures
from tests.sync.test_protocol_versions import center_photos, office_photos, previous_client
from tests.updates.helpers import fake_wheel

HEALTH = {"version": "0.2.0", "walk": "lulus", "pages": 38, "failed": [], "at": "2026-11-27T08:10:00+07:00",
          "errors_since": 0}


def signed(center_app, version: str) -> Path:
    """A release bundle signed with a key folder beside the center (whose online key is installed), as
    `run.py release sign` makes it."""
    data_dir = Path(center_app.config["DATA_DIR"])
    key_folder = data_dir.parent / "kunci-rilis"
    if not key_folder.exists():
        key_signing.create_keys(key_folder)
        online_key_of(data_dir).parent.mkdir(parents=True, exist_ok=True)
        online_key_of(data_dir).write_bytes((key_folder / "online.pem").read_bytes())
    wheels = data_dir.parent / f"wheels-{version}"
    fake_wheel(wheels, f"loket_kecamatan-{version}-py3-none-any.whl", 1000)
    return key_signing.sign_release(key_folder, version, "Catatan rilis.", sorted(wheels.glob("*.whl")),
                                 data_dir.parent / f"paket-{version}")


def published(center_app, version: str, to_everyone: bool = True) -> None:
    """A release published into the center's repository (to everyone, or to the pilots only)."""
    data_dir = Path(center_app.config["DATA_DIR"])
    key_signing.publish(signed(center_app, version), repository_of(data_dir), online_key_of(data_dir),
                     to_everyone=to_everyone)


def pcs_reporting(center_app, kecamatan_row, versions: list[str], monkeypatch) -> None:
    """One enrolled PC per version, each making a signed request that reports it."""
    for version in versions:
        _, key = keys.enrol(kecamatan_row.code, keys.new_enrolment_code(kecamatan_row), "01")
        monkeypatch.setattr("sync.client.transport.APP_VERSION", version)
        CenterClient("http://center", key.key_id, key.secret, session=FlaskSession(center_app)).probe()


def sentence(center_app, admin) -> str:
    page = client_as(center_app, admin).get("/admin/kecamatan").get_data(as_text=True)
    found = page[page.index('<p id="versi-perangkat">'):]
    return " ".join(found[:found.index("</p>")].split())


def test_the_versions_sentence_compares_with_the_newest_release_published_to_everyone(
        center_app, center_db, enrolled, operators, monkeypatch):  # noqa: F811
    kecamatan_row, _ = enrolled
    monkeypatch.setattr("sync.center.views.APP_VERSION", "0.1.0")  # the center not updated yet
    pcs_reporting(center_app, kecamatan_row, ["0.2.0", "0.2.0", "0.2.0"], monkeypatch)
    said = sentence(center_app, operators["admin"])
    assert "Semua" not in said  # was: "Semua komputer yang sudah melapor memakai versi ini" (0.1.0)
    assert "Belum ada rilis yang terbit untuk semua komputer." in said
    assert "Komputer yang sudah melapor: 3 memakai versi 0.2.0." in said
    assert "1 komputer belum melaporkan versinya." in said  # the fixture's key, never used

    published(center_app, "0.2.0")
    pcs_reporting(center_app, kecamatan_row, ["0.1.0"], monkeypatch)
    said = sentence(center_app, operators["admin"])
    assert "Semua" not in said
    assert "Rilis terbaru untuk semua komputer: 0.2.0." in said
    assert "Komputer yang sudah melapor: 3 memakai versi 0.2.0, 1 memakai versi 0.1.0." in said
    assert "<strong>1 komputer perlu diperbarui</strong>" in said
    page = client_as(center_app, operators["admin"]).get("/admin/kecamatan").get_data(as_text=True)
    assert page.count("<strong>perlu diperbarui</strong>") == 1
    assert "versi 0.1.0, protokol 7</span> <strong>perlu diperbarui</strong>" in page

    published(center_app, "0.3.0", to_everyone=False)  # with the pilots: nobody needs it yet
    DeviceKey.update(app_version="0.2.0").where(DeviceKey.app_version == "0.1.0").execute()
    DeviceKey.update(revoked_at=utc_now()).where(DeviceKey.protocol_version == 0).execute()
    said = sentence(center_app, operators["admin"])
    assert "Rilis 0.3.0 sedang diuji di komputer uji." in said
    assert "perlu diperbarui" not in said
    assert "Semua komputer yang sudah melapor memakai versi 0.2.0." in said


def _rollout(center_app, monkeypatch) -> None:
    """A release with the pilots (this office's PC among them), another one released to everyone."""
    published(center_app, "9.0.0")
    DeviceKey.update(pilot_since=DeviceKey.created_at).execute()
    published(center_app, "9.1.0", to_everyone=False)


def test_an_office_of_the_previous_protocol_syncs_during_a_rollout(kecamatan, center_app, center_db,
                                                                   monkeypatch):  # noqa: F811
    _rollout(center_app, monkeypatch)
    session = FlaskSession(center_app)
    previous = previous_client(center_app)
    previous.session = session
    report = run(kecamatan, lambda: engine.sync_once(client=previous))
    assert (report.sent, report.error) == (3, ""), report
    assert center_photos() == run(kecamatan, office_photos)
    assert DeviceKey.get().protocol_version == 6
    assert "/api/v1/updates/health" not in session.paths  # it has no report to make


def test_the_report_after_an_update_goes_once_to_a_center_that_takes_it(kecamatan, center_app, center_db,
                                                                        monkeypatch):  # noqa: F811
    _rollout(center_app, monkeypatch)
    run(kecamatan, lambda: write_state(kecamatan.config["DATA_DIR"], health=HEALTH))
    session = FlaskSession(center_app)
    assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app, session))).error == ""
    assert session.paths.count("/api/v1/updates/health") == 1
    assert json.loads(DeviceKey.get().update_health)["pages"] == 38
    again = FlaskSession(center_app)
    assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app, again))).error == ""
    assert "/api/v1/updates/health" not in again.paths  # the same report is not sent twice


@pytest.mark.parametrize("center", ["previous", "answers 404"])
def test_an_office_of_this_version_syncs_with_a_center_without_update_reports(kecamatan, center_app, center_db,
                                                                              center):  # noqa: F811
    from flask import g, jsonify
    from sync.center.routes import error_answer
    if center == "previous":  # the previous center's probe: releases, no update reports
        def probe_of_the_previous_center():
            return jsonify({"center": "Pusat", "kecamatan_code": g.kecamatan.code, "protocol": 7, "min_protocol": 6,
                            "photo_codecs": list(protocol.PHOTO_CODECS), "release": None})
        center_app.view_functions["center_api.probe"] = probe_of_the_previous_center
    else:
        center_app.view_functions["center_api.update_health"] = lambda: error_answer(404, "not_found", "tidak ada")
    run(kecamatan, lambda: write_state(kecamatan.config["DATA_DIR"], health=HEALTH))
    session = FlaskSession(center_app)
    report = run(kecamatan, lambda: engine.sync_once(client=client_of(center_app, session)))
    assert (report.sent, report.error) == (3, ""), report
    assert center_photos() == run(kecamatan, office_photos)
    assert session.paths.count("/api/v1/updates/health") == (0 if center == "previous" else 1)
    assert DeviceKey.get().update_health == ""


def test_a_pc_that_takes_over_a_pilots_code_keeps_its_ring_and_never_goes_back(center_app, center_db, enrolled):
    """A backup of a pilot restored on another PC (keys.replace_device): the new key is a pilot too, and is
    handed no timestamp older than the one the old key was handed."""
    from sync.center.updates import ring_timestamp
    published(center_app, "9.0.0")
    DeviceKey.update(pilot_since=utc_now()).execute()
    published(center_app, "9.1.0", to_everyone=False)
    repository = repository_of(center_app.config["DATA_DIR"])
    timestamps = {ring: key_signing.timestamp_of(repository, ring) for ring in (key_signing.EVERYONE, key_signing.PILOT)}
    pilot = timestamps[key_signing.PILOT]
    DeviceKey.update(served_timestamp=pilot["version"], served_snapshot=pilot["snapshot"]).execute()
    with center_database.atomic():  # replace_device asks for its caller's transaction (api.replace, audited)
        successor = keys.replace_device(DeviceKey.get(), "mesin-pengganti")
    assert successor.pilot_since is not None and successor.served_timestamp == pilot["version"]
    DeviceKey.update(pilot_since=None).where(DeviceKey.id == successor.id).execute()  # then taken out
    assert ring_timestamp(timestamps, DeviceKey.get_by_id(successor.id)) is timestamps[key_signing.PILOT]


def test_publishing_is_audited_in_the_centers_own_database(center_app, center_db, enrolled, monkeypatch, capsys):
    """Finding 3: `run.py release publish` wrote no audit row. It writes one where the center keeps its
    data (the data folder's SQLite, or LOKET_CENTER_DATABASE_URL's PostgreSQL), naming the version, the
    targets version and the ring."""
    import run
    from sync.center.db import center_database
    from sync.center.models import CenterAudit
    if center_app.config.get("DATABASE_URL"):
        monkeypatch.setenv("LOKET_CENTER_DATABASE_URL", center_app.config["DATABASE_URL"])
    else:
        monkeypatch.delenv("LOKET_CENTER_DATABASE_URL", raising=False)
    data = str(center_app.config["DATA_DIR"])

    def publish(version):
        assert run.main(["release", "publish", "--data", data, "--bundle", str(signed(center_app, version))]) == 0
        center_database.initialize(center_app.extensions["center_database"])  # the command opened its own
        return [(row.username, row.entity, row.entity_id, row.summary)
                for row in CenterAudit.select().where(CenterAudit.action == "terbit").order_by(CenterAudit.id)]

    assert publish("9.0.0") == [("run.py release publish", "rilis", "9.0.0",
                                 "Rilis 9.0.0 (targets versi 1) terbit untuk semua komputer (belum ada komputer uji)")]
    DeviceKey.update(pilot_since=utc_now()).execute()
    assert publish("9.1.0")[-1] == ("run.py release publish", "rilis", "9.1.0",
                                    "Rilis 9.1.0 (targets versi 2) terbit untuk 1 komputer uji")
    assert "Rilis 9.1.0 terbit untuk 1 komputer uji" in capsys.readouterr().out


def test_a_release_to_everyone_has_its_own_line_and_is_refused_without_it(center_app, center_db, enrolled,
                                                                          monkeypatch):  # noqa: F811
    """Issue 91, finding 2: releasing to everyone changes no row but its line (the repository's timestamp
    moves): the act's declaration asks for its line when it returns, in the fast tier."""
    from app.frame.audit_rule import ActWithoutLine
    from sync.center import updates
    from sync.center.models import CenterAudit
    _rollout(center_app, monkeypatch)
    data_dir = Path(center_app.config["DATA_DIR"])
    pilots_only = key_signing.ring_releases(repository_of(data_dir))["uji"]
    with monkeypatch.context() as without_its_line:
        without_its_line.setattr(updates, "audit", lambda *args, **kwargs: None)
        with pytest.raises(ActWithoutLine, match="sync/center/updates.py:_release_to_everyone"):
            updates._release_to_everyone(data_dir, pilots_only, [])
    published(center_app, "9.2.0", to_everyone=False)
    release = updates._release_to_everyone(data_dir, key_signing.ring_releases(repository_of(data_dir))["uji"], [])
    assert [(row.entity_id, row.summary) for row in CenterAudit.select().where(CenterAudit.action == "terbit_semua")] \
        == [(release["version"], f"Rilis {release['version']} (targets versi {release['targets_version']}) "
                                 "diterbitkan untuk semua komputer")]

"""The center speaks the current and the previous protocol version, so a regency updates its PCs over
weeks: a PC one version behind syncs without loss, every PC's versions show on the center's page with
the ones that still need the update, and a PC too old is told in Indonesian to update and keeps its
outbox until it is."""
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import io
from pathlib import Path

import pytest

from app.frame.version import APP_VERSION
from app.registration.models import Application, ApplicationPhoto
from sync import protocol
from sync.center.models import DeviceKey, ReceivedApplication
from sync.client import engine
from sync.client.models import OutboxItem, SyncLink
from sync.client.transport import CenterClient
from tests.sync.harness import ROOT, CenterServer, prepare_center
from tests.sync.test_center_pages import client_as, operators  # noqa: F401  fixtures
from tests.sync.test_client import FlaskSession, client_of, kecamatan, run  # noqa: F401  fixtures

# The last commit whose office spoke protocol 6 (before every request reported its versions).
PROTOCOL_6_COMMIT = "032ea7891a891f187bb799ce11af9c3af015869d"


class PreviousProtocolClient(CenterClient):
    """An office of protocol 6: the same requests, without the versions report protocol 7 added, and without
    the health report (0.3.0's: the center names the version a PC runs from it)."""

    def signed_headers(self, *args, **kwargs):
        headers, ticket = super().signed_headers(*args, **kwargs)
        headers.pop(protocol.VERSION_HEADER)
        return headers, ticket

    def agree(self, answer: dict) -> int:
        return super().agree({name: value for name, value in answer.items() if name != "fleet_report"})


def previous_client(center_app) -> CenterClient:
    current = engine.current_link()
    return PreviousProtocolClient(current.center_url, current.key_id, current.secret, session=FlaskSession(center_app))


def office_photos() -> dict:
    return {a.registration_number: bytes(ApplicationPhoto.get(ApplicationPhoto.application == a).jpeg)
            for a in Application.select()}


def center_photos() -> dict:
    return {r.registration_number: bytes(r.photo) for r in ReceivedApplication.select()}


def test_the_center_takes_the_current_and_the_previous_protocol():
    assert protocol.MIN_PROTOCOL_VERSION == protocol.PROTOCOL_VERSION - 1
    assert protocol.reported_version({}) == (6, "")
    assert protocol.reported_version({protocol.VERSION_HEADER: protocol.version_report("0.2.0")}) == (
        protocol.PROTOCOL_VERSION, "0.2.0")
    assert protocol.reported_version({protocol.VERSION_HEADER: "tujuh"}) == (0, "")


def test_an_office_of_the_previous_protocol_syncs_without_loss_and_shows_as_needing_the_update(
        kecamatan, center_app, center_db, operators):  # noqa: F811
    report = run(kecamatan, lambda: engine.sync_once(client=previous_client(center_app)))
    assert (report.sent, report.error) == (3, ""), report
    taken = run(kecamatan, office_photos)
    assert center_photos() == taken and len(taken) == 3
    key = DeviceKey.get()
    assert (key.protocol_version, key.app_version) == (6, "")
    page = client_as(center_app, operators["admin"]).get("/admin/kecamatan").get_data(as_text=True)
    assert "versi tidak dilaporkan, protokol 6</span> <strong>perlu diperbarui</strong>" in page
    assert "<strong>1 komputer perlu diperbarui</strong>" in page


def test_a_current_office_reports_its_versions_and_needs_no_update(kecamatan, center_app, center_db,
                                                                    operators):  # noqa: F811
    report = run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))
    assert (report.sent, report.error) == (3, ""), report
    key = DeviceKey.get()
    assert (key.protocol_version, key.app_version) == (protocol.PROTOCOL_VERSION, APP_VERSION)
    page = client_as(center_app, operators["admin"]).get("/admin/kecamatan").get_data(as_text=True)
    assert f"versi {APP_VERSION}, protokol {protocol.PROTOCOL_VERSION}</span> " in page
    # Nothing published: no version to compare with, and no "Semua ... memakai versi ini" (issue 60, finding 7).
    assert "perlu diperbarui</strong>" not in page and "Semua komputer" not in page
    assert f"Komputer yang sudah melapor: 1 memakai versi {APP_VERSION}." in page


def test_an_office_on_an_older_app_version_is_marked_as_needing_the_update(kecamatan, center_app, center_db,
                                                                            operators, monkeypatch):  # noqa: F811
    from tests.sync.test_rollout import published
    published(center_app, APP_VERSION)  # the release it needs
    monkeypatch.setattr("sync.client.transport.APP_VERSION", "0.0.9")
    monkeypatch.setattr("app.updates.versions.current_version", lambda data_dir: "0.0.9")  # its report's too
    assert run(kecamatan, lambda: engine.sync_once(client=client_of(center_app))).error == ""
    page = client_as(center_app, operators["admin"]).get("/admin/kecamatan").get_data(as_text=True)
    assert f"versi 0.0.9, protokol {protocol.PROTOCOL_VERSION}</span> <strong>perlu diperbarui</strong>" in page


def test_an_office_too_old_for_the_center_is_told_to_update_and_keeps_its_outbox(kecamatan, center_app, center_db,
                                                                                 monkeypatch):
    # The center one version on (it takes 7 and 8); this office still speaks 6.
    monkeypatch.setattr(protocol, "MIN_PROTOCOL_VERSION", protocol.PROTOCOL_VERSION)

    def waiting():
        return sorted((i.registration_number, i.state, i.attempts) for i in OutboxItem.select().where(
            OutboxItem.kind == "permohonan"))

    before = run(kecamatan, waiting)
    report = run(kecamatan, lambda: engine.sync_once(client=previous_client(center_app)))
    assert report.sent == 0
    assert report.error.startswith("Aplikasi Loket di komputer ini (versi lama, protokol 6) terlalu lama untuk komputer "
                                   "pusat, yang menerima protokol 7 ke atas. Perbarui aplikasi Loket")
    assert run(kecamatan, waiting) == before and {state for _, state, _ in before} == {"pending"}
    assert run(kecamatan, lambda: SyncLink.get().last_error) == report.error  # what the Sinkronisasi page shows
    assert ReceivedApplication.select().count() == 0
    assert DeviceKey.get().protocol_version == 6  # the regency sees which PC waits for the update
    # Updated, the office sends everything it kept.
    report = run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))
    assert (report.sent, report.error) == (3, ""), report
    assert center_photos() == run(kecamatan, office_photos)


def _previous_release(folder: Path) -> Path:
    """The office program as it was at PROTOCOL_6_COMMIT, unpacked from this repository's history."""
    found = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", PROTOCOL_6_COMMIT],
                           capture_output=True, timeout=120)
    assert found.returncode == 0, ("the previous protocol's commit is needed from git history (a full clone): "
                                   + found.stderr.decode(errors="replace"))
    with tarfile.open(fileobj=io.BytesIO(found.stdout)) as archive:
        archive.extractall(folder, filter="data")
    return folder


OLD_OFFICE = """
import json, sys, hashlib
from pathlib import Path
from tests.sync.harness import enrol_kecamatan, fill_kecamatan, kecamatan_app
from sync import protocol
assert protocol.PROTOCOL_VERSION == 6
data, center_url, code = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
office = kecamatan_app(data)
numbers = fill_kecamatan(office, 5)
enrol_kecamatan(office, center_url, code)
from app.registration.models import Application, ApplicationPhoto
with office.app_context(), office.extensions["database"].connection_context():
    print(json.dumps({a.registration_number: hashlib.sha256(bytes(ApplicationPhoto.get(
        ApplicationPhoto.application == a).jpeg)).hexdigest() for a in Application.select()}))
"""


@pytest.mark.windows_pass  # the previous release as real processes: run once, in the Windows-like pass
def test_the_previous_release_of_the_office_syncs_with_the_new_center_without_loss(tmp_path):
    old = _previous_release(tmp_path / "rilis-sebelumnya")
    center_dir, office_dir = tmp_path / "center", tmp_path / "kecamatan"
    center_app, code = prepare_center(center_dir)
    center = CenterServer(center_dir).start()
    try:
        env = dict(os.environ, PYTHONPATH=str(old))  # the previous release's own modules, not this tree's
        made = subprocess.run([sys.executable, "-c", OLD_OFFICE, str(office_dir), center.url, code], cwd=old, env=env,
                              capture_output=True, text=True, timeout=300)
        assert made.returncode == 0, made.stderr[-3000:]
        photos = json.loads(made.stdout.strip().splitlines()[-1])
        sync = subprocess.run([sys.executable, str(old / "run.py"), "sync", "--data", str(office_dir), "--full"],
                              cwd=old, env=env, capture_output=True, text=True, timeout=300)
        assert sync.returncode == 0, sync.stdout[-2000:] + sync.stderr[-2000:]
    finally:
        center.stop()
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        stored = {r.registration_number: r.photo_sha256 for r in ReceivedApplication.select()}
        key = DeviceKey.get()
        assert (key.protocol_version, key.app_version) == (6, "")
    assert stored == photos and len(stored) == 5
    assert hashlib.sha256(b"").hexdigest() not in stored.values()


def test_an_updated_office_still_syncs_with_a_center_of_the_previous_protocol(kecamatan, center_app, center_db):
    """The other order of a rollout: the office updated before its center (which ignores the report)."""
    from flask import g, jsonify

    def probe_of_protocol_6():
        return jsonify({"center": "Pusat", "kecamatan_code": g.kecamatan.code, "protocol": 6, "min_protocol": 6,
                        "photo_codecs": list(protocol.PHOTO_CODECS)})
    center_app.view_functions["center_api.probe"] = probe_of_protocol_6
    report = run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))
    assert (report.sent, report.error) == (3, ""), report
    assert center_photos() == run(kecamatan, office_photos)

"""Both ends really running on waitress: kecamatan -> center -> printed -> shipped -> ready -> handed over."""
import re
import time

import requests

from tests.sync.harness import (CenterServer, Process, fill_kecamatan, free_port, kecamatan_app,
                                prepare_center, wait_for)

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def signed_in(url: str, username: str, password: str, login_path: str) -> requests.Session:
    session = requests.Session()
    token = TOKEN.search(session.get(url + login_path).text).group(1)
    response = session.post(url + login_path, data={"csrf_token": token, "username": username, "password": password})
    assert response.status_code == 200 and "Keluar" in response.text, response.text[:500]
    return session


def wait_until(check, timeout=60, what=""):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def statuses_of(kec_app):
    from app.registration.models import Application
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        return {a.registration_number: a.status for a in Application.select()}


def test_applications_flow_both_ways_between_two_running_servers(tmp_path):
    from app.auth.accounts import create_user
    center_dir, kecamatan_dir = tmp_path / "center", tmp_path / "kecamatan"
    _, code = prepare_center(center_dir)
    center = CenterServer(center_dir).start()
    kecamatan_port = free_port()
    kecamatan_url = f"http://127.0.0.1:{kecamatan_port}"
    kecamatan = None
    try:
        kec_app = kecamatan_app(kecamatan_dir)
        numbers = fill_kecamatan(kec_app, 6)
        enrolment = Process(["sync", "--data", str(kecamatan_dir), "enrol", "--center", center.url, "--code", code],
                            tmp_path / "enrol.log").start()
        assert enrolment.wait() == 0, (tmp_path / "enrol.log").read_text()
        retried = Process(["sync", "--data", str(kecamatan_dir), "enrol", "--center", center.url, "--code", code],
                          tmp_path / "enrol-again.log").start()
        assert retried.wait() == 0  # the same PC again soon after (a lost answer): the same key
        other = tmp_path / "other-pc"
        reused = Process(["sync", "--data", str(other), "enrol", "--center", center.url, "--code", code,
                          "--kecamatan", "35.08.07"],
                         tmp_path / "enrol-other.log").start()
        assert reused.wait() == 1  # another installation cannot reuse the code
        assert "sudah dipakai" in (tmp_path / "enrol-other.log").read_text()
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            create_user("loket", "Petugas Loket", "petugas_loket", password="loket-rahasia-1", must_change_password=False)
        # The serving process syncs on its own: its scheduler probes the center at start.
        kecamatan = Process(["serve", "--data", str(kecamatan_dir), "--port", str(kecamatan_port)],
                            tmp_path / "kecamatan.log").start()
        wait_for(kecamatan_url + "/masuk")
        wait_until(lambda: set(statuses_of(kec_app).values()) == {"diterima_pusat"}, what="upload and received")

        operator = signed_in(center.url, "operator", "operator-rahasia-1", "/masuk")
        page = operator.get(center.url + "/cetak").text
        ids = re.findall(r'name="application" value="(\d+)"', page)
        assert len(ids) == 6
        token = TOKEN.search(page).group(1)
        run = operator.post(center.url + "/cetak/baru", data={"csrf_token": token, "application": ids})
        assert "Daftar cetak KTP-el" in run.text
        sheet_token = TOKEN.search(run.text).group(1)
        marked = operator.post(run.url + "/dicetak", data={"csrf_token": sheet_token})
        assert "6 permohonan ditandai dicetak" in marked.text
        shipments = operator.get(center.url + "/kirim").text
        kecamatan_id = re.search(r'name="kecamatan" value="(\d+)"', shipments).group(1)
        delivery = operator.post(center.url + "/kirim/baru", data={"csrf_token": TOKEN.search(shipments).group(1),
                                                                   "kecamatan": kecamatan_id})
        assert "Daftar kirim KTP-el" in delivery.text and all(n in delivery.text for n in numbers)

        clerk = signed_in(kecamatan_url, "loket", "loket-rahasia-1", "/masuk")
        page = clerk.get(kecamatan_url + "/sinkronisasi").text
        started = clerk.post(kecamatan_url + "/sinkronisasi/mulai", headers={"HX-Request": "true"},
                             data={"csrf_token": TOKEN.search(page).group(1)})
        assert started.status_code == 200 and 'id="sync-progress"' in started.text
        # One press is enough: when the scheduler's pass is still running (it may have pulled before the
        # center shipped), the press owes one more pass right after it (tests/sync/test_owed_pass.py).
        wait_until(lambda: set(statuses_of(kec_app).values()) == {"dikirim"}, what="statuses back")
        # The pass goes on after the statuses (the desa's steps, the update check): wait for its end.
        wait_until(lambda: "Sinkronisasi terakhir" in clerk.get(kecamatan_url + "/sinkronisasi/progres").text,
                   what="the pass's result on the progress fragment")

        from app.frame.db import database
        from app.registration.models import Application, StatusEvent
        from app.registration.status import ApplicationStatus as S, transition
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            for application in Application.select():
                with database.atomic():
                    transition(application, S.READY, note="kartu tiba")
                    transition(application, S.HANDED_OVER, note="diserahkan")
            trail = [e.to_status for e in StatusEvent.select().where(StatusEvent.application == 1).order_by(StatusEvent.id)]
        assert trail[-7:] == ["lengkap", "terkirim", "diterima_pusat", "dicetak", "dikirim", "siap_diambil", "diserahkan"]
    finally:
        if kecamatan:
            kecamatan.stop()
        center.stop()

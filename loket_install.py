"""The install as pip wrote it: each file against the hash pip recorded (every *.dist-info/RECORD), and
the signer's start that checks it before any of it runs (issue 79).

`release sign` and `release keys` open the regency's keys. A file written into the laptop's Loket since
pip installed it (a `.pth`, a `sitecustomize`, a changed module) must not run with the keys at hand. The
key laptop's Loket is installed with `pip install --target program` into the Loket folder's `program`: a
folder no Python scans when it starts (site reads .pth files only in its site-packages), so however the
command is typed nothing of the install runs before run.py (issue 88: a `.pth` in a venv's site-packages
ran at a start typed without -I -S, with the stick in). The two commands start as

    py -I -S program\\run.py release sign ...          (Linux: python3 -I -S program/run.py ...)

`-S`: Python imports no `site`, so not even its own site-packages' `.pth` files run; `-I`: no PYTHON*
variable, no user site, not the current folder. Typed without them, run.py's first lines refuse and name the
line (refuse_unisolated). With them, run.py calls signer_start, which, with only the standard library,
compares Loket's own files with the release wheel the admin keeps in the Loket folder (wheel_problems: pip's
RECORD is written on the laptop and could be rewritten together with a module), each locked package's
files with its wheel the install kept in the Loket folder's `paket` (locked_package_problems: a wheel whose
sha256 the lock names), every file of `program` with its RECORD row, refuses a file no RECORD lists (a
planted `.pth`), a package the lock does not name, an install inside a site-packages folder (the old
layout, whose .pth files Python runs at start), and a venv interpreter that is not the Python pyvenv.cfg
names, naming each; then it puts `program` on sys.path itself, running none of its `.pth` files (the lock
needs none). Bytecode is read only from a new empty folder (sys.pycache_prefix): a planted `__pycache__`
file is never loaded. Run from a source tree (`pip install -e .`) the program's own files have no RECORD:
the signer refuses, and the laptop installs Loket from the release wheel (docs/operations.md).

What this does not stop: a process of the same user still running while the command runs (it could
write after the check); a `.pth` written into the Python's own site-packages or user site (not Loket's: it
runs at a start typed without -I -S, and the refusal comes after it); the release build's sandbox
(sync/release/candidate_sandbox.py) keeps a candidate from writing here at all.

Stdlib only, loaded by run.py before anything else of the install; the launcher (app/updates/launcher.py)
checks an installed version's folder with damaged_files."""
import base64
import csv
import hashlib
import os
import re
import sys

CHECKED = False  # this process started through signer_start and its install passed
# What `python -m venv` puts at a venv's top (Windows adds that folder to sys.path): its own folders and
# its settings; the site-packages below are checked on their own.
VENV_OWN = frozenset({"pyvenv.cfg", "lib", "lib64", "scripts", "bin", "include", "share", "etc", ".gitignore"})


def record_rows(record):
    """(path relative to the site folder, "sha256=..." or "") of one RECORD; None when unreadable."""
    try:
        with open(record, encoding="utf-8", newline="") as file:
            return [(row[0], row[1] if len(row) > 1 else "") for row in csv.reader(file) if row]
    except (OSError, UnicodeDecodeError, csv.Error):
        return None


def file_hash(path):
    """pip's RECORD form of a file's sha256."""
    return "sha256=" + base64.urlsafe_b64encode(bytes.fromhex(file_hash_hex(path))).rstrip(b"=").decode()


def file_hash_hex(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _differs(path, recorded):
    try:
        return file_hash(path) != recorded
    except OSError:
        return True


def damaged_files(root):
    """The files of the version installed in `root` (pip --target) that are not as its wheels' RECORD
    lists them (a power cut before they reached the disk left them empty). A version without a
    RECORD is damaged too. Rows outside the folder (pip lists the scripts it put elsewhere) are skipped."""
    records = sorted(os.path.join(root, name, "RECORD") for name in os.listdir(root)
                     if name.endswith(".dist-info") and os.path.isfile(os.path.join(root, name, "RECORD")))
    if not records:
        return ["RECORD"]
    damaged = []
    for record in records:
        rows = record_rows(record)
        if not rows:
            damaged.append(os.path.relpath(record, root).replace(os.sep, "/"))
            continue
        for name, recorded in rows:
            if not recorded.startswith("sha256=") or name.startswith(("../", "/")):
                continue  # RECORD itself
            if _differs(os.path.join(root, name), recorded):
                damaged.append(name)
    return damaged


def venv_config(program_folder=None):
    """The pyvenv.cfg `site` reads for this Python (beside or above the executable, as site.venv finds it,
    or above the program's folder: .venv/Lib/site-packages, .venv/lib/python3.X/site-packages) as
    (its venv folder, {setting: value as written}); (None, {}) without a venv."""
    executable_dir = os.path.dirname(os.path.abspath(sys.executable))
    above, place = [], os.path.abspath(program_folder or executable_dir)
    for _ in range(4 if program_folder else 0):
        place = os.path.dirname(place)
        above.append(place)
    for place in [executable_dir, os.path.dirname(executable_dir)] + above:
        config = os.path.join(place, "pyvenv.cfg")
        if os.path.isfile(config):
            with open(config, encoding="utf-8") as file:
                lines = [line.partition("=") for line in file]
            return place, {key.strip().lower(): value.strip() for key, _, value in lines}
    return None, {}


def site_folders(program_folder=None):
    """The site-packages folders `site` adds for this Python, found without running it: the venv's
    (venv_config) and, when that venv includes them or there is no venv, the installation's own."""
    import site
    prefixes, own = [sys.prefix], []
    venv, settings = venv_config(program_folder)
    if venv:
        system = settings.get("include-system-site-packages", "").lower() == "true"
        prefixes = [venv] + ([sys.base_prefix] if system else [])
        # The venv's own folder as venv and pip make it, whatever `site` says: Debian's and Ubuntu's
        # patched site.py answer dist-packages for any prefix (issue 88 finding 4).
        own = [os.path.join(venv, "Lib", "site-packages") if os.name == "nt" else
               os.path.join(venv, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")]
    found = []
    for folder in own + site.getsitepackages(prefixes):
        real = os.path.normcase(os.path.realpath(folder))
        if os.path.isdir(real) and real not in found:
            found.append(real)
    return found


def _same_file(path, others):
    """`path` is one of `others` (a link to it) or holds the same bytes (venv copies)."""
    real = os.path.normcase(os.path.realpath(path))
    others = [other for other in others if os.path.isfile(other)]
    if real in {os.path.normcase(os.path.realpath(other)) for other in others}:
        return True
    try:
        digest = file_hash(path)
    except OSError:
        return False
    return any(not _differs(other, digest) for other in others)


def foreign_interpreters(venv, settings):
    """The venv's interpreters that are not what `python -m venv` made of the Python its pyvenv.cfg names
    (`home`): a link to that Python or a copy of it (Linux), a copy of its venv launcher (Windows). A
    replaced .venv/bin/python ran in place of Python with the keys at hand (issue 88 finding 5)."""
    home = settings.get("home", "")
    if not venv or not os.path.isdir(home):
        return ["pyvenv.cfg (home %s tidak ada)" % (home or "kosong")] if venv else []
    if os.name == "nt":
        scripts, names = os.path.join(venv, "Scripts"), ("python.exe", "pythonw.exe")
        bases = {name: [os.path.join(home, name), os.path.join(home, "Lib", "venv", "scripts", "nt", name),
                        os.path.join(home, launcher)]
                 for name, launcher in zip(names, ("venvlauncher.exe", "venvwlauncher.exe"))}
    else:
        scripts = os.path.join(venv, "bin")
        names = ("python", "python3", "python%d.%d" % sys.version_info[:2])
        pythons = [os.path.join(home, name) for name in sorted(os.listdir(home))
                   if name.startswith("python") and not name.endswith("-config")]
        bases = {name: pythons for name in names}
    return ["%s (bukan Python %s)" % (os.path.relpath(os.path.join(scripts, name), venv).replace(os.sep, "/"), home)
            for name in names if os.path.lexists(os.path.join(scripts, name))
            and not _same_file(os.path.join(scripts, name), bases[name])]


def environment_problems(folders, target=False):
    """Each file of these site folders (or of one `pip install --target` folder: `target`) that differs
    from what pip recorded, as "folder-relative name (why)": changed or missing, listed without a hash, or
    listed by no RECORD at all. Bytecode in __pycache__ is left out (signer_start never reads it)."""
    problems, listed = [], set()
    for folder in folders:
        for entry in sorted(os.listdir(folder)):
            record = os.path.join(folder, entry, "RECORD")
            if not (entry.endswith(".dist-info") and os.path.isfile(record)):
                continue
            rows = record_rows(record)
            if rows is None:
                problems.append("%s (tidak terbaca)" % os.path.join(entry, "RECORD"))
                continue
            for name, recorded in rows:
                name = target_row(name) if target else name
                if name is None or name.startswith(("../", "/")):
                    continue  # outside the folder: a venv's scripts
                path = os.path.normcase(os.path.normpath(os.path.join(folder, name)))
                listed.add(path)
                if "__pycache__" in name.split("/") or name.endswith(".dist-info/RECORD"):
                    continue
                if not recorded.startswith("sha256="):
                    problems.append("%s (tercatat tanpa sidik)" % name)
                elif _differs(path, recorded):
                    problems.append("%s (%s)" % (name, "berubah" if os.path.exists(path) else "hilang"))
    for folder in folders:
        if any(other != folder and other.startswith(folder + os.sep) for other in folders):
            # Windows' venv root is a site folder too (site adds it, and reads its .pth files): what the
            # venv itself made may lie there, anything else at its top could be imported or run
            for name in sorted(os.listdir(folder)):
                path = os.path.normcase(os.path.join(folder, name))
                if path not in listed and name.lower() not in VENV_OWN:
                    problems.append("%s (tidak dipasang pip)" % name)
            continue
        for top, subfolders, files in os.walk(folder):
            subfolders[:] = sorted(name for name in subfolders if name != "__pycache__"
                                   and not (target and top == folder and name == TARGET_SCRIPTS))
            for name in sorted(files):
                path = os.path.normcase(os.path.join(top, name))
                if path not in listed:
                    problems.append("%s (tidak dipasang pip)" % os.path.relpath(path, folder))
    return problems


# `pip install --target` installs into a "home" scheme (Windows too) and moves its items into the folder:
# RECORD rows are relative to its lib/python, so the wheels' data and scripts are listed as ../../<name>.
# The scripts land in `bin`, which a second install into the same folder keeps as it was ("Target directory
# ... bin already exists"): nothing imports or runs them, and Python scans no folder for .pth files but the
# top of a site-packages folder, so `bin` is left out.
TARGET_DATA = "../../"
TARGET_SCRIPTS = "bin"


def target_row(name):
    """A RECORD row of a `pip install --target` folder as the folder-relative path of its file: a wheel's
    data in a folder of its own (../../share/man/..., segno's) moved in; None for the scripts in `bin`.
    Other rows as written (one still outside the folder is skipped, its file then listed by no row)."""
    if name.startswith(TARGET_DATA) and name.count("/") > 2:
        name = name[len(TARGET_DATA):]
        return None if name.startswith(TARGET_SCRIPTS + "/") else name
    return name


OFFICE_LOCK = os.path.join("app", "frame", "data", "requirements-office.lock")  # sync.release.dependency_lock's
VENV_PACKAGES = frozenset({"pip", "setuptools", "loket-kecamatan"})  # what venv and the guide's pip line install


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_hashes(program_folder):
    """{canonical name: set of sha256 hex} of the install's own lock (every file of every version it names),
    None when it cannot be read. The lock's lines: `name==version [; marker] \\` then `--hash=sha256:...`."""
    try:
        with open(os.path.join(program_folder, OFFICE_LOCK), encoding="utf-8") as lock:
            text = lock.read().replace("\\\n", " ")
    except OSError:
        return None
    locked = {}
    for line in text.splitlines():
        named = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==", line)
        if named:
            locked.setdefault(_canonical(named.group(1)), set()).update(re.findall(r"--hash=sha256:([0-9a-f]{64})", line))
    return locked


def unlocked_packages(folders, program_folder):
    """Each installed package (a *.dist-info) of these site folders that the install's own lock does not
    name, and each one installed twice, as "folder name (why)": a new dist-info whose RECORD lists a
    planted .pth with its right hash passes the RECORD check (issue 88 finding 5)."""
    allowed = locked_hashes(program_folder)
    if allowed is None:
        return ["%s (tidak terbaca)" % OFFICE_LOCK.replace(os.sep, "/")]
    problems, seen = [], set()
    for folder in folders:
        for entry in sorted(os.listdir(folder)):
            if not entry.endswith(".dist-info"):
                continue
            name = _canonical(entry[:-len(".dist-info")].rsplit("-", 1)[0])
            if name not in set(allowed) | VENV_PACKAGES:
                problems.append("%s (paket yang tidak disebut daftar versi)" % entry)
            elif name in seen:
                problems.append("%s (paket terpasang dua kali)" % entry)
            seen.add(name)
    return problems


KEPT_PACKAGES = "paket"  # in the Loket folder: the locked packages' wheels the guide's install downloaded


def download_line(program_folder):
    """The guide's line that keeps the lock's wheels for this Python in the Loket folder's paket (typed there)."""
    python = "py" if os.name == "nt" else "python3"
    lock = os.path.join(os.path.basename(os.path.normpath(program_folder)), OFFICE_LOCK)
    return "%s -m pip download --no-deps --require-hashes -d %s -r %s" % (python, KEPT_PACKAGES, lock)


def _wheel_key(filename):
    """(canonical name, version) of a wheel file's or a dist-info folder's name."""
    parts = filename.split("-")
    return _canonical(parts[0]), parts[1].lower() if len(parts) > 1 else ""


def locked_package_problems(folders, program_folder, kept, target=False):
    """Each file of an installed locked package (not Loket, not venv's own pip) that is not, byte for byte,
    the one in its wheel kept in `kept` (the Loket folder's paket: the files `pip download` took, each
    with a sha256 the lock names), as "folder-relative name (why)": pip's RECORD of them is written on the
    laptop and could be rewritten with a changed module (issue 88 finding 5)."""
    locked = locked_hashes(program_folder) or {}
    wheels = {}
    try:
        names = sorted(os.listdir(kept))
    except OSError:
        names = []
    for name in names:
        path = os.path.join(kept, name)
        if name.endswith(".whl") and os.path.isfile(path):
            key = _wheel_key(name[:-len(".whl")])
            if file_hash_hex(path) in locked.get(key[0], ()):
                wheels.setdefault(key, []).append(path)
    problems = []
    for folder in folders:
        for entry in sorted(os.listdir(folder)):
            if not entry.endswith(".dist-info"):
                continue
            key = _wheel_key(entry[:-len(".dist-info")])
            if key[0] in VENV_PACKAGES or key[0] not in locked:
                continue  # Loket's own (wheel_problems), venv's pip, or refused by unlocked_packages
            found = [wheel_problems(folder, wheel, entry, target) for wheel in wheels.get(key, [])]
            if not found:
                problems.append("%s (wheel-nya tidak ada di %s dengan sidik yang disebut daftar versi)" % (entry, kept))
            elif all(found):
                problems += found[0]
    return problems


APP_DIST = "loket_kecamatan"
PIP_OWN = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})  # what pip writes into a dist-info


def kept_wheel(folders, venv):
    """(the installed Loket's version, the release wheel it must have been installed from: the one the
    admin keeps in the Loket folder, the folder holding .venv), or (None, None) with no Loket installed."""
    for folder in folders:
        version = installed_version(folder)
        if version is not None:
            place = os.path.dirname(venv) if venv else folder
            return version, os.path.join(place, "%s-%s-py3-none-any.whl" % (APP_DIST, version))
    return None, None


def wheel_problems(folder, wheel, dist_info=None, target=False):
    """Each file of one package's install in `folder` (Loket's own, or the one of `dist_info`; `target`: a
    `pip install --target` folder, which holds the wheel's data too) that is not the wheel's own byte for
    byte, and each file its RECORD lists that the wheel does not hold, as "folder-relative name (why)":
    pip's RECORD is written on the laptop and could be rewritten with a changed module (issue 88 finding
    5); the wheel is what the admin downloaded and keeps."""
    import zipfile
    label = "wheel rilis" if dist_info is None else "wheel %s" % os.path.basename(wheel)
    problems, members = [], set()
    try:
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                name, parts = info.filename, info.filename.split("/")
                if name.endswith("/"):
                    continue
                if parts[0].endswith(".data"):  # purelib/platlib land in site-packages; scripts, headers elsewhere
                    kept_here = ("purelib", "platlib") + (("data",) if target and len(parts) > 3 else ())
                    if len(parts) < 3 or parts[1] not in kept_here:
                        continue
                    name = "/".join(parts[2:])
                members.add(name)
                if name.endswith(".dist-info/RECORD"):
                    continue
                digest = hashlib.sha256()
                with archive.open(info) as member:
                    for block in iter(lambda: member.read(1 << 20), b""):
                        digest.update(block)
                recorded = "sha256=" + base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
                path = os.path.join(folder, *name.split("/"))
                if _differs(path, recorded):
                    problems.append("%s (%s)" % (name, "tidak sama dengan " + label if os.path.exists(path)
                                                 else "hilang"))
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
        return ["%s (bukan wheel yang terbaca)" % os.path.basename(wheel)]
    for entry in sorted(os.listdir(folder)):
        record = os.path.join(folder, entry, "RECORD")
        if not (entry == dist_info if dist_info else entry.startswith(APP_DIST + "-") and entry.endswith(".dist-info")):
            continue
        for name, _ in record_rows(record) or []:
            name = target_row(name) if target else name
            if name is None or name.startswith(("../", "/")) or "__pycache__" in name.split("/") or name in members:
                continue
            if name.startswith(entry + "/") and name[len(entry) + 1:] in PIP_OWN:
                continue
            problems.append("%s (tidak ada di %s)" % (name, label))
    return problems


def installed_version(program_folder):
    """The version of Loket pip installed in this folder (its dist-info), None in a source tree."""
    for entry in sorted(os.listdir(program_folder)):
        if entry.startswith(APP_DIST + "-") and entry.endswith(".dist-info"):
            return entry[len(APP_DIST) + 1:-len(".dist-info")]
    return None


def read_at_start(program_folder):
    """This folder is one whose .pth files Python runs when it starts without -S: a site-packages folder of
    this Python or of the venv above it (site_folders), or the user's (`pip install --user`)."""
    import site
    program = os.path.normcase(os.path.realpath(program_folder))
    user = os.path.normcase(os.path.realpath(site.getusersitepackages()))
    return program in site_folders(program_folder) or program == user


def target_install(program_folder):
    """Loket installed in this folder as the key laptop's guide says (`pip install --target program`): from
    the release wheel, in a folder that is none of the site-packages folders Python reads at start."""
    return installed_version(program_folder) is not None and not read_at_start(program_folder)


INSTALL_SECTION = "panduan admin kabupaten, bagian Memasang Loket di laptop kunci"


def signer_start(program_folder):
    """The start of `python -I -S program/run.py release sign|keys`: returns once this install is the kept
    release wheel and what pip wrote of its lock, with its folder on sys.path; otherwise exits with one
    Indonesian sentence naming the file. No file of the install is imported or run before the check."""
    global CHECKED
    import atexit
    import shutil
    if sys.pycache_prefix:  # run.py's new empty folder (no planted .pyc is read): gone at the end
        atexit.register(shutil.rmtree, sys.pycache_prefix, True)
    program = os.path.normcase(os.path.realpath(program_folder))
    version = installed_version(program)
    if version is None:
        sys.exit("Penandatangan tidak dapat memeriksa dirinya: Loket yang menjalankan perintah ini dipasang dari "
                 "folder sumber (%s), bukan dari wheel rilis, sehingga pip tidak mencatat sidik berkasnya. Pasang "
                 "Loket di laptop kunci dari wheel rilis (%s), lalu ketik perintahnya dari folder itu. Tidak ada "
                 "kunci yang dibuka." % (program_folder, INSTALL_SECTION))
    if read_at_start(program_folder):
        # The earlier guide's layout: a .pth planted there runs whenever this Python starts without -S,
        # before run.py, the stick maybe in (issue 88)
        sys.exit("Loket di laptop ini dipasang di folder paket Python (%s), yang berkas .pth-nya dijalankan Python "
                 "setiap kali mulai, sebelum program sempat memeriksa dirinya. Pasang Loket untuk kunci di folder "
                 "baru dengan pip install --target program (%s), lalu ketik perintahnya dari folder itu. Tidak ada "
                 "kunci yang dibuka." % (program_folder, INSTALL_SECTION))
    loket = os.path.dirname(program)
    wheel = os.path.join(loket, "%s-%s-py3-none-any.whl" % (APP_DIST, version))
    if not os.path.isfile(wheel):
        sys.exit("Penandatangan tidak dapat memeriksa dirinya: wheel rilis %s, yang dipasang di Loket ini, tidak ada "
                 "di folder Loket (%s). Salin wheel rilis %s yang Anda unduh dari halaman rilis proyek ke folder itu "
                 "(%s), lalu ketik perintahnya lagi. Tidak ada kunci yang dibuka."
                 % (os.path.basename(wheel), loket, version, INSTALL_SECTION))
    kept = os.path.join(loket, KEPT_PACKAGES)
    if not os.path.isdir(kept):
        sys.exit("Penandatangan tidak dapat memeriksa dirinya: folder %s, tempat wheel paket yang dipasang bersama "
                 "Loket ini disimpan, tidak ada. Di folder Loket (%s) ketik\n  %s\nlalu ketik perintahnya lagi (%s). "
                 "Tidak ada kunci yang dibuka." % (KEPT_PACKAGES, loket, download_line(program_folder), INSTALL_SECTION))
    venv, settings = venv_config()  # the Python typed, when it is a venv's
    problems = (foreign_interpreters(venv, settings) + environment_problems([program], target=True)
                + unlocked_packages([program], program) + wheel_problems(program, wheel, target=True)
                + locked_package_problems([program], program, kept, target=True))
    if problems:
        shown = "\n".join("- " + problem for problem in problems[:15])
        more = "\n- dan %d berkas lagi" % (len(problems) - 15) if len(problems) > 15 else ""
        sys.exit("Program penandatangan di laptop ini tidak sama dengan yang dipasang pip dari wheel rilis "
                 "(di %s):\n%s%s\nBerkas itu ditulis sesudah pemasangan, mungkin oleh program lain. Tidak ada kunci "
                 "yang dibuka. Jangan pakai Loket ini untuk kunci; pasang Loket baru dari wheel rilis di folder "
                 "baru (%s) dan laporkan berkas di atas ke proyek." % (program, shown, more, INSTALL_SECTION))
    # The checked folder on sys.path after the standard library, and none of its .pth files run: the lock
    # needs none, and one listed with its right hash by a rewritten RECORD must not run with the keys at hand.
    if program not in {os.path.normcase(os.path.realpath(entry)) for entry in sys.path if entry}:
        sys.path.append(program)
    CHECKED = True


def ran_unchecked(program_folder):
    """For `release sign|keys` started without -I -S (refused by refuse_unisolated): what of this install
    may have run at that start, before any line of run.py. Nothing for the guide's install (`--target
    program`: no site-packages folder, so Python runs none of its files at start) and for a source tree; for
    an install inside site-packages (the earlier guide's .venv layout) what signer_start's checks name there (a
    planted .pth, one a rewritten RECORD lists, a replaced interpreter, an unlocked package). Such a file may
    have read a stick already in, or left a process waiting for one (issue 88 finding 5): the refusal says so."""
    folders = site_folders(program_folder)
    program = os.path.normcase(os.path.realpath(program_folder))
    if program not in folders:
        return []
    venv, settings = venv_config(program_folder)
    _, wheel = kept_wheel(folders, venv)
    kept = os.path.join(os.path.dirname(venv) if venv else program, KEPT_PACKAGES)
    return (foreign_interpreters(venv, settings) + environment_problems(folders) + unlocked_packages(folders, program)
            + (wheel_problems(program, wheel) if wheel and os.path.isfile(wheel) else [])
            + (locked_package_problems(folders, program, kept) if os.path.isdir(kept) else []))


def _typed_path(path):
    """A file of this install as typed in the command window's folder: relative when inside it
    (.venv\\Scripts\\python from the Loket folder), else whole. Never resolved: a venv's python is a link."""
    path = os.path.abspath(path)
    inside = os.path.relpath(path) if os.path.splitdrive(path)[0] == os.path.splitdrive(os.getcwd())[0] else path
    return path if inside.startswith("..") else inside


def install_python(program_folder):
    """The Python this install belongs to: this one when the install lives in its environment (a wheel in
    site-packages), else the folder's own .venv when it has one (a source folder typed with another Python,
    issue 69 finding 6), else this one."""
    folder = os.path.realpath(program_folder)
    if os.path.commonpath([folder, os.path.realpath(sys.prefix)]) == os.path.realpath(sys.prefix):
        return sys.executable
    own = os.path.join(program_folder, ".venv", "Scripts", "python.exe") if os.name == "nt" else \
        os.path.join(program_folder, ".venv", "bin", "python")
    return own if os.path.exists(own) else sys.executable


def installed_line(program_folder, arguments, flags=()):
    """A command of this install on this system, quoted for its shell (app.frame.command_line.shell_line's
    rule): this Python (with `flags`) and this install's run.py by its path (program/run.py on the key
    laptop, installed from the release wheel with pip --target)."""
    import shlex
    import subprocess
    words = [_typed_path(install_python(program_folder)), *flags, _typed_path(os.path.join(program_folder, "run.py")),
             *map(str, arguments)]
    return subprocess.list2cmdline(words) if os.name == "nt" else shlex.join(words)


def refuse_unisolated(program_folder, argv):
    """`release sign|keys` started without -I -S (run.py's first lines, before any other file of this install
    runs): says what of the install ran at that start, when anything did (the stick may be counted as
    leaked), and the line to type (the caller then stops, exit 2). No other module of Loket is imported: a
    changed one never runs."""
    ran = ran_unchecked(program_folder)
    if ran:  # too late to stop them: they ran when Python started, before run.py
        print("PERINGATAN: perintah ini dimulai tanpa -I -S, dan Python sudah menjalankan berkas lingkungan yang tidak "
              "dipasang dari wheel rilis sebelum program sempat memeriksa dirinya:\n"
              + "\n".join("- " + problem for problem in ran[:15])
              + "\nBila flashdisk kunci tercolok sekarang, atau pada perintah Loket lain sejak berkas itu ada, anggap "
                "kunci di dalamnya bocor: cabut flashdisk, jangan pakai laptop ini untuk kunci, dan laporkan berkas di "
                "atas ke proyek (panduan admin kabupaten, bagian Memasang Loket di laptop kunci).", file=sys.stderr)
    print("release sign dan release keys membuka kunci rilis: keduanya dimulai dengan -I -S, agar tidak ada berkas "
          "lingkungan Python (.pth) yang berjalan sebelum program memeriksa dirinya. Ketik:\n  "
          + installed_line(program_folder, argv, ("-I", "-S"))
          + "\n(panduan admin kabupaten, bagian Memasang Loket di laptop kunci). Tidak ada kunci yang dibuka.",
          file=sys.stderr)


def signer_command(argv):
    """`argv` runs `release sign` or `release keys` (run.py's _signer_start reads it the same way)."""
    words = [word for word in argv if not word.startswith("-")]
    return "release" in words and words[words.index("release") + 1:][:1] in (["sign"], ["keys"])

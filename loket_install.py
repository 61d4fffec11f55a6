"""The install as pip wrote it: each file against the hash pip recorded (every *.dist-info/RECORD), and
the signer's start that checks it before any of it runs (issue 79).

`release sign` and `release keys` open the regency's keys. A file written into the laptop's Loket or
its environment since pip installed them (a `.pth`, a `sitecustomize`, a changed module) would run
with the keys at hand, so those two commands start as

    .venv\\Scripts\\python -I -S .venv\\Lib\\site-packages\\run.py release sign ...

`-S`: Python imports no `site`, so no `.pth` of site-packages runs before the check; `-I`: no
PYTHON* variable, no user site, not the current folder. run.py then calls signer_start, which, with
only the standard library, compares every file of the site-packages folders this Python would add
(the venv's, found as `site` finds them) with their RECORD rows, refuses a file no RECORD lists
(a planted `.pth`) and one that differs, naming it, and only then lets `site` add those folders.
Bytecode is read only from a new empty folder (sys.pycache_prefix): a planted `__pycache__` file is
never loaded. Run from a source tree (`pip install -e .`) the program's own files have no RECORD:
the signer refuses, and the laptop installs Loket from the release wheel (docs/operations.md).

What this does not stop: a process of the same user still running while the command runs (it could
write after the check), or one that rewrote a file and its RECORD line together; the release build's
sandbox (sync/release/candidate_sandbox.py) keeps a candidate from writing here at all.

Stdlib only, imported before site-packages is on sys.path; the launcher (app/updates/launcher.py)
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
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return "sha256=" + base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


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


def site_folders(program_folder=None):
    """The site-packages folders `site` adds for this Python, found without running it: the venv's
    (pyvenv.cfg beside or above the executable, as site.venv finds it, or above the program's folder)
    and, when that venv includes them or there is no venv, the installation's own."""
    import site
    executable_dir = os.path.dirname(os.path.abspath(sys.executable))
    prefixes, own = [sys.prefix], []
    above, place = [], os.path.abspath(program_folder or executable_dir)
    for _ in range(4 if program_folder else 0):  # .venv/Lib/site-packages, .venv/lib/python3.X/site-packages
        place = os.path.dirname(place)
        above.append(place)
    for place in [executable_dir, os.path.dirname(executable_dir)] + above:
        config = os.path.join(place, "pyvenv.cfg")
        if os.path.isfile(config):
            with open(config, encoding="utf-8") as file:
                lines = [line.partition("=") for line in file]
            settings = {key.strip().lower(): value.strip().lower() for key, _, value in lines}
            system = settings.get("include-system-site-packages") == "true"
            prefixes = [os.path.dirname(config)] + ([sys.base_prefix] if system else [])
            # The venv's own folder as venv and pip make it, whatever `site` says: Debian's and Ubuntu's
            # patched site.py answer dist-packages for any prefix (issue 88 finding 4).
            own = [os.path.join(prefixes[0], "Lib", "site-packages") if os.name == "nt" else
                   os.path.join(prefixes[0], "lib", "python%d.%d" % sys.version_info[:2], "site-packages")]
            break
    found = []
    for folder in own + site.getsitepackages(prefixes):
        real = os.path.normcase(os.path.realpath(folder))
        if os.path.isdir(real) and real not in found:
            found.append(real)
    return found


def environment_problems(folders):
    """Each file of these site folders that differs from what pip recorded, as "folder-relative name
    (why)": changed or missing, listed without a hash, or listed by no RECORD at all. Bytecode in
    __pycache__ is left out (signer_start never reads it)."""
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
            subfolders[:] = sorted(name for name in subfolders if name != "__pycache__")
            for name in sorted(files):
                path = os.path.normcase(os.path.join(top, name))
                if path not in listed:
                    problems.append("%s (tidak dipasang pip)" % os.path.relpath(path, folder))
    return problems


OFFICE_LOCK = os.path.join("app", "frame", "data", "requirements-office.lock")  # sync.release.dependency_lock's
VENV_PACKAGES = frozenset({"pip", "setuptools", "loket-kecamatan"})  # what venv and the guide's pip line install


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def unlocked_packages(folders, program_folder):
    """Each installed package (a *.dist-info) of these site folders that the install's own lock does not
    name, and each one installed twice, as "folder name (why)": a new dist-info whose RECORD lists a
    planted .pth with its right hash passes the RECORD check (issue 88 finding 5)."""
    try:
        with open(os.path.join(program_folder, OFFICE_LOCK), encoding="utf-8") as lock:
            allowed = {_canonical(m.group(1)) for m in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==", lock.read(), re.M)}
    except OSError:
        return ["%s (tidak terbaca)" % OFFICE_LOCK.replace(os.sep, "/")]
    problems, seen = [], set()
    for folder in folders:
        for entry in sorted(os.listdir(folder)):
            if not entry.endswith(".dist-info"):
                continue
            name = _canonical(entry[:-len(".dist-info")].rsplit("-", 1)[0])
            if name not in allowed | VENV_PACKAGES:
                problems.append("%s (paket yang tidak disebut daftar versi)" % entry)
            elif name in seen:
                problems.append("%s (paket terpasang dua kali)" % entry)
            seen.add(name)
    return problems


def signer_start(program_folder):
    """The start of `python -I -S run.py release sign|keys`: returns once this install is as pip wrote
    it and `site` has added its folders; otherwise exits with one Indonesian sentence naming the
    file. No file of site-packages is imported or run before the check."""
    global CHECKED
    import atexit
    import shutil
    import site
    if sys.pycache_prefix:  # run.py's new empty folder (no planted .pyc is read): gone at the end
        atexit.register(shutil.rmtree, sys.pycache_prefix, True)
    folders = site_folders(program_folder)
    program = os.path.normcase(os.path.realpath(program_folder))
    if program not in folders:
        sys.exit("Penandatangan tidak dapat memeriksa dirinya: Loket yang menjalankan perintah ini dipasang dari "
                 "folder sumber (%s), bukan dari wheel rilis, sehingga pip tidak mencatat sidik berkasnya. Pasang "
                 "Loket di laptop kunci dari wheel rilis (panduan admin kabupaten, bagian Memasang Loket di laptop "
                 "kunci), lalu ketik perintahnya dari folder itu. Tidak ada kunci yang dibuka." % program_folder)
    problems = environment_problems(folders) + unlocked_packages(folders, program)
    if problems:
        shown = "\n".join("- " + problem for problem in problems[:15])
        more = "\n- dan %d berkas lagi" % (len(problems) - 15) if len(problems) > 15 else ""
        sys.exit("Program penandatangan di laptop ini tidak sama dengan yang dipasang pip dari wheel rilis "
                 "(di %s):\n%s%s\nBerkas itu ditulis sesudah pemasangan, mungkin oleh program lain. Tidak ada kunci "
                 "yang dibuka. Jangan pakai Loket ini untuk kunci; pasang Loket baru dari wheel rilis di folder "
                 "baru (panduan admin kabupaten, bagian Memasang Loket di laptop kunci) dan laporkan berkas di atas "
                 "ke proyek." % (os.pathsep.join(folders), shown, more))
    site.main()  # now the checked folders, and the .pth files pip put there
    on_path = {os.path.normcase(os.path.realpath(entry)) for entry in sys.path if entry}
    for folder in folders:  # a venv site found above the program, not above the executable
        if folder not in on_path:
            site.addsitedir(folder)
    CHECKED = True


def signer_command(argv):
    """`argv` runs `release sign` or `release keys` (run.py's _signer_start reads it the same way)."""
    words = [word for word in argv if not word.startswith("-")]
    return "release" in words and words[words.index("release") + 1:][:1] in (["sign"], ["keys"])

"""Candidate versions made of this tree's files, each with its planted defect, installed beside an
office's program as pip --target leaves one (a RECORD of their hashes): real programs for the trusted
walk (sync/release/candidate_walk.py) to start and judge, without a wheel build."""
import base64
import hashlib
import subprocess
from pathlib import Path

from tests.sync.harness import ROOT

# What a lying candidate plants (issue 69 finding 2): its check commands copy a file it should not
# reach and print the pass line, and its register page answers 500.
LIAR_CHECK = '''
def _lie(options):
    import shutil
    from pathlib import Path
    for name in ("secret_key", "kunci"):
        source = Path(options.data) / name
        if source.is_file():
            shutil.copyfile(source, Path(options.data).parent / ("curian-" + name))
    print("Pemeriksaan berhasil: versi 0.3.0 siap (238 halaman diperiksa)", flush=True)
'''


def candidate_tree(folder: Path, version: str = "0.3.0", plant: str = "") -> Path:
    """This tree's program files in `folder` as version `version`. `plant`: "no-regions", the wheel
    built without the Kemendagri region list; "liar", LIAR_CHECK's lies and a register page answering 500;
    "off-loopback", a home page ("/") answering 500 to every client but 127.0.0.1 (issue 88 finding 7)."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file() and name.startswith(("app/", "sync/", "schema/", "templates/", "static/", "run.py")):
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes((ROOT / name).read_bytes())
    if plant == "no-regions":
        (folder / "app" / "frame" / "data" / "wilayah-kemendagri-2025.csv").unlink()
    if plant == "off-loopback":
        views = folder / "app" / "core" / "views.py"
        marker = "def dashboard():\n"
        assert marker in views.read_text()
        views.write_text(views.read_text().replace(marker, marker + (
            "    from flask import request\n    if request.remote_addr != '127.0.0.1':\n"
            "        raise RuntimeError('rusak')\n"), 1))
    if plant == "liar":
        views = folder / "app" / "registration" / "views.py"
        marker = "def register():\n"
        assert marker in views.read_text()
        views.write_text(views.read_text().replace(marker, marker + "    raise RuntimeError('rusak')\n", 1))
        commands = folder / "app" / "programs" / "office_commands.py"
        text = commands.read_text() + LIAR_CHECK
        for command in ("def cmd_check_server(options) -> int:\n", "def cmd_update_check(options) -> int:\n"):
            assert command in text
            text = text.replace(command, command + "    _lie(options)\n", 1)
        commands.write_text(text.replace("def cmd_update_check(options) -> int:\n    _lie(options)\n",
                                         "def cmd_update_check(options) -> int:\n    _lie(options)\n    return 0\n", 1))
    info = folder / f"loket_kecamatan-{version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: loket-kecamatan\nVersion: {version}\n")
    rows = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "RECORD"):
        digest = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()
        rows.append(f"{path.relative_to(folder).as_posix()},sha256={digest},{path.stat().st_size}")
    (info / "RECORD").write_text("\n".join(rows + [f"{info.name}/RECORD,,"]) + "\n")
    return folder

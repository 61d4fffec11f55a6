"""The signer's check of its install (loket_install.environment_problems, issue 79), on site folders laid out
as pip leaves them: Linux' one site-packages, and Windows', whose venv root is a site folder too."""
import os

import loket_install


def installed(site, files: dict[str, str], unhashed: tuple = ()) -> None:
    """`files` written into `site` as pip would, with one package's RECORD listing each with its hash."""
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, "utf-8")
    record = site / "paket-1.0.dist-info" / "RECORD"
    record.parent.mkdir(parents=True, exist_ok=True)
    rows = [f"{name},{'' if name in unhashed else loket_install.file_hash(site / name)},1" for name in files]
    record.write_text("\n".join(rows + ["paket-1.0.dist-info/RECORD,,"]) + "\n", "utf-8")


def problems(*folders) -> list[str]:
    return loket_install.environment_problems([os.path.normcase(os.path.realpath(folder)) for folder in folders])


def test_a_clean_install_passes_and_bytecode_is_left_out(tmp_path):
    site = tmp_path / "lib" / "python3.12" / "site-packages"
    installed(site, {"paket/__init__.py": "x = 1\n", "paket-1.0.dist-info/METADATA": "Name: paket\n",
                     "../../../bin/paket": "#!python\n"})
    (site / "paket" / "__pycache__").mkdir()
    (site / "paket" / "__pycache__" / "__init__.cpython-312.pyc").write_bytes(b"whatever")
    assert problems(site) == []


def test_a_planted_file_a_changed_one_a_missing_one_and_an_unhashed_one_are_named(tmp_path):
    site = tmp_path / "site-packages"
    installed(site, {"paket/__init__.py": "x = 1\n", "paket/walk.py": "ok\n", "paket/gone.py": "", "paket/x.py": ""},
              unhashed=("paket/x.py",))
    (site / "zz-kait.pth").write_text("import os\n")
    (site / "paket" / "walk.py").write_text("lulus\n")
    (site / "paket" / "gone.py").unlink()
    found = problems(site)
    assert sorted(found) == sorted(["paket/walk.py (berubah)", "paket/gone.py (hilang)", "paket/x.py (tercatat tanpa sidik)",
                                    "zz-kait.pth (tidak dipasang pip)"])


def test_windows_venv_root_is_checked_at_its_top_without_its_own_files(tmp_path):
    """site.getsitepackages on Windows names the venv folder itself (its .pth files run, its modules import)."""
    root = tmp_path / ".venv"
    site = root / "Lib" / "site-packages"
    installed(site, {"paket/__init__.py": "", "../../Scripts/paket.exe": "MZ"})
    (root / "pyvenv.cfg").write_text("home = C:\\Python312\n")
    (root / "Scripts" / "python.exe").write_bytes(b"MZ")
    (root / "Include").mkdir()
    assert problems(root, site) == []
    (root / "sitecustomize.py").write_text("import os\n")
    (root / "kait.pth").write_text("import os\n")
    assert sorted(problems(root, site)) == ["kait.pth (tidak dipasang pip)", "sitecustomize.py (tidak dipasang pip)"]


def test_the_site_folders_are_the_venvs_as_site_finds_them():
    """This test's own Python (the project's .venv): its site-packages, where pip put Loket's packages."""
    import sysconfig
    assert os.path.normcase(os.path.realpath(sysconfig.get_paths()["purelib"])) in loket_install.site_folders()

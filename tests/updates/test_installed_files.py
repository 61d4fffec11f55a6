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


def test_a_venv_python_is_the_python_its_pyvenv_cfg_names_or_it_is_named(tmp_path):
    """Issue 88 finding 5: a replaced .venv/bin/python ran in place of Python. Linux: venv links to the
    base (or copies it with --copies); anything else is named."""
    home = tmp_path / "python" / "bin"
    home.mkdir(parents=True)
    (home / "python3.12").write_bytes(b"\x7fELF python")
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(home / "python3.12")
    (venv / "bin" / "python3").symlink_to("python")
    (venv / "bin" / "python3.99").write_bytes(b"\x7fELF python")  # a copy (venv --copies)
    settings = {"home": str(home)}
    checked = loket_install.foreign_interpreters
    assert checked(str(venv), settings) == []
    (venv / "bin" / "python").unlink()
    (venv / "bin" / "python").write_text("#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n")
    assert f"bin/python (bukan Python {home})" in checked(str(venv), settings)
    assert checked(str(venv), {"home": str(tmp_path / "tidak-ada")}) == [f"pyvenv.cfg (home {tmp_path / 'tidak-ada'} tidak ada)"]


def test_a_windows_venv_python_is_a_copy_of_its_bases_venv_launcher(tmp_path, monkeypatch):
    """Windows: venv copies the base's venv launcher (venvlauncher.exe beside python.exe, or
    Lib\\venv\\scripts\\nt\\python.exe) as Scripts\\python.exe."""
    home = tmp_path / "Python312"
    home.mkdir()
    (home / "python.exe").write_bytes(b"MZ python")
    (home / "venvlauncher.exe").write_bytes(b"MZ launcher")
    (home / "venvwlauncher.exe").write_bytes(b"MZ wlauncher")
    venv = tmp_path / ".venv"
    (venv / "Scripts").mkdir(parents=True)
    (venv / "Scripts" / "python.exe").write_bytes(b"MZ launcher")
    (venv / "Scripts" / "pythonw.exe").write_bytes(b"MZ wlauncher")
    monkeypatch.setattr(loket_install.os, "name", "nt")
    assert loket_install.foreign_interpreters(str(venv), {"home": str(home)}) == []
    (venv / "Scripts" / "python.exe").write_bytes(b"MZ another program")
    assert loket_install.foreign_interpreters(str(venv), {"home": str(home)}) == [f"Scripts/python.exe (bukan Python {home})"]


def test_lokets_own_files_are_compared_with_the_kept_wheel_not_with_record(tmp_path):
    """Issue 88 finding 5: a module changed with its RECORD line, and a file added to Loket's RECORD."""
    import zipfile
    wheel = tmp_path / "loket_kecamatan-0.3.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("run.py", "print('loket')\n")
        archive.writestr("loket_kecamatan-0.3.0.dist-info/METADATA", "Name: loket-kecamatan\n")
        archive.writestr("loket_kecamatan-0.3.0.dist-info/RECORD", "run.py,sha256=x,1\n")
        archive.writestr("loket_kecamatan-0.3.0.data/scripts/loket", "#!python\n")
    site, info = tmp_path / "site-packages", "loket_kecamatan-0.3.0.dist-info"
    (site / info).mkdir(parents=True)
    (site / "run.py").write_text("print('loket')\n")
    (site / info / "METADATA").write_text("Name: loket-kecamatan\n")
    (site / info / "INSTALLER").write_text("pip\n")
    rows = [f"{name},{loket_install.file_hash(site / name)},1" for name in ("run.py", f"{info}/METADATA", f"{info}/INSTALLER")]
    (site / info / "RECORD").write_text("\n".join(rows + [f"{info}/RECORD,,", "../../../bin/loket,sha256=x,1"]) + "\n")
    assert loket_install.wheel_problems(str(site), str(wheel)) == []
    assert loket_install.kept_wheel([str(site)], str(tmp_path / ".venv")) == ("0.3.0", str(wheel))
    (site / "run.py").write_text("print('lulus')\n")
    record = site / info / "RECORD"
    record.write_text(record.read_text() + "zz-kait.pth,sha256=abc,9\n")
    assert loket_install.wheel_problems(str(site), str(wheel)) == ["run.py (tidak sama dengan wheel rilis)",
                                                                     "zz-kait.pth (tidak ada di wheel rilis)"]

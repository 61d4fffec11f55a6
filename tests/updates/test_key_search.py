"""Issue 79 finding 3: `release build` refuses while a copy of a release key lies where a real laptop keeps
one, not only under its own name three folders down: the trash (Linux' and Windows' Recycle Bin, renamed
`$R…`), deep folders, renamed copies, archives and linked folders (sync/release/key_search.py)."""
import io
import os
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest

from sync.release import candidate_build, key_signing
from sync.release.key_search import KeyCopy, key_copies, recycled_name
from tests.updates.test_release_build import THIS_PYTHON, made_wheel


@pytest.fixture
def key_text(tmp_path) -> bytes:
    """A release key as `release keys` writes it (online.pem: the one the guide tells the admin to copy)."""
    folder = key_signing.create_keys(tmp_path / "dibuat" / "kunci-rilis", tmp_path / "dibuat" / "kunci-root")
    return (folder / "online.pem").read_bytes()


def placed(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def found_in(home: Path, drives: list[Path] = ()) -> list[KeyCopy]:
    return candidate_build.keys_in_reach([home / "Downloads" / "loket_kecamatan-0.3.0-py3-none-any.whl"], home,
                                       list(drives))


def test_the_deleted_copy_in_the_linux_trash_is_found(tmp_path, key_text):
    home = tmp_path / "budi"
    copy = placed(home / ".local" / "share" / "Trash" / "files" / "online.pem", key_text)
    placed(home / ".local" / "share" / "Trash" / "info" / "online.pem.trashinfo",
           b"[Trash Info]\nPath=/home/budi/Desktop/online.pem\nDeletionDate=2026-11-27T10:00:00\n")
    near = found_in(home)
    assert [c.path for c in near] == [copy]
    assert "Tempat Sampah" in near[0].said()


def recycle_bin_info(original: str) -> bytes:
    """Windows 10's `$I…` file: version 2, size, deletion time, the name's length, the name (UTF-16)."""
    name = (original + "\x00").encode("utf-16-le")
    return struct.pack("<qqqi", 2, 119, 133_000_000_000_000_000, len(name) // 2) + name


def test_the_deleted_copy_in_a_windows_recycle_bin_is_found_under_its_dollar_r_name(tmp_path, key_text):
    """Windows renames a deleted file `$R<random>.<ext>` in `<drive>\\$Recycle.Bin\\<SID>` and keeps its
    name in the `$I…` beside it; the drive given as a folder, as the build gives its drive letters."""
    drive, home = tmp_path / "C", tmp_path / "C" / "Users" / "Budi Santoso"
    home.mkdir(parents=True)
    bin_folder = drive / "$Recycle.Bin" / "S-1-5-21-3623811015-3361044348-30300820-1001"
    copy = placed(bin_folder / "$R8Q2ZK1.pem", key_text)
    placed(bin_folder / "$I8Q2ZK1.pem", recycle_bin_info("C:\\Users\\Budi Santoso\\Desktop\\online.pem"))
    deleted_folder = placed(bin_folder / "$RX7Y3AB" / "kunci-rilis" / "salinan", key_text)  # a whole folder deleted
    placed(bin_folder / "$IX7Y3AB", recycle_bin_info("C:\\Users\\Budi Santoso\\Desktop\\kunci-rilis"))
    near = found_in(home, [drive])
    assert {c.path for c in near} == {copy, deleted_folder}
    said = {c.path: c.said() for c in near}
    assert "Tempat Sampah, semula C:\\Users\\Budi Santoso\\Desktop\\online.pem" in said[copy]
    assert recycled_name(deleted_folder) == "C:\\Users\\Budi Santoso\\Desktop\\kunci-rilis"


def test_a_copy_many_folders_deep_in_the_home_or_on_a_drive_is_found(tmp_path, key_text):
    home, drive = tmp_path / "budi", tmp_path / "E"
    deep = placed(home / "Dokumen" / "kantor" / "2026" / "rilis" / "lama" / "cadangan" / "targets.pem", key_text)
    on_stick = placed(drive / "arsip" / "a" / "b" / "c" / "d" / "e" / "kunci-rilis" / "online.pem", key_text)
    assert {c.path for c in found_in(home, [drive])} == {deep, on_stick}


def test_a_renamed_copy_is_found_by_its_content(tmp_path, key_text):
    home = tmp_path / "budi"
    bak = placed(home / "Desktop" / "targets.pem.bak", key_text)
    note = placed(home / "Dokumen" / "catatan kunci.txt", b"kunci rilis, jangan dibuang:\r\n" + key_text.replace(b"\n", b"\r\n"))
    assert {c.path for c in found_in(home)} == {bak, note}


def test_another_private_key_of_the_admin_is_not_taken_for_a_release_key(tmp_path):
    """Only the format `release keys` writes (Ed25519, PKCS#8): an SSH or TLS key of the admin does not
    stop the build."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    home = tmp_path / "budi"
    tls = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    placed(home / "server" / "tls.key", tls)
    placed(home / ".ssh" / "id_ed25519", b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
                                         b"-----END OPENSSH PRIVATE KEY-----\n")
    assert found_in(home) == []


def test_a_copy_inside_a_zip_or_a_tar_is_found(tmp_path, key_text):
    home = tmp_path / "budi"
    archive = home / "Downloads" / "kunci lama.zip"
    archive.parent.mkdir(parents=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("catatan.txt", "bukan kunci")
        zipped.writestr("kunci-rilis/targets.pem", key_text)
        zipped.writestr("kunci-rilis/salinan-online", key_text)  # renamed inside the archive
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w:gz") as tarred:
        member = tarfile.TarInfo("cadangan/kunci.txt")
        member.size = len(key_text)
        tarred.addfile(member, io.BytesIO(key_text))
    tar = placed(home / "Dokumen" / "cadangan-laptop.dat", packed.getvalue())  # renamed: its content says tar
    near = found_in(home)
    assert {(c.path, c.inside) for c in near} == {(archive, "kunci-rilis/targets.pem"),
                                                  (archive, "kunci-rilis/salinan-online"),
                                                  (tar, "cadangan/kunci.txt")}
    assert "di dalam arsip: kunci-rilis/targets.pem" in {c.path: c.said() for c in near if c.name == "targets.pem"}[archive]


def symlinked(link: Path, target: Path) -> None:
    try:
        link.symlink_to(target, target_is_directory=True)
    except OSError:  # Windows without the right to make links: a junction is what a user has there
        pytest.skip("this system makes no symbolic links for this user")


def test_a_key_folder_reached_through_a_link_is_found_and_a_loop_ends(tmp_path, key_text):
    home, elsewhere = tmp_path / "budi", tmp_path / "data-lain"
    copy = placed(elsewhere / "kunci-rilis" / "targets.pem", key_text)
    home.mkdir()
    symlinked(home / "kunci", elsewhere / "kunci-rilis")
    symlinked(home / "kunci" / "putaran", home)  # a link back up: walked once
    near = found_in(home)
    assert [c.path.resolve() for c in near] == [copy.resolve()]


def test_release_build_refuses_naming_the_trash_copy_and_how_to_destroy_it(tmp_path, key_text):
    home = tmp_path / "budi"
    placed(home / ".local" / "share" / "Trash" / "files" / "online.pem", key_text)
    wheel = made_wheel(tmp_path / "unduhan", "0.3.0")
    with pytest.raises(key_signing.ReleaseError) as refused:
        candidate_build.build(wheel, pythons=[THIS_PYTHON], platforms=["manylinux_x86_64"], work=tmp_path / "kerja",
                            say=lambda line: None, home=home, drives=[])
    said = str(refused.value)
    assert os.path.join(".local", "share", "Trash", "files", "online.pem") in said and "Tempat Sampah" in said
    assert "musnahkan" in said and "Salinan kunci di laptop" in said
    assert not (tmp_path / "kerja" / "wheel").exists()


def test_the_search_reads_no_large_file_and_no_kernel_file(tmp_path, key_text):
    """Bounded: a file larger than a key is not read unless named as an archive (a key pasted at the end
    of a large document is not looked for), and /proc is never walked (some of its files never end)."""
    home = tmp_path / "budi"
    placed(home / "video.mp4", b"\x00" * (64 * 1024) + key_text)
    if os.name != "nt" and Path("/proc/self").is_dir():
        symlinked(home / "proses", Path("/proc"))
    assert key_copies([home]) == []


def test_a_test_whose_search_would_walk_this_machines_home_fails_at_once(tmp_path):
    """The search over a real home took 21 s and read its files; tests that ran `release build` through
    run.main walked the lab's own home. tests/conftest.py stops such a search before it starts."""
    with pytest.raises(AssertionError, match="key search of this machine's home"):
        candidate_build.keys_in_reach([tmp_path / "loket_kecamatan-0.3.0-py3-none-any.whl"], None, [])


def test_the_machines_own_checker_key_is_not_a_release_key_wherever_it_lies(tmp_path, key_text, monkeypatch):
    """Issue 88 finding 2: the first build writes this machine's checker key into the home's settings folder
    (the same format as a release key); the next build called it "salinan kunci rilis" to destroy. Told
    apart by the key it holds: there, and in a backup of the settings, it is not refused; a release key
    is, even under the checker key's name."""
    from sync.release import key_checker
    home = tmp_path / "budi"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))  # as on a laptop: the settings in the home
    monkeypatch.setenv("LOCALAPPDATA", str(home / "AppData" / "Local"))
    key_checker.checker_key()  # the first build's
    own = key_checker.checker_key_path()
    assert home in own.parents
    (home / "Dokumen").mkdir()
    with zipfile.ZipFile(home / "Dokumen" / "cadangan-pengaturan.zip", "w") as zipped:
        zipped.writestr(".config/loket-kecamatan/pemeriksa-rilis.pem", own.read_bytes())
    wheel = [home / "Downloads" / "loket_kecamatan-0.3.0-py3-none-any.whl"]
    candidate_build.refuse_keys_in_reach(wheel, home, [])  # nothing to destroy: the build goes on
    disguised = placed(home / "lama" / key_checker.CHECKER_KEY, key_text)
    with pytest.raises(key_signing.ReleaseError) as refused:
        candidate_build.refuse_keys_in_reach(wheel, home, [])
    said = str(refused.value)
    assert str(disguised) in said and str(own) not in said and "cadangan-pengaturan.zip" not in said

"""What the trusted side does with what a candidate leaves in its work folder (issue 88 finding 6): a
link in the relay socket's place, a link where the next step makes its folders, a read-only folder
and the office's restored copy at the end of the build, escapes in what it printed. Real processes,
files and sockets; no sandbox needed (the trusted side's handling is what is tried)."""
import os
import socket
import sys

import pytest

from sync.release import candidate_build, candidate_sandbox, candidate_walk
from sync.release.key_signing import ReleaseError

posix_only = pytest.mark.skipif(os.name == "nt", reason="unix sockets and the sandbox: the Linux check only")

# The candidate's check-server as a hostile one plays it: the relay's socket replaced by a link to a
# socket of the admin's (its path known, as an ssh-agent's is), then a ready file as the contract says.
LINKER = r'''
import json, os, sys, time
link, target, ready = sys.argv[1:4]
if os.path.lexists(link):
    os.unlink(link)
os.symlink(target, link)
with open(ready + ".tmp", "w") as out:
    json.dump({"port": 8080, "lan_port": 8443, "lan_ca": "", "version": "0.3.0",
               "accounts": [{"role": "admin", "username": "a", "password": "b"}]}, out)
os.replace(ready + ".tmp", ready)
time.sleep(600)
'''


@posix_only
def test_a_link_in_the_relay_sockets_place_reaches_no_socket_of_the_admin(tmp_path):
    outer, sockets = candidate_sandbox.socket_folders()
    agent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    agent.bind(str(tmp_path / "agent.sock"))  # the admin's ssh-agent, say
    agent.listen(4)
    agent.setblocking(False)
    work = tmp_path / "jalan"
    work.mkdir()
    (tmp_path / "kandidat.py").write_text(LINKER)
    try:
        verdict = candidate_walk.walk_candidate(
            [sys.executable, "-I", str(tmp_path / "kandidat.py"), str(sockets / candidate_sandbox.SOCKET_NAME),
             str(tmp_path / "agent.sock"), str(work / candidate_walk.READY_FILE)],
            {"PATH": os.environ["PATH"]}, work, 60, roles={"admin"}, version="0.3.0",
            through=sockets / candidate_sandbox.SOCKET_NAME)
        assert not verdict.passed and verdict.interrupted is None
        assert verdict.failed_urls() == ["(soket versi baru tidak dapat dipakai: OSError)"]
        with pytest.raises(BlockingIOError):  # nobody ever connected to the admin's socket
            agent.accept()
    finally:
        agent.close()
        candidate_build.discard_work(outer)


@posix_only
def test_the_next_steps_folders_are_not_made_through_a_link_the_candidate_left(tmp_path):
    work, admins_home = tmp_path / "kerja", tmp_path / "rumah-admin"
    admins_home.mkdir()
    candidate_build.candidate_env(work)  # the first step's folders
    config = work / candidate_build.CANDIDATE_HOME / ".config"
    config.rmdir()
    config.symlink_to(admins_home)  # what the candidate left when its step ended
    (work / candidate_build.CANDIDATE_HOME / "AppData").rename(work / "appdata-lama")
    (work / candidate_build.CANDIDATE_HOME / "AppData").symlink_to(admins_home)
    with pytest.raises(ReleaseError, match="membuat tautan"):
        candidate_build.candidate_env(work)
    assert list(admins_home.iterdir()) == []


@posix_only
def test_the_work_folder_goes_whole_the_offices_copy_and_read_only_folders_included(tmp_path):
    """After a build (passed or not) nothing of the office's copy is left, a folder the candidate made
    read-only or unreadable goes too, and a link it left to the admin's files is removed, not followed."""
    work, admins = tmp_path / "loket-rilis-x", tmp_path / "dokumen-admin"
    admins.mkdir()
    (admins / "surat.txt").write_text("milik admin")
    admins.chmod(0o750)
    copy = work / "salinan-1"
    (copy / "foto").mkdir(parents=True)
    (copy / "loket.sqlite3").write_bytes(b"SQLite format 3\0 NIK 3201010101010001")
    (copy / "kunci-pemulihan.txt").write_text("kunci")
    (copy / "foto" / "ktp.jpg").write_bytes(b"\xff\xd8")
    (copy / "foto").chmod(0o500)
    locked = work / "rumah" / "terkunci" / "dalam"
    locked.mkdir(parents=True)
    (locked / "berkas").write_text("x")
    locked.chmod(0o000)
    (work / "rumah" / "terkunci").chmod(0o500)
    (work / "rumah" / "ke-admin").symlink_to(admins)
    (work / "rumah" / "berkas-admin").symlink_to(admins / "surat.txt")
    candidate_build.discard_work(work)
    assert not work.exists() and not os.path.lexists(work)
    assert (admins / "surat.txt").read_text() == "milik admin" and admins.stat().st_mode & 0o777 == 0o750


def test_the_candidates_output_reaches_the_terminal_quoted_and_without_control_sequences(tmp_path):
    printed = ("Traceback: gagal\n\x1b[2J\x1b[H\x1b]0;Loket\x07Rilis 9.9.9 lulus pemeriksaan.\r"
               "Langkah berikutnya: release sign \x1b[8msembunyi\x1b[0m\x9b2J\x07\x08\n")
    said = candidate_build._tail(printed)
    assert "\x1b" not in said and "\x07" not in said and "\x08" not in said and "\x9b" not in said
    assert said.splitlines() == ["  | Traceback: gagal", "  | Rilis 9.9.9 lulus pemeriksaan.",
                                 "  | Langkah berikutnya: release sign sembunyi2J"]
    (tmp_path / candidate_walk.LOG_FILE).write_text(printed, "utf-8")
    assert "\x1b" not in candidate_walk.log_tail(tmp_path)
    verdict = candidate_walk.Verdict(pages=3, failed=[("/a\x1b[2Jb", 500)])
    assert candidate_walk.summary(verdict) == "/ab (HTTP 500)"

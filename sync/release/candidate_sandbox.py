"""The throwaway sandbox every process of a release candidate runs in (issue 79 finding 1).

A candidate run as the admin's own user could write the program that signs next, leave a process
behind and read a key stick when it goes in. So on Linux every candidate process runs under
bubblewrap (`bwrap`): new user, pid, mount, IPC, UTS, cgroup and network namespaces (only a loopback
inside, so it reaches nothing on the laptop or the internet), its own session (no keystrokes into the
admin's terminal), killed with everything it started when the trusted program stops it
(--die-with-parent; pid 1 of its namespace dying takes every process of it), a root of nothing but:
the Python it runs (read-only), its venv (read-only), the work folder (the only place it may write),
fresh /proc, /dev and /tmp. No /home, /media, /mnt, /run/user, /etc: the admin's files, the drives,
the signer's processes and program are not there to see.

The walker (sync/release/candidate_walk.py) stays outside. It reaches the candidate's server through a unix
socket in a folder bound into the sandbox: inside, `candidate_relay.py` (run with `python -I -S`, so no
.pth of the candidate runs in it) gives the candidate a network of its own where the office PC is
OFFICE_ADDRESS and a counter COUNTER_ADDRESS, starts the candidate's command (its LAN listener on
OFFICE_ADDRESS) and carries each connection to that listener from COUNTER_ADDRESS, as a counter's
browser comes (issue 88 finding 7); outside, `Bridge` listens on the host's 127.0.0.1 and carries
each connection to that socket. The candidate runs as a user of its own (SANDBOX_UID), never as
root of its namespace, even when the build runs as root (a center server's service).

Windows has no such sandbox here: `unavailable()` says why, and the release build refuses to run a
candidate at all (the check then runs at the center's Linux server)."""
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from sync.release.candidate_relay import pump

RELAY = Path(__file__).with_name("candidate_relay.py")
SOCKET_NAME = "kandidat.sock"
INSIDE_SOCKETS = "/soket"  # where the socket folder is inside: short, whatever the host's path is
PROBE_SECONDS = 30
TMP_BYTES = 256 * 1024 * 1024  # its /tmp is memory: a candidate filling it must not fill the laptop's
SANDBOX_UID = 1000
# The office's LAN inside the sandbox (private addresses, as an office router gives; the office's CA may
# vouch for them): the office PC the candidate serves as, and the counter PC the walk comes from.
OFFICE_ADDRESS = "192.168.1.10"
COUNTER_ADDRESS = "192.168.1.21"


def bwrap() -> str | None:
    return shutil.which("bwrap")


def unavailable() -> str | None:
    """Why no candidate can be sandboxed on this machine (Indonesian), None when it can."""
    if os.name == "nt":
        return "Windows tidak menyediakan kotak pasir (bubblewrap) untuk menjalankan rilis yang belum dipercaya"
    if bwrap() is None:
        return "program bubblewrap (bwrap) belum terpasang (Debian/Ubuntu: sudo apt install bubblewrap)"
    # The sandbox, then the office network its relay makes inside it (a system may refuse a user
    # namespace inside bubblewrap's): refused here, before anything of a release is gathered or run.
    network = [os.path.realpath(sys.executable), "-I", "-S", str(RELAY), "--coba", OFFICE_ADDRESS, COUNTER_ADDRESS]
    for argv, readonly in ((["/bin/true"], []), (network, [RELAY])):
        try:
            done = subprocess.run(command(argv, Path(tempfile.gettempdir()), readonly), stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=PROBE_SECONDS, text=True)
        except (OSError, subprocess.TimeoutExpired) as problem:
            return f"bubblewrap tidak dapat dijalankan ({type(problem).__name__})"
        if done.returncode != 0 and argv is network:
            return f"bubblewrap tidak dapat memberi rilis jaringan kantornya sendiri di sistem ini ({done.stdout.strip()[-200:]})"
        if done.returncode != 0:
            return f"bubblewrap tidak dapat membuat kotak pasir di sistem ini ({done.stdout.strip()[-200:]})"
    return None


def _system_binds() -> list[str]:
    """/usr read-only, and /bin, /lib... as they are on the host (links into /usr, or folders)."""
    found = ["--ro-bind", "/usr", "/usr"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(name):
            found += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            found += ["--ro-bind", name, name]
    return found


def command(argv: list[str], work: Path, readonly: list[Path] = (), hidden: list[Path] = (),
            sockets: Path | None = None) -> list[str]:
    """`argv` as bwrap runs it: `work` the only folder it may write (bound at its own path, the
    candidate's cwd), `readonly` folders or files bound read-only at their own paths over it (its
    venv, a backup to restore), `hidden` folders of `work` replaced by an empty one, and `sockets`
    (a host folder) at INSIDE_SOCKETS for the relay's socket. The Python running this (its base
    installation) is bound read-only too."""
    work = Path(work).resolve()
    python = Path(sys.base_prefix).resolve()
    binds = _system_binds()
    if Path("/usr") not in (python, *python.parents):  # pyenv's, /opt's: bound on its own
        binds += ["--ro-bind", str(python), str(python)]
    binds += ["--bind", str(work), str(work)]
    for path in readonly:
        binds += ["--ro-bind", str(Path(path).resolve()), str(Path(path).resolve())]
    for path in hidden:
        binds += ["--size", "65536", "--tmpfs", str(Path(path).resolve())]
    if sockets is not None:
        binds += ["--bind", str(Path(sockets).resolve()), INSIDE_SOCKETS]
    return [bwrap() or "bwrap", "--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid",
            str(SANDBOX_UID), "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--proc", "/proc", "--dev", "/dev", "--size", str(TMP_BYTES), "--tmpfs", "/tmp", *binds, "--chdir", str(work),
            "--", *argv]


def relayed(argv: list[str], ready_file: Path, python: Path) -> list[str]:
    """`argv` started inside the sandbox by the relay, which serves SOCKET_NAME in INSIDE_SOCKETS and
    carries it to the LAN listener on OFFICE_ADDRESS from COUNTER_ADDRESS. `python`: the candidate's
    (its base interpreter; -I -S: no .pth, no variable, no user site)."""
    return [str(python), "-I", "-S", str(RELAY), f"{INSIDE_SOCKETS}/{SOCKET_NAME}", str(ready_file), OFFICE_ADDRESS,
            COUNTER_ADDRESS, "--", *argv]


def socket_folders() -> tuple[Path, Path]:
    """(a new private folder, the folder in it bound into the sandbox for the relay's socket). Short:
    a unix socket's path has at most 107 bytes. The candidate writes only the inner one."""
    outer = Path(tempfile.mkdtemp(prefix="loket-soket-"))
    (outer / "kandidat").mkdir()
    return outer, outer / "kandidat"


def pinned_socket(path: Path) -> Path:
    """The relay's socket as a hard link of its own in the private folder above (socket_folders),
    which the candidate cannot write: the name in the candidate's folder may be a link it made to any
    unix socket of the admin's (an ssh-agent), and connect() follows links (issue 88 finding 6). The
    link is made without following one, and must be a socket. OSError when it is not."""
    path = Path(path)
    pinned = path.parent.parent / path.name
    pinned.unlink(missing_ok=True)
    os.link(path, pinned, follow_symlinks=False)
    if not stat.S_ISSOCK(os.lstat(pinned).st_mode):
        pinned.unlink()
        raise OSError(f"{path.name} bukan soket")
    return pinned


class Bridge:
    """127.0.0.1:<port> on the host, each connection carried to the relay's unix socket (pinned_socket:
    OSError when the candidate put anything else in its place)."""

    def __init__(self, socket_path: Path):
        self.path = str(pinned_socket(socket_path))
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._carry, args=(client,), daemon=True).start()

    def _carry(self, client: socket.socket) -> None:
        inside = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            inside.connect(self.path)
        except OSError:
            client.close()
            inside.close()
            return
        pump(client, inside)

    def close(self) -> None:
        self.closed = True
        self.server.close()

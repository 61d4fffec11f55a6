"""Inside the candidate's sandbox (sync/release/candidate_sandbox.py): give the candidate an office network of its own,
start its command and carry each connection of a unix socket to the LAN listener its ready file
names, from a counter's address, so that the walker outside, in another network namespace, reaches
the candidate's server as the counters do (issue 88 finding 7: a walk from 127.0.0.1 passed a
release that failed every counter). Run as `python -I -S candidate_relay.py SOCKET READY_FILE OFFICE
COUNTER -- COMMAND...`: standard library only, nothing of the candidate's environment runs in it. It
ends with the candidate's exit code. The host imports `pump` from here (Linux-only parts are imported
where they run: the office PC's Windows imports this module too)."""
import json
import os
import socket
import subprocess
import sys
import threading


def pump(one: socket.socket, other: socket.socket) -> None:
    """Bytes both ways until either side closes; both closed then."""
    def copy(source, target):
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
    back = threading.Thread(target=copy, args=(other, one), daemon=True)
    back.start()
    copy(one, other)
    back.join()
    one.close()
    other.close()


# Linux's numbers (linux/sched.h, linux/sockios.h, linux/if.h, linux/capability.h).
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000
SIOCSIFFLAGS, SIOCSIFADDR, SIOCSIFNETMASK = 0x8914, 0x8916, 0x891C
IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x1, 0x8, 0x40
CAPABILITY_VERSION_3 = 0x20080522


def office_network(office: str, counter: str) -> None:
    """This process (single-threaded still) in a user and network namespace of its own, inside the
    sandbox's: bubblewrap keeps no capability for what it runs, a namespace made here gives this
    process the one it needs to put the office PC's and a counter's addresses on its loopback device.
    The namespace maps this user to itself (the candidate writes its files as before) and this
    process's capabilities are dropped before the candidate starts: it starts with none, in a network
    that reaches nothing but itself. OSError when the system refuses a step."""
    import ctypes
    import importlib
    import struct
    fcntl = importlib.import_module("fcntl")  # Linux only: never imported on the office's Windows
    libc = ctypes.CDLL(None, use_errno=True)
    owner = os.stat("/proc/self")  # this process's user and group, read before the namespace hides them
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), f"unshare: {os.strerror(ctypes.get_errno())}")
    for name, text in (("setgroups", "deny"), ("uid_map", f"{owner.st_uid} {owner.st_uid} 1\n"),
                       ("gid_map", f"{owner.st_gid} {owner.st_gid} 1\n")):
        with open(f"/proc/self/{name}", "w") as written:
            written.write(text)

    def address(value: str) -> bytes:  # a struct sockaddr_in as struct ifreq holds it
        return struct.pack("H2s4s8x", socket.AF_INET, b"", socket.inet_aton(value))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as device:
        fcntl.ioctl(device, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING))
        for label, value in ((b"lo:1", office), (b"lo:2", counter)):
            fcntl.ioctl(device, SIOCSIFADDR, struct.pack("16s", label) + address(value))
            fcntl.ioctl(device, SIOCSIFNETMASK, struct.pack("16s", label) + address("255.255.255.255"))
    header = struct.pack("Ii", CAPABILITY_VERSION_3, 0)
    if libc.capset(header, ctypes.create_string_buffer(24)) != 0:  # none effective, permitted or inheritable
        raise OSError(ctypes.get_errno(), f"capset: {os.strerror(ctypes.get_errno())}")


def _lan_port(ready_file: str) -> int | None:
    try:
        with open(ready_file, "rb") as ready:
            port = json.loads(ready.read(65536)).get("lan_port")
        return port if type(port) is int else None
    except (OSError, ValueError, AttributeError):
        return None


def _carry(client: socket.socket, ready_file: str, office: str, counter: str) -> None:
    port = _lan_port(ready_file)
    try:  # from the counter's address: what the candidate sees of its client is a LAN PC's
        server = socket.create_connection((office, port), source_address=(counter, 0)) if port else None
    except OSError:
        server = None
    if server is None:
        client.close()
        return
    pump(client, server)


def main(argv: list[str]) -> int:
    """`--coba OFFICE COUNTER`: only whether this system lets the sandbox have its office network
    (candidate_sandbox.unavailable asks before anything of a release runs)."""
    path, ready_file, office, counter = (None, None, *argv[1:3]) if argv[0] == "--coba" else argv[:4]
    try:
        office_network(office, counter)
    except OSError as problem:
        print(f"jaringan kantor di dalam kotak pasir tidak dapat dibuat ({problem}): sistem ini tidak mengizinkan "
              "ruang nama pengguna bertingkat (user namespace) di dalam bubblewrap", flush=True)
        return 70
    if path is None:
        return 0
    command = argv[argv.index("--") + 1:]
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)

    def accept():
        while True:
            client, _ = listener.accept()
            threading.Thread(target=_carry, args=(client, ready_file, office, counter), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

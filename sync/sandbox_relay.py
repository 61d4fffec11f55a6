"""Inside the candidate's sandbox (sync/sandbox.py): start the candidate's command and carry each
connection of a unix socket to the port its ready file names, so that the walker outside, in
another network namespace, reaches the server of the candidate. Run as `python -I -S
sandbox_relay.py SOCKET READY_FILE -- COMMAND...`: standard library only, nothing of the candidate's
environment runs in it. It ends with the candidate's exit code. The host imports `pump` from here."""
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


def _port(ready_file: str) -> int | None:
    try:
        with open(ready_file, "rb") as ready:
            port = json.loads(ready.read(65536)).get("port")
        return port if type(port) is int else None
    except (OSError, ValueError, AttributeError):
        return None


def _carry(client: socket.socket, ready_file: str) -> None:
    port = _port(ready_file)
    try:
        server = socket.create_connection(("127.0.0.1", port)) if port else None
    except OSError:
        server = None
    if server is None:
        client.close()
        return
    pump(client, server)


def main(argv: list[str]) -> int:
    path, ready_file, command = argv[0], argv[1], argv[argv.index("--") + 1:]
    if os.path.exists(path):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)

    def accept():
        while True:
            client, _ = listener.accept()
            threading.Thread(target=_carry, args=(client, ready_file), daemon=True).start()
    threading.Thread(target=accept, daemon=True).start()
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The TLS handshake's own CPU on the office's LAN listener (issue 90, finding 6): the office's context
(app/frame/office_tls.server_context: its EC P-256 leaf signed by its CA) against a client trusting that CA,
both in this process over memory BIOs (no socket, no thread, no HTTP): the server side's thread CPU per
connection, a full handshake beside a resumed one (TLS 1.3 tickets, as a returning Chromium), with the
server's default two tickets and with one; the ticket's lifetime (how long a counter may pause and still resume).

    python bench/tls_handshake_cpu.py [--rounds 400]
"""
import argparse
import os
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def contexts(folder: Path, tickets: int | None):
    from app.frame import office_tls
    ca = office_tls.new_ca("Kecamatan Bench")
    leaf = office_tls.issue_leaf(ca, ["loket-bench.local"], ["127.0.0.2"])
    server = office_tls.server_context(leaf, folder)
    if tickets is not None:
        server.num_tickets = tickets
    client = ssl.create_default_context(cadata=ca["cert"])
    return server, client


def connection(server: ssl.SSLContext, client: ssl.SSLContext, session) -> tuple[float, ssl.SSLObject]:
    """One handshake and a 100-byte request and answer; (the server's thread CPU in seconds, the client)."""
    client_in, client_out, server_in, server_out = (ssl.MemoryBIO() for _ in range(4))
    near = client.wrap_bio(client_in, client_out, server_hostname="loket-bench.local", session=session)
    far = server.wrap_bio(server_in, server_out, server_side=True)
    used, near_done, far_done = 0.0, False, False
    while not (near_done and far_done):
        if not near_done:
            try:
                near.do_handshake()
                near_done = True
            except ssl.SSLWantReadError:
                pass
        server_in.write(client_out.read())
        began = time.thread_time()
        if not far_done:
            try:
                far.do_handshake()
                far_done = True
            except ssl.SSLWantReadError:
                pass
        used += time.thread_time() - began
        client_in.write(server_out.read())
    near.write(b"G" * 100)
    server_in.write(client_out.read())
    began = time.thread_time()
    far.read(100)
    far.write(b"H" * 100)
    used += time.thread_time() - began
    client_in.write(server_out.read())
    near.read(100)
    try:
        near.read(1)  # the TLS 1.3 tickets come after the handshake
    except ssl.SSLWantReadError:
        pass
    return used, near


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400)
    options = parser.parse_args(argv)
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    print(f"# {ssl.OPENSSL_VERSION}, {options.rounds} rounds, load {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        for tickets in (None, 1):
            server, client = contexts(Path(folder), tickets)
            _, first = connection(server, client, None)
            session, full, resumed = first.session, [], []
            for _ in range(options.rounds):  # taking turns
                full.append(connection(server, client, None)[0])
                used, near = connection(server, client, session)
                assert near.session_reused, "the session was not resumed"
                resumed.append(used)
                session = near.session
            print(f"tickets {tickets or 'default (2)'}: server CPU per connection, full {statistics.median(full) * 1000:.3f}"
                  f" ms, resumed {statistics.median(resumed) * 1000:.3f} ms; {near.version()} {near.cipher()[0]}, "
                  f"ticket lifetime {session.timeout} s")
    print(f"# load {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What TLS on the office's LAN costs (issue 84): the same office program serving its loopback over plain
HTTP (waitress) and its LAN over TLS (cheroot, app/frame/office_tls.py), in one CPU cgroup limited to
`--cores` of a core, one clerk at a time taking turns on the two listeners, in one run:

- a page (the register, /pendaftaran) on a kept-alive connection, as a browser opens the next page;
- a registration with a photo (the POST and the page its redirect shows);
- the sign-in page on a new connection (TCP, and over TLS its handshake: a browser's first page, or one
  after its idle connection was let go), by requests with a full handshake each time;
- the register after the clerk paused longer than cheroot's former 10 s keep-alive (typing a form), on the
  same requests session (`--pauses` rounds, both listeners after one pause, taking turns first);
- the same page on a new connection by a counter that comes back (issue 90, finding 6): its TLS session
  resumed from its last connection, as Chromium does (a raw HTTP/1.1 GET, `session=`; plain: the same GET).

Each reported as the median and p95 of the clerk's wait and the server's CPU per action (its threads'
schedstat), and the TLS/plain ratio of the medians. The LAN listener is bound to 127.0.0.2 (loopback's
second address on Linux): no packet leaves the machine, the cost is the TLS and the server's own.
`--peer DIR`: a checkout of an earlier version (`git archive COMMIT | tar -x -C DIR`) served beside this one,
in the same cgroup, the clerks taking turns on all four listeners: before and after in one run. `--first`:
the server's cgroup and the clerks' own (this process, no quota) run before the machine's other processes (the
highest CPU weight), as on an office PC and a counter PC that run nothing else; the quota still caps the server.

    python bench/bench_lan_tls.py                      # half a core, 40 rounds
    python bench/bench_lan_tls.py --cores 0 --rounds 100
    python bench/bench_lan_tls.py --starts 0 --pauses 0 --first --peer /tmp/peer

Linux, root (cgroup). docs/benchmarks.md has the figures.
"""
import argparse
import os
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_day import FormReader, free_port, photo_jpeg  # noqa: E402
from bench.slow_pc import SlowCore, cpu_seconds, load  # noqa: E402

PASSWORD = "bench-lan-2026"
LAN_HOST = "127.0.0.2"


def prepare(data: Path) -> str:
    """The office set up with one clerk; its CA made. Returns the CA as PEM (what a counter trusts)."""
    from app import create_app
    from app.auth.accounts import create_user
    from app.firstrun import seed_identity
    from app.frame import office_tls
    app = create_app({"DATA_DIR": data})
    with app.app_context(), app.extensions["database"].connection_context():
        seed_identity("35.08.07")
        create_user("loket1", "Petugas Loket", "petugas_loket", password=PASSWORD, must_change_password=False)
        ca = office_tls.office_ca()["cert"]
    app.extensions["database"].close_all()
    return ca


class Clerk:
    def __init__(self, base: str, verify):
        self.base, self.verify = base, verify
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.verify = verify
        self.session.headers["Referer"] = base + "/"  # as a browser sends it (Flask-WTF checks it over HTTPS)

    def form(self, path: str) -> FormReader:
        reader = FormReader(self.session.get(self.base + path, timeout=60).text)
        return reader

    def sign_in(self) -> None:
        form = self.form("/masuk")
        done = self.session.post(self.base + "/masuk", data={"csrf_token": form.csrf, "username": "loket1",
                                                             "password": PASSWORD}, allow_redirects=False, timeout=60)
        assert done.status_code in (302, 303) and not done.headers["Location"].endswith("/masuk"), done.status_code

    def page(self) -> None:
        answer = self.session.get(self.base + "/pendaftaran", timeout=60)
        assert answer.status_code == 200, answer.status_code

    def new_connection(self) -> None:
        with requests.Session() as fresh:
            fresh.trust_env = False
            answer = fresh.get(self.base + "/masuk", verify=self.verify, timeout=60)
            assert answer.status_code == 200

    def register(self, serial: int, photo: bytes) -> None:
        form = self.form("/pendaftaran/baru")
        data = {"csrf_token": form.csrf, "nik": f"350807120590{serial:04d}", "kk_number": f"350807010110{serial:04d}",
                "full_name": "Budi Santoso", "birth_place": "Lumajang", "birth_date": "1990-05-12", "sex": "L",
                "address": "Dusun Krajan No. 5", "rt": "2", "rw": "1", "desa": form.choices["desa-list"][0],
                "religion": "Islam", "marital_status": "Kawin", "occupation": "Petani/Pekebun",
                "phone": "0812-3456-7890", "reason": "rusak", "biometric_done": "1"}
        saved = self.session.post(self.base + "/pendaftaran/baru", data=data,
                                  files={"photo": ("foto.jpg", photo, "image/jpeg")}, allow_redirects=False, timeout=60)
        assert saved.status_code in (302, 303), saved.status_code
        assert self.session.get(urljoin(self.base + "/", saved.headers["Location"]), timeout=60).status_code == 200


class Returning:
    """A counter's browser opening a new connection for its next page: GET with Connection: close, over TLS
    resuming the session of its last connection (tickets), or plain."""

    def __init__(self, host: str, port: int, ca_file: str | None = None):
        self.host, self.port = host, port
        self.context = ssl.create_default_context(cafile=ca_file) if ca_file else None
        self.session, self.resumed, self.pages = None, 0, 0

    def get(self, path: str = "/masuk") -> None:
        sock = socket.create_connection((self.host, self.port), timeout=60)
        if self.context:
            sock = self.context.wrap_socket(sock, server_hostname=self.host, session=self.session)
        with sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nConnection: close\r\n\r\n"
                         .encode("ascii"))
            answer = bytearray()
            while chunk := sock.recv(65536):  # to the end: the TLS 1.3 ticket comes after the handshake
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200"), bytes(answer[:60])
            if self.context:
                self.resumed += sock.session_reused
                self.session = sock.session
            self.pages += 1


def wait_ready(url: str, verify, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, verify=verify, timeout=2).ok:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url}")


def start_cost(data: Path, env: dict, core: SlowCore, lan: bool) -> tuple[float, float]:
    """(seconds from the start to the loopback's first /healthz, the server's VmRSS in MB then): `serve` for
    this PC alone, or with the LAN's TLS listener beside (cheroot and ssl imported, the leaf checked)."""
    port, lan_port = free_port(), free_port()
    began = time.perf_counter()
    server = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "serve", "--data", str(data), "--port", str(port),
                               *(["--host", LAN_HOST, "--lan-port", str(lan_port)] if lan else [])],
                              cwd=ROOT, env=env, preexec_fn=core.enter, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", True)
        seconds = time.perf_counter() - began
        rss = next(int(line.split()[1]) for line in Path(f"/proc/{server.pid}/status").read_text().splitlines()
                   if line.startswith("VmRSS"))
        return seconds, rss / 1024
    finally:
        server.terminate()
        server.wait(20)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=float, default=0.5, help="share of one core for the server (0: no limit)")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--starts", type=int, default=3, help="starts of each kind for the start's cost")
    parser.add_argument("--pauses", type=int, default=10, help="rounds of the page after a 12 s pause")
    parser.add_argument("--peer", type=Path, help="an earlier version's checkout, served beside this one")
    parser.add_argument("--first", action="store_true", help="the server and the clerks before the machine's others")
    options = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-lan-tls-"))
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    os.environ["PYTHON_KEYRING_BACKEND"] = env["PYTHON_KEYRING_BACKEND"]
    ca_file = folder / "kantor.pem"
    ca_file.write_text(prepare(folder / "data"))
    core = SlowCore(f"loket-bench-lan-{os.getpid()}", first=options.first)
    core.limit(options.cores)
    counter = SlowCore(f"loket-bench-lan-{os.getpid()}-counter", first=True) if options.first else None
    if counter:
        counter.limit(0)
        counter.enter()
    starts = {lan: [start_cost(folder / "data", env, core, lan) for _ in range(options.starts)] for lan in (False, True)}
    roots = {"": ROOT, **({"peer ": options.peer.resolve()} if options.peer else {})}
    servers, clerks = {}, {}  # version -> its server; (version, listener) -> its clerk
    try:
        for version, root in roots.items():
            data, ca = (folder / "data-peer", folder / "kantor-peer.pem") if version else (folder / "data", ca_file)
            if version:
                ca.write_text(prepare(data))
            port, lan_port = free_port(), free_port()
            server = servers[version] = subprocess.Popen(
                [sys.executable, str(root / "run.py"), "serve", "--data", str(data), "--host", LAN_HOST,
                 "--port", str(port), "--lan-port", str(lan_port)], cwd=root, env=env, preexec_fn=core.enter,
                stdout=subprocess.DEVNULL, stderr=open(folder / f"server{version.strip()}.log", "w"))
            plain, tls = Clerk(f"http://127.0.0.1:{port}", True), Clerk(f"https://{LAN_HOST}:{lan_port}", str(ca))
            plain.server = tls.server = server
            plain.returning, tls.returning = Returning("127.0.0.1", port), Returning(LAN_HOST, lan_port, str(ca))
            clerks[(version, "loopback (HTTP)")], clerks[(version, "LAN (TLS)")] = plain, tls
        for clerk in clerks.values():
            wait_ready(clerk.base + "/healthz", clerk.verify)
        photo = photo_jpeg(__import__("random").Random(84))
        actions = {"page (kept-alive)": lambda c, n: c.page(),
                   "registration with photo": lambda c, n: c.register(n, photo),
                   "sign-in page, new connection": lambda c, n: c.new_connection(),
                   "new connection, session resumed": lambda c, n: c.returning.get()}
        for clerk in clerks.values():  # warm: templates compiled, the TLS session made once
            clerk.sign_in()
            clerk.page()
            clerk.returning.get()
        times = {(a, c): [] for a in actions for c in clerks}
        cpu = {(a, c): [] for a in actions for c in clerks}
        serial = 0
        for _ in range(options.rounds):
            for action, do in actions.items():
                for name, clerk in clerks.items():  # taking turns: what disturbs one disturbs the other
                    serial += 1
                    before_cpu, began = cpu_seconds(clerk.server.pid), time.perf_counter()
                    do(clerk, serial)
                    times[(action, name)].append(time.perf_counter() - began)
                    cpu[(action, name)].append(cpu_seconds(clerk.server.pid) - before_cpu)
        after_pause = "page after a 12 s pause"
        if options.pauses:
            for name in clerks:
                times[(after_pause, name)], cpu[(after_pause, name)] = [], []
            actions[after_pause] = None
        for turn in range(options.pauses):
            time.sleep(12)  # the clerk typing: longer than cheroot's former keep-alive (10 s)
            for name in (list(clerks) if turn % 2 == 0 else list(clerks)[::-1]):
                before_cpu, began = cpu_seconds(clerks[name].server.pid), time.perf_counter()
                clerks[name].page()
                times[(after_pause, name)].append(time.perf_counter() - began)
                cpu[(after_pause, name)].append(cpu_seconds(clerks[name].server.pid) - before_cpu)
        print(f"# TLS on the LAN vs plain HTTP on loopback: {options.rounds} rounds, server on "
              f"{options.cores or 'no limit of'} core ({core.kind}{', first' if options.first else ''}), load {load()}"
              + (f"; peer: {options.peer}" if options.peer else ""))
        print(f"{'action':32} {'listener':22} {'median ms':>10} {'p95 ms':>8} {'CPU ms':>8}")
        for action in actions:
            for version in servers:
                medians = {}
                for listener in ("loopback (HTTP)", "LAN (TLS)"):
                    waits, used = times[(action, (version, listener))], cpu[(action, (version, listener))]
                    medians[listener] = (statistics.median(waits), statistics.median(used))
                    print(f"{action:32} {version + listener:22} {medians[listener][0] * 1000:10.1f} "
                          f"{p95(waits) * 1000:8.1f} {medians[listener][1] * 1000:8.1f}")
                (wait_plain, cpu_plain), (wait_tls, cpu_tls) = medians.values()
                print(f"{'':32} {version + 'TLS / plain':22} {wait_tls / wait_plain:10.2f} {'':>8} "
                      f"{cpu_tls / cpu_plain if cpu_plain else float('nan'):8.2f}")
        server = servers[""]
        tls = clerks[("", "LAN (TLS)")]
        print(f"# the returning counter's TLS connections resumed: {tls.returning.resumed} of {tls.returning.pages}")
        rss = [line for line in Path(f"/proc/{server.pid}/status").read_text().splitlines()
               if line.startswith(("VmRSS", "VmHWM"))]
        print("# server memory with both listeners after the rounds: " + ", ".join(" ".join(line.split()) for line in rss))
        for lan, measured in starts.items():
            if not measured:
                continue
            print(f"# start, {'with the LAN TLS listener' if lan else 'loopback only'}: first /healthz "
                  f"{statistics.median(m[0] for m in measured):.2f} s, VmRSS {statistics.median(m[1] for m in measured):.1f} MB "
                  f"(median of {len(measured)})")
    finally:
        for server in servers.values():
            server.terminate()
            try:
                server.wait(20)
            except subprocess.TimeoutExpired:
                server.kill()
        core.close()
        if counter:
            counter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

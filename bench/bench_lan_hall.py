"""A clerk's requests over the office's LAN while the hall holds connections (issue 90, finding 1): the
office program (`run.py serve`, its LAN listener on 127.0.0.2) and one clerk, first quiet, then while five
visitors' devices (127.0.0.11-15) each hold 16 connections that never become a request (50 idle ones in
all, slow ones that sent one byte, half TLS handshakes, finished handshakes that ask nothing), kept full as
the office lets them go, and a sixth device opens one more idle connection every second. Each action's
median and p95 wait, quiet and in the hall, and their ratio, in one run:

- the sign-in page on a new connection (TCP and the TLS handshake: a browser's first page);
- the register (/pendaftaran) on the kept-alive connection;
- a registration with a photo (the POST and the page its redirect shows).

    python bench/bench_lan_hall.py                 # 100 rounds of each action in each phase (the hall's lasts
                                                    # past the door's 10 s: its connections let go and opened again)
    python bench/bench_lan_hall.py --rounds 300

Linux (loopback's 127.0.0.N addresses; the load read from /proc). docs/benchmarks.md has the figures.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_day import free_port, photo_jpeg  # noqa: E402
from bench.bench_lan_tls import LAN_HOST, Clerk, p95, prepare, wait_ready  # noqa: E402
from bench.slow_pc import load  # noqa: E402
from tests.lan.hall import Hall  # noqa: E402

DEVICES = [f"127.0.0.{n}" for n in range(11, 16)]
OPENER = "127.0.0.20"  # the device that opens one idle connection a second


def rounds(clerk: Clerk, actions: dict, count: int, serial: list) -> dict:
    times = {action: [] for action in actions}
    for _ in range(count):
        for action, do in actions.items():
            serial[0] += 1
            began = time.perf_counter()
            do(clerk, serial[0])
            times[action].append(time.perf_counter() - began)
    return times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    options = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-lan-hall-"))
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    os.environ["PYTHON_KEYRING_BACKEND"] = env["PYTHON_KEYRING_BACKEND"]
    ca_file = folder / "kantor.pem"
    ca_file.write_text(prepare(folder / "data"))
    port, lan_port = free_port(), free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "serve", "--data", str(folder / "data"),
                               "--host", LAN_HOST, "--port", str(port), "--lan-port", str(lan_port)],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=open(folder / "server.log", "w"))
    hall = Hall(LAN_HOST, lan_port)
    stop = threading.Event()
    try:
        clerk = Clerk(f"https://{LAN_HOST}:{lan_port}", str(ca_file))
        wait_ready(clerk.base + "/healthz", str(ca_file))
        photo = photo_jpeg(__import__("random").Random(90))
        actions = {"sign-in page, new connection": lambda c, n: c.new_connection(),
                   "register page (kept-alive)": lambda c, n: c.page(),
                   "registration with photo": lambda c, n: c.register(n, photo)}
        clerk.sign_in()
        clerk.page()  # warm: templates compiled
        serial = [0]
        quiet = rounds(clerk, actions, options.rounds, serial)

        for device in DEVICES:
            hall.device(device, idle=10, slow=2, half=2, shaken=2)
        deadline = time.monotonic() + 60
        while not hall.step() and time.monotonic() < deadline:
            time.sleep(0.05)
        replaced = [0]

        def visitor():  # the hall kept full as the office lets its connections go; one more a second
            last_opened = 0.0
            while not stop.wait(0.1):
                replaced[0] += hall.keep_up()
                if time.monotonic() - last_opened >= 1:
                    hall.device(OPENER, idle=1)
                    last_opened = time.monotonic()
        keeper = threading.Thread(target=visitor, daemon=True)
        keeper.start()
        began = time.perf_counter()
        busy = rounds(clerk, actions, options.rounds, serial)
        lasted = time.perf_counter() - began
        stop.set()
        keeper.join(10)
        kinds = {kind: sum(h.kind == kind for h in hall.held) for kind in ("idle", "slow", "half", "shaken")}

        print(f"# a clerk over TLS on the LAN, quiet and while the hall holds connections: {options.rounds} rounds "
              f"of each action in each phase, load {load()}")
        print(f"# the hall: {len(DEVICES)} devices x 16 ({', '.join(f'{n} {k}' for k, n in kinds.items())} at the "
              f"end, the opener's included), {replaced[0]} closed by the office (a device's limit, the door's wait) "
              f"and opened again in {lasted:.1f} s")
        print(f"{'action':32} {'quiet median ms':>16} {'p95':>8} {'hall median ms':>15} {'p95':>8} {'ratio':>6}")
        for action in actions:
            q, b = quiet[action], busy[action]
            print(f"{action:32} {statistics.median(q) * 1000:16.1f} {p95(q) * 1000:8.1f} "
                  f"{statistics.median(b) * 1000:15.1f} {p95(b) * 1000:8.1f} "
                  f"{statistics.median(b) / statistics.median(q):6.2f}")
    finally:
        stop.set()
        hall.close()
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: a flood of wrong guesses on the center's public status page (issue 28) beside its operators.

    python bench/bench_public_flood.py [--rate 200] [--seconds 60] [--repeat 3] [--database-url postgresql://...]
                                       [--client asyncio|threads] [--nice 19] [--front nginx]

The center as its own process (`run.py center`, cheroot, as the regency runs it), one kecamatan with
1,000 public status records and an operator signed in. Two periods of `--seconds`, side by side:
1. quiet: the operator's pages (/cetak, the print list, and /kirim) read one after another;
2. flood: the same, while `--rate` wrong guesses a second (random numbers and codes) hit /cek.
Prints the operator pages' median and p95 in each period, and what the flood got back (404 answered,
429 refused, anything else). The flood comes from one machine, so the per-address throttle refuses
almost all of it after the first ten; the global limit closes the lookups for everyone after 600 a minute.
The flood runs in its own process at a low priority (`--nice`, default 19) so the figure is the
server's: by default a light asyncio client on 16 kept-alive sockets (`--client threads`: the former
one, `requests` in 16 threads). First, in this process, what one remembered refusal costs at the
gate (sync/center/public_status.RefusalGate) and through Flask.

`--front nginx`: the same through a throwaway nginx in front of the center, as the regency deploys it
(`apt-get install nginx`; bench only): the lines of docs/sync-protocol.md ("Behind TLS", without the
certificate) and docs/operations.md ("/cek behind nginx"), the center with LOKET_CENTER_PROXY_HOPS=1.
The flood and the operator both go through it; nginx's own refusals are told from the center's answers
by its access log, and its CPU (master and workers) is read from /proc beside the center's.
"""
import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_day import percentile  # noqa: E402


def operator_session(url: str, headers: dict | None = None) -> requests.Session:
    session = requests.Session()
    session.headers.update(headers or {})
    form = session.get(url + "/masuk", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = session.post(url + "/masuk", data={"csrf_token": token, "username": "operator",
                                                 "password": "operator-rahasia-1"}, timeout=30)
    assert "Keluar" in answer.text, "operator sign-in failed"
    return session


def operator_pages(session, url: str, seconds: float) -> list[float]:
    times, deadline, pages = [], time.perf_counter() + seconds, ("/cetak", "/kirim")
    while time.perf_counter() < deadline:
        for page in pages:
            began = time.perf_counter()
            assert session.get(url + page, timeout=60).status_code == 200
            times.append((time.perf_counter() - began) * 1000)
    return times


def flood_threads(url: str, rate: int, seconds: float, answers: Counter) -> None:
    """The former client: `requests` in 16 threads (its own CPU competes with the server's)."""
    import requests
    from concurrent.futures import ThreadPoolExecutor
    rng, local = random.Random(28), threading.local()

    def guess(number: str, code: str) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        try:
            answers[local.session.get(url + "/cek", params={"n": number, "k": code}, timeout=30).status_code] += 1
        except requests.RequestException:
            answers["error"] += 1
    with ThreadPoolExecutor(max_workers=16) as pool:
        started, sent = time.perf_counter(), 0
        while time.perf_counter() - started < seconds:
            due = int((time.perf_counter() - started) * rate)
            while sent < due:
                number, code = next_guess(rng)
                pool.submit(guess, number, code)
                sent += 1
            time.sleep(0.005)
        answers["sent"] = sent


def next_guess(rng) -> tuple[str, str]:
    code = "".join(rng.choice("23456789ABCDEFGHJKMNPQRSTWXYZ") for _ in range(6))
    return f"350807-01-{rng.randrange(1, 999_999):06d}", code


async def flood_asyncio(url: str, rate: int, seconds: float, answers: Counter, connections: int = 16) -> None:
    """A light client: raw HTTP/1.1 on `connections` kept-alive sockets, one event loop, requests
    released at `rate` a second (those the server has not taken yet wait in the queue, counted)."""
    import asyncio
    host, port = url.split("//", 1)[1].split(":")
    rng, queue = random.Random(28), asyncio.Queue()

    async def worker() -> None:
        reader = writer = None
        while True:
            number, code = await queue.get()
            if number is None:
                break
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, int(port))
                writer.write(f"GET /cek?n={number}&k={code} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
                length = int(re.search(r"content-length: *(\d+)", head).group(1))
                await reader.readexactly(length)
                answers[int(head.split(" ", 2)[1])] += 1
                if "connection: close" in head:
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError, AttributeError, ValueError):
                answers["error"] += 1
                writer = None
        if writer is not None:
            writer.close()
    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    started, sent = time.perf_counter(), 0
    while time.perf_counter() - started < seconds:
        due = int((time.perf_counter() - started) * rate)
        while sent < due:
            queue.put_nowait(next_guess(rng))
            sent += 1
        await asyncio.sleep(0.005)
    answers["sent"], answers["not taken"] = sent, queue.qsize()
    while not queue.empty():
        queue.get_nowait()
    for _ in workers:
        queue.put_nowait((None, None))
    await asyncio.gather(*workers)


def flood_process(url: str, rate: int, seconds: float, client: str, nice: int) -> subprocess.Popen:
    """The flood in its own process, at a lower OS priority than the server (`nice`), so the figure
    is the server's, not the client's fight for the same two cores."""
    def lower():
        os.nice(nice)
    return subprocess.Popen([sys.executable, __file__, "--flood-only", url, "--rate", str(rate), "--seconds",
                             str(seconds), "--client", client], stdout=subprocess.PIPE, text=True,
                            preexec_fn=lower if nice and hasattr(os, "nice") else None)


def flood_only(options) -> int:
    answers = Counter()
    began = time.process_time()
    if options.client == "asyncio":
        import asyncio
        asyncio.run(flood_asyncio(options.flood_only, options.rate, options.seconds, answers))
    else:
        flood_threads(options.flood_only, options.rate, options.seconds, answers)
    answers["client cpu ms"] = round((time.process_time() - began) * 1000)
    print(json.dumps({str(k): v for k, v in answers.items()}))
    return 0


def cpu_seconds(pid: int) -> float | None:
    """The process's user + system CPU so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def doc_blocks(doc: str, heading: str) -> list[str]:
    """A section's indented (code) blocks, dedented: the bench runs the lines the docs show."""
    section = (ROOT / "docs" / doc).read_text().split(f"\n{heading}", 1)[1].split("\n#", 1)[0]
    return [textwrap.dedent(block) for block in re.findall(r"(?:^    .*\n)+", section, re.M)]


def nginx_config(folder: Path, port: int, center_port: int) -> str:
    """docs/operations.md's /cek lines in docs/sync-protocol.md's server (plain HTTP here), everything
    kept in `folder`, and an access log telling nginx's own answers (no upstream) from the center's."""
    server = next(b for b in doc_blocks("sync-protocol.md", "### Behind TLS") if b.startswith("server {"))
    zones, cek = doc_blocks("operations.md", "### /cek behind nginx")
    server = re.sub(r" *ssl_certificate.*\n", "", server).replace("listen 443 ssl http2;",
                                                                   f"listen 127.0.0.1:{port};")
    server = server.rstrip().removesuffix("}") + textwrap.indent(cek, "    ") + "}\n"
    temp = "".join(f"{kind}_temp_path {folder}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    http = (temp + "log_format bench '$status $upstream_status $request_uri';\n"
            f"access_log {folder}/access.log bench;\n" + zones + server)
    return (f"daemon off;\nworker_processes auto;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log;\n"
            "events { worker_connections 768; }\nhttp {\n" + textwrap.indent(http, "    ") + "}\n"
            ).replace("127.0.0.1:8090", f"127.0.0.1:{center_port}")


class Nginx:
    """A throwaway nginx in its own folder, a plain process (`daemon off`), stopped at the end."""

    def __init__(self, folder: Path, center_port: int):
        from tests.sync.harness import free_port
        self.folder, self.port = folder, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder.mkdir()
        (folder / "nginx.conf").write_text(nginx_config(folder, self.port, center_port))
        self.process = None

    def start(self):
        from tests.sync.harness import wait_for
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(binary):
            raise SystemExit("--front nginx needs nginx (Debian: apt-get install nginx)")
        self.process = subprocess.Popen([binary, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"),
                                         "-e", str(self.folder / "error.log")])
        wait_for(self.url + "/api/openapi.json")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def cpu_seconds(self) -> float:
        """The master's and its workers' CPU so far."""
        pid = self.process.pid
        workers = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return sum(cpu_seconds(int(p)) or 0 for p in [pid, *workers])

    def log_size(self) -> int:
        return (self.folder / "access.log").stat().st_size

    def cek_answers(self, since: int) -> Counter:
        """The /cek answers logged after `since`: nginx's own (no upstream) and the center's, by status."""
        with open(self.folder / "access.log", "rb") as log:
            log.seek(since)
            lines = [line.decode().split(" ", 2) for line in log]
        return Counter(f"{'nginx' if upstream == '-' else 'center'} {status}"
                       for status, upstream, uri in lines if uri.startswith("/cek?"))


def refusal_cost(app, count: int = 2000) -> tuple[float, float]:
    """Microseconds per remembered refusal, in this process: through the gate, and through Flask
    (the page's own path, which _wait answers from memory too)."""
    from werkzeug.test import EnvironBuilder
    app.extensions["public_status_refused_until"] = {"127.0.0.1": time.monotonic() + 3600}
    environ = EnvironBuilder(path="/cek", query_string={"n": "350807-01-000999", "k": "ZZZZZZ"},
                             environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()
    figures = []
    gate = app.wsgi_app
    for handler in (gate, getattr(gate, "wsgi_app", gate)):  # (a center before the gate: Flask twice)
        statuses = []
        began = time.perf_counter()
        for _ in range(count):
            b"".join(handler(dict(environ), lambda status, head, exc=None: statuses.append(status)))
        figures.append((time.perf_counter() - began) / count * 1e6)
        assert all(s.startswith("429") for s in statuses), statuses[:1]
    app.extensions["public_status_refused_until"] = {}
    return figures[0], figures[1]


def summary(name: str, times: list[float]) -> str:
    return (f"{name}: median {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms "
            f"({len(times)} pages)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--client", choices=("asyncio", "threads"), default="asyncio")
    parser.add_argument("--nice", type=int, default=19, help="the flood process's niceness (0: as the server)")
    parser.add_argument("--repeat", type=int, default=1, help="quiet/flood pairs, one after the other")
    parser.add_argument("--front", choices=("none", "nginx"), default="none",
                        help="nginx in front of the center, as docs/operations.md configures it")
    parser.add_argument("--flood-only", metavar="URL", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.flood_only:
        return flood_only(options)
    from tests.sync.harness import CenterServer, prepare_center
    from app.frame.dates import utc_now
    from sync import public_status as vocabulary
    from sync.center.models import Kecamatan, PublicStatus
    from sync.center.public_status_records import code_key

    folder = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    app, _ = prepare_center(folder, options.database_url)
    db = app.extensions["center_database"]
    with app.app_context(), db.connection_context(), db.atomic():
        kecamatan = Kecamatan.get(Kecamatan.code == "35.08.07")
        PublicStatus.insert_many([
            {"kecamatan": kecamatan.id, "kind": "ktp", "number": f"350807-01-{n:06d}", "version": 1,
             "content_hash": "0" * 64, "code_key": code_key(vocabulary.code_digest(f"350807-01-{n:06d}", "ABCDEF")),
             "record_json": '{"kind": "ktp", "step": "diproses", "steps": []}', "final_at": None,
             "received_at": utc_now()} for n in range(1, 1001)]).execute()
    gate_us, flask_us = refusal_cost(app)
    front = None
    center = CenterServer(folder, options.database_url,
                          env={"LOKET_CENTER_PROXY_HOPS": "1"} if options.front == "nginx" else None).start()
    rounds = []
    try:
        if options.front == "nginx":
            front = Nginx(folder / "nginx", center.port).start()
        url = front.url if front else center.url
        # Behind nginx the center is told https (X-Forwarded-Proto) and checks a form's Referer, as a
        # browser over TLS sends it.
        session = operator_session(url, {"Referer": "https://127.0.0.1/"} if front else None)
        operator_pages(session, url, 3)  # warm up
        for _ in range(options.repeat):
            quiet = operator_pages(session, url, options.seconds)
            logged = front.log_size() if front else 0
            flooding = flood_process(url, options.rate, options.seconds, options.client, options.nice)
            loud = operator_pages(session, url, options.seconds)
            answers = Counter(json.loads(flooding.communicate(timeout=options.seconds + 120)[0]))
            rounds.append((quiet, loud, answers, front.cek_answers(logged) if front else None))
        # The flood alone, for the server's CPU per refused guess (cheroot's HTTP parsing included).
        servers = {"center": lambda: cpu_seconds(center.process.proc.pid)}
        if front:
            servers["nginx"] = front.cpu_seconds
        before = {name: read() for name, read in servers.items()}
        alone = flood_process(url, options.rate, 10, options.client, options.nice)
        alone_answers = Counter(json.loads(alone.communicate(timeout=130)[0]))
        after = {name: read() for name, read in servers.items()}
    finally:
        if front:
            front.stop()
        center.stop()
    print(f"center on {'PostgreSQL' if options.database_url else 'SQLite'}, flood {options.rate}/s for "
          f"{options.seconds:.0f} s, {options.client} client at nice {options.nice}"
          + (f", through nginx ({url})" if front else ""))
    print(f"a remembered refusal in process: {gate_us:.0f} us at the gate, {flask_us:.0f} us through Flask")
    used = {name: after[name] - before[name] for name in servers if before[name] is not None}
    if used:
        sent = max(1, alone_answers["sent"])
        print(f"the flood alone for 10 s, {alone_answers['sent']} guesses: " + "; ".join(
              f"{name} CPU {cpu * 1000:.0f} ms ({cpu / sent * 1e6:.0f} us each, {cpu / 10:.1%} of one core)"
              for name, cpu in used.items()) + f"; client CPU {alone_answers['client cpu ms']} ms")
    for n, (quiet, loud, answers, logged) in enumerate(rounds, 1):
        print(f"round {n}")
        print(summary("  operator pages, quiet", quiet))
        print(summary("  operator pages, during the flood", loud))
        print(f"  slowdown: median {statistics.median(loud) / statistics.median(quiet) - 1:+.1%}, "
              f"p95 {percentile(loud, 95) / percentile(quiet, 95) - 1:+.1%}")
        others = {k: v for k, v in answers.items() if k not in ("404", "429", "sent", "not taken", "client cpu ms")}
        print(f"  flood: {answers['sent']} sent, {answers['404']} answered 404, {answers['429']} refused 429, "
              f"{answers['not taken']} not taken, other {others}, client CPU {answers['client cpu ms']} ms")
        if logged is not None:
            print(f"  by whom (nginx's access log): {dict(sorted(logged.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

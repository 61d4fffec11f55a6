"""Benchmark: a flood of wrong guesses on the center's public status page (issue 28) beside its operators.

    python bench/bench_public_flood.py [--rate 200] [--seconds 60] [--repeat 3] [--database-url postgresql://...]
                                       [--client asyncio|threads] [--nice 19]

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
"""
import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_day import percentile  # noqa: E402


def operator_session(url: str) -> requests.Session:
    session = requests.Session()
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
    parser.add_argument("--flood-only", metavar="URL", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.flood_only:
        return flood_only(options)
    from tests.sync.harness import CenterServer, prepare_center
    from app.frame.dates import utc_now
    from sync import public_status as vocabulary
    from sync.center.models import Kecamatan, PublicStatus
    from sync.center.public_status import code_key

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
    center = CenterServer(folder, options.database_url).start()
    rounds = []
    try:
        session = operator_session(center.url)
        operator_pages(session, center.url, 3)  # warm up
        for _ in range(options.repeat):
            quiet = operator_pages(session, center.url, options.seconds)
            flooding = flood_process(center.url, options.rate, options.seconds, options.client, options.nice)
            loud = operator_pages(session, center.url, options.seconds)
            answers = Counter(json.loads(flooding.communicate(timeout=options.seconds + 120)[0]))
            rounds.append((quiet, loud, answers))
        # The flood alone, for the server's CPU per refused guess (cheroot's HTTP parsing included).
        before = cpu_seconds(center.process.proc.pid)
        alone = flood_process(center.url, options.rate, 10, options.client, options.nice)
        alone_answers = Counter(json.loads(alone.communicate(timeout=130)[0]))
        after = cpu_seconds(center.process.proc.pid)
    finally:
        center.stop()
    print(f"center on {'PostgreSQL' if options.database_url else 'SQLite'}, flood {options.rate}/s for "
          f"{options.seconds:.0f} s, {options.client} client at nice {options.nice}")
    print(f"a remembered refusal in process: {gate_us:.0f} us at the gate, {flask_us:.0f} us through Flask")
    if before is not None:
        print(f"the flood alone for 10 s: server CPU {(after - before) * 1000:.0f} ms for {alone_answers['sent']} "
              f"guesses ({(after - before) / max(1, alone_answers['sent']) * 1e6:.0f} us each, "
              f"{(after - before) / 10:.1%} of one core); client CPU {alone_answers['client cpu ms']} ms")
    for n, (quiet, loud, answers) in enumerate(rounds, 1):
        print(f"round {n}")
        print(summary("  operator pages, quiet", quiet))
        print(summary("  operator pages, during the flood", loud))
        print(f"  slowdown: median {statistics.median(loud) / statistics.median(quiet) - 1:+.1%}, "
              f"p95 {percentile(loud, 95) / percentile(quiet, 95) - 1:+.1%}")
        others = {k: v for k, v in answers.items() if k not in ("404", "429", "sent", "not taken", "client cpu ms")}
        print(f"  flood: {answers['sent']} sent, {answers['404']} answered 404, {answers['429']} refused 429, "
              f"{answers['not taken']} not taken, other {others}, client CPU {answers['client cpu ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: a flood of wrong guesses on the center's public status page (issue 28) beside its operators.

    python bench/bench_public_flood.py [--rate 200] [--seconds 60] [--database-url postgresql://...]

The center as its own process (`run.py center`, cheroot, as the regency runs it), one kecamatan with
1,000 public status records and an operator signed in. Two periods of `--seconds`, side by side:
1. quiet: the operator's pages (/cetak, the print list, and /kirim) read one after another;
2. flood: the same, while `--rate` wrong guesses a second (random numbers and codes) hit /cek.
Prints the operator pages' median and p95 in each period, and what the flood got back (404 answered,
429 refused, anything else). The flood comes from one machine, so the per-address throttle refuses
almost all of it after the first ten; the global limit closes the lookups for everyone after 600 a minute.
"""
import argparse
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
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


def flood(url: str, rate: int, seconds: float, answers: Counter, stop: threading.Event) -> None:
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
        while not stop.is_set() and time.perf_counter() - started < seconds:
            due = int((time.perf_counter() - started) * rate)
            while sent < due:
                code = "".join(rng.choice("23456789ABCDEFGHJKMNPQRSTWXYZ") for _ in range(6))
                pool.submit(guess, f"350807-01-{rng.randrange(1, 999_999):06d}", code)
                sent += 1
            time.sleep(0.005)
        answers["sent"] = sent


def summary(name: str, times: list[float]) -> str:
    return (f"{name}: median {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms "
            f"({len(times)} pages)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--database-url", default=None)
    options = parser.parse_args(argv)
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
    center = CenterServer(folder, options.database_url).start()
    try:
        session = operator_session(center.url)
        operator_pages(session, center.url, 3)  # warm up
        quiet = operator_pages(session, center.url, options.seconds)
        answers, stop = Counter(), threading.Event()
        flooding = threading.Thread(target=flood, args=(center.url, options.rate, options.seconds, answers, stop))
        flooding.start()
        loud = operator_pages(session, center.url, options.seconds)
        stop.set()
        flooding.join()
    finally:
        center.stop()
    print(f"center on {'PostgreSQL' if options.database_url else 'SQLite'}, flood {options.rate}/s for "
          f"{options.seconds:.0f} s")
    print(summary("operator pages, quiet", quiet))
    print(summary("operator pages, during the flood", loud))
    print(f"slowdown: median {statistics.median(loud) / statistics.median(quiet) - 1:+.0%}, "
          f"p95 {percentile(loud, 95) / percentile(quiet, 95) - 1:+.0%}")
    others = {k: v for k, v in answers.items() if k not in (404, 429, "sent")}
    print(f"flood: {answers['sent']} sent, {answers[404]} answered 404, {answers[429]} refused 429, other {others}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

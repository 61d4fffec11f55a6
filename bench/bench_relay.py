"""Relay benchmark (issue 17): desa -> center -> kecamatan, and statuses back, with real servers over
real HTTP. The center is `run.py center` (waitress, its own process); each desa PC and the kecamatan
run the generic sync client's pass (`sync.client.engine.sync_once`, what the scheduler and the
"Sinkronkan sekarang" button run) in a process of their own, on their own encrypted database.

    python bench/bench_relay.py throughput [--desa 10] [--per-desa 100]
    python bench/bench_relay.py latency [--interval 10] [--forms 30] [--schedule 300]

throughput  10 desa PCs, each with --per-desa pre-registrations (pas foto-like photos, ~13 KB), push
            at once to the center; then the kecamatan pulls them all into its counter queue; the
            counter accepts them (in-process, not timed); the kecamatan sends the statuses; the 10
            desa pull them. Each hop timed from a common start signal to the last process done
            (Python start-up and database opening happen before the signal). Prints JSON.
latency     one desa PC and the kecamatan, each running a pass every --interval seconds on its own
            schedule (independent random phases, as two offices' schedulers are); a third process
            saves --forms pre-registrations at the desa at random moments; the bench watches the
            kecamatan's queue (its database, every 0.1 s). Measured: save -> queue per form, and the
            duration of every pass. Then the same model at a --schedule-second interval (the product's
            5 minutes) is computed from the measured pass durations (Monte Carlo over the phases);
            the model is checked against the measured run first. Prints JSON.

The peer, measured in the same throughput run: the kecamatan's own sync of as many KTP-el
applications with the same photos to the same center (one pass), the path every kecamatan already uses.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KECAMATAN = "35.08.07"  # Yosowilangun, Lumajang: its desa come from the region list


# --- the offices, prepared in-process as their admins would ------------------------------------------

def office_app(data_dir: Path, mode: str = "kecamatan"):
    from app import create_app
    return create_app({"DATA_DIR": data_dir, "SECRET_KEY": "bench-relay", "MODE": mode})


@contextmanager
def bound(app):
    """The models reach one office's database at a time (one process runs one office)."""
    from app.frame.db import database
    db = app.extensions["database"]
    database.initialize(db)
    with app.app_context(), db.connection_context():
        yield db


def prepare(base: Path, desa_count: int):
    """Center running; kecamatan enrolled with it; `desa_count` desa PCs enrolled through it with codes
    the kecamatan admin issued. Returns (center, kecamatan_dir, [(desa_code, desa_dir)])."""
    from app.desa import mode, relay
    from app.firstrun import seed_identity
    from app.registration.views import desa_list
    from tests.sync.harness import CenterServer, enrol_kecamatan, prepare_center
    _, code = prepare_center(base / "center")
    center = CenterServer(base / "center").start()
    kecamatan_dir = base / "kecamatan"
    kec = office_app(kecamatan_dir)
    with bound(kec):
        seed_identity(KECAMATAN)
    enrol_kecamatan(kec, center.url, code)
    with bound(kec):
        villages = [r.code for r in desa_list()][:desa_count]
        codes = [(desa, mode.issue_enrolment_code(desa)) for desa in villages]
    offices = []
    for desa, enrolment in codes:
        desa_dir = base / f"desa-{desa.replace('.', '')}"
        app = office_app(desa_dir, "desa")
        with bound(app):
            payload = mode.enrol_this_pc(enrolment)
            relay.enrol_with_center(center.url, payload)
        offices.append((desa, desa_dir))
    return center, kecamatan_dir, offices


def person(n: int, desa_code: str) -> dict:
    """The n-th villager: a NIK of Kecamatan Yosowilangun that matches the birth date, unique per n."""
    born = date(1970, 1, 1) + timedelta(days=n % 9000)
    return {"nik": f"350807{born:%d%m%y}{n % 10000:04d}", "kk_number": f"3508070101{n % 100:02d}{n % 9999 + 1:04d}",
            "full_name": "Warga Relai " + "".join("ABCDEFGHIJ"[int(d)] for d in str(n)), "birth_place": "Lumajang",
            "birth_date": born.isoformat(), "sex": "L", "address": "Dusun Krajan", "rt": "1", "rw": "2",
            "desa": desa_code, "religion": "Islam", "marital_status": "Kawin", "occupation": "Petani/Pekebun",
            "reason": "rusak", "biometric_done": "1"}


def save_forms(desa_dir: Path, desa_code: str, first: int, count: int, photos: list[bytes], pace=None, out=None):
    """`count` pre-registrations saved through the desa's own code (checks, number, outbox)."""
    from app.desa import records
    from app.registration import intake
    from app.registration.views import desa_list
    app = office_app(desa_dir, "desa")
    with bound(app):
        villages = desa_list()
        for n in range(first, first + count):
            if pace:
                pace()
            clean, errors, _ = intake.validate_application(person(n, desa_code), villages, records.today())
            if errors:
                raise SystemExit(f"form {n}: {errors}")
            photo = SimpleNamespace(jpeg=photos[n % len(photos)], background="merah")
            pre = records.create_pre_registration(clean, photo)
            if out:
                out.write(json.dumps({"number": pre.number, "saved": time.time()}) + "\n")
                out.flush()


# --- worker processes ---------------------------------------------------------------------------------

def worker_pass(options) -> int:
    """One sync pass, started when the bench writes a line to stdin; prints its timing as JSON."""
    from sync.client import engine
    app = office_app(Path(options.data), options.mode)
    with bound(app):
        print("ready", flush=True)
        sys.stdin.readline()
        started = time.time()
        report = engine.sync_once(full=True)
        ended = time.time()
    print(json.dumps({"started": started, "ended": ended, "sent": report.sent, "relayed": report.relayed,
                      "statuses": report.statuses, "error": report.error}), flush=True)
    return 0


def worker_schedule(options) -> int:
    """A pass every `interval` seconds from `phase`, until the stop file appears (the scheduler's rhythm)."""
    from sync.client import engine
    app = office_app(Path(options.data), options.mode)
    stop = Path(options.stop)
    with bound(app):
        next_at = time.time() + options.phase
        while not stop.exists():
            time.sleep(max(0.0, min(next_at - time.time(), 0.2)))
            if time.time() < next_at:
                continue
            started = time.time()
            report = engine.sync_once()
            ended = time.time()
            print(json.dumps({"started": started, "ended": ended, "sent": report.sent, "relayed": report.relayed,
                              "statuses": report.statuses, "error": report.error}), flush=True)
            next_at += options.interval
            while next_at < time.time():  # a pass longer than the interval: the next tick, as cron would
                next_at += options.interval
    return 0


def worker_save(options) -> int:
    """Save forms at the desa at random moments (exponential gaps of mean `gap` seconds)."""
    from bench.bench_sync import pas_foto
    rng = random.Random(options.seed)
    photos = [pas_foto(i) for i in range(10)]
    save_forms(Path(options.data), options.desa, options.first, options.count, photos,
               pace=lambda: time.sleep(rng.expovariate(1 / options.gap)), out=sys.stdout)
    return 0


def spawn(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *args], cwd=ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def timed_passes(offices: list[tuple[Path, str]]) -> dict:
    """One pass in each office at once; wall time from the common start to the last one done."""
    workers = [spawn("_pass", "--data", str(data), "--mode", mode) for data, mode in offices]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready"
    started = time.time()
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = [json.loads(worker.stdout.readline()) for worker in workers]
    for worker in workers:
        worker.wait(60)
    errors = [r["error"] for r in results if r["error"]]
    if errors:
        raise SystemExit(f"a pass stopped: {errors}")
    return {"seconds": max(r["ended"] for r in results) - started, "results": results}


# --- throughput -----------------------------------------------------------------------------------------

def bench_throughput(desa_count: int, per_desa: int) -> dict:
    from app.desa import acceptance, qr
    from app.desa.models import PreRegistration
    from bench.bench_sync import pas_foto
    base = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    center, kecamatan_dir, offices = prepare(base, desa_count)
    photos = [pas_foto(i) for i in range(20)]
    total = desa_count * per_desa
    try:
        for k, (desa, desa_dir) in enumerate(offices):
            save_forms(desa_dir, desa, 1 + k * per_desa, per_desa, photos)
        push = timed_passes([(d, "desa") for _, d in offices])
        pull = timed_passes([(kecamatan_dir, "kecamatan")])
        kec = office_app(kecamatan_dir)
        with bound(kec):
            arrived = list(PreRegistration.select().where(PreRegistration.source == "relay"))
            assert len(arrived) == total, f"{len(arrived)} of {total} in the counter's queue"
            started = time.monotonic()
            for pre in arrived:  # the counter accepts each as the desa typed it (the counter's own code)
                acceptance.accept(pre, {key: getattr(pre, key) for key in qr.CARRIED_FIELDS})
            accept_seconds = time.monotonic() - started
        status_push = timed_passes([(kecamatan_dir, "kecamatan")])
        status_pull = timed_passes([(d, "desa") for _, d in offices])
        told = 0
        for _, desa_dir in offices:
            with bound(office_app(desa_dir, "desa")):
                told += PreRegistration.select().where(PreRegistration.relay_status == "diterima_loket").count()
        assert told == total, f"{told} of {total} desa forms show 'Diterima di loket'"
        # The peer, same run, same center, same photos: a second PC of the kecamatan (its own database,
        # its own key) sends as many KTP-el applications of its own, direct.
        from bench.bench_sync import fill_with_photos
        from sync.center import keys
        from sync.center.app import create_center_app
        from sync.center.models import Kecamatan
        from tests.sync.harness import enrol_kecamatan
        with create_center_app({"DATA_DIR": base / "center"}).extensions["center_database"].connection_context():
            code = keys.new_enrolment_code(Kecamatan.get(Kecamatan.code == KECAMATAN))
        peer_dir = base / "kecamatan-pc2"
        peer = office_app(peer_dir)
        with bound(peer):
            fill_with_photos(peer, total)
        enrol_kecamatan(peer, center.url, code)
        direct = timed_passes([(peer_dir, "kecamatan")])
        assert sum(r["sent"] for r in direct["results"]) == total, direct["results"]
    finally:
        center.stop()
    forward = push["seconds"] + pull["seconds"]
    back = status_push["seconds"] + status_pull["seconds"]
    return {
        "desa": desa_count, "pre_registrations": total, "photo_bytes_mean": round(statistics.mean(map(len, photos))),
        "desa_push_seconds": round(push["seconds"], 2), "desa_push_per_second": round(total / push["seconds"], 1),
        "kecamatan_pull_seconds": round(pull["seconds"], 2),
        "kecamatan_pull_per_second": round(total / pull["seconds"], 1),
        "desa_to_queue_per_second": round(total / forward, 1),
        "counter_accept_seconds_untimed_hop": round(accept_seconds, 1),
        "status_push_seconds": round(status_push["seconds"], 2), "status_pull_seconds": round(status_pull["seconds"], 2),
        "statuses_back_per_second": round(total / back, 1),
        "peer_direct_applications_seconds": round(direct["seconds"], 2),
        "peer_direct_applications_per_second": round(total / direct["seconds"], 1),
        "relay_desa_to_queue_vs_direct": round((total / forward) / (total / direct["seconds"]), 2),
    }


# --- latency --------------------------------------------------------------------------------------------

def model_latencies(interval: float, desa_passes: list[float], kec_passes: list[float], samples: int = 20000,
                    seed: int = 3, phases: tuple[float, float] | None = None) -> list[float]:
    """Save at a uniform random moment; wait for the desa's next pass, which carries it to the center
    (its whole measured duration counted); wait for the kecamatan's next pass start after that (the
    kecamatan's schedule has an independent phase); that pass pulls it (its whole duration counted).
    An upper-side model: the item is in the queue before the pass that pulled it ends. `phases` fixes
    the two schedules' offsets (to check the model against a run, whose offsets were drawn once);
    without it every offset is equally likely, as for any desa and its kecamatan."""
    rng = random.Random(seed)
    out = []
    for _ in range(samples):
        phase_d, phase_k = phases or (rng.uniform(0, interval), rng.uniform(0, interval))
        save = rng.uniform(0, interval) + interval  # steady state, away from the start
        desa_start = phase_d + interval * ((save - phase_d) // interval + 1)
        at_center = desa_start + rng.choice(desa_passes)
        kec_start = phase_k + interval * ((at_center - phase_k) // interval + 1)
        out.append(kec_start + rng.choice(kec_passes) - save)
    return out


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"median": round(statistics.median(ordered), 1), "mean": round(statistics.mean(ordered), 1),
            "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1), "max": round(ordered[-1], 1)}


def bench_latency(interval: float, forms: int, schedule: float, seed: int = 11) -> dict:
    from app.desa.models import PreRegistration
    base = Path(tempfile.mkdtemp(prefix="bench-relay-latency-"))
    center, kecamatan_dir, offices = prepare(base, 1)
    desa, desa_dir = offices[0]
    rng = random.Random(seed)
    stop = base / "stop"
    schedulers = {name: spawn("_schedule", "--data", str(data), "--mode", mode, "--interval", str(interval),
                              "--phase", f"{rng.uniform(0, interval):.2f}", "--stop", str(stop))
                  for name, data, mode in (("desa", desa_dir, "desa"), ("kecamatan", kecamatan_dir, "kecamatan"))}
    saver = spawn("_save", "--data", str(desa_dir), "--desa", desa, "--first", "1", "--count", str(forms),
                  "--gap", f"{interval / 2:.2f}", "--seed", str(seed))
    seen, saved = {}, []
    reader = threading.Thread(target=lambda: saved.extend(json.loads(line) for line in saver.stdout), daemon=True)
    reader.start()  # the saves are read as they happen; the queue is watched at the same time
    try:
        with bound(office_app(kecamatan_dir)):
            deadline = None
            while len(seen) < forms and (deadline is None or time.time() < deadline):
                for number in PreRegistration.select(PreRegistration.number).where(
                        PreRegistration.number.not_in(list(seen) or [""])).tuples():
                    seen[number[0]] = time.time()
                if deadline is None and saver.poll() is not None:
                    deadline = time.time() + 4 * interval + 120  # all saved: the last ones get two schedules
                time.sleep(0.1)
        reader.join(10)
    finally:
        stop.touch()
        logs = {name: [json.loads(line) for line in worker.communicate(timeout=300)[0].splitlines() if line.strip()]
                for name, worker in schedulers.items()}
        center.stop()
    missing = [s["number"] for s in saved if s["number"] not in seen]
    if missing:
        raise SystemExit(f"{len(missing)} forms never reached the kecamatan's queue: {missing[:5]}")
    measured = [seen[s["number"]] - s["saved"] for s in saved]
    desa_passes = [p["ended"] - p["started"] for p in logs["desa"] if p["sent"]]
    kec_passes = [p["ended"] - p["started"] for p in logs["kecamatan"] if p["relayed"]]
    idle = [p["ended"] - p["started"] for p in logs["kecamatan"] if not p["relayed"]]
    phases = tuple(statistics.median(p["started"] % interval for p in logs[name]) for name in ("desa", "kecamatan"))
    return {
        "interval_seconds": interval, "forms": forms,
        "measured_save_to_queue_seconds": summary(measured),
        "model_at_measured_interval_with_the_runs_phases": summary(
            model_latencies(interval, desa_passes, kec_passes, phases=phases)),
        "model_at_measured_interval_any_phases": summary(model_latencies(interval, desa_passes, kec_passes)),
        "desa_pass_with_forms_seconds": summary(desa_passes),
        "kecamatan_pass_pulling_forms_seconds": summary(kec_passes),
        "kecamatan_pass_idle_seconds": summary(idle) if idle else None,
        f"model_at_{int(schedule)}_s_interval": summary(model_latencies(schedule, desa_passes, kec_passes)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    throughput = commands.add_parser("throughput")
    throughput.add_argument("--desa", type=int, default=10)
    throughput.add_argument("--per-desa", type=int, default=100)
    latency = commands.add_parser("latency")
    latency.add_argument("--interval", type=float, default=10.0)
    latency.add_argument("--forms", type=int, default=30)
    latency.add_argument("--schedule", type=float, default=300.0, help="the product's interval to model (5 min)")
    one = commands.add_parser("_pass")
    one.add_argument("--data", required=True)
    one.add_argument("--mode", required=True)
    schedule = commands.add_parser("_schedule")
    schedule.add_argument("--data", required=True)
    schedule.add_argument("--mode", required=True)
    schedule.add_argument("--interval", type=float, required=True)
    schedule.add_argument("--phase", type=float, required=True)
    schedule.add_argument("--stop", required=True)
    save = commands.add_parser("_save")
    save.add_argument("--data", required=True)
    save.add_argument("--desa", required=True)
    save.add_argument("--first", type=int, required=True)
    save.add_argument("--count", type=int, required=True)
    save.add_argument("--gap", type=float, required=True)
    save.add_argument("--seed", type=int, required=True)
    options = parser.parse_args()
    if options.command == "_pass":
        return worker_pass(options)
    if options.command == "_schedule":
        return worker_schedule(options)
    if options.command == "_save":
        return worker_save(options)
    if options.command == "throughput":
        result = bench_throughput(options.desa, options.per_desa)
    else:
        result = bench_latency(options.interval, options.forms, options.schedule)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

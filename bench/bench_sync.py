"""Sync benchmarks: the rural link, center ingest, and the fault/kill runs at full counts.

    python bench/bench_sync.py link   [--count 1000]          # 256 kbit/s, 400 ms RTT, 5 % failing
    python bench/bench_sync.py ingest [--count 200] [--pg URL]  # 10 kecamatan at once, SQLite (+ PostgreSQL)
    python bench/bench_sync.py store  [--count 300] [--pg URL] [--photos photographs] [--profile DIR]
                                      # the center's CPU per stored application, in process
    python bench/bench_sync.py night  [--clients 20] [--count 100] [--pg URL [--only-pg] [--centers 2]] [--threads 8]
                                      [--photos photographs|synthetic] [--profile DIR]
                                      # N kecamatan PCs' `run.py sync --full` at the same moment
    python bench/bench_sync.py night --matrix --pg URL [--scale 1]  # issue 30's side by side (NIGHT_MATRIX)
    python bench/bench_sync.py pass-cost [--clients 3] [--count 100] [--pg URL] [--profile DIR]
                                      # one pass at a time: the center's CPU by route, beside its floor
    python bench/bench_sync.py faults [--count 1000]          # fault proxy, exactly once
    python bench/bench_sync.py kills  [--count 1000] [--kills 20]
    python bench/bench_sync.py usb    [--count 2000]          # a month offline: export, import, import again
    sudo python bench/bench_sync.py vs-rsync [--count 200] [--reps 3] [--links clean,loss1,loss5,flapping,outage] [--codec jpegxl]
                                             # packet-level link (tunlink.py), against rsync -z; bench/sync_vs_rsync.py
        [--tools ours] [--dump DIR] [--offset S] [--photos photographs] [--busy 2] [--congestion cubic] [--first-rep 2]
        [--trees A,B]
                                             # ours alone; tunlink's per-flow streams for
                                             # bench/sync_byte_account.py; the outage link's phase;
                                             # checkouts A and B in turn on each repetition's link
The link model is tests/support/linkproxy.py (RURAL_LINK). Prints figures (JSON) for
docs/benchmarks.md ("Sync with the printing center").
"""
import argparse
import io
import json
import math
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import linkproxy  # noqa: E402  the project's link model and fault proxy

RURAL = linkproxy.RURAL_LINK  # 256 kbit/s each way, 400 ms round trip, 5 % of connections failing


def pas_foto(seed: int) -> bytes:
    """A 300 x 400 pas foto-like JPEG (red background, face, shirt, sensor noise), ~13 KB."""
    from PIL import Image, ImageDraw, ImageFilter
    rng = random.Random(seed)
    image = Image.new("RGB", (300, 400), (200, 30, 30))
    draw = ImageDraw.Draw(image)
    draw.ellipse((80 + rng.randint(-10, 10), 60, 220, 240), fill=(224, 172, 105))
    draw.rectangle((50, 250, 250, 400), fill=(20, 20, 60 + rng.randint(0, 100)))
    noise = Image.effect_noise((300, 400), 18).convert("RGB")
    image = Image.blend(image, noise, 0.18).filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def fill_with_photos(kec_app, count, kecamatan_code=None, photos=None, first_photo=0):
    """Like the test harness, but with pas foto-like photos; `photos`: the JPEGs to take them
    from (default: 50 drawn ones), application n getting photos[(first_photo + n) % len]. Only the
    `count` applications made here are touched (those of an earlier fill may have gone already)."""
    import hashlib
    from app.registration.models import ApplicationPhoto
    from tests.sync.harness import fill_kecamatan
    from tests.sync.harness import KECAMATAN_CODE
    numbers = fill_kecamatan(kec_app, count, photo_size=(30, 40), kecamatan_code=kecamatan_code or KECAMATAN_CODE)
    photos = photos or [pas_foto(i) for i in range(50)]

    def photo_for(application_id):
        return photos[(first_photo + application_id) % len(photos)]
    with kec_app.app_context(), kec_app.extensions["database"].connection_context() as _:
        from app.frame.db import database
        from sync.client.models import OutboxItem
        from app.registration.sync_records import write_outbox
        from app.registration.models import Application
        from app.registration.status import ApplicationStatus as S
        made = Application.select().where(Application.registration_number.in_(numbers))
        with database.atomic():
            for application in made:
                photo = photo_for(application.id)
                (ApplicationPhoto.update(jpeg=photo, sha256=hashlib.sha256(photo).hexdigest(), width=300, height=400)
                 .where(ApplicationPhoto.application == application).execute())
                OutboxItem.delete().where(OutboxItem.source_id == application.id).execute()
                write_outbox(application, S.RECEIVED, S.COMPLETE)
        total = sum(len(photo_for(a.id)) for a in made)
        records = sum(len(i.record_json) for i in OutboxItem.select().where(OutboxItem.state == "pending"))
    return numbers, total, records


def synced_before(kec_app, kecamatan_code, photos, first_photo) -> None:
    """Yesterday's pass, for a PC of a regency's night: one application sent and acknowledged in
    this process, as every PC of a real night has passed before."""
    from sync.client import engine
    fill_with_photos(kec_app, 1, kecamatan_code=kecamatan_code, photos=photos, first_photo=first_photo)
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        report = engine.sync_once(full=True)
    if report.error or report.sent != 1:
        raise SystemExit(f"yesterday's pass failed: {report.error or report}")


PHOTO_POOL = 200  # distinct photographs a night run draws from (each made once, kept in the cache folder)


def photograph_pool(cache: Path = Path(tempfile.gettempdir()) / "loket-bench-photographs") -> list[bytes]:
    """PHOTO_POOL photographs as the counter stores them (bench/photo_corpus.py, intake-normalised,
    ~27 KB each), made once and kept: making one costs ~70 ms."""
    from bench.photo_corpus import intake
    cache.mkdir(exist_ok=True)
    photos = []
    for seed in range(PHOTO_POOL):
        path = cache / f"{seed:04d}.jpg"
        if not path.exists():
            made = intake(seed)
            path.with_suffix(".part").write_bytes(made)
            path.with_suffix(".part").replace(path)  # whole or not at all, for the next run
        photos.append(path.read_bytes())
    return photos


# --- link: ours against an OpenRosa-style baseline on the same link ----------------------

def baseline_app(store_path):
    """A minimal OpenRosa-style receiver: one multipart POST per application."""
    import sqlite3
    from flask import Flask, request
    app = Flask("baseline")
    lock = threading.Lock()
    connection = sqlite3.connect(store_path, check_same_thread=False)
    connection.execute("CREATE TABLE IF NOT EXISTS submission (id TEXT PRIMARY KEY, xml TEXT, photo BLOB)")

    @app.post("/submission")
    def submission():
        record = request.files["xml_submission_file"].read().decode()
        photo = request.files["photo.jpg"].read()
        with lock:
            connection.execute("INSERT OR REPLACE INTO submission VALUES (?, ?, ?)",
                               (json.loads(record)["registration_number"], record, photo))
            connection.commit()
        return "<OpenRosaResponse><message>ok</message></OpenRosaResponse>", 201
    return app


def run_baseline(proxy_url, items):
    """Each application POSTed whole; any failure resends it whole (ODK Collect's behaviour)."""
    import requests
    session = requests.Session()
    for record, photo in items:
        while True:
            try:
                response = session.post(proxy_url + "/submission", timeout=60, files={
                    "xml_submission_file": ("submission.xml", json.dumps(record), "text/xml"),
                    "photo.jpg": ("photo.jpg", photo, "image/jpeg")})
                if response.status_code == 201:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)


def bench_link(count: int, seed: int = 7) -> dict:
    from waitress.server import create_server
    from tests.sync.harness import CenterServer, enrol_kecamatan, kecamatan_app, prepare_center
    from tests.sync.invariants import kecamatan_statuses
    base = Path(tempfile.mkdtemp(prefix="bench-link-"))
    center_app, code = prepare_center(base / "center")
    center = CenterServer(base / "center").start()
    # HTTP mode (a no-op fault schedule): one request per connection, so 5 % of requests fail.
    proxy = linkproxy.LinkProxy(("127.0.0.1", center.port), faults=lambda request: None, seed=seed, **RURAL)
    proxy.start()
    try:
        kec_app = kecamatan_app(base / "kecamatan")
        numbers, photo_bytes, record_bytes = fill_with_photos(kec_app, count)
        enrol_kecamatan(kec_app, center.url, code, link_url=proxy.url)
        from sync.client import engine
        started, passes = time.monotonic(), 0
        while set(kecamatan_statuses(kec_app).values()) != {"diterima_pusat"}:
            with kec_app.app_context(), kec_app.extensions["database"].connection_context():
                engine.sync_once(full=True)
            passes += 1
        ours_seconds = time.monotonic() - started
        ours_bytes = proxy.bytes_up + proxy.bytes_down
        ours_resets = proxy.resets
    finally:
        proxy.close()
        center.stop()
    # The baseline: same photos and records, same link model, its own receiver.
    items = []
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        from sync.client.models import OutboxItem
        from app.registration.models import Application
        from app.registration.sync_records import photo_of
        for item in OutboxItem.select().order_by(OutboxItem.id):
            items.append((json.loads(item.record_json), photo_of(Application.get_by_id(item.source_id))))
    server = create_server(baseline_app(str(base / "baseline.sqlite3")), host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    proxy = linkproxy.LinkProxy(("127.0.0.1", server.effective_port), faults=lambda request: None, seed=seed, **RURAL)
    proxy.start()
    try:
        started = time.monotonic()
        run_baseline(proxy.url, items)
        base_seconds = time.monotonic() - started
        base_bytes = proxy.bytes_up + proxy.bytes_down
    finally:
        proxy.close()
        server.close()
    payload = photo_bytes + record_bytes
    ideal = payload * 8 / RURAL["bandwidth_bps"]
    return {
        "applications": count, "photo_bytes_per_app": round(photo_bytes / count),
        "record_bytes_per_app": round(record_bytes / count),
        "ours_bytes_per_app": round(ours_bytes / count),
        "ours_overhead_per_app": round((ours_bytes - photo_bytes) / count),
        "ours_seconds": round(ours_seconds, 1), "ideal_seconds": round(ideal, 1),
        "ours_vs_ideal": round(ours_seconds / ideal, 2), "ours_passes": passes, "link_resets_ours": ours_resets,
        "baseline_seconds": round(base_seconds, 1), "baseline_bytes_per_app": round(base_bytes / count),
        "time_ratio_ours_to_baseline": round(ours_seconds / base_seconds, 2),
        "bytes_ratio_ours_to_baseline": round(ours_bytes / base_bytes, 2),
    }


# --- ingest: 10 kecamatan clients at once -------------------------------------------------

def regency_kecamatan(count: int) -> list[str]:
    """`count` real kecamatan codes (Jawa Timur's, regency by regency): the center refuses a record
    whose desa is not one of its kecamatan's, so each client needs a real one."""
    from app.frame import regions
    codes = [k.code for regency in regions.children("35") for k in regions.children(regency.code)]
    return codes[:count]


def _ingest_client(args):
    url, key_id, secret, code, count, batch = args
    from app.frame import regions
    from sync.client.transport import CenterClient
    from tests.sync.helpers import packet_item, record_for
    client = CenterClient(url, key_id, secret)
    photos = [pas_foto(i) for i in range(5)]
    digits, desa = code.replace(".", ""), regions.desa_of(code)[0].code
    items = [packet_item(n, digits=digits, photo=photos[n % 5], record=dict(record_for(n, digits), desa_code=desa))
             for n in range(1, count + 1)]
    from sync import protocol
    # Packets are encoded before the clock starts: the figure is the center's ingest, not the clients'.
    nonces = [protocol.new_nonce() for _ in range(0, len(items), batch)]  # each packet's items are sealed over its request's
    bodies = [(nonce, protocol.encode_packet(items[i:i + batch], (secret, nonce)))
              for nonce, i in zip(nonces, range(0, len(items), batch))]
    started = time.monotonic()
    stored, refused = 0, set()
    for nonce, body in bodies:
        answer = client.call("POST", protocol.API_PREFIX + "/packets", body, protocol.PACKET_CONTENT_TYPE, nonce=nonce)
        results = json.loads(answer)["results"]
        stored += sum(r["result"] == "stored" for r in results)
        refused.update(r.get("reason", r["result"]) for r in results if r["result"] != "stored")
    return stored, time.monotonic() - started, sorted(refused)[:3]


def bench_ingest(count: int, database_url: str | None, clients: int = 10, batch: int = 20) -> dict:
    from app.frame.dates import utc_now
    from sync.center import keys
    from sync.center.app import create_center_app
    from sync.center.models import Kecamatan
    from tests.sync.harness import CenterServer
    base = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    if database_url:
        from tests.sync.helpers import reset_postgres
        reset_postgres(database_url)
    app = create_center_app({"DATA_DIR": base / "center", "DATABASE_URL": database_url})
    enrolled = []
    with app.extensions["center_database"].connection_context():
        for k, code in enumerate(regency_kecamatan(clients)):
            kecamatan = Kecamatan.create(code=code, digits=code.replace(".", ""), name=f"Uji {k}", created_at=utc_now())
            _, key = keys.enrol(code, keys.new_enrolment_code(kecamatan), "01")
            enrolled.append((key.key_id, key.secret, code))
    center = CenterServer(base / "center", database_url=database_url).start()
    try:
        with multiprocessing.Pool(clients) as pool:
            started = time.monotonic()
            results = pool.map(_ingest_client, [(center.url, k, s, c, count, batch) for k, s, c in enrolled])
            elapsed = time.monotonic() - started
    finally:
        center.stop()
    stored = sum(r[0] for r in results)
    if stored < clients * count:  # a figure over refused records is no figure
        raise SystemExit(f"only {stored} of {clients * count} stored: {sorted({m for r in results for m in r[2]})}")
    return {"database": "postgresql" if database_url else "sqlite", "clients": clients,
            "applications": stored, "seconds": round(elapsed, 1), "apps_per_second": round(stored / elapsed, 1),
            "median_client_apps_per_second": round(statistics.median(count / r[1] for r in results), 1)}


def bench_store(count: int, database_url: str | None, photos: str = "synthetic", profile: Path | None = None,
                arrived_together: bool = True) -> dict:
    """The center's own cost of storing an application, in process and without HTTP: CPU and wall
    time per application of `records.store_packet_items` (validation, strict JPEG check, sealing, the SQL),
    one thread, STORE_TOGETHER at a time as the center stores a packet that has arrived whole, or
    (`arrived_together` False) one at a time as over a slow link. CPU time does not depend on what else the machine runs. `photos`: "synthetic" (drawn
    pas foto, sent as they are) or "photographs" (bench/photo_corpus.py, each as the Lepton stream
    a kecamatan sends, so restoring it is counted as at the center). `profile`: cProfile's
    statistics of the stores, written there. Also printed: each step's CPU per application (the
    floor's restore and strict decode, the record's rules, the one-card check, the store's SQL)."""
    from app.frame.dates import utc_now
    from sync import jpeg_transit, protocol
    from sync.center import records
    from sync.center.api import STORE_TOGETHER
    from sync.center.app import create_center_app
    from sync.center.models import Kecamatan
    from tests.sync.helpers import packet_item
    if database_url:
        from tests.sync.helpers import reset_postgres
        reset_postgres(database_url)
    app = create_center_app({"DATA_DIR": Path(tempfile.mkdtemp(prefix="bench-store-")), "DATABASE_URL": database_url})
    pool = photograph_pool() if photos == "photographs" else [pas_foto(i) for i in range(20)]
    with app.app_context(), app.extensions["center_database"].connection_context():
        kecamatan = Kecamatan.create(code="35.08.07", digits="350807", name="Uji", created_at=utc_now())
        items = [packet_item(n + 1, photo=pool[n % len(pool)]) for n in range(count + 1)]
        if photos == "photographs":  # as the API hands them over: the plain Lepton stream, the hash's check
            streams = {sha: jpeg_transit.compress(photo, jpeg_transit.PLAIN) for sha, photo in
                       {protocol.sha256_hex(photo): photo for photo in pool}.items()}
            items = [(dict(header, photo_codec=jpeg_transit.PLAIN, hash=header["hash"][:protocol.HASH_CHECK_CHARS]),
                      streams[protocol.sha256_hex(photo)]) for header, photo in items]
        short = photos == "photographs"
        records.store_packet_item(kecamatan, *items.pop(), short_hash=short)  # the first connection, not per application
        from bench import center_route_cpu as accounts  # each step's CPU (all threads), nested steps inside their callers'
        timed = ((records, "store_packet_items"), (jpeg_transit, "decompress"), (records, "photo_check"),
                 (records, "record_problem"), (records, "applicant_in_the_making_elsewhere"),
                 (records, "_store_at_once"), (records, "_insert_received"))
        plain = [getattr(module, name) for module, name in timed]
        for module, name in timed:
            accounts.timed(module, name, name)
        profiler = None
        if profile:
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        cpu, wall = time.process_time(), time.perf_counter()
        together = STORE_TOGETHER if arrived_together else 1  # as the center stores a packet that has arrived whole
        stored = sum(outcome.result == "stored" for start in range(0, len(items), together)
                     for outcome in records.store_packet_items(kecamatan, items[start:start + together], short_hash=short))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        for (module, name), function in zip(timed, plain):
            setattr(module, name, function)
        steps = {name: spent * 1000 / count for name, (_, spent, _) in accounts.ROUTES.items()}
        accounts.ROUTES.clear()
        whole = steps.pop("store_packet_items")
        steps["the rest: hashes, checks of the record's form, SQLite's transaction"] = whole - sum(steps.values())
        if profiler:
            profiler.disable()
            profile.parent.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(str(profile))
        offered = [{"id": h["id"], "version": h["version"],
                    "hash": protocol.content_hash(h["record"], protocol.sha256_hex(
                        jpeg_transit.decompress(w, h["photo_codec"]) if h.get("photo_codec") else w))} for h, w in items]
        manifest = time.process_time()
        assert len(records.answer_manifest(kecamatan, offered)["have"]) == count  # a re-sent pass: all held
        manifest = time.process_time() - manifest
    return {"database": "postgresql" if database_url else "sqlite", "photos": photos, "applications": stored,
            "stored_together": together, "steps_cpu_ms_per_app": {name: round(ms, 3) for name, ms in steps.items()},
            "manifest_cpu_ms_per_item": round(manifest * 1000 / count, 3),
            "cpu_ms_per_app": round(cpu * 1000 / count, 2), "wall_ms_per_app": round(wall * 1000 / count, 2),
            "apps_per_cpu_second": round(count / cpu, 1)}


# --- night: N kecamatan PCs running `run.py sync` against one center at the same moment ------

def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process so far (Linux /proc; None elsewhere)."""
    import os
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    """User + system CPU of this process's children that have ended and been waited for."""
    import resource
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _peak_kb_wrapper(out: Path) -> list[str]:
    """GNU time in front of a pass, writing the pass's own peak RSS (KB) to `out`. The bench's own rusage
    of a child cannot tell it: on Linux a child's ru_maxrss starts at this (large) process's RSS at the fork."""
    return ["/usr/bin/time", "-f", "%M", "-o", str(out)] if Path("/usr/bin/time").exists() else []


def _py_spy(pid: int, out: Path):
    """py-spy sampling `pid` into `out` (collapsed stacks) until it ends, or None without py-spy."""
    import shutil
    import subprocess
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return None
    return subprocess.Popen([spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "250", "--nonblocking",
                             "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def photo_floor_ms(photos: list[bytes]) -> float:
    """The center's floor per application: CPU of restoring each photo from the Lepton stream a
    kecamatan sends and of its strict decode (sync/center/records.photo_check), nothing else; the
    mean over `photos` (each application of the night draws one of them)."""
    from sync import jpeg_transit
    from sync.center.records import photo_check
    streams = [jpeg_transit.compress(photo) for photo in photos]
    started = time.process_time()  # all threads: Lepton restores on its own
    for photo, stream in zip(photos, streams):
        restored = jpeg_transit.decompress(stream) if stream is not None else photo
        assert photo_check(restored)[0] is not None
    return (time.process_time() - started) * 1000 / len(photos)


class FloorAlongside:
    """The floor measured under the night's own load: while the passes run, a thread of this
    process restores one photo from its Lepton stream and decodes it strictly (what
    photo_floor_ms does) every `pause` seconds, and counts this process's CPU for it (every
    thread's: Lepton restores on its own; the main thread only waits for the passes meanwhile).
    On 2 shared cores the center's CPU per application grows with the passes beside it (caches,
    the cores' other hyperthread), and so does the floor's: the ratio compares like with like.
    It takes ~10 % of a core."""

    def __init__(self, photos: list[bytes], pause: float = 0.05):
        import threading
        from sync import jpeg_transit
        self.streams = [(photo, jpeg_transit.compress(photo)) for photo in photos]
        self.pause, self.cpu, self.done = pause, 0.0, 0
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from sync import jpeg_transit
        from sync.center.records import photo_check
        while not self.stop_event.wait(self.pause):
            photo, stream = self.streams[self.done % len(self.streams)]
            started = time.process_time()
            restored = jpeg_transit.decompress(stream) if stream is not None else photo
            assert photo_check(restored)[0] is not None
            self.cpu += time.process_time() - started
            self.done += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop_event.set()
        self.thread.join()

    def ms(self) -> float | None:
        return self.cpu * 1000 / self.done if self.done else None


def _pin(pid: int, cores: set) -> None:
    """Every thread of process `pid` on `cores` (Linux; threads made later inherit their maker's)."""
    import os
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), cores)
        except ProcessLookupError:  # a thread that ended meanwhile
            pass


def bench_night(clients: int, count: int, database_url: str | None, threads: int = 8, centers: int = 1,
                photos: str = "photographs", profile: Path | None = None, own_core: bool = False) -> dict:
    """Each kecamatan: its own data folder, enrolled, yesterday's pass made (synced_before), then `count`
    complete applications with photos (crops of real photographs through the intake, bench/photo_corpus.py;
    or drawn pas foto); then every `run.py sync --full` starts at once. Applications per second is counted
    at the center, first stored to last stored; a pass that ends with an error or leaves anything unsent is
    a failed first pass. CPU is counted per process and divided by the applications stored: the center
    processes' (/proc, over the run) and the `run.py sync` children's (all of each child: start-up, opening
    its database, key derivation, the pass; getrusage of the waited children). `profile`: py-spy's collapsed
    stacks of each center and of the first kecamatan's pass are written there. `own_core`: the center
    processes, and the floor's thread beside them, on the first core alone and the kecamatan passes on the
    others, as on a regency's server, where the 20-50 kecamatan PCs are not (PostgreSQL stays on every
    core); on 2 shared cores the passes' processes otherwise run between the center's requests on its core
    (Linux only)."""
    import os
    import subprocess
    from app.frame.dates import utc_now
    from sync.center import keys
    from sync.center.app import create_center_app
    from sync.center.models import Kecamatan, ReceivedApplication
    from tests.sync.harness import CenterServer, enrol_kecamatan, kecamatan_app
    base = Path(tempfile.mkdtemp(prefix="bench-night-"))
    if database_url:
        from tests.sync.helpers import reset_postgres
        reset_postgres(database_url)
    pool = photograph_pool() if photos == "photographs" else None
    center_app = create_center_app({"DATA_DIR": base / "center", "DATABASE_URL": database_url})
    codes = regency_kecamatan(clients)
    with center_app.extensions["center_database"].connection_context():
        enrolment = {code: keys.new_enrolment_code(Kecamatan.create(
            code=code, digits=code.replace(".", ""), name=f"Uji {k}", created_at=utc_now())) for k, code in enumerate(codes)}
    servers = [CenterServer(base / "center", database_url=database_url, threads=threads).start()
               for _ in range(centers)]
    spies = []
    try:
        folders, photo_bytes = [], 0
        for k, code in enumerate(codes):
            folder = base / f"kec-{k:02d}"
            kec_app = kecamatan_app(folder)
            enrol_kecamatan(kec_app, servers[k % centers].url, enrolment[code], kecamatan_code=code, as_the_page_does=True)
            synced_before(kec_app, code, pool, first_photo=k * count)
            photo_bytes += fill_with_photos(kec_app, count, kecamatan_code=code, photos=pool, first_photo=k * count)[1]
            kec_app.extensions["database"].close()
            folders.append(folder)
        if profile:
            profile.mkdir(parents=True, exist_ok=True)
            spies = [_py_spy(s.process.proc.pid, profile / f"center-{i}.txt") for i, s in enumerate(servers)]
        everywhere = os.sched_getaffinity(0)
        center_core, pass_cores = {min(everywhere)}, (everywhere - {min(everywhere)}) or everywhere
        if own_core:
            for server in servers:
                _pin(server.process.proc.pid, center_core)
            _pin(os.getpid(), center_core)  # the floor's thread (and Lepton's) beside the center
        floor_alongside = FloorAlongside((pool or [pas_foto(i) for i in range(50)])[:40])
        cpu_before = [_cpu_seconds(s.process.proc.pid) for s in servers]
        children_before = _children_cpu_seconds()
        started = time.monotonic()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        passes = [(subprocess.Popen([*([] if profile else _peak_kb_wrapper(folder / "pass-peak-kb")),
                                     sys.executable, str(ROOT / "run.py"), "sync", "--data", str(folder), "--full"],
                                    cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                    preexec_fn=(lambda: os.sched_setaffinity(0, pass_cores)) if own_core else None),
                   time.monotonic()) for folder in folders]
        if profile:
            spies.append(_py_spy(passes[0][0].pid, profile / "kecamatan-0.txt"))
        seconds, failed, outputs = [], 0, []
        with floor_alongside:
            for process, began in passes:
                output, _ = process.communicate(timeout=3600)
                seconds.append(time.monotonic() - began)
                outputs.append(output.strip().splitlines()[-1:] if output.strip() else [])
                if process.returncode != 0 or f"terkirim {count}," not in output:
                    failed += 1
        wall = time.monotonic() - started
        peaks = [int((folder / "pass-peak-kb").read_text().split()[-1]) / 1024
                 for folder in folders if (folder / "pass-peak-kb").exists()]
        client_cpu = _children_cpu_seconds() - children_before
        cpu_after = [_cpu_seconds(s.process.proc.pid) for s in servers]
    finally:
        if own_core:
            _pin(os.getpid(), everywhere)
        for server in servers:
            server.stop()
        for spy in spies:
            if spy is not None:
                try:
                    spy.wait(30)
                except subprocess.TimeoutExpired:
                    spy.kill()
    with center_app.extensions["center_database"].connection_context():
        # Yesterday's applications (synced_before), one a kecamatan, were all stored before the night.
        received = sorted(at for at, in ReceivedApplication.select(ReceivedApplication.received_at).tuples())[clients:]
        stored = len(received)
    if received and isinstance(received[0], str):  # SQLite's ISO texts sort as their times do
        from datetime import datetime
        received = [datetime.fromisoformat(at) for at in received]
    ingest_seconds = max((received[-1] - received[0]).total_seconds(), 0.001) if received else 0.001
    center_app.extensions["center_database"].close()
    import shutil
    shutil.rmtree(base, ignore_errors=True)  # 20-50 kecamatan databases a run; the figures are below
    if stored < clients * count:  # refused or lost applications: a rate over them is no figure
        raise SystemExit(f"the center stored {stored} of {clients * count} applications; passes said: "
                         f"{sorted({line for lines in outputs for line in lines})[:3]}")
    floor = photo_floor_ms(pool or [pas_foto(i) for i in range(50)])
    cpu = (sum(cpu_after) - sum(cpu_before)) if None not in cpu_before + cpu_after else None
    seconds.sort()
    per_app = max(stored, 1)
    return {"database": "postgresql" if database_url else "sqlite", "clients": clients, "centers": centers,
            "center_on_its_own_core": own_core, "threads": threads, "photos": photos, "photo_bytes_per_app": round(photo_bytes / max(clients * count, 1)),
            "applications": stored, "expected": clients * count,
            "ingest_seconds": round(ingest_seconds, 1), "apps_per_second": round(stored / ingest_seconds, 1),
            "wall_seconds": round(wall, 1),
            "center_cpu_ms_per_app": round(cpu * 1000 / per_app, 2) if cpu is not None else None,
            "center_floor_ms_per_app": round(floor, 2),
            "center_floor_alongside_ms": round(floor_alongside.ms(), 2) if floor_alongside.ms() else None,
            "center_cpu_to_floor": round(cpu * 1000 / per_app / floor, 2) if cpu is not None else None,
            "center_cpu_to_floor_alongside": (round(cpu * 1000 / per_app / floor_alongside.ms(), 2)
                                              if cpu is not None and floor_alongside.ms() else None),
            "client_cpu_ms_per_app": round(client_cpu * 1000 / per_app, 2),
            "client_cpu_seconds_per_pass": round(client_cpu / clients, 2),
            "pass_peak_rss_mb": {"median": round(statistics.median(peaks), 1), "max": round(max(peaks), 1)} if peaks else None,
            "failed_first_passes": failed, "median_pass_seconds": round(statistics.median(seconds), 1),
            "p95_pass_seconds": round(seconds[min(len(seconds) - 1, math.ceil(0.95 * len(seconds)) - 1)], 1),
            "load_average": [round(x, 1) for x in os.getloadavg()],
            "sample_output": sorted({line for lines in outputs for line in lines})[:3]}


def bench_pass_cost(passes: int, count: int, database_url: str | None, profile: Path | None = None) -> dict:
    """The center's CPU for one kecamatan's whole pass (each PC synced once before: synced_before), the passes
    one after the other on an idle center (no other pass's work inside a pass's window): per pass and per
    application, beside the floor measured the same way in this process, and split by route
    (bench/center_route_cpu.py counts each request from its arrival at the app to its answer's last byte;
    what remains is cheroot reading and writing the connections, and the nonce pruning job). The center also
    counts the floor's two steps as it pays them (the pseudo-routes "floor: decompress" and "floor:
    photo_check"), for the ratio against the floor inside the center, and steps inside the routes ("step:
    ...": restoring an application, its rules and store, a signed request's key check). `profile`: each
    route's requests profiled (cProfile in the request's thread, so Lepton's own threads are not in it),
    ROUTE.prof there."""
    import os
    import signal
    import subprocess
    from app.frame.dates import utc_now
    from sync.center import keys
    from sync.center.app import create_center_app
    from sync.center.models import Kecamatan
    from tests.sync.harness import enrol_kecamatan, free_port, kecamatan_app, wait_for
    base = Path(tempfile.mkdtemp(prefix="bench-pass-"))
    if database_url:
        from tests.sync.helpers import reset_postgres
        reset_postgres(database_url)
    pool = photograph_pool()
    center_app = create_center_app({"DATA_DIR": base / "center", "DATABASE_URL": database_url})
    codes = regency_kecamatan(passes)
    with center_app.extensions["center_database"].connection_context():
        enrolment = {code: keys.new_enrolment_code(Kecamatan.create(
            code=code, digits=code.replace(".", ""), name=f"Uji {k}", created_at=utc_now())) for k, code in enumerate(codes)}
    center_app.extensions["center_database"].close()
    port, routes_file = free_port(), base / "routes.json"
    env = dict(os.environ, PYTHONUNBUFFERED="1", LOKET_ROUTE_CPU=str(routes_file))
    if profile:
        profile.mkdir(parents=True, exist_ok=True)
        env["LOKET_ROUTE_PROFILE"] = str(profile)
    center = subprocess.Popen([sys.executable, str(ROOT / "bench" / "center_route_cpu.py"), "center", "--data",
                               str(base / "center"), "--port", str(port),
                               *(["--database-url", database_url] if database_url else [])],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def routes() -> tuple[float, dict]:
        """The center's whole CPU so far (seconds) and its sums by route."""
        routes_file.unlink(missing_ok=True)
        center.send_signal(signal.SIGUSR1)
        while not routes_file.exists():
            time.sleep(0.01)
        dumped = json.loads(routes_file.read_text())
        for route, seconds in dumped.get("reads", {}).items():  # a SQLite center's reads (issue 73)
            dumped["routes"][route].append(seconds)
        return dumped["process_cpu"], dumped["routes"]

    try:
        wait_for(f"http://127.0.0.1:{port}/api/openapi.json")
        folders = []
        for k, code in enumerate(codes):
            kec_app = kecamatan_app(base / f"kec-{k:02d}")
            enrol_kecamatan(kec_app, f"http://127.0.0.1:{port}", enrolment[code], kecamatan_code=code, as_the_page_does=True)
            synced_before(kec_app, code, pool, first_photo=k * count)
            fill_with_photos(kec_app, count, kecamatan_code=code, photos=pool, first_photo=k * count)
            kec_app.extensions["database"].close()
            folders.append(base / f"kec-{k:02d}")
        time.sleep(1)  # the center's start-up work (the region index, the Kinerja warm-up) done
        per_pass, by_route = [], {}
        for folder in folders:
            before, routes_before = routes()
            done = subprocess.run([sys.executable, str(ROOT / "run.py"), "sync", "--data", str(folder), "--full"],
                                  cwd=ROOT, capture_output=True, text=True, env=env)
            if done.returncode != 0 or f"terkirim {count}," not in done.stdout:
                raise SystemExit(f"a pass failed: {(done.stdout + done.stderr)[-400:]}")
            time.sleep(0.2)  # the last answer's bytes written
            after, routes_after = routes()
            per_pass.append((after - before) * 1000)
            for route, (n, cpu, own, *reads) in routes_after.items():
                was = routes_before.get(route, [0, 0.0, 0.0])
                tally = by_route.setdefault(route, [0, 0.0, 0.0, 0.0])
                tally[0] += n - was[0]
                tally[1] += (cpu - was[1]) * 1000
                tally[2] += (own - was[2]) * 1000
                tally[3] += ((reads or [0.0])[0] - (was[3:] or [0.0])[0]) * 1000
    finally:
        center.terminate()
        center.wait(30)
    import shutil
    shutil.rmtree(base, ignore_errors=True)
    floor = photo_floor_ms(pool)
    pass_ms = statistics.median(per_pass)
    counted_ms = sum(cpu for route, (_, cpu, _, _) in by_route.items() if not route.startswith(("floor: ", "step: "))) / passes
    in_center = sum(cpu for route, (_, cpu, _, _) in by_route.items() if route.startswith("floor: ")) / (passes * count)
    return {"database": "postgresql" if database_url else "sqlite", "passes": passes, "applications_per_pass": count,
            "center_cpu_ms_per_pass": {"median": round(pass_ms, 1), "all": [round(x, 1) for x in per_pass]},
            "center_cpu_ms_per_app": round(pass_ms / count, 2), "center_floor_ms_per_app": round(floor, 2),
            "center_cpu_to_floor": round(pass_ms / count / floor, 2),
            "floor_as_the_center_pays_it_ms_per_app": round(in_center, 2),
            "center_cpu_to_floor_in_center": round(pass_ms / count / in_center, 2) if in_center else None,
            "routes_ms_per_pass": {route: {"requests": round(n / passes, 1), "cpu_ms": round(cpu / passes, 1),
                                           "own_thread_cpu_ms": round(own / passes, 1),
                                           # the request thread's CPU inside SQLite, and its CPU against it
                                           **({"reads_ms": round(reads / passes, 1),
                                               "own_cpu_to_reads": round(own / reads, 2)} if reads else {})}
                                   for route, (n, cpu, own, reads) in sorted(by_route.items(), key=lambda r: -r[1][1])},
            "outside_the_app_ms_per_pass": round(statistics.mean(per_pass) - counted_ms, 1),
            "load_average": [round(x, 1) for x in os.getloadavg()]}


# The side-by-side of issue 30: (database, clients, centers, applications per kecamatan).
# Issue 45: 10, 20 and 50 kecamatan, each on SQLite and on PostgreSQL with one and two center processes.
NIGHT_MATRIX = tuple((database, clients, centers, count)
                     for clients, count in ((10, 100), (20, 100), (50, 20))
                     for database, centers in (("sqlite", 1), ("postgresql", 1), ("postgresql", 2)))


def bench_night_matrix(database_url: str, threads: int = 8, photos: str = "photographs", scale: float = 1.0,
                       own_core: bool = False) -> dict:
    """Every row of NIGHT_MATRIX, one after the other, then the arithmetic of the 2 shared cores:
    with the kecamatan's passes on the same cores as the center, apps/s <= 2000 ms / (client ms +
    center ms per application); the center alone could carry 2000 / its ms per application."""
    rows = []
    for database, clients, centers, count in NIGHT_MATRIX:
        rows.append(bench_night(clients, max(1, round(count * scale)), database_url if database == "postgresql" else None,
                                threads, centers, photos, own_core=own_core))
    cores = os.cpu_count() or 2
    for row in rows:
        both = (row["center_cpu_ms_per_app"] or 0) + row["client_cpu_ms_per_app"]
        row["ceiling_apps_per_second_shared"] = round(cores * 1000 / both, 1) if both else None
        row["ceiling_apps_per_second_center_alone"] = (round(cores * 1000 / row["center_cpu_ms_per_app"], 1)
                                                       if row["center_cpu_ms_per_app"] else None)
    return {"cores": cores, "rows": rows, "table": night_table(rows)}


def night_table(rows: list[dict]) -> list[str]:
    lines = ["| database | kecamatan | centers | applications | apps/s | center CPU ms/app (floor quiet / alongside, ratio to alongside) "
             "| client CPU ms/app "
             "| failed first passes | median / p95 pass s | ceiling shared / center alone apps/s | load |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['database']} | {r['clients']} | {r['centers']} | {r['applications']} | {r['apps_per_second']} "
                     f"| {r['center_cpu_ms_per_app']} ({r['center_floor_ms_per_app']} / {r['center_floor_alongside_ms']}, "
                     f"{r['center_cpu_to_floor_alongside']}x) | {r['client_cpu_ms_per_app']} "
                     f"| {r['failed_first_passes']} "
                     f"| {r['median_pass_seconds']} / {r['p95_pass_seconds']} "
                     f"| {r.get('ceiling_apps_per_second_shared')} / {r.get('ceiling_apps_per_second_center_alone')} "
                     f"| {r['load_average'][0]} |")
    return lines


# --- faults and kills at full counts ----------------------------------------------------

def bench_faults(count: int) -> dict:
    from tests.sync.harness import CenterServer, enrol_kecamatan, fill_kecamatan, kecamatan_app, prepare_center
    from tests.sync import invariants
    base = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    center_app, code = prepare_center(base / "center")
    center = CenterServer(base / "center").start()
    plan = linkproxy.FaultPlan(rate=0.25, seed=6, seconds=1.0)
    proxy = linkproxy.LinkProxy(("127.0.0.1", center.port), faults=plan, seed=6)
    proxy.start()
    started = time.monotonic()
    try:
        kec_app = kecamatan_app(base / "kecamatan")
        numbers = fill_kecamatan(kec_app, count, photo_size=(60, 80))
        enrol_kecamatan(kec_app, center.url, code, link_url=proxy.url)
        invariants.sync_until_settled(kec_app, "diterima_pusat", max_passes=500, **invariants.small_packets())
        invariants.assert_each_at_center_once(center_app, numbers)
        invariants.center_mark_all(center_app, ["printed", "shipped"])
        invariants.sync_until_settled(kec_app, "dikirim", max_passes=500, **invariants.small_packets())
        invariants.assert_each_status_back_once(kec_app, numbers)
    finally:
        proxy.close()
        center.stop()
    return {"applications": count, "requests": plan.requests_seen, "faults": dict(plan.injected),
            "seconds": round(time.monotonic() - started, 1), "exactly_once": True}


def bench_kills(count: int, kills: int) -> dict:
    import tests.sync.test_kills as kill_tests
    kill_tests.COUNT, kill_tests.KILLS = count, kills
    results = {}
    for name, test in (("kecamatan", kill_tests.test_killing_the_kecamatan_sync_process_loses_and_doubles_nothing),
                       ("center", kill_tests.test_killing_the_center_loses_and_doubles_nothing)):
        started = time.monotonic()
        test(Path(tempfile.mkdtemp(prefix=f"bench-kills-{name}-")))
        results[name] = {"applications": count, "kills": kills, "seconds": round(time.monotonic() - started, 1),
                         "exactly_once": True}
    return results


def bench_usb(count: int) -> dict:
    """A month offline through USB: export the backlog to numbered files, import them at the
    center (the same per-file path as its Impor USB page), then import them all again."""
    from sync.center import keys
    from sync.center.views import import_one_file
    from sync.client import usb_files
    from tests.sync.harness import kecamatan_app, prepare_center
    base = Path(tempfile.mkdtemp(prefix="bench-usb-"))
    center_app, code = prepare_center(base / "center")
    kec_app = kecamatan_app(base / "kecamatan")
    numbers, photo_bytes, _ = fill_with_photos(kec_app, count)
    center_db = center_app.extensions["center_database"]
    with center_app.app_context(), center_db.connection_context():
        _, key = keys.enrol("35.08.07", code, "01", "bench")
        key_id, secret = key.key_id, key.secret
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        from app.frame.dates import utc_now
        from app.frame.db import database
        from sync.client.models import SyncLink
        with database.atomic():
            SyncLink.create(center_url="http://pusat", kecamatan_code="35.08.07", key_id=key_id, secret=secret,
                            enrolled_at=utc_now())
        started = time.monotonic()
        files, exported = usb_files.export_batches(base / "usb")
        export_seconds = time.monotonic() - started

    def import_all():
        started = time.monotonic()
        with center_app.test_request_context(), center_db.connection_context():
            results = [import_one_file((base / "usb" / name).read_bytes(), name) for name, _ in files]
        return time.monotonic() - started, results
    first_seconds, first = import_all()
    again_seconds, again = import_all()
    return {"applications": exported, "files": len(files), "photo_bytes": photo_bytes,
            "file_bytes": sum(len(content) for _, content in files),
            "largest_file_bytes": max(len(content) for _, content in files),
            "export_seconds": round(export_seconds, 2), "import_seconds": round(first_seconds, 2),
            "stored": sum(r["summary"].get("stored", 0) for r in first),
            "reimport_seconds": round(again_seconds, 2),
            "reimport_stored": sum(r["summary"].get("stored", 0) for r in again),
            "reimport_messages": sorted({r["message"].split(":")[0] for r in again})[:2]}


def installed_bytecode() -> None:
    """The programs this bench starts run from compiled bytecode, as an installed office PC and
    center do (pip compiles at install): this machine's environment sets PYTHONDONTWRITEBYTECODE,
    under which every `run.py sync` child would compile the app's sources again and count that as
    the pass's CPU. The bytecode goes to a folder outside the tree (PYTHONPYCACHEPREFIX)."""
    import subprocess
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(Path(tempfile.gettempdir()) / "loket-bench-pycache"))
    subprocess.run([sys.executable, "-c", "import compileall, sys; sys.exit(not all(compileall.compile_dir(d, quiet=1) "
                    "for d in sys.argv[1:]) or not compileall.compile_file(sys.argv[1] + '/../run.py', quiet=1))",
                    str(ROOT / "app"), str(ROOT / "sync")], check=True, env=os.environ)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["link", "ingest", "store", "night", "pass-cost", "faults", "kills", "vs-rsync", "usb"])
    parser.add_argument("--clients", type=int, default=20, help="night: kecamatan syncing at once; pass-cost: "
                                                                "kecamatan passing one after the other")
    parser.add_argument("--threads", type=int, default=8, help="night: the center's threads")
    parser.add_argument("--centers", type=int, default=1, help="night: center processes on the one database")
    parser.add_argument("--only-pg", action="store_true", help="night: PostgreSQL alone (needs --pg)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--links", default="clean,loss1,loss5,flapping,outage")
    parser.add_argument("--results", type=Path, help="vs-rsync: write every run here as it finishes")
    parser.add_argument("--count", type=int)
    parser.add_argument("--tools", default="ours,rsync", help="vs-rsync: which side(s) to run (ours alone while iterating)")
    parser.add_argument("--offset", type=float, help="vs-rsync: the outage link's phase (tunlink --offset)")
    parser.add_argument("--dump", type=Path, help="vs-rsync: tunlink's per-flow byte streams of our runs, for the "
                                                   "byte account (tunlink --dump)")
    parser.add_argument("--photos", choices=["synthetic", "photographs"],
                        help="vs-rsync and store (default synthetic), night (default photographs): drawn photos, or crops of "
                             "real photographs (bench/photo_corpus.py)")
    parser.add_argument("--matrix", action="store_true", help="night: every row of NIGHT_MATRIX, side by side")
    parser.add_argument("--scale", type=float, default=1.0, help="night --matrix: applications per kecamatan x this")
    parser.add_argument("--own-core", action="store_true", help="night: the center on the first core alone, the passes "
                                                                 "on the others (as on a regency's server)")
    parser.add_argument("--profile", type=Path, help="night: py-spy's stacks of the centers and one pass, here; store: cProfile's; "
                                                    "pass-cost: each route's (cProfile)")
    parser.add_argument("--busy", type=int, default=0, help="vs-rsync: processes spinning on the CPU meanwhile")
    parser.add_argument("--congestion", default="", help="vs-rsync: TCP congestion control of our pass's connection "
                                                         "and of rsync's (cubic, bbr; default: the machine's)")
    parser.add_argument("--first-rep", type=int, default=1, help="vs-rsync: the first repetition (its loss seed) to run")
    parser.add_argument("--codec", choices=["best", "jpegxl", "plain"], default="best",
                        help="vs-rsync: the office's photo codecs: this Python's (best), JPEG XL alone (the install "
                             "without Lepton, Python 3.15), or none (plain JPEG); the floor counts that codec")
    parser.add_argument("--trees", help="vs-rsync: checkouts (comma-separated) whose pass runs in turn on each "
                                        "repetition's link, ours only (a change against the tree before it)")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--pg", metavar="URL", help="also run ingest on this PostgreSQL database (it is wiped)")
    options = parser.parse_args()
    if options.what == "night":
        installed_bytecode()
    if options.what == "vs-rsync":
        from bench import sync_vs_rsync
        result = sync_vs_rsync.run(options.count or 200, options.reps, options.links.split(","), options.results,
                                   tools=options.tools.split(","), dump=options.dump, offset=options.offset,
                                   photos=options.photos or "synthetic", busy=options.busy,
                                   congestion=options.congestion, first_rep=options.first_rep,
                                   codec=options.codec,
                                   trees=[Path(t).resolve() for t in options.trees.split(",")] if options.trees else None)
    elif options.what == "link":
        result = bench_link(options.count or 1000)
    elif options.what == "ingest":
        result = [bench_ingest(options.count or 200, None)]
        if options.pg:
            result.append(bench_ingest(options.count or 200, options.pg))
    elif options.what == "store":
        photos, profile = options.photos or "synthetic", options.profile
        result = []
        for url, name in ((None, "sqlite"), *(((options.pg, "pg"),) if options.pg else ())):
            for together in (False, True):  # one by one (a slow link), then as a packet arrived whole
                result.append(bench_store(options.count or 300, url, photos,
                                          profile and profile / f"store-{name}{'-together' if together else ''}.prof",
                                          arrived_together=together))
    elif options.what == "night" and options.matrix:
        if not options.pg:
            parser.error("night --matrix needs --pg")
        result = bench_night_matrix(options.pg, options.threads, options.photos or "photographs", options.scale,
                                    options.own_core)
    elif options.what == "night":
        photos = options.photos or "photographs"
        result = [] if options.only_pg else [bench_night(options.clients, options.count or 100, None, options.threads,
                                                         photos=photos, profile=options.profile,
                                                         own_core=options.own_core)]
        if options.pg:
            result.append(bench_night(options.clients, options.count or 100, options.pg, options.threads,
                                      options.centers, photos, options.profile and options.profile / "pg",
                                      own_core=options.own_core))
    elif options.what == "pass-cost":
        profile = options.profile
        result = [bench_pass_cost(options.clients, options.count or 100, None, profile and profile / "sqlite")]
        if options.pg:
            result.append(bench_pass_cost(options.clients, options.count or 100, options.pg, profile and profile / "pg"))
    elif options.what == "usb":
        result = bench_usb(options.count or 2000)
    elif options.what == "faults":
        result = bench_faults(options.count or 1000)
    else:
        result = bench_kills(options.count or 1000, options.kills)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

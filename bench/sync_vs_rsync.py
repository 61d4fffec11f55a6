"""Our sync against rsync on the packet-level rural link (../shared/tools/tunlink.py).

    sudo python bench/bench_sync.py vs-rsync [--count 200] [--reps 3] [--links clean,loss1,...]

The same applications travel both ways: our sync pushes them from a kecamatan database (the
photos made through the real intake normalisation, every one distinct) to a real center; rsync
copies the same records (JSON) and photos (JPEG) as files to an rsync daemon, with `-z`
(zstd), and with `--timeout=30 --partial` in a retry loop on the long-outage link. Each run gets
a fresh link emulator (its byte counters, and the outage clock started when the timed part
starts), ours and rsync back to back, repetitions in the outer loop so a partial run still has
every link. Needs root, network namespaces and rsync; says so and skips otherwise.

`codec` (bench_sync.py --codec): the office's photo codecs. "best": what this Python has (Lepton where
its wheel installs); "jpegxl": the office install without Lepton (Python 3.15): the kecamatan's
processes run with `import lepton_jpeg_python` failing (tests/sync/test_without_lepton.py's blocker),
so it sends JPEG XL; "plain": neither library, photos as their JPEG bytes. The center keeps every
codec; the floor counts each photo in the codec the office sends.
"""
import io
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUNLINK = ROOT.parent.parent / "shared" / "tools" / "tunlink.py"
if not TUNLINK.exists():
    TUNLINK = Path("/work/shared/tools/tunlink.py")
KEC_NS, PST_NS = "loketk", "loketp"
CENTER_IP, CENTER_PORT, RSYNC_PORT = "10.77.0.2", 8090, 8873
RATE, DELAY = 256000, 0.2
LINKS = {
    "clean": {},
    "loss1": {"loss": 0.01},
    "loss5": {"loss": 0.05},
    "flapping": {"loss": 0.01, "period": 60, "down": 10},
    # The first outage opens 45 s into the timed part (down while (t - 120) mod 180 >= 105, i.e.
    # 45-120 s, 225-300 s ...), so both tools meet it whatever their speed: with the default
    # phase (first outage at 105 s) a 2.8 MB set can finish before it and the row says nothing.
    "outage": {"period": 180, "down": 75, "offset": 120},
}
LINK_NAMES = {"clean": "clean", "loss1": "1 % loss", "loss5": "5 % loss",
              "flapping": "1 % loss, down 10 s every 60 s", "outage": "down 75 s every 180 s"}


def missing_requirements(rsync: bool = True) -> str:
    """Why the rural link cannot be set up here ("" when it can); `rsync`: the peer this bench compares with."""
    if os.name != "posix" or os.geteuid() != 0:
        return "needs root (network namespaces and a tun device)"
    if not shutil.which("ip") or not os.path.exists("/dev/net/tun"):
        return "needs iproute2 and /dev/net/tun"
    if rsync and not shutil.which("rsync"):
        return "needs rsync (apt-get install -y rsync)"
    if not TUNLINK.exists():
        return f"needs {TUNLINK}"
    probe = subprocess.run(["ip", "netns", "add", "loketprobe"], capture_output=True)
    if probe.returncode != 0:
        return "cannot create network namespaces: " + probe.stderr.decode().strip()
    subprocess.run(["ip", "netns", "del", "loketprobe"], capture_output=True)
    return ""


# --- the application set ----------------------------------------------------------------------

def phone_photo(seed: int) -> bytes:
    """A distinct 1200 x 1600 phone snapshot of a person in a batik shirt before a red or blue cloth
    (about 13.5 KB once normalised at intake, as the issue's photos)."""
    from PIL import Image, ImageDraw, ImageFilter
    rng = random.Random(seed)
    width, height = 1200, 1600
    background = rng.choice([(190 + rng.randint(-30, 30), 25, 30), (30, 70, 170 + rng.randint(-30, 30))])
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 8):  # uneven lighting across the cloth
        shade = int(25 * (y / height - 0.5) + rng.randint(-3, 3))
        draw.rectangle((0, y, width, y + 8), fill=tuple(max(0, min(255, c + shade)) for c in background))
    skin = (rng.randint(150, 235), rng.randint(105, 180), rng.randint(70, 130))
    cx, cy = width // 2 + rng.randint(-80, 80), 620 + rng.randint(-60, 60)
    face_w, face_h = rng.randint(230, 300), rng.randint(300, 370)
    draw.rectangle((40 + rng.randint(0, 60), 1100 + rng.randint(-40, 40), width - 40, height),
                   fill=(rng.randint(0, 80), rng.randint(0, 80), rng.randint(40, 160)))
    draw.rectangle((cx - 70, cy + face_h - 60, cx + 70, cy + face_h + 120), fill=skin)
    draw.ellipse((cx - face_w, cy - face_h, cx + face_w, cy + face_h), fill=skin)
    hair = rng.randint(10, 50)
    draw.chord((cx - face_w - 15, cy - face_h - 30, cx + face_w + 15, cy + face_h // 2), 180, 360,
               fill=(hair, hair, hair))
    for dx in (-1, 1):  # eyes and brows
        ex = cx + dx * face_w // 2
        draw.ellipse((ex - 32, cy - 40, ex + 32, cy), fill=(250, 250, 250))
        draw.ellipse((ex - 14, cy - 34, ex + 14, cy - 6), fill=(40, 25, 15))
        draw.line((ex - 45, cy - 70, ex + 45, cy - 75), fill=(hair, hair, hair), width=12)
    draw.arc((cx - 90, cy + 120, cx + 90, cy + 210), 10, 170, fill=(140, 60, 60), width=10)
    # Texture of a real snapshot, so that the set is as large as the (2.81 MB for 200):
    # a batik shirt's motifs and hair strands a shade off the hair.
    for _ in range(30):
        x, y = rng.randint(0, width), rng.randint(1100, height)
        r = rng.randint(10, 28)
        tone = (rng.randint(150, 230), rng.randint(110, 190), rng.randint(20, 90))
        draw.ellipse((x - r, y - r // 2, x + r, y + r // 2), outline=tone, width=5)
    for _ in range(50):
        x, y = cx + rng.randint(-face_w, face_w), cy - face_h + rng.randint(-20, 120)
        tone = hair + rng.randint(15, 45)
        draw.line((x, y, x + rng.randint(-30, 30), y + rng.randint(40, 140)), fill=(tone, tone, tone), width=3)
    noise = Image.effect_noise((width, height), rng.randint(14, 24)).convert("RGB")
    image = Image.blend(image, noise, 0.03).filter(ImageFilter.GaussianBlur(1.2))  # a little sensor noise
    out = io.BytesIO()
    image.save(out, "JPEG", quality=rng.randint(85, 93))
    return out.getvalue()


CODEC_CHOICES = ("best", "jpegxl", "plain")


def office_codecs(codec: str) -> tuple[str, ...]:
    """The photo codecs an office with `codec` (CODEC_CHOICES) makes, in its order of preference."""
    from sync import jpeg_transit
    if codec == "best":
        return jpeg_transit.CODECS
    return (jpeg_transit.JPEGXL,) if codec == "jpegxl" and jpeg_transit.JPEGXL in jpeg_transit.CODECS else ()


def office_environment(work: Path, codec: str) -> dict:
    """The environment of the kecamatan's processes for `codec`: Lepton's import, and for "plain"
    imagecodecs' too, made to fail as on a Python without their wheels."""
    if codec == "best":
        return dict(os.environ)
    from tests.sync.test_without_lepton import no_lepton
    blocked = no_lepton(work, jpeg_xl=(codec == "jpegxl"))["PYTHONPATH"]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [blocked, os.environ.get("PYTHONPATH")])))


def build_set(base: Path, count: int, photos: str = "synthetic", codec: str = "best") -> dict:
    """A kecamatan data folder with `count` complete applications (photos normalised at intake),
    and the same records and photos as files for rsync. `photos`: "synthetic" (phone_photo, drawn)
    or "photographs" (bench/photo_corpus.py: crops of real photographs, issue 32). Each photo's
    stream is kept in the codec the office with `codec` sends, as its outbox would have made it."""
    if photos == "photographs":
        from bench.photo_corpus import photograph as make_photo
    else:
        make_photo = phone_photo
    import hashlib
    from app.registration.models import Application, ApplicationPhoto
    from app.frame.applicant_photo import normalise_photo
    from app.registration.status import ApplicationStatus as S
    from sync.client.models import OutboxItem
    from app.registration.sync_records import photo_of, write_outbox
    from tests.sync.harness import fill_kecamatan, kecamatan_app
    kec_app = kecamatan_app(base / "kecamatan")
    fill_kecamatan(kec_app, count, photo_size=(30, 40))
    files = base / "files"
    files.mkdir(parents=True)
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        from app.frame.db import database
        with database.atomic():
            for application in Application.select():
                photo = normalise_photo(make_photo(application.id)).jpeg
                (ApplicationPhoto.update(jpeg=photo, sha256=hashlib.sha256(photo).hexdigest(), width=300, height=400)
                 .where(ApplicationPhoto.application == application).execute())
                OutboxItem.delete().where(OutboxItem.source_id == application.id).execute()
                write_outbox(application, S.RECEIVED, S.COMPLETE)
            if codec != "best":  # the outbox kept this Python's codec: keep the other office's instead
                from sync.client import photo_transit
                from sync.client.models import PhotoTransit
                PhotoTransit.delete().execute()
                for photo in ApplicationPhoto.select():
                    photo_transit.prepare(bytes(photo.jpeg), photo.sha256, (office_codecs(codec) or (None,))[0])
        photo_bytes = record_bytes = 0
        for item in OutboxItem.select():
            photo = photo_of(Application.get_by_id(item.source_id))
            (files / f"{item.registration_number}.json").write_text(item.record_json, encoding="utf-8")
            (files / f"{item.registration_number}.jpg").write_bytes(photo)
            photo_bytes += len(photo)
            record_bytes += len(item.record_json.encode())
    kec_app.extensions["database"].close()
    return {"photos": photos, "codec": codec, "photo_bytes": photo_bytes, "record_bytes": record_bytes,
            "distinct_photos": len({p.read_bytes() for p in files.glob("*.jpg")}), **lossless_payload(files, codec)}


def lossless_payload(files: Path, codec: str = "best") -> dict:
    """The best lossless payload (issue 32's floor) for an office with `codec`: each photo at its
    smallest stream in that office's codecs (Lepton's two, or JPEG XL, or the JPEG itself), the
    records as one stream at the better of zlib -9 and xz -9e."""
    import lzma
    import zlib
    from sync import jpeg_transit
    photos = [p.read_bytes() for p in sorted(files.glob("*.jpg"))]
    codecs = office_codecs(codec)
    packed_photos = sum(min([len(p)] + [len(jpeg_transit.compress(p, c) or p) for c in codecs]) for p in photos)
    records = b"\n".join(p.read_bytes() for p in sorted(files.glob("*.json")))
    packed = min(len(zlib.compress(records, 9)), len(lzma.compress(records, preset=9 | lzma.PRESET_EXTREME)))
    return {"photo_codecs": list(codecs), "photos_packed_bytes": packed_photos, "records_packed_bytes": packed,
            "lossless_bytes": packed_photos + packed}


# --- the floor: the best lossless payload through the link's schedule -----------------------------

def floor_seconds(lossless: int, shape: dict) -> float:
    """The lossless payload at the link's rate, plus the time the link is down meanwhile (tunlink:
    down while (t - offset) mod period >= period - down, t from the timed part's start)."""
    needed, t, step = lossless * 8 / RATE, 0.0, 0.01
    period, down, offset = shape.get("period"), shape.get("down", 0), shape.get("offset", 0)
    if not period:
        return needed
    while needed > 0:
        if (t - offset) % period < period - down:
            needed -= step
        t += step
    return t




# --- the link ---------------------------------------------------------------------------------

class Link:
    """One tunlink process: fresh counters, outage clock armed by go()."""

    def __init__(self, work: Path, **shape):
        self.stats = work / f"tunlink-{time.monotonic_ns()}.json"
        self.dump = shape.get("dump")
        args = [sys.executable, str(TUNLINK), "--kec", KEC_NS, "--pst", PST_NS, "--rate", str(RATE),
                "--delay", str(DELAY), "--stats", str(self.stats), "--seed", str(shape.pop("seed", 1))]
        for name, value in shape.items():
            args += [f"--{name}", str(value)]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not Path(str(self.stats) + ".ready").exists():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("tunlink did not start")
            time.sleep(0.1)
        self.start_counts = None

    def counts(self) -> dict:
        self.process.send_signal(signal.SIGUSR1)
        time.sleep(0.3)
        data = json.loads(self.stats.read_text())
        return {d: data[d]["delivered_bytes"] for d in ("up", "down")}

    def go(self):
        self.start_counts = self.counts()
        self.process.send_signal(signal.SIGUSR2)

    def wire_bytes(self) -> int:
        end = self.counts()
        return sum(end[d] - self.start_counts[d] for d in end)

    def close(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        for ns in (KEC_NS, PST_NS):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def in_ns(ns: str, args: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(["ip", "netns", "exec", ns, *args], **kwargs)


# --- ours -------------------------------------------------------------------------------------

def run_ours(work: Path, template: Path, link: Link, codec: str = "best", tree: Path = ROOT) -> tuple[float, int, int]:
    """Seconds, bytes on the link, and the connections left for a fresh one (sync/client/stall.py);
    the kecamatan's side with `codec` (office_environment); `tree`: the checkout whose center and pass run."""
    from tests.sync.harness import prepare_center
    run_dir = Path(tempfile.mkdtemp(prefix="ours-", dir=work))
    shutil.copytree(template / "kecamatan", run_dir / "kecamatan")
    _, code = prepare_center(run_dir / "center")
    center = in_ns(PST_NS, [sys.executable, str(tree / "run.py"), "center", "--data", str(run_dir / "center"),
                            "--host", CENTER_IP, "--port", str(CENTER_PORT)],
                   cwd=tree, stdout=open(run_dir / "center.log", "w"), stderr=subprocess.STDOUT)
    pusher = in_ns(KEC_NS, [sys.executable, str(tree / "bench" / "sync_vs_rsync.py"), "push", str(run_dir / "kecamatan"),
                            f"http://{CENTER_IP}:{CENTER_PORT}", code],
                   cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                   env=office_environment(work, codec))
    try:
        if pusher.stdout.readline().strip() != "ready":
            raise RuntimeError("the kecamatan side could not enrol; see " + str(run_dir / "center.log"))
        link.go()
        started = time.monotonic()
        pusher.stdin.write("go\n")
        pusher.stdin.flush()
        result = json.loads(pusher.stdout.readline())
        elapsed = time.monotonic() - started
        if link.dump:  # the timed span on tunlink's clock (both are CLOCK_MONOTONIC), for bench/sync_timeline.py
            (Path(link.dump) / "timed.json").write_text(json.dumps({"start": started, "end": started + elapsed}))
        if result["not_at_center"]:
            raise RuntimeError(f"{result['not_at_center']} applications did not arrive")
        if result["codecs"] != list(office_codecs(codec)):
            raise RuntimeError(f"the kecamatan had the codecs {result['codecs']}, not those of --codec {codec}")
        return elapsed, link.wire_bytes(), result["moves"]
    finally:
        pusher.kill()
        center.terminate()
        center.wait(10)


CONGESTION_VARIABLE = "LOKET_BENCH_CONGESTION"
PROFILE_VARIABLE = "LOKET_BENCH_PROFILE"  # set to a file: the kecamatan's timed part under cProfile, saved there


def _congestion_control(name: str) -> None:
    """The pass's connection with TCP congestion control `name` (Linux; set per socket, since a
    network namespace here may not change its default). This machine's default is BBR, whose
    PROBE_RTT cuts the window to 4 segments every 10 s; the offices' Windows PCs run CUBIC."""
    import socket
    from sync.client import pipeline
    opened = pipeline.Pipeline.__init__

    def init(pipe, *args, **kwargs):
        opened(pipe, *args, **kwargs)
        pipe.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, name.encode())
    pipeline.Pipeline.__init__ = init


def push_until_done(data_dir: str, center_url: str, code: str) -> None:
    """Runs inside the kecamatan namespace: enrol, wait for 'go', sync passes until all arrived."""
    sys.path.insert(0, str(ROOT))
    if os.environ.get(CONGESTION_VARIABLE):
        _congestion_control(os.environ[CONGESTION_VARIABLE])
    from tests.sync.harness import enrol_kecamatan, kecamatan_app, wait_for
    from tests.sync.invariants import kecamatan_statuses
    from sync.client import engine, records
    wait_for(center_url + "/api/openapi.json", timeout=60)
    kec_app = kecamatan_app(Path(data_dir))
    enrol_kecamatan(kec_app, center_url, code)
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        link = engine.current_link()  # what the enrolment page fetches right after (the F-1.07 key), as an office has it
        for phase in records.phases(link.role, "enrolled"):
            phase(engine.client_for(link), link, engine.PassReport(), engine.Progress())
    print("ready", flush=True)
    sys.stdin.readline()
    profiler = None
    if os.environ.get(PROFILE_VARIABLE):  # cProfile of the timed part, for where the kecamatan's time goes
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    passes = moves = 0
    while set(kecamatan_statuses(kec_app).values()) != {"diterima_pusat"} and passes < 200:
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            client = engine.client_for(engine.current_link())
            report = engine.sync_once(client, full=True)
        passes, moves = passes + 1, moves + client.counters.moves
        if report.error:
            time.sleep(1)  # the link is down: try again shortly, as the clerk's scheduler would
    left = sum(1 for s in kecamatan_statuses(kec_app).values() if s != "diterima_pusat")
    if profiler:
        profiler.disable()
        profiler.dump_stats(os.environ[PROFILE_VARIABLE])
    from sync import jpeg_transit
    print(json.dumps({"passes": passes, "moves": moves, "not_at_center": left, "codecs": list(jpeg_transit.CODECS)}),
          flush=True)


# --- rsync ------------------------------------------------------------------------------------

def congestion_shim(work: Path, name: str) -> dict:
    """The environment that starts rsync with TCP congestion control `name` (bench/tcp_congestion_shim.c,
    built here with cc), checked on a loopback connection first; {} without `name`."""
    if not name:
        return {}
    library = work / "tcp_congestion_shim.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", str(library), str(ROOT / "bench" / "tcp_congestion_shim.c"),
                    "-ldl"], check=True)
    environment = dict(os.environ, LD_PRELOAD=str(library), **{CONGESTION_VARIABLE: name})
    probe = ("import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
             "c = socket.create_connection(s.getsockname()); "
             "print(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(bytes(1)).decode())")
    used = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True).stdout.strip()
    if used != name:
        raise RuntimeError(f"the congestion shim gave {used!r}, not {name!r}")
    return environment


def run_rsync(work: Path, files: Path, link: Link, retries: bool, environment: dict | None = None) -> tuple[float, int]:
    """rsync -z from the kecamatan's namespace to a daemon in the center's; `environment` (congestion_shim)
    gives its connection another congestion control."""
    run_dir = Path(tempfile.mkdtemp(prefix="rsync-", dir=work))
    (run_dir / "dest").mkdir()
    conf = run_dir / "rsyncd.conf"
    conf.write_text(f"use chroot = no\nuid = root\ngid = root\npid file = {run_dir}/rsyncd.pid\n"
                    f"timeout = 60\n[loket]\npath = {run_dir}/dest\nread only = no\n")
    daemon = in_ns(PST_NS, ["rsync", "--daemon", "--no-detach", f"--config={conf}", f"--address={CENTER_IP}",
                            f"--port={RSYNC_PORT}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    command = ["ip", "netns", "exec", KEC_NS, "rsync", "-a", "-z", "--compress-choice=zstd",
               f"{files}/", f"rsync://{CENTER_IP}:{RSYNC_PORT}/loket/"]
    if retries:
        command[5:5] = ["--timeout=30", "--partial"]  # after "rsync"
    try:
        time.sleep(1)
        link.go()
        started = time.monotonic()
        for _ in range(200):
            if subprocess.run(command, capture_output=True, env=environment or None).returncode == 0:
                break
            time.sleep(1)
        elapsed = time.monotonic() - started
        # rsync's temporary files ('.name.XXXXXX') of a cut-off run may linger beside the copies.
        copied = sorted(p.name for p in (run_dir / "dest").iterdir() if not p.name.startswith("."))
        if copied != sorted(p.name for p in files.iterdir()):
            raise RuntimeError("rsync did not copy every file")
        return elapsed, link.wire_bytes()
    finally:
        daemon.terminate()
        daemon.wait(10)


# --- the table --------------------------------------------------------------------------------

class BusyCpu:
    """`count` processes spinning at normal priority, as another program busy on the PC (issue 32:
    the pass should not slow by more than 5 %); none when count is 0."""

    def __init__(self, count: int):
        self.processes = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.kill()
            process.wait()


def run(count: int, reps: int, links: list[str], results_path: Path | None, tools=("ours", "rsync"),
        dump: Path | None = None, offset: float | None = None, photos: str = "synthetic", busy: int = 0,
        congestion: str = "", first_rep: int = 1, codec: str = "best",
        trees: list[Path] | None = None) -> dict:
    """`trees`: checkouts whose pass runs in turn on each repetition's link, so a change and the tree
    before it meet the same machine (ours only; every row names its tree)."""
    why = missing_requirements()
    if why:
        print(f"vs-rsync skipped: {why}")
        return {"skipped": why}
    if congestion:
        os.environ[CONGESTION_VARIABLE] = congestion  # read by the pusher (push_until_done)
    work = Path(tempfile.mkdtemp(prefix="bench-vs-rsync-"))
    rsync_environment = congestion_shim(work, congestion) if "rsync" in tools else {}
    sizes = build_set(work / "set", count, photos, codec)
    payload = sizes["photo_bytes"] + sizes["record_bytes"]
    ideal = payload * 8 / RATE
    runs = []
    for rep in range(first_rep - 1, first_rep - 1 + reps):
        for name in links:
            shape = dict(LINKS[name], seed=rep + 1)
            if offset is not None and "period" in shape:
                shape["offset"] = offset
            row = {"rep": rep + 1, "link": name, "photos": photos, "codec": codec, "busy": busy,
                   "congestion": congestion or "default",
                   **({"offset": shape["offset"]} if "offset" in shape else {})}
            if trees:
                for tree in trees:
                    link = Link(work, **dict(shape))
                    try:
                        seconds, wire, moves = run_ours(work, work / "set", link, codec, tree)
                    finally:
                        link.close()
                    floor = floor_seconds(sizes["lossless_bytes"], shape)
                    runs.append(dict(row, tree=str(tree), ours_seconds=round(seconds, 1), ours_bytes=wire,
                                     ours_moves=moves, floor_seconds=round(floor, 1),
                                     **{"ours/floor": round(seconds / floor, 3)}))
                    print(json.dumps(runs[-1]), flush=True)
                    if results_path:
                        results_path.write_text(json.dumps({"sizes": sizes, "runs": runs}, indent=1))
                continue
            for who in tools:
                extra = {"dump": dump / f"{name}-{rep + 1}"} if dump and who == "ours" else {}
                link = Link(work, **dict(shape), **extra)
                try:
                    if who == "ours":
                        with BusyCpu(busy):
                            seconds, wire, row["ours_moves"] = run_ours(work, work / "set", link, codec)
                        if extra:  # tunlink's counters (packets, retransmissions) beside the streams
                            link.counts()
                            shutil.copy(link.stats, extra["dump"] / "stats.json")
                    else:
                        with BusyCpu(busy):
                            seconds, wire = run_rsync(work, work / "set" / "files", link, retries=(name == "outage"),
                                                      environment=rsync_environment)
                finally:
                    link.close()
                row[f"{who}_seconds"], row[f"{who}_bytes"] = round(seconds, 1), wire
            floor = floor_seconds(sizes["lossless_bytes"], shape)
            row["floor_seconds"] = round(floor, 1)
            for who in tools:
                row[f"{who}/floor"] = round(row[f"{who}_seconds"] / floor, 3)
                row[f"{who} bytes/lossless"] = round(row[f"{who}_bytes"] / sizes["lossless_bytes"], 3)
            runs.append(row)
            print(json.dumps(row), flush=True)
            if results_path:
                results_path.write_text(json.dumps({"sizes": sizes, "ideal_seconds": ideal, "runs": runs}, indent=1))
    goals = floor_goals(sizes, links)
    if set(tools) != {"ours", "rsync"}:
        return {"sizes": sizes, "ideal_seconds": round(ideal, 1), "runs": runs, "goals": goals}
    table = []
    for name in links:
        rows = [r for r in runs if r["link"] == name]
        ours = statistics.median(r["ours_seconds"] for r in rows)
        theirs = statistics.median(r["rsync_seconds"] for r in rows)
        ours_bytes = statistics.median(r["ours_bytes"] for r in rows)
        rsync_bytes = statistics.median(r["rsync_bytes"] for r in rows)
        floor = rows[0]["floor_seconds"]
        table.append({"link": name, "reps": len(rows), "ours_s": round(ours, 1), "rsync_z_s": round(theirs, 1),
                      "floor_s": floor, "ours/floor": round(ours / floor, 2), "rsync -z/floor": round(theirs / floor, 2),
                      "ours/ideal": round(ours / ideal, 2), "ours/rsync -z": round(ours / theirs, 2),
                      "ours bytes/raw": round(ours_bytes / payload, 3),
                      "ours bytes/lossless": round(ours_bytes / sizes["lossless_bytes"], 3),
                      "rsync -z bytes/raw": round(rsync_bytes / payload, 3)})
    print(f"\n{count} applications ({photos}), payload {payload:,} B (photos {sizes['photo_bytes']:,}, records "
          f"{sizes['record_bytes']:,}), {sizes['distinct_photos']} distinct photos, ideal {ideal:.1f} s; "
          f"lossless payload {sizes['lossless_bytes']:,} B (photos in {'/'.join(sizes['photo_codecs']) or 'JPEG'} "
          f"{sizes['photos_packed_bytes']:,}, records packed "
          f"{sizes['records_packed_bytes']:,})\n")
    print("| link | ours s | rsync -z s | floor s | ours / floor | rsync -z / floor | ours / rsync -z "
          "| ours bytes / lossless | ours bytes / raw | rsync -z bytes / raw |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in table:
        print(f"| {LINK_NAMES[row['link']]} | {row['ours_s']} | {row['rsync_z_s']} | {row['floor_s']} | "
              f"{row['ours/floor']} | {row['rsync -z/floor']} | {row['ours/rsync -z']} | {row['ours bytes/lossless']} | "
              f"{row['ours bytes/raw']} | {row['rsync -z bytes/raw']} |")
    for line in goals:
        print(line)
    return {"sizes": sizes, "ideal_seconds": round(ideal, 1), "table": table, "goals": goals}


SEGMENT, TCP_IP_HEAD = 1448, 52  # TCP payload and TCP/IP head (timestamps) of a 1500-byte packet


def floor_goals(sizes: dict, links: list[str]) -> list[str]:
    """Each link's floor as arithmetic, and what its schedule leaves of the 1.10x goal: a packet
    dropped on this link has used its share of the rate, so at loss p any sender needs at least
    floor / (1 - p) of payload time. The link's rate and the bench's bytes count IP packets, so any
    TCP transfer (rsync too) also carries a TCP/IP head per segment and an ACK per two segments."""
    framing = (SEGMENT + TCP_IP_HEAD) / SEGMENT
    acks = TCP_IP_HEAD / (2 * SEGMENT)
    lines = [f"any TCP transfer: {TCP_IP_HEAD} B of TCP/IP head per {SEGMENT} B segment = {framing:.3f}x the payload "
             f"on the wire (time >= {framing:.3f}x the floor), and an ACK of {TCP_IP_HEAD} B per two segments back: "
             f"bytes both ways >= {framing + acks:.3f}x the lossless payload, above the 1.03x goal on every link"]
    payload_s = sizes["lossless_bytes"] * 8 / RATE
    for name in links:
        shape = LINKS[name]
        floor = floor_seconds(sizes["lossless_bytes"], shape)
        loss = shape.get("loss", 0)
        least = payload_s / (1 - loss) + (floor - payload_s)
        lines.append(f"{LINK_NAMES[name]}: floor = {sizes['lossless_bytes']:,} B x 8 / {RATE // 1000} kbit/s "
                     f"= {payload_s:.1f} s + {floor - payload_s:.1f} s down = {floor:.1f} s; goal 1.10x = {1.1 * floor:.1f} s"
                     + (f"; drops at {loss:.0%} take their share of the rate: >= {least:.1f} s = {least / floor:.3f}x "
                        f"the floor for any sender" if loss else ""))
    return lines


if __name__ == "__main__" and sys.argv[1:2] == ["push"]:
    push_until_done(*sys.argv[2:5])

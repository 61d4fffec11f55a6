"""What the health reports (issue 81) cost an office's passes on the reference rural link: a real office
PC and a real center (`run.py center`) in two network namespaces joined by tunlink (bench/sync_vs_rsync.py's
Link: 256 kbit/s and 200 ms each way, IP packets counted as the link delivers them).

    sudo python bench/bench_fleet_bytes.py [--passes 96] [--applications 30] [--results FILE]

An office's day, run twice on a fresh link, center and office each: "with" the report as shipped
(sent when it says something new, and at least every RESEND: app/updates/fleet_report.due) and
"without" it (the phase unplugged), the same passes and the same clerk work. The office took the
running release (its health says so), has yesterday's automatic backup and yesterday's report
(RESEND + 1 h ago, so the morning's first pass carries the day's report). Then `--passes`
scheduler passes (probe + pass, as sync/client/scheduler.scheduled_sync runs them every 5 minutes
of an 8-hour day), with `--applications` made by the clerk between them in a few bursts, one 5xx at
midday (the report says so, and the next pass's report that it is over), then the nightly full pass,
and last one quiet pass carrying a report at its largest (every field at its bound, error kinds filling
the body to the center's MAX_REPORT_BYTES; in "without", the same quiet pass bare). It uses vs-rsync's
namespaces: run it under `flock /tmp/bench.lock` as those runs are.

Counted per pass: IP bytes both ways from the link's counters (a pass's closing packets included),
and, in "with", the HTTP bytes of the report's request and answer (tunlink --dump, split by
bench/sync_byte_account.messages). The report's cost on the wire is a pass's bytes with it minus the
same pass's without. The floor: the report's JSON deflated (zlib -9) in one TCP segment on the pass's
open connection (52 B of IP/TCP head) and the center's ACK of it (52 B): what any sender pays to get
it across. Prints JSON.
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.sync_vs_rsync import (CENTER_IP, CENTER_PORT, KEC_NS, PST_NS, Link, in_ns,  # noqa: E402
                                 missing_requirements)

TCP_IP_HEAD = 52  # IPv4 20 + TCP 20 + timestamps 12, each packet on this link
ERROR_KIND = "OperationalError app.registration.views:register:212 registration.register"  # as error_line makes it
SETTLE_SECONDS = 1.5  # after a pass: its connections' FIN and last ACKs cross (200 ms each way) before counting


def day_plan(passes: int, applications: int, seed: int = 81) -> list[dict]:
    """The day's steps: {work: applications made before the pass, error: a 5xx before it, full, largest}."""
    rng = random.Random(seed)
    plan = [{"work": 0, "error": False, "full": False, "largest": False} for _ in range(passes)]
    left = applications
    while left:  # bursts of 1-4 applications (a clerk's hour of registrations), never on the first pass
        burst = min(left, rng.randint(1, 4))
        plan[rng.randrange(1, passes)]["work"] += burst
        left -= burst
    plan[passes // 2]["error"] = True
    plan.append({"work": 0, "error": False, "full": True, "largest": False})  # the nightly pass
    plan.append({"work": 0, "error": False, "full": False, "largest": True})
    return plan


# --- the office's side, inside the kecamatan's namespace --------------------------------------------

def largest_report(report: dict) -> dict:
    """The report at its bounds (sync/center/fleet.cleaned_report's): counts at their highest, the update
    taken back with its "why" at MAX_WHY_CHARS and its saves kept, the telephone at 40 characters, and
    error kinds of MAX_ERROR_LINE characters until the body is MAX_REPORT_BYTES (the last line cut to fit,
    as the PC fits its own: app/updates/fleet_report.build_report). The most a PC sends."""
    from sync import protocol
    from sync.center import fleet
    big = 10 ** 9
    report = dict(report, version="10.10.10", disk_free_mb=big, trail_gaps=10 ** 6, errors=big, outbox=big,
                  phone="(0334) 881234 / 0812-3456-7890 ext. 12"[:40].ljust(40, "0"),
                  backup={"age_hours": 10 ** 6, "where": "disk"},
                  update={"outcome": "dikembalikan", "version": "10.10.10", "kept": big, "at": "2026-11-28T01:00:00",
                          "why": ("Versi 10.10.10 gagal setelah berganti versi (halaman /pendaftaran (500)); "
                                  "kembali ke versi sebelumnya. " * 5)[:fleet.MAX_WHY_CHARS]})
    if "error_kinds" in report or getattr(fleet, "MAX_ERROR_KINDS", 0):
        report["error_kinds"] = []
        for n in range(fleet.MAX_ERROR_KINDS):
            room = fleet.MAX_REPORT_BYTES - len(protocol.canonical_json(report)) - len(f',[{big},""]')
            if room <= 0:
                break
            place = f"app.registration.views{'.bagian' * 30}"
            line = f"OperationalError{n} {place}:register:{100 + n} registration.register"
            line = line[:18] + line[18:][:fleet.MAX_ERROR_LINE - 18 - 35] + line[-35:]
            report["error_kinds"].append([big, line[:room]])
        gap = fleet.MAX_REPORT_BYTES - len(protocol.canonical_json(report))
        if 0 < gap and len(report["error_kinds"]) < fleet.MAX_ERROR_KINDS:  # one more short kind, the last cut
            last = report["error_kinds"][-1]
            last[1] = last[1][:len(last[1]) - 40 + gap]
            report["error_kinds"].append([big, "KeyError app.sync:" + "f" * (40 - len(f',[{big},""]') - 18)])
    return report


def office(data_dir: str, center_url: str, code: str, variant: str) -> None:
    """Enrol, yesterday's pass, then one step of the day per line on stdin; one JSON line per pass."""
    sys.path.insert(0, str(ROOT))
    from app.backups.engine import AUTOMATIC_PREFIX, SUFFIX
    from app.updates import fleet_report, state
    from app.updates.versions import running_version
    from bench.bench_sync import fill_with_photos, pas_foto
    from sync import protocol
    from sync.client import engine, records
    from sync.client.probe import probe
    from sync.client.transport import CenterClient
    from tests.sync.harness import enrol_kecamatan, kecamatan_app, wait_for
    data = Path(data_dir)
    if variant == "without":
        records._phases[:] = [p for p in records._phases if p[2].__module__ != fleet_report.__name__]
    sent = []  # the report bodies this pass sent
    call_json = CenterClient.call_json

    def counted(client, method, path, value=None):
        if path.endswith(fleet_report.REPORT_PATH):
            body = protocol.canonical_json(value)
            sent.append({"body": len(body), "deflated": len(zlib.compress(body, 9))})
        return call_json(client, method, path, value)
    CenterClient.call_json = counted

    wait_for(center_url + "/api/openapi.json", timeout=60)
    kec_app = kecamatan_app(data, public_status=True)  # a real office: its public status records ride along
    with kec_app.app_context():
        state.note_health(data, running_version(), True, 40, [])  # it took the running release, its walk passed
    backups = data / "backups"
    backups.mkdir(exist_ok=True)
    yesterday = backups / f"{AUTOMATIC_PREFIX}2026-11-27{SUFFIX}"
    yesterday.write_bytes(b"cadangan")
    at = time.time() - 16 * 3600  # last night's, after closing
    os.utime(yesterday, (at, at))
    enrol_kecamatan(kec_app, center_url, code, as_the_page_does=True)
    photos = [pas_foto(i) for i in range(40)]
    made = 1
    fill_with_photos(kec_app, 1, photos=photos)
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        if engine.sync_once(full=True).error:
            raise SystemExit("yesterday's pass failed")
    if variant == "with":  # yesterday's report: the morning's first pass carries today's
        from app.frame.dates import utc_now
        last = state.read_state(data)[fleet_report.SENT_KEY]
        before = utc_now() - fleet_report.RESEND - timedelta(hours=1)
        state.write_state(data, **{fleet_report.SENT_KEY: dict(last, at=before.isoformat(timespec="seconds"))})
    print("ready", flush=True)
    build = fleet_report.build_report

    def largest(config, now_state, *shape):
        report, totals = build(config, now_state, *shape)
        return largest_report(report), totals
    for line in sys.stdin:
        step = json.loads(line)
        if step["work"]:
            fill_with_photos(kec_app, step["work"], photos=photos, first_photo=made)
            made += step["work"]
        if step["error"]:  # what the serving program's ErrorKinds writes after a 5xx: the count and its kind
            health = state.read_state(data)["health"]
            state.write_state(data, health=dict(health, errors_since=int(health.get("errors_since") or 0) + 1),
                              **{fleet_report.ERROR_KINDS: {ERROR_KIND: 1}})
        if step["largest"]:
            fleet_report.build_report = largest
        print("worked", flush=True)
        sys.stdin.readline()  # "go": the link's counters are read
        sent.clear()
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            link = engine.current_link()
            answered = probe(link)  # the scheduler's steps: a probe, then the pass
            report = engine.sync_once(full=step["full"]) if answered else None
        fleet_report.build_report = build
        print(json.dumps({"probe": answered, "error": report.error if report else "no probe",
                          "sent": report.sent if report else 0, "reports": list(sent)}), flush=True)


# --- the bench's side -------------------------------------------------------------------------

def report_messages(dump: Path) -> list[dict]:
    """Each report request in the dump with its answer: HTTP bytes and when it went (tunlink's clock)."""
    from bench.sync_byte_account import messages
    found = []
    for up in sorted(dump.glob("*.new")):
        source, target, _ = up.name.split("-", 2)
        if not target.endswith(f"_{CENTER_PORT}"):
            continue
        requests = list(messages(up.read_bytes()))
        wanted = [n for n, (first, _, _) in enumerate(requests) if "/fleet/report" in first]
        if not wanted:
            continue
        downs = sorted(dump.glob(f"{target}-{source}-*.new"))
        answers = list(messages(downs[0].read_bytes())) if downs else []
        at, offset = [], 0
        for n, (first, head, body) in enumerate(requests):
            if n in wanted:
                at.append(offset)
            offset += head + len(body)
        segments = [line.split() for line in up.with_suffix(".segs").read_text().splitlines()]
        for n, start in zip(wanted, at):
            sent_at = next(float(t) for t, s, e in segments if int(s) <= start < int(e))
            answer = answers[n][1] + len(answers[n][2]) if n < len(answers) else 0
            found.append({"at": sent_at, "request": requests[n][1] + len(requests[n][2]), "answer": answer})
    return sorted(found, key=lambda message: message["at"])


def run_day(work: Path, variant: str, plan: list[dict]) -> list[dict]:
    from tests.sync.harness import prepare_center
    run_dir = work / variant
    dump = run_dir / "dump"
    _, code = prepare_center(run_dir / "center")
    link = Link(work, **({"dump": str(dump)} if variant == "with" else {}))
    center = in_ns(PST_NS, [sys.executable, str(ROOT / "run.py"), "center", "--data", str(run_dir / "center"),
                            "--host", CENTER_IP, "--port", str(CENTER_PORT)],
                   cwd=ROOT, stdout=open(run_dir / "center.log", "w"), stderr=subprocess.STDOUT)
    pc = in_ns(KEC_NS, [sys.executable, str(Path(__file__).resolve()), "office", str(run_dir / "office"),
                        f"http://{CENTER_IP}:{CENTER_PORT}", code, variant],
               cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    passes = []
    try:
        if pc.stdout.readline().strip() != "ready":
            raise RuntimeError("the office could not enrol; see " + str(run_dir / "center.log"))
        link.go()
        for step in plan:
            pc.stdin.write(json.dumps(step) + "\n")
            pc.stdin.flush()
            assert pc.stdout.readline().strip() == "worked"
            before = link.counts()
            started = time.monotonic()
            pc.stdin.write("go\n")
            pc.stdin.flush()
            done = json.loads(pc.stdout.readline())
            ended = time.monotonic()
            time.sleep(SETTLE_SECONDS)
            after = link.counts()
            if done["error"]:
                raise RuntimeError(f"pass {len(passes) + 1}: {done}")
            passes.append(dict(done, step=step, start=started, end=ended,
                               bytes=sum(after[d] - before[d] for d in after)))
    finally:
        pc.kill()
        center.terminate()
        center.wait(10)
        link.close()
    if variant == "with":  # the report's HTTP bytes, each with the pass whose span it went in
        for message in report_messages(dump):
            if message["at"] < passes[0]["start"]:
                continue  # yesterday's
            owner = next(p for p in passes if p["start"] <= message["at"] <= p["end"] + SETTLE_SECONDS)
            owner.setdefault("report_http", []).append(message["request"] + message["answer"])
    return passes


def figures(with_report: list[dict], without: list[dict]) -> dict:
    carrying = []
    for mine, bare in zip(with_report, without):
        if mine["reports"]:
            kind = "largest" if mine["step"]["largest"] else "pushing" if mine["step"]["work"] else "quiet"
            body = sum(r["body"] for r in mine["reports"])
            floor = sum(r["deflated"] + 2 * TCP_IP_HEAD for r in mine["reports"])
            cost = mine["bytes"] - bare["bytes"]
            carrying.append({"kind": kind, "pass_bytes": mine["bytes"], "bare_pass_bytes": bare["bytes"],
                             "report_wire_bytes": cost, "report_http_bytes": sum(mine.get("report_http", [])),
                             "report_body_bytes": body, "floor_bytes": floor,
                             "share": round(cost / mine["bytes"], 4), "floor_share": round(floor / bare["bytes"], 4)})
    day = [c for c in carrying if c["kind"] != "largest"]
    day_with = sum(p["bytes"] for p in with_report if not p["step"]["largest"])
    day_without = sum(p["bytes"] for p in without if not p["step"]["largest"])
    quiet = [p["bytes"] for p in without if not p["step"]["work"] and not p["step"]["largest"]]
    return {
        "passes_of_the_day": len(with_report) - 1, "reports_sent": len(day),  # the nightly pass included
        "pass_bytes_without_report": {"median": statistics.median(p["bytes"] for p in without[:-1]),
                                      "quiet_median": statistics.median(quiet),
                                      "max": max(p["bytes"] for p in without[:-1])},
        "passes_carrying_a_report": carrying,
        "report_share_of_its_pass": {"median": statistics.median(c["share"] for c in day) if day else None,
                                     "worst_of_the_day": max((c["share"] for c in day), default=None),
                                     "largest_report": next(c["share"] for c in carrying if c["kind"] == "largest")},
        "day": {"bytes_with": day_with, "bytes_without": day_without,
                "report_wire_bytes": day_with - day_without,
                "report_wire_bytes_by_pass": sum(c["report_wire_bytes"] for c in day),
                "share": round((day_with - day_without) / day_with, 4),
                "floor_share": round(sum(c["floor_bytes"] for c in day) / day_without, 5)},
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passes", type=int, default=96, help="daytime passes (every 5 minutes of 8 hours: 96)")
    parser.add_argument("--applications", type=int, default=30, help="the clerk's applications of the day")
    parser.add_argument("--results", type=Path, help="also write each pass's figures (JSON) here")
    options = parser.parse_args()
    why = missing_requirements(rsync=False)
    if why:
        print(f"skipped: {why}")
        return 0
    plan = day_plan(options.passes, options.applications)
    with tempfile.TemporaryDirectory(prefix="fleet-bytes-") as folder:
        days = {variant: run_day(Path(folder), variant, plan) for variant in ("with", "without")}
    if options.results:
        options.results.write_text(json.dumps(days, indent=1))
    print(json.dumps(dict(figures(days["with"], days["without"]), applications=options.applications), indent=1))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "office":
        office(*sys.argv[2:6])
    else:
        sys.exit(main())

"""Where the time of one vs-rsync run of ours went: every HTTP message on the link, and the upward
link's idle time by phase, from tunlink's --dump (issue 32: the link against its floor).

    python bench/sync_timeline.py DUMP_DIR/clean-1 [--messages]   (a folder written by
    bench_sync.py vs-rsync --dump DUMP_DIR)

Times are seconds from the timed part's start (timed.json, written by the bench beside the
streams; without it, from the first byte the kecamatan sent). A message's "sent" is when its first
byte entered the link, "in" when its last byte was delivered. The upward link (kecamatan ->
center, where the photos go) is busy while it serialises a packet: a delivered segment of n bytes
kept it busy for (n + 52) x 8 / rate seconds ending `delay` before its delivery (pure ACKs, 52
bytes each, are not in the dump and are left out). Every moment it is not busy is idle, and is
put in a phase: before the first packet byte, between the first and the last packet byte, after
the last packet byte.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.sync_byte_account import UNTIMED, messages  # noqa: E402

RATE, DELAY, TCP_IP_HEAD = 256000, 0.2, 52  # tunlink's link in bench/sync_vs_rsync.py


def _ranges(path: Path) -> list[tuple[float, int, int]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().split("\n"):
        if line:
            t, start, end = line.split()
            rows.append((float(t), int(start), int(end)))
    return rows


def _first_at(segs, offset: int) -> float | None:
    """When the byte at `offset` was first sent into the link."""
    return next((t for t, start, end in segs if start <= offset < end), None)


def _delivered_at(dlv, offset: int) -> float | None:
    """When the byte at `offset` was (first) delivered across the link."""
    return min((t for t, start, end in dlv if start <= offset < end), default=None)


def flows(folder: Path) -> list[dict]:
    found = []
    for new in sorted(folder.glob("*.new")):
        base = new.name[:-4]
        upward = base.split("-")[1].endswith("_8090")
        kec_port = (base.split("-")[0] if upward else base.split("-")[1]).split("_")[1]
        found.append({"name": base, "up": upward, "port": kec_port, "stream": new.read_bytes(),
                      "segs": _ranges(folder / (base + ".segs")), "dlv": _ranges(folder / (base + ".dlv"))})
    return found


def timeline(folder: Path) -> dict:
    every = flows(folder)
    rows = []
    untimed = set()
    for flow in every:
        at = 0
        for first, head, body in messages(flow["stream"]):
            size = head + len(body)
            path = first.split(" ")[1].split("?")[0] if flow["up"] and " " in first else ""
            if path in UNTIMED:
                untimed.add(flow["port"])
            rows.append({"port": flow["port"], "up": flow["up"], "first": first[:60], "path": path, "bytes": size,
                         "body": body[:4], "sent": _first_at(flow["segs"], at),
                         "in": _delivered_at(flow["dlv"], at + size - 1)})
            at += size
    rows = [r for r in rows if r["port"] not in untimed and r["sent"] is not None]
    timed = folder / "timed.json"
    span = json.loads(timed.read_text()) if timed.exists() else None
    start = span["start"] if span else min(r["sent"] for r in rows if r["up"])
    end = span["end"] if span else max(r["in"] or r["sent"] for r in rows)
    for row in rows:
        row["sent"] -= start
        row["in"] = row["in"] - start if row["in"] is not None else None
    rows.sort(key=lambda r: r["sent"])
    # The upward link's busy spans, from every delivered upward segment of the timed flows.
    busy = sorted((t - start - DELAY - (end_ - begin + TCP_IP_HEAD) * 8 / RATE, t - start - DELAY)
                  for flow in every if flow["up"] and flow["port"] not in untimed for t, begin, end_ in flow["dlv"])
    packets = [r for r in rows if r["up"] and r["body"] == b"LKP5"]
    first_packet = min(r["sent"] for r in packets) if packets else end - start
    # A packet an outage cut was never delivered whole (in: None); it went again on a fresh connection.
    last_packet = max((r["in"] - DELAY for r in packets if r["in"] is not None), default=end - start)
    phases = {"before the first packet byte": (0.0, first_packet),
              "between the first and the last packet byte": (first_packet, last_packet),
              "after the last packet byte": (last_packet, end - start)}
    idle = {}
    for name, (low, high) in phases.items():
        covered, at = 0.0, low
        for begin, finish in busy:
            begin, finish = max(begin, at), min(finish, high)
            if finish > begin:
                covered += finish - begin
                at = finish
        idle[name] = {"span": round(high - low, 2), "busy": round(covered, 2), "idle": round(high - low - covered, 2)}
    gaps = []  # idle spans of the upward link longer than 0.1 s while packets were on their way
    at = first_packet
    for begin, finish in busy:
        if begin > at + 0.1 and at < last_packet:
            gaps.append((round(at, 2), round(min(begin, last_packet) - at, 2)))
        at = max(at, finish)
    return {"seconds": round(end - start, 2), "messages": rows, "phases": idle, "gaps": gaps,
            "connections": len({r["port"] for r in rows})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--messages", action="store_true", help="list the packets too, not only the other requests "
                                                                 "and every answer")
    options = parser.parse_args()
    result = timeline(options.folder)
    print(f"timed part {result['seconds']} s, {result['connections']} connections\n")
    print(f"{'sent s':>8} {'in s':>8} {'port':>6} {'dir':>4} {'bytes':>9}  first line")
    for row in result["messages"]:
        if options.messages or not (row["up"] and row["body"] == b"LKP5"):
            arrived = f"{row['in']:8.2f}" if row["in"] is not None else "       -"
            print(f"{row['sent']:8.2f} {arrived} {row['port']:>6} {'up' if row['up'] else 'down':>4} "
                  f"{row['bytes']:>9,}  {row['first']}")
    print()
    for name, values in result["phases"].items():
        print(f"{name:<44} {values['span']:7.2f} s, upward link busy {values['busy']:6.2f} s, idle {values['idle']:6.2f} s")
    if result["gaps"]:
        print("\nupward link idle > 0.1 s between the first and the last packet byte (at s, for s):")
        print(", ".join(f"{at} ({length})" for at, length in result["gaps"]))


if __name__ == "__main__":
    main()

"""Where the bytes of one vs-rsync run went: per TCP flow and direction, from tunlink's --dump.

    python bench/sync_byte_account.py DUMP_DIR/clean-1     (a folder written by
    bench_sync.py vs-rsync --tools ours --dump DUMP_DIR)

Splits each flow's first-transmission stream (.new) into HTTP messages: request and answer heads,
packet bodies (magic + deflated JSON headers + photo bytes) and other bodies, by endpoint; and
tunlink's counters (stats.json) into TCP/IP overhead (every IP packet's headers, the ACKs, the
handshakes) and retransmissions. Flows that ended before the timed part began (the bench's
readiness probe, the enrolment) are listed apart: the bench does not count them.
"""
import json
import re
import struct
import sys
from collections import Counter
from pathlib import Path

UNTIMED = ("/api/openapi.json", "/api/v1/enrol")


def messages(stream: bytes):
    """(first line, head bytes, body) of each HTTP message in one direction of a flow."""
    at = 0
    while at < len(stream):
        end = stream.find(b"\r\n\r\n", at)
        if end < 0:
            yield "(cut off)", len(stream) - at, b""
            return
        head = stream[at:end + 4]
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        size = int(length.group(1)) if length else 0
        yield head.split(b"\r\n")[0].decode("latin-1"), len(head), stream[end + 4:end + 4 + size]
        at = end + 4 + size


def account(folder: Path) -> dict:
    rows, flows = Counter(), []
    for new in sorted(folder.glob("*.new")):
        src, dst = new.name.split("-")[:2]
        upward = dst.endswith("_8090")
        data = new.read_bytes()
        paths = []
        for first, head, body in messages(data):
            if upward:
                path = first.split(" ")[1].split("?")[0] if " " in first else first
                paths.append(path)
                rows[f"up: request heads ({path})"] += head
                if body[:4] in (b"LKP1", b"LKP2"):
                    (hlen,) = struct.unpack(">I", body[4:8])
                    rows["up: packet magic + length"] += 8
                    rows["up: packet JSON headers (deflated records, hashes)"] += hlen
                    rows["up: packet photo bytes"] += len(body) - 8 - hlen
                else:
                    rows[f"up: request bodies ({path})"] += len(body)
            else:
                rows["down: answer heads"] += head
                rows["down: answer bodies"] += len(body)
        flows.append({"flow": new.name.rsplit("-", 1)[0], "bytes": len(data), "up": upward, "paths": Counter(paths)})
    return {"rows": rows, "flows": flows}


def main(folder: Path) -> None:
    result = account(folder)
    stats = json.loads((folder / "stats.json").read_text())
    untimed = {f["flow"].split("-")[0].split("_")[1] for f in result["flows"]
               if f["up"] and set(f["paths"]) <= set(UNTIMED)}
    timed_payload = 0
    print(f"{'flow':<48} {'bytes':>10}  requests")
    for flow in result["flows"]:
        port = flow["flow"].split("-")[0 if flow["up"] else 1].split("_")[1]
        mark = " (before the timed part)" if port in untimed else ""
        if not mark:
            timed_payload += flow["bytes"]
        print(f"{flow['flow']:<48} {flow['bytes']:>10,}  {dict(flow['paths']) or ''}{mark}")
    print()
    for name, value in sorted(result["rows"].items()):
        print(f"{name:<60} {value:>10,}")
    ip = sum(stats[d]["delivered_bytes"] for d in ("up", "down"))
    tcp = sum(stats[d]["tcp_payload"] for d in ("up", "down"))
    packets = sum(stats[d]["delivered_pkts"] for d in ("up", "down"))
    print(f"\nwhole tunlink life: IP bytes {ip:,} in {packets:,} packets; TCP payload {tcp:,} "
          f"(retransmitted {sum(stats[d]['tcp_retx'] for d in ('up', 'down')):,}); "
          f"TCP/IP headers, ACKs, handshakes {ip - tcp:,}")
    print(f"TCP payload of the timed flows (first transmissions): {timed_payload:,}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

"""Where the bytes of one vs-rsync run went: per TCP flow and direction, from tunlink's --dump.

    python bench/sync_byte_account.py DUMP_DIR/clean-1 [OURS_BYTES]   (a folder written by
    bench_sync.py vs-rsync --dump DUMP_DIR; OURS_BYTES: that run's ours_bytes from --results)

Splits each flow's first-transmission stream (.new) into HTTP messages: request and answer heads,
packet bodies (magic + deflated JSON headers + LKP4/5's joined photo heads + photo bytes + LKP5's item tags) and other bodies, by endpoint; and
tunlink's counters (stats.json) into TCP/IP overhead (every IP packet's headers, the ACKs, the
handshakes) and retransmissions. Lists the LKP5 packets a break cut, or that carried applications
sent before in the run. Flows that ended before the timed part began (the bench's
readiness probe, the enrolment) are listed apart: the bench does not count them.
"""
import json
import re
import struct
import sys
import zlib
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sync.protocol import HEADER_DICTIONARY, ITEM_TAG_BYTES  # noqa: E402

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


def _item_count(packed_headers: bytes) -> int:
    try:
        return len(json.loads(zlib.decompressobj(zdict=HEADER_DICTIONARY).decompress(packed_headers)))
    except (zlib.error, ValueError):
        return 0


def _port(name: str, upward: bool) -> str:
    """The kecamatan side's port of a flow file name (src_port-dst_port-...)."""
    src, dst = name.split("-")[:2]
    return (src if upward else dst).split("_")[1]


def account(folder: Path) -> dict:
    """Rows of the timed flows (name -> bytes), and every flow with its requests."""
    rows, flows = Counter(), []
    for new in sorted(folder.glob("*.new")):
        upward = new.name.split("-")[1].endswith("_8090")
        paths = Counter(first.split(" ")[1].split("?")[0] for first, _, _ in messages(new.read_bytes())
                        if upward and " " in first)
        flows.append({"flow": new.name.rsplit("-", 1)[0], "file": new, "bytes": new.stat().st_size, "up": upward,
                      "port": _port(new.name, upward), "paths": paths})
    untimed = {f["port"] for f in flows if f["up"] and set(f["paths"]) <= set(UNTIMED)}
    for flow in flows:
        flow["timed"] = flow["port"] not in untimed
        if not flow["timed"]:
            continue
        for first, head, body in messages(flow["file"].read_bytes()):
            if flow["up"]:
                path = first.split(" ")[1].split("?")[0] if " " in first else first
                rows[f"up: request heads ({path})"] += head
                if body[:4] in (b"LKP1", b"LKP2", b"LKP3", b"LKP4", b"LKP5"):
                    (hlen,) = struct.unpack(">I", body[4:8])
                    rows["up: packet magic + length"] += 8
                    rows["up: packet JSON headers (deflated records, hashes)"] += hlen
                    rest = len(body) - 8 - hlen
                    if body[:4] in (b"LKP4", b"LKP5"):  # the photos' Lepton heads, deflated together
                        (heads,) = struct.unpack(">I", body[8 + hlen:12 + hlen])
                        rows["up: packet magic + length"] += 4
                        rows["up: packet photo heads (LKP4, Lepton heads deflated together)"] += heads
                        rest -= 4 + heads
                    if body[:4] == b"LKP5":  # protocol 6: a MAC after each photo (of the part that arrived)
                        tags = min(_item_count(body[8:8 + hlen]) * ITEM_TAG_BYTES, rest)
                        rows["up: packet item tags (LKP5, one MAC per application)"] += tags
                        rest -= tags
                    rows["up: packet photo bytes"] += rest
                elif body:
                    rows[f"up: request bodies ({path})"] += len(body)
            else:
                kind = "packet answers" if flow["port"] in {f["port"] for f in flows if "/api/v1/packets" in f["paths"]} \
                    else "probe, status and relay answers"
                rows[f"down: heads of {kind}"] += head
                rows[f"down: bodies of {kind}"] += len(body)
    return {"rows": rows, "flows": flows}


def cut_and_resent(folder: Path) -> list[str]:
    """Lines for each LKP5 packet that did not cross whole or carried applications sent before in
    the run (protocol 6: the center keeps a cut packet's whole items, and they do not go again)."""
    lines, seen = [], set()
    for new in sorted(folder.glob("*.new")):
        if not new.name.split("-")[1].endswith("_8090"):
            continue
        for first, _, body in messages(new.read_bytes()):
            if body[:4] != b"LKP5":
                continue
            (hlen,) = struct.unpack(">I", body[4:8])
            try:
                headers = json.loads(zlib.decompressobj(zdict=HEADER_DICTIONARY).decompress(body[8:8 + hlen]))
                (heads,) = struct.unpack(">I", body[8 + hlen:12 + hlen])
            except (zlib.error, ValueError, struct.error):
                continue
            whole = 12 + hlen + heads + sum(h["photo_size"] + ITEM_TAG_BYTES for h in headers)
            numbers = [h["record"]["registration_number"] for h in headers]
            again = [n for n in numbers if n in seen]
            seen.update(numbers)
            if len(body) < whole or again:
                lines.append(f"{new.name.rsplit('-', 1)[0]}: {numbers[0]} .. {numbers[-1]}, {len(body):,} of "
                             f"{whole:,} B on the wire; sent before: {', '.join(again) or '-'}")
    return lines


def main(folder: Path, counted: int | None = None) -> None:
    """counted: the run's `ours_bytes` (IP bytes of the timed part, as the bench counts them)."""
    result = account(folder)
    stats = json.loads((folder / "stats.json").read_text())
    print(f"{'flow':<48} {'bytes':>10}  requests")
    for flow in result["flows"]:
        mark = "" if flow["timed"] else " (before the timed part: not counted)"
        print(f"{flow['flow']:<48} {flow['bytes']:>10,}  {dict(flow['paths']) or ''}{mark}")
    print()
    for name, value in sorted(result["rows"].items()):
        print(f"{name:<60} {value:>10,}")
    payload = sum(result["rows"].values())
    print(f"{'TCP payload of the timed flows (first transmissions)':<60} {payload:>10,}")
    retx = sum(stats[d]["tcp_retx"] for d in ("up", "down"))
    packets = sum(stats[d]["delivered_pkts"] for d in ("up", "down"))
    print(f"retransmitted TCP payload (whole tunlink life): {retx:,}; IP packets: {packets:,}")
    if counted:
        print(f"{'TCP/IP headers, ACKs, handshakes, retransmissions':<60} {counted - payload:>10,}")
        print(f"{'counted by the bench (IP bytes both ways)':<60} {counted:>10,}")
    cut = cut_and_resent(folder)
    if cut:
        print("\npackets cut on the wire or carrying applications sent before:")
        print("\n".join(cut))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else None)

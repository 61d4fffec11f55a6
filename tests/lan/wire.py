"""A packet capture on one interface, as a program of its own (run in a network namespace by
tests/lan/test_lan_capture.py), and the TCP streams read back from it.

    python -m tests.lan.wire INTERFACE OUT_FILE     capture every frame until SIGTERM ("ready" once bound)

Linux only (AF_PACKET, root). Each frame is written as a 4-byte length and its bytes, flushed at once.
"""
import signal
import socket
import struct
import sys
from collections import defaultdict
from pathlib import Path

ETH_P_ALL = 0x0003


def capture(interface: str, out: Path) -> None:
    sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sniffer.bind((interface, 0))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(out, "wb", buffering=0) as file:
        print("ready", flush=True)
        while True:
            frame = sniffer.recv(65535)
            file.write(struct.pack(">I", len(frame)) + frame)


def frames(path: Path) -> list[bytes]:
    data, found, at = Path(path).read_bytes(), [], 0
    while at + 4 <= len(data):
        (size,) = struct.unpack(">I", data[at:at + 4])
        found.append(data[at + 4:at + 4 + size])
        at += 4 + size
    return found


def tcp_streams(path: Path) -> dict[tuple, bytes]:
    """Each direction of each TCP connection (src, sport, dst, dport): its payload in sequence order,
    a retransmitted segment once, so a secret split over two segments is found whole."""
    segments: dict[tuple, dict[int, bytes]] = defaultdict(dict)
    for frame in frames(path):
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":  # IPv4 only: the test's link has no other
            continue
        ip = frame[14:]
        header = (ip[0] & 0x0F) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        if ip[9] != 6:
            continue
        tcp = ip[header:total]
        sport, dport, seq = struct.unpack(">HHI", tcp[:8])
        offset = (tcp[12] >> 4) * 4
        payload = tcp[offset:]
        if payload:
            key = (socket.inet_ntoa(ip[12:16]), sport, socket.inet_ntoa(ip[16:20]), dport)
            segments[key].setdefault(seq, payload)
    streams = {}
    for key, by_seq in segments.items():
        data, expected = b"", None
        for seq in sorted(by_seq):
            payload = by_seq[seq]
            if expected is not None and seq < expected:  # overlaps what is already there
                payload = payload[expected - seq:]
            data += payload
            expected = max(expected or 0, seq + len(by_seq[seq]))
        streams[key] = data
    return streams


if __name__ == "__main__":
    capture(sys.argv[1], Path(sys.argv[2]))

"""Server memory while decompression bombs, a spreadsheet bomb and the largest accepted images arrive at once.

Run: python bench/bench_upload_bombs.py [--code PATH]   (target: peak server RSS < 150 MB)

Starts the app on waitress in its own process (as in the office), on a small demo database, signs
in as the counter clerk, the information officer and the admin, and posts at the same moment:
  1. a 6300x6300 PNG (146 KB-class) as an applicant photo,
  2. a 7000x7000 GIF (36 KB) as a complaint attachment,
  3. a 8000x8000 PNG as the letterhead logo,
  4. a PNG whose header claims 20000x20000 as a second applicant photo,
  5. a ~200 KB XLSX that unpacks to ~150 MB of XML as a collective import,
  6. three RGB PNGs of 4898x4898 (just under the 24 MP header limit) as an applicant photo, a
     complaint attachment and the letterhead logo,
  7. the largest the office accepts: a 24 MP phone JPEG as an applicant photo and a 2048x2048
     PNG (4 MP, one decode's budget) as the logo.
It prints the server's RSS before (VmRSS) and its peak during the uploads (VmHWM from /proc),
and each answer's status. `--code PATH` runs the server from another checkout (e.g. main before
issue 13) with this machine's Python, for a side-by-side figure.
"""
import argparse
import io
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import requests
from openpyxl import Workbook
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-rahasia-1"
# As on an office PC, which installs without the `center` extra: no PostgreSQL driver for peewee
# to import (this machine's virtualenv has it for the center; it would add 22 MB to the office server).
SERVER = """
import sys; sys.path.insert(0, sys.argv[1])
sys.modules["psycopg"] = sys.modules["psycopg2"] = sys.modules["psycopg2cffi"] = None
from pathlib import Path
from waitress import serve
from app import create_app
serve(create_app({"DATA_DIR": Path(sys.argv[2])}), host="127.0.0.1", port=int(sys.argv[3]), threads=8, _quiet=True)
"""


def png(width, height) -> bytes:
    out = io.BytesIO()
    Image.new("1", (width, height), 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def rgb_png(width, height) -> bytes:
    """A PNG just under the pixel limit that decodes as RGB (a flat colour, so it is small to send)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (180, 40, 40)).save(out, "PNG", optimize=True)
    return out.getvalue()


def phone_jpeg(width, height) -> bytes:
    """A camera-sized JPEG with grain, as a phone writes it (quality 90)."""
    import random
    rng = random.Random(1)
    bands = [Image.frombytes("L", (width // 64, height // 64), rng.randbytes(width * height // 4096))
             .resize((width, height), Image.Resampling.BICUBIC) for _ in range(3)]
    image = Image.merge("RGB", bands)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def gradient_png(width, height) -> bytes:
    """A full-colour logo-like PNG (smooth gradients compress to a small file)."""
    red = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", [red, red.rotate(90), red.rotate(180)])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def gif(width, height) -> bytes:
    out = io.BytesIO()
    Image.new("P", (width, height), 0).save(out, "GIF")
    return out.getvalue()


def png_header(width, height) -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1_000_000, 9)) + chunk(b"IEND", b""))


def spreadsheet_bomb() -> bytes:
    """A workbook whose shared strings unpack to ~150 MB (one long string, repeated)."""
    book = Workbook()
    book.active.append(["NIK", "Nama"])
    base = io.BytesIO()
    book.save(base)
    strings = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
               b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>' + b"A" * 150_000_000 + b"</t></si></sst>")
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
        target.writestr("xl/sharedStrings.xml", strings)
    return out.getvalue()


def memory(pid: int) -> dict:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(base, username):
    session = requests.Session()
    session.post(f"{base}/masuk", data={"username": username, "password": PASSWORD,
                                        "csrf_token": csrf(session.get(f"{base}/masuk").text)})
    return session


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", default=str(ROOT), help="checkout to run the server from")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="loket-bombs-"))
    subprocess.run([sys.executable, str(Path(args.code) / "run.py"), "demo", "--data", str(data), "--applications",
                    "50", "--complaints", "20", "--surveys", "10", "--recaps", "0", "--password", PASSWORD],
                   check=True, stdout=subprocess.DEVNULL, cwd=args.code)
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-c", SERVER, args.code, str(data), str(port)], cwd=args.code)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if requests.get(f"{base}/masuk", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        loket, info, admin = signed_in(base, "loket1"), signed_in(base, "info"), signed_in(base, "admin")
        # An application still at the counter: its photo may be replaced.
        application = next(number for status in ("diterima", "dikembalikan")
                           for number in re.findall(r'href="/pendaftaran/(\d+)"',
                                                    loket.get(f"{base}/pendaftaran?status={status}").text))
        complaint = re.search(r'href="/pengaduan/(\d+)"', info.get(f"{base}/pengaduan/").text).group(1)
        letter_page = loket.get(f"{base}/pendaftaran/kolektif/baru").text
        made = loket.post(f"{base}/pendaftaran/kolektif/baru", allow_redirects=False, data={
            "csrf_token": csrf(letter_page), "letter_number": "421/1/BENCH", "letter_date": "2026-01-05",
            "sender": "SMA Bench", "contact": "", "recording_date": ""})
        letter = re.search(r"/kolektif/(\d+)", made.headers["Location"]).group(1)
        token = {name: csrf(s.get(f"{base}/").text) for name, s in (("loket", loket), ("info", info), ("admin", admin))}
        bombs = [
            ("photo 6300x6300 PNG", loket, f"/pendaftaran/{application}/foto", "photo", png(6300, 6300), "loket"),
            ("attachment 7000x7000 GIF", info, f"/pengaduan/{complaint}/lampiran", "photo", gif(7000, 7000), "info"),
            ("logo 8000x8000 PNG", admin, "/admin/kantor/logo", "logo", png(8000, 8000), "admin"),
            ("photo header 20000x20000", loket, f"/pendaftaran/{application}/foto", "photo",
             png_header(20000, 20000), "loket"),
            # Just under the 24 MP limit: accepted by the header check, so decoded for real.
            ("photo 4898x4898 PNG (limit)", loket, f"/pendaftaran/{application}/foto", "photo",
             rgb_png(4898, 4898), "loket"),
            ("attachment 4898x4898 PNG", info, f"/pengaduan/{complaint}/lampiran", "photo",
             rgb_png(4898, 4898), "info"),
            ("logo 4898x4898 PNG (limit)", admin, "/admin/kantor/logo", "logo", rgb_png(4898, 4898), "admin"),
            # The largest the office accepts, decoded for real: a 24 MP phone photo (JPEG, decoded
            # at a reduced scale) and a PNG logo at the 4 MP that fits one decode's budget.
            ("photo 6000x4000 JPEG", loket, f"/pendaftaran/{application}/foto", "photo",
             phone_jpeg(6000, 4000), "loket"),
            ("logo 2048x2048 PNG", admin, "/admin/kantor/logo", "logo", gradient_png(2048, 2048), "admin"),
            ("XLSX unpacking to 150 MB", loket, f"/pendaftaran/kolektif/{letter}/impor", "berkas",
             spreadsheet_bomb(), "loket"),
        ]
        time.sleep(1)
        before = memory(server.pid)  # VmHWM here: the peak of start-up and the three sign-ins
        answers = {}

        def post(label, session, path, field, content, who):
            response = session.post(f"{base}{path}", data={"csrf_token": token[who]},
                                    files={field: ("bom.bin", content)}, headers={"X-CSRFToken": token[who]},
                                    allow_redirects=False)
            reason = re.search(r'class="[^"]*(?:error|galat)[^"]*"[^>]*>\s*([^<]{3,120})', response.text)
            answers[label] = (len(content), response.status_code, reason.group(1).strip() if reason else "")
        threads = [threading.Thread(target=post, args=bomb) for bomb in bombs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        after = memory(server.pid)
        print(f"server code: {args.code}")
        for label, (size, status, reason) in answers.items():
            print(f"  {label:28s} {size / 1024:8.0f} KB  -> HTTP {status} {reason}")
        print(f"server RSS before: {before['VmRSS']:.0f} MB (peak so far {before['VmHWM']:.0f} MB); "
              f"peak with the uploads: {after['VmHWM']:.0f} MB; after: {after['VmRSS']:.0f} MB")
    finally:
        server.terminate()
        server.wait(10)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()

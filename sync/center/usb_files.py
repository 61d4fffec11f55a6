"""What the center says of one imported batch file when it adds nothing (issue 61, finding 7).

An office exports its unanswered applications again in a new file after a lost stick, and its PC
may sync meanwhile: a file never seen can hold only applications the center has. Saying "sudah
pernah diimpor" of it was untrue, so each file read is remembered by the hash of its bytes
(UsbBatchFile) and the message tells a file imported again from a new file with nothing new.
"""
import hashlib

from peewee import IntegrityError

from app.frame.dates import DEFAULT_TIME_ZONE, format_datetime, utc_now
from app.frame.regions import zone_of
from sync.center.db import center_database
from sync.center.models import Kecamatan, ReceivedApplication, UsbBatchFile


def file_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def earlier_import(content: bytes) -> UsbBatchFile | None:
    """The first import of these very bytes, or None: a file the center never read."""
    return UsbBatchFile.get_or_none(UsbBatchFile.sha256 == file_hash(content))


def remember(kecamatan: Kecamatan, content: bytes, filename: str) -> None:
    """Note a file read and opened with its key (its first import is the one kept)."""
    try:
        with center_database.atomic():
            UsbBatchFile.create(sha256=file_hash(content), kecamatan=kecamatan, filename=filename[:255],
                                imported_at=utc_now())
    except IntegrityError:  # read before (or by a second import of it running at the same time)
        pass


def nothing_new(label: str, kecamatan: Kecamatan, results: list, earlier: UsbBatchFile | None) -> str:
    """The message of a file whose applications the center all held already: the same file again, or
    a new one whose applications had arrived by sync or by other files."""
    count = len(results)
    if earlier is not None:
        when = format_datetime(earlier.imported_at, zone_of(kecamatan.code) or DEFAULT_TIME_ZONE)
        return (f"{label.capitalize()} sudah pernah diimpor ({when}, sebagai {earlier.filename}): {count} permohonan "
                "sudah ada, tidak disimpan dua kali.")
    via = _arrived_via([(o.id, o.version) for o in results])
    ways = [f"{via['api']} lewat sinkronisasi"] if via.get("api") else []
    if via.get("usb"):
        ways.append(f"{via['usb']} lewat berkas kiriman lain")
    return (f"{label.capitalize()} baru bagi pusat, tetapi semua {count} permohonannya sudah tiba lebih dulu"
            + (f" ({', '.join(ways)})" if ways else "") + ": tidak ada yang ditambahkan.")


def _arrived_via(keys: list[tuple]) -> dict[str, int]:
    """How the held versions of (number, version) `keys` arrived: {"api": n, "usb": m}."""
    wanted, counts = set(keys), {}
    numbers = sorted({number for number, _ in keys})
    for start in range(0, len(numbers), 500):
        for number, version, via in (ReceivedApplication.select(ReceivedApplication.registration_number,
                                                                ReceivedApplication.version,
                                                                ReceivedApplication.received_via)
                                     .where(ReceivedApplication.registration_number.in_(numbers[start:start + 500]))
                                     .tuples()):
            if (number, version) in wanted:
                counts[via] = counts.get(via, 0) + 1
    return counts

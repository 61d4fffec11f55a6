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


RESULT_WORDS = {"stored": "disimpan", "duplicate": "sudah ada", "conflict": "konflik", "rejected": "ditolak"}


def counts(outcomes: list) -> str:
    """'disimpan 3, sudah ada 0, konflik 0, ditolak 0' of a list of Outcomes."""
    return ", ".join(f"{words} {sum(1 for o in outcomes if o.result == result)}" for result, words in RESULT_WORDS.items())


def file_message(label: str, kecamatan: Kecamatan, results: list, publics: list, earlier: UsbBatchFile | None) -> str:
    """One imported file's line, naming what it held (issue 72, finding 5: a file of 200 /cek records and no
    application read "disimpan 0, sudah ada 0, konflik 0, ditolak 0"): its applications, then its /cek records."""
    if results and all(o.result == "duplicate" for o in results):  # said of this very file only if read before
        message = nothing_new(label, kecamatan, results, earlier)
    elif results:
        message = f"{label.capitalize()} dari Kecamatan {kecamatan.name}: {len(results)} permohonan ({counts(results)})."
    else:
        message = f"{label.capitalize()} dari Kecamatan {kecamatan.name}: tanpa permohonan."
    if publics:
        message += f" Status cek warga (/cek): {len(publics)} ({counts(publics)})."
    return message


def held(kecamatan: Kecamatan) -> list[list]:
    """[[outbox key, version, content hash]] of what the center holds that the kecamatan's counters sent beside
    their applications: every /cek record (applications and complaints; a desa PC's forms are its own) and every
    version of its performance reports. The status file acknowledges them, so an office on USB only no longer
    carries them in every later file (issue 72, finding 5)."""
    from sync import public_status as vocabulary
    from sync.center.models import PerformanceReport, PublicStatus
    publics = [[vocabulary.wire_key(number), version, content_hash] for number, version, content_hash in
               PublicStatus.select(PublicStatus.number, PublicStatus.version, PublicStatus.content_hash)
               .where((PublicStatus.kecamatan == kecamatan.id) & (PublicStatus.kind != "pra"))
               .order_by(PublicStatus.id).tuples()]
    reports = [[f"KINERJA-{year}-{quarter}", version, content_hash] for year, quarter, version, content_hash in
               PerformanceReport.select(PerformanceReport.year, PerformanceReport.quarter, PerformanceReport.version,
                                        PerformanceReport.content_hash)  # keyed as performance.KEY reads it
               .where(PerformanceReport.kecamatan == kecamatan.id).order_by(PerformanceReport.id).tuples()]
    return publics + reports

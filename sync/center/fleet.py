"""Every office and desa PC of the regency on one page (issue 81): each PC's report of its own health,
sent with every pass (app/updates/fleet_report.py builds it), kept here per PC (the latest and the last
KEPT_PER_PC), and read as the PCs that need a call first, each with what to do in one sentence.

A report is small and bounded (cleaned_report refuses a wrong type, a size out of range or a key it does
not know) and carries no personal data: counts, ages, a version, the office's own telephone. The clock
offset is the center's own reading: the signed request's time against the center's (a PC whose clock is
off by more than the signature's window is refused, and its offset is kept from that refusal: note_skew).
A PC of a version before FIRST_REPORTING sends none: shown as "versi lama, tidak melapor"; a PC of a later
version without a report is "belum melapor" (or its clock is off: its passes are refused, "jam" says why).
Every figure of a report is shown with its age (the report's, the clock reading's), the backup's as it is
now at the latest (its age then plus the time since), never as current when it is old (issue 89).

Four shapes (the probe's `fleet_report` says which this center takes): 1, the 0.3.0 PCs' keys; 2 adds the
first line of each kind of error (`error_kinds`: its class and where it was raised, never a value) and the
saves kept by a going back (`update.kept`); 3 adds a release that waits for room on the PC's disk (`room`:
its version and the megabytes to free, app/updates/room.py; issue 94); 4 adds `disk_full` (True: the office's
writes are refused for a full disk, it stopped: app/frame/errors.note_disk_full; a pass that cannot write sends
this report alone). An office without a link carries its report in every USB batch file (sync/usb.py seals it
with the batch), in the shape this center's status file says (issue 94): stored as a pass's, its clock unmeasured
(store_file_report); the
file is the PC's own sight (FleetLatest.usb_at), never another PC's of its kecamatan (issue 89)."""
import json
import re
import time
from numbers import Number
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import abort, current_app, g, jsonify, render_template, request, url_for
from markupsafe import Markup, escape
from peewee import JOIN, SQL

from app.frame import regions
from app.frame.dates import format_datetime, utc_now
from app.frame.fingerprint_text import without_fingerprints
from app.frame.pagination import paginate
from sync import protocol
from sync.center import updates
from sync.center.db import center_database
from sync.center.models import DeviceKey, FleetLatest, FleetReport, Kecamatan
from sync.center.routes import api_blueprint, error_answer, json_body, page_blueprint
from sync.center.trail import no_ones_act
from sync.center.zone import own_zone

MAX_REPORT_BYTES = 2048
KEPT_PER_PC = 400  # more than a year of nightly passes
OUTCOMES = ("diambil", "ditolak", "dikembalikan")  # taken; refused before the switch; taken back after it
WHERE = ("usb", "disk")
MAX_WHY_CHARS = 300
REPORT_SHAPE = 4  # the probe's "fleet_report": a 0.3.0 center said True and refuses the keys shape 2 adds
MAX_ERROR_KINDS = 10
MAX_ERROR_LINE = 160
# An error's line is a class name, a code location and an endpoint: no room for a value (a NIK's 16 digits,
# a name's spaces and capitals in words are refused with the whole report: app/updates/fleet_report.error_line).
ERROR_LINE = re.compile(r"[A-Za-z_][\w.]*(?: [\w.:<>/-]+){0,2}", re.ASCII)
LONG_DIGITS = re.compile(r"\d{6}")
# What needs a call (the page's order: the first problem of a PC decides its place).
BACKUP_OLD = timedelta(days=7)
# A report counts the writes without their trail since the one before, so the next says 0: the problem stays
# a week after the last report that carried any (the office's own card keeps them until its admin looks).
TRAIL_GAPS_SHOWN = timedelta(days=7)
DISK_LOW_MB = 2048  # app/backups/health.DISK_WARN_BYTES: the office's own card warns from there
CLOCK_OFF_SECONDS = 300
NOT_SEEN = timedelta(days=3)
FIRST_REPORTING = "0.3.0"  # the first version that sends its report (0.2.0 sends none)
# The first version whose every build takes a renumber of a form accepted at another counter PC into its queue
# (the relay inbox's "nomor_diganti"): 6ce2a857 and older pass it over; 0.2.0 was built both before and after
# issue 72 (6ce2a857, d36a7707), which the center cannot tell apart, so a 0.2.0 PC is said to be "bisa".
FIRST_TAKING_RENUMBERS = "0.3.0"
_WENT_BACK_CALL = "Telepon kantor: pembaruan gagal setelah berganti versi dan dikembalikan; tanyakan apa yang terlihat"
# A PC of a version that reads no "coba lagi" mark (updates.takes_retries): the next release is its way forward.
OLD_PC_WENT_BACK = (f"{_WENT_BACK_CALL}. Versi komputer ini belum mengenal Coba lagi: setelah penyebabnya dibereskan, "
                    "terbitkan rilis berikutnya (nomor versi baru), yang diambilnya seperti biasa.")
PROBLEMS = {  # key: (label, what to do, in one sentence; {phone} is the office's telephone)
    # first: the clerks cannot save now
    "disk_penuh": ("kantor berhenti: disk penuh",
                   "Telepon kantor sekarang: petugas tidak dapat menyimpan karena disk komputer penuh; minta admin "
                   "membuka halaman yang bertuliskan Penyimpanan komputer penuh dan mengosongkan yang disebut di sana "
                   "(cadangan lama ke flashdisk, unduhan pembaruan boleh dihapus), lalu menyimpan lagi."),
    "dikembalikan": ("kembali ke versi sebelumnya",
                     f"{_WENT_BACK_CALL}, dan setelah penyebabnya dibereskan tekan Coba lagi di halaman komputer ini."),
    "tidak_terlihat": ("tidak terlihat 3 hari",
                       "Telepon kantor: tanyakan apakah komputer menyala dan terhubung internet; bila tidak ada "
                       "sambungan, minta kirim lewat berkas USB."),
    "jam": ("jam selisih lebih dari 5 menit",
            "Telepon kantor: minta admin menyetel tanggal, jam dan zona waktu Windows, lalu menjalankan ulang "
            "aplikasi."),
    "cadangan": ("cadangan lebih dari 7 hari",
                 "Telepon kantor: minta admin membuka Cadangan Data dan membuat cadangan sekarang ke flashdisk."),
    "ruang_pembaruan": ("pembaruan menunggu ruang disk",
                        "Telepon kantor: pembaruan versi {version} belum diunduh karena disk komputer ini kurang "
                        "{short_mb} MB; minta admin memindahkan cadangan lama ke flashdisk dan menghapus berkas yang "
                        "tidak perlu, lalu menjalankan Sinkronisasi (pembaruan diunduh sendiri bila ruangnya cukup)."),
    "disk": ("ruang disk hampir habis",
             "Telepon kantor: minta admin memindahkan cadangan lama ke flashdisk dan menghapus berkas yang tidak "
             "perlu."),
    "jejak": ("perubahan tanpa jejak audit",
              "Telepon kantor: minta admin membuka kartu Perubahan tanpa catatan audit dan membacakan daftarnya, "
              "lalu laporkan ke pengelola aplikasi."),
    "ditolak": ("menolak rilis",
                "Tidak perlu tindakan di kantor: versi yang berjalan tetap dipakai; periksa alasan penolakan "
                "sebelum menerbitkan rilis berikutnya."),
    "usb_saja": ("hanya lewat berkas USB, tanpa laporan",
                 "Telepon kantor: kantor mengirim lewat flashdisk, yang belum membawa laporan kesehatan; tanyakan "
                 "cadangan terakhir, sisa disk dan jam komputer."),
    "tertinggal": ("versi tertinggal",
                   "Telepon kantor: minta admin menjalankan Sinkronisasi agar pembaruan terunduh, atau kirim "
                   "pembaruan lewat flashdisk."),
    "nomor_lama": ("antrean desa bisa menyebut nomor lama",
                   "Perbarui aplikasi di komputer ini (Sinkronisasi atau flashdisk): versinya tidak mengikuti nomor "
                   "permohonan yang diganti pusat, jadi antrean pra-pendaftaran desanya bisa tetap menyebut nomor "
                   "lama formulir yang diterima di loket lain."),
    "tidak_melapor": ("versi lama, tidak melapor",
                      "Perbarui aplikasi di komputer ini (Sinkronisasi atau flashdisk): versi lama tidak mengirim "
                      "laporan kesehatannya."),
    "belum_melapor": ("belum ada laporan",
                      "Telepon kantor: minta admin menjalankan Sinkronisasi (atau mengirim berkas USB) agar laporan "
                      "kesehatan komputer ini terkirim."),
}


def _count(value, highest: int) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= highest else None


def _text(value, longest: int) -> str | None:
    return value if isinstance(value, str) and len(value) <= longest else None


def _moment(value) -> str | None:
    """An ISO moment as stored (UTC, no zone), or None when missing or unreadable."""
    moment = updates._utc_moment(value) if isinstance(value, str) and len(value) <= 40 else None
    return moment.isoformat(timespec="seconds") if moment else None


def cleaned_report(value) -> tuple[dict | None, str]:
    """The report as it is stored, or None and the Indonesian reason it is refused. Every key is known,
    every value of its type and size (the report is the PC's word, kept and shown)."""
    keys = {"version": str, "update": dict, "backup": dict, "disk_free_mb": int, "trail_gaps": int,
            "errors": int, "outbox": int, "phone": str, "error_kinds": list, "room": dict, "disk_full": bool}
    if not isinstance(value, dict):
        return None, "laporan kesehatan harus berupa objek JSON"
    unknown = sorted(set(value) - set(keys))
    if unknown:
        return None, f"laporan kesehatan: kunci tidak dikenal: {', '.join(k[:30] for k in unknown[:5])}"
    if not isinstance(value.get("version"), str) or not updates.VERSION_TEXT.match(value["version"]):
        return None, "laporan kesehatan: versi tidak sah"
    counts = {name: _count(value.get(name, 0), highest) for name, highest in
              (("disk_free_mb", 10 ** 9), ("trail_gaps", 10 ** 6), ("errors", 10 ** 9), ("outbox", 10 ** 9))}
    if None in counts.values():
        return None, "laporan kesehatan: ruang disk, jejak, galat dan antrean harus bilangan bulat tidak negatif"
    phone = _text(value.get("phone", ""), 40)
    if phone is None:
        return None, "laporan kesehatan: telepon kantor paling banyak 40 karakter"
    update, problem = _cleaned_update(value.get("update") or {})
    if problem:
        return None, problem
    backup = value.get("backup") or {}
    if not isinstance(backup, dict) or set(backup) - {"age_hours", "where"} \
            or backup.get("where") not in (*WHERE, None) \
            or (backup.get("age_hours") is not None and _count(backup["age_hours"], 10 ** 6) is None):
        return None, "laporan kesehatan: cadangan harus {age_hours, where: usb atau disk}"
    kinds, problem = _cleaned_error_kinds(value.get("error_kinds") or [])
    if problem:
        return None, problem
    room = value.get("room")
    if room is not None and (not isinstance(room, dict) or set(room) != {"version", "short_mb"}
                             or not isinstance(room["version"], str) or not updates.VERSION_TEXT.match(room["version"])
                             or not _count(room["short_mb"], 10 ** 9)):
        return None, "laporan kesehatan: ruang pembaruan harus {version, short_mb: megabita yang perlu dikosongkan}"
    if "disk_full" in value and value["disk_full"] is not True:
        return None, "laporan kesehatan: disk penuh harus true (atau tidak ada)"
    return {"version": value["version"], "update": update,  # as the PC said it (updates.reported_version reads it)
            "disk_free_mb": counts["disk_free_mb"],
            "backup": {"age_hours": backup.get("age_hours"), "where": backup.get("where")},
            "trail_gaps": counts["trail_gaps"], "errors": counts["errors"], "outbox": counts["outbox"],
            "phone": phone.strip(), "error_kinds": kinds, **({"room": dict(room)} if room else {}),
            **({"disk_full": True} if value.get("disk_full") else {})}, ""


def _cleaned_error_kinds(kinds) -> tuple[list, str]:
    """[[count, line]] of at most MAX_ERROR_KINDS kinds, each line a class, a code location and an endpoint."""
    if not isinstance(kinds, list) or len(kinds) > MAX_ERROR_KINDS:
        return [], f"laporan kesehatan: paling banyak {MAX_ERROR_KINDS} jenis galat"
    for kind in kinds:
        if not (isinstance(kind, list) and len(kind) == 2 and _count(kind[0], 10 ** 9)
                and isinstance(kind[1], str) and len(kind[1]) <= MAX_ERROR_LINE
                and ERROR_LINE.fullmatch(kind[1]) and not LONG_DIGITS.search(kind[1])):
            return [], ("laporan kesehatan: jenis galat harus [jumlah, baris] dengan baris berisi nama galat dan "
                        f"letaknya saja (paling banyak {MAX_ERROR_LINE} karakter, tanpa nilai)")
    return [list(kind) for kind in kinds], ""


def _cleaned_update(update) -> tuple[dict, str]:
    """What the PC's last update did: {outcome (OUTCOMES or None), version, why, at}."""
    if not isinstance(update, dict) or set(update) - {"outcome", "version", "why", "at", "kept"}:
        return {}, "laporan kesehatan: pembaruan harus {outcome, version, why, at, kept}"
    kept = update.get("kept")
    if kept is not None and _count(kept, 10 ** 9) is None:
        return {}, "laporan kesehatan: simpanan yang dipertahankan harus bilangan bulat tidak negatif"
    if update.get("outcome") not in (*OUTCOMES, None):
        return {}, "laporan kesehatan: hasil pembaruan harus 'diambil', 'ditolak' atau 'dikembalikan'"
    version = update.get("version")
    if version is not None and (not isinstance(version, str) or not updates.VERSION_TEXT.match(version)):
        return {}, "laporan kesehatan: versi pembaruan tidak sah"
    why = _text(update.get("why") or "", 2000)
    if why is None:
        return {}, "laporan kesehatan: alasan pembaruan terlalu panjang"
    return {"outcome": update.get("outcome"), "version": version, "why": why[:MAX_WHY_CHARS],
            "at": _moment(update.get("at")), **({"kept": kept} if kept is not None else {})}, ""


@api_blueprint.post("/v1/fleet/report")
def fleet_report():
    """A PC's report of its health, with every pass: kept as its latest and in its history."""
    if len(request.get_data(cache=True)) > MAX_REPORT_BYTES:
        return error_answer(413, "too_large", f"laporan kesehatan terlalu besar (paling banyak {MAX_REPORT_BYTES} "
                                              "bita)")
    report, problem = cleaned_report(json_body())
    if report is None:
        return error_answer(400, "bad_report", problem)
    # The signed time, within the window (keys.authenticate checked it): the PC's clock against the center's.
    offset = int(protocol.request_credentials(request.headers)[1]) - int(time.time())
    now = utc_now()
    store(g.device_key.id, report, offset, now)
    return jsonify({"stored": True, "clock_offset": offset})


def store(key_id: int, report: dict, offset: int | None, now: datetime, latest: bool = True) -> None:
    """`offset` None: read from a USB file, the clock unmeasured (the latest clock stays as last read);
    `latest` False: a file older than the report the page shows goes into the history only."""
    text = json.dumps(report, ensure_ascii=False, sort_keys=True)
    with no_ones_act("a PC's own report of its health", "fleet_report", "fleet_latest"), center_database.atomic():
        FleetReport.insert(device_key=key_id, received_at=now, clock_offset=offset, report=text).execute()
        if latest:
            _latest(key_id, received_at=now, report=text, **_recent_gaps(key_id, now),
                    **({"clock_offset": offset, "clock_at": now} if offset is not None else {}))
        newest = (FleetReport.select(FleetReport.id).where(FleetReport.device_key == key_id)
                  .order_by(FleetReport.id.desc()).limit(KEPT_PER_PC))
        FleetReport.delete().where((FleetReport.device_key == key_id) & FleetReport.id.not_in(newest)).execute()


def _recent_gaps(key_id: int, now: datetime) -> dict:
    """The writes without their trail this PC reported in the last TRAIL_GAPS_SHOWN (its new report
    included), and when it last reported any."""
    recent = (FleetReport.select(FleetReport.received_at, FleetReport.report)
              .where((FleetReport.device_key == key_id) & (FleetReport.received_at >= now - TRAIL_GAPS_SHOWN)))
    counted = [(at, json.loads(text).get("trail_gaps") or 0) for at, text in recent.tuples()]
    return {"trail_gaps_recent": sum(count for _, count in counted),
            "trail_gaps_at": max((at for at, count in counted if count), default=None)}


def _latest(key_id: int, **values) -> None:
    if not FleetLatest.update(**values).where(FleetLatest.device_key == key_id).execute():
        FleetLatest.insert(device_key=key_id, **values).execute()


def store_file_report(key: DeviceKey, head: dict, earlier) -> str:
    """The report a USB batch file carries (sync/usb.file_report), kept as a pass's with its clock unmeasured;
    the file's message gets one sentence on it. A file read before, a part of a set whose report came with
    another part, and a file of a PC that sends none (an older version) add nothing."""
    from sync import usb
    if earlier is not None:
        return ""
    now = utc_now()
    with no_ones_act("a PC's own batch file, read", "fleet_latest"), center_database.atomic():
        _latest(key.id, usb_at=now)  # this PC seen, through its own file (a report or not)
    if usb.REPORT_FIELD not in head:
        return ""
    value, problem = usb.file_report(head, key.secret, MAX_REPORT_BYTES)
    report, problem = cleaned_report(value) if not problem else (None, problem)
    if report is None:
        return f" Laporan kesehatan komputer ditolak: {problem}."
    written = usb.written_at(head)
    latest = FleetLatest.get_or_none(FleetLatest.device_key == key.id)
    text = json.dumps(report, ensure_ascii=False, sort_keys=True)
    if latest is not None and latest.report == text:
        return " Laporan kesehatan komputer: sudah ada."
    newer = latest is None or latest.received_at is None or written is None or written >= latest.received_at
    store(key.id, report, None, now, latest=newer)
    return " Laporan kesehatan komputer: disimpan."


def note_skew(key: DeviceKey, skew_seconds: int) -> None:
    """A signed request refused for its time: the PC's clock is off by so much (its report cannot come)."""
    with no_ones_act("a PC's clock, read from its refused request", "fleet_latest"), center_database.atomic():
        _latest(key.id, clock_offset=skew_seconds, clock_at=utc_now())


# --- the page -----------------------------------------------------------------------------------

@dataclass(slots=True)
class ShownKecamatan:
    id: int
    code: str
    name: str


@dataclass(slots=True)
class ShownKey:
    """What the page reads of a PC's key (DeviceKey's columns of the same names): a plain row, not a peewee
    model, whose making per row was a third of reading the rows (issue 89 finding 8)."""
    id: int
    kecamatan_id: int
    key_id: str
    device_code: str
    desa_code: str
    last_used_at: datetime | None
    protocol_version: int
    app_version: str
    pilot_since: datetime | None
    revoked_at: datetime | None
    update_health: str
    created_at: datetime
    back_at: datetime | None
    kecamatan: ShownKecamatan


@dataclass(slots=True)
class ShownLatest:
    """A PC's FleetLatest row as the page reads it (columns of the same names)."""
    id: int
    report: str
    received_at: datetime | None
    clock_offset: int
    clock_at: datetime | None
    trail_gaps_recent: int
    trail_gaps_at: datetime | None
    usb_at: datetime | None


_KEY_COLUMNS = len(ShownKey.__slots__) - 1  # the key's own columns, then its kecamatan's, then its latest's


@dataclass
class PcRow:
    key: ShownKey
    label: str
    report: dict | None
    received_at: datetime | None
    clock_offset: int | None
    usb_at: datetime | None = None  # its own last batch file read at the center
    clock_at: datetime | None = None  # when its clock was read
    now: datetime | None = None
    problems: list[str] = field(default_factory=list)
    phone: str = ""
    trail_gaps_week: int = 0  # the writes without their trail reported in the last TRAIL_GAPS_SHOWN
    verdict: dict | None = None  # a pilot's on the release under test (updates.pilot_verdict)
    version: str = ""  # the version it runs (updates.version_that_runs), whatever program made its last request
    reported: str | None = None  # the version its latest report says runs (updates.named_by_reports)
    old_numbers: list = field(default_factory=list)  # (form, number its queue may show, number now): nomor_lama

    @property
    def backup_hours(self) -> int | None:
        """The backup's age now at the latest: its age when reported plus the time since (none made since)."""
        return backup_hours(self.report, self.received_at, self.now)

    @property
    def stale(self) -> bool:
        """The report is more than a day old: its figures are said as of then."""
        return self.received_at is not None and self.now - self.received_at > STALE

    @property
    def takes_retries(self) -> bool:
        return updates.takes_retries(self.version)

    @property
    def advice(self) -> str:
        if not self.problems:
            return "Tidak perlu tindakan."
        if self.problems[0] == "dikembalikan" and not self.takes_retries:
            return OLD_PC_WENT_BACK
        if self.problems[0] == "ruang_pembaruan":
            return self.room_advice
        return PROBLEMS[self.problems[0]][1]

    @property
    def renumber_advice(self) -> str:
        """The relayed forms whose application the center renumbered after another counter PC accepted it, as this
        PC's queue may still name them ("" when none)."""
        if not self.old_numbers:
            return ""
        forms = "; ".join(f"{form}: tertulis permohonan {old}, nomor sekarang {new}" for form, old, new in
                          self.old_numbers)
        return (f"Di antrean pra-pendaftaran komputer ini mungkin masih tertulis nomor lama ({forms}). Nomor yang "
                "benar nomor sekarang, yang juga dibaca desa dan warga di halaman cek status; permohonan dan kartunya "
                "ada di loket yang menerimanya. Pembaruan tidak mengubah tulisan yang sudah ada di antrean itu.")

    @property
    def room_advice(self) -> str:
        """A release waiting for room on this PC's disk, with the megabytes to free ("" when none waits)."""
        room = (self.report or {}).get("room")
        return PROBLEMS["ruang_pembaruan"][1].format(**room) if room else ""


STALE = timedelta(days=1)  # a healthy PC reports at least every 20 hours (app/updates/fleet_report.RESEND)


def backup_hours(report: dict | None, received_at: datetime | None, now: datetime | None) -> int | None:
    age = ((report or {}).get("backup") or {}).get("age_hours")
    if age is None or received_at is None or now is None:
        return age
    return age + max(int((now - received_at).total_seconds() // 3600), 0)


def sends_reports(version) -> bool:
    """Whether a PC of `version` (its key's, from its last signed request) sends its report."""
    return bool(version) and updates.version_key(version) >= updates.version_key(FIRST_REPORTING)


def old_queue_numbers(keys: list, running: dict) -> dict[int, list]:
    """Per counter PC whose version passes a renumber over (FIRST_TAKING_RENUMBERS), the relayed forms of its
    kecamatan whose application the center renumbered: (form, the number the acceptance named, the number now).
    The PC that was asked to renumber is left out: its own application carries the new number (issue 94)."""
    from sync.center.models import ReceivedApplication, RelayStatus, StatusEvent
    from sync.center.records import RENUMBER
    behind = [key for key in keys if not key.desa_code and running.get(key.id)
              and updates.version_key(running[key.id]) < updates.version_key(FIRST_TAKING_RENUMBERS)]
    if not behind:
        return {}
    kecamatans = sorted({key.kecamatan_id for key in behind})
    renumbers = {}  # kecamatan -> form -> [first number, number now]
    for kecamatan_id, form, old, new in (
            RelayStatus.select(RelayStatus.kecamatan, RelayStatus.number, RelayStatus.renumbered_from,
                               RelayStatus.application_number)
            # the partial index's own condition, as a literal: PostgreSQL's generic plan of a parameter skips it
            .where(RelayStatus.kecamatan.in_(kecamatans) & SQL("\"renumbered_from\" <> ''"))
            .order_by(RelayStatus.seq).tuples()):
        renumbers.setdefault(kecamatan_id, {}).setdefault(form, [old, new])[1] = new
    if not renumbers:
        return {}
    firsts = sorted({old for forms in renumbers.values() for old, _ in forms.values()})
    asked = {(kecamatan_id, number): device for kecamatan_id, number, device in (  # the PC each renumber asked
        StatusEvent.select(ReceivedApplication.kecamatan, ReceivedApplication.registration_number,
                           StatusEvent.recipient_device).join(ReceivedApplication)
        .where(ReceivedApplication.kecamatan.in_(kecamatans) & ReceivedApplication.registration_number.in_(firsts)
               & (StatusEvent.status == RENUMBER)).tuples())}
    found = {}
    for key in behind:
        forms = renumbers.get(key.kecamatan_id, {})
        listed = [(form, old, new) for form, (old, new) in sorted(forms.items())
                  if not (key.device_code and asked.get((key.kecamatan_id, old)) == key.device_code)]
        if listed:
            found[key.id] = listed
    return found


def _label(key) -> str:
    return f"Desa {key.desa_code}" if key.desa_code else "Loket kecamatan"


def problems_of(key: ShownKey, latest: ShownLatest | None, report: dict | None, outdated: set, now: datetime,
                usb_at: datetime | None = None) -> list[str]:
    found = ["disk_penuh"] if (report or {}).get("disk_full") else []
    update = (report or {}).get("update") or {}
    if update.get("outcome") == "dikembalikan":
        found.append("dikembalikan")
    seen = max((at for at in (key.last_used_at, usb_at) if at is not None), default=None)
    if seen is None or now - seen > NOT_SEEN:
        found.append("tidak_terlihat")
    clock_off = latest is not None and latest.clock_at is not None and abs(latest.clock_offset) > CLOCK_OFF_SECONDS
    if clock_off:
        found.append("jam")
    if report is not None:
        age = backup_hours(report, latest.received_at, now)
        # None: no backup yet, a problem once the PC is older than a week (a new PC has had no night yet)
        if timedelta(hours=age) > BACKUP_OLD if age is not None else now - key.created_at > BACKUP_OLD:
            found.append("cadangan")
        if report.get("room"):
            found.append("ruang_pembaruan")
        if report["disk_free_mb"] < DISK_LOW_MB:
            found.append("disk")
        if latest.trail_gaps_at is not None and now - latest.trail_gaps_at <= TRAIL_GAPS_SHOWN:
            found.append("jejak")
        if update.get("outcome") == "ditolak":
            found.append("ditolak")
    link_quiet = key.last_used_at is None or now - key.last_used_at > NOT_SEEN
    if report is None and usb_at is not None and link_quiet and now - usb_at <= NOT_SEEN:
        found.append("usb_saja")  # an office without a link: its files carry no report (yet)
    elif report is None and not sends_reports(key.app_version):  # a version before the reports: update it
        found.append("tidak_melapor")
    elif report is None and not clock_off:  # a reporting version whose report has not come (its refused passes
        found.append("belum_melapor")      # with a clock off say "jam" already)
    elif report is not None and key.id in outdated:
        found.append("tertinggal")
    return sorted(found, key=list(PROBLEMS).index)


def fleet_rows(kecamatan_code: str = "", problem: str = "", now: datetime | None = None) -> list[PcRow]:
    """Every active PC (not revoked, not taken over), the ones with a problem first, then by kecamatan."""
    now = now or utc_now()
    # Not the key's secret: unsealing it (sync/center/sealed.py) for every PC was most of the page's time.
    # In the order of ShownKey's, ShownKecamatan's and ShownLatest's fields.
    shown = (DeviceKey.id, DeviceKey.kecamatan, DeviceKey.key_id, DeviceKey.device_code, DeviceKey.desa_code,
             DeviceKey.last_used_at, DeviceKey.protocol_version, DeviceKey.app_version, DeviceKey.pilot_since,
             DeviceKey.revoked_at, DeviceKey.update_health, DeviceKey.created_at, DeviceKey.back_at, Kecamatan.id,
             Kecamatan.code, Kecamatan.name, FleetLatest.id, FleetLatest.report, FleetLatest.received_at, FleetLatest.clock_offset,
             FleetLatest.clock_at, FleetLatest.trail_gaps_recent, FleetLatest.trail_gaps_at, FleetLatest.usb_at)
    query = (DeviceKey.select(*shown).join(Kecamatan)
             .switch(DeviceKey).join(FleetLatest, JOIN.LEFT_OUTER, on=(FleetLatest.device_key == DeviceKey.id))
             .where(DeviceKey.revoked_at.is_null() & (DeviceKey.replaced_by == "")))
    if kecamatan_code:
        query = query.where(Kecamatan.code == kecamatan_code)
    read = []  # (key, its FleetLatest or None, its latest report or None), each report parsed once
    offices = {}  # one ShownKecamatan for its PCs
    for values in query.order_by(Kecamatan.code, DeviceKey.desa_code, DeviceKey.device_code).tuples():
        office = values[_KEY_COLUMNS:_KEY_COLUMNS + 3]
        kecamatan = offices.get(office[0]) or offices.setdefault(office[0], ShownKecamatan(*office))
        key = ShownKey(*values[:_KEY_COLUMNS], kecamatan)
        latest = ShownLatest(*values[_KEY_COLUMNS + 3:]) if values[_KEY_COLUMNS + 3] is not None else None
        read.append((key, latest, json.loads(latest.report) if latest is not None and latest.report else None))
    keys = [key for key, _, _ in read]
    as_read = updates.read_by_reports([(key.id, report, latest and latest.received_at) for key, latest, report in read])
    reported = {key.id: running for (key, _, _), (running, _) in zip(read, as_read)}
    read = [(key, latest, report) for (key, latest, _), (_, report) in zip(read, as_read)]
    running = {key.id: updates.version_that_runs(key, reported[key.id], latest and latest.received_at)
               for key, latest, report in read}
    versions = updates.fleet_versions(keys, current_app.config["DATA_DIR"], running)
    outdated, trial = versions["outdated"], versions["trial"]
    old_numbers = old_queue_numbers(keys, running)
    rows, phones = [], {}
    for key, latest, report in read:
        usb_at = latest.usb_at if latest is not None else None  # its own file only (issue 89)
        row = PcRow(key, _label(key), report, latest.received_at if latest and report else None,
                    latest.clock_offset if latest and latest.clock_at else None, usb_at,
                    latest.clock_at if latest else None, now, version=running[key.id], reported=reported[key.id],
                    old_numbers=old_numbers.get(key.id, []))
        row.problems = problems_of(key, latest, report, outdated, now, usb_at)
        if row.old_numbers:
            row.problems = sorted([*row.problems, "nomor_lama"], key=list(PROBLEMS).index)
        row.trail_gaps_week = latest.trail_gaps_recent if latest is not None and "jejak" in row.problems else 0
        if key.pilot_since is not None and trial:  # the pilots' report is part of the page (Rilis Pembaruan's)
            row.verdict = updates.pilot_verdict(updates.health_of(key), row.version, trial)
        if report and report.get("phone") and not key.desa_code:
            phones[key.kecamatan_id] = report["phone"]
        rows.append(row)
    for row in rows:  # the office's telephone as its counter PC reports it (a desa PC's own, if none)
        row.phone = phones.get(row.key.kecamatan_id) or (row.report or {}).get("phone") or ""
    if problem == PILOTS:
        rows = [row for row in rows if row.key.pilot_since is not None]
    elif problem:
        rows = [row for row in rows if problem in row.problems]
    return sorted(rows, key=lambda row: (not row.problems, list(PROBLEMS).index(row.problems[0]) if row.problems
                                         else 0))


PILOTS = "uji"  # the problem filter's "komputer uji": the pilots, each with its verdict on the release under test
# The papers the table is laid out for (static/css/print.css, as the Kinerja report's).
PAPERS = {"a4": "A4", "f4": "F4/folio"}


@page_blueprint.get("/armada")
def fleet():
    kecamatan_code = request.args.get("kecamatan", "").strip()[:20]
    problem = request.args.get("masalah", "").strip()[:20]
    kecamatans = list(Kecamatan.select(Kecamatan.code, Kecamatan.name).order_by(Kecamatan.code))
    own_zone(kecamatan.code for kecamatan in kecamatans)  # kept for the page's dates: not read a second time
    if (kecamatan_code and kecamatan_code not in {k.code for k in kecamatans}) \
            or (problem and problem not in (*PROBLEMS, PILOTS)):
        return render_template("center/fleet.html", rows=[], kecamatans=kecamatans, problems=PROBLEMS, PILOTS=PILOTS,
                               chosen=(kecamatan_code, problem), paper="a4", papers=PAPERS, now=utc_now(),
                               error="Kecamatan atau masalah tidak dikenal; pilih dari daftar."), 400
    paper = request.args.get("kertas", "a4")
    rows = fleet_rows(kecamatan_code, problem)
    return render_template("center/fleet.html", rows=rows, kecamatans=kecamatans, problems=PROBLEMS, PILOTS=PILOTS,
                           pc_pages=url_for("center.fleet", _external=False),  # a row's link: this + "/<id>"
                           chosen=(kecamatan_code, problem), paper=paper if paper in PAPERS else "a4",
                           papers=PAPERS, now=utc_now(), error=None,
                           attention=sum(1 for row in rows if row.problems))


@page_blueprint.get("/armada/<int:key_id>")
def fleet_pc(key_id: int):
    key = DeviceKey.select(DeviceKey, Kecamatan).join(Kecamatan).where(DeviceKey.id == key_id).first()
    if key is None:
        abort(404)
    row = next((row for row in fleet_rows(key.kecamatan.code) if row.key.id == key_id), None)
    page = paginate(FleetReport.select().where(FleetReport.device_key == key_id).order_by(FleetReport.id.desc()), 50)
    history = [(report.received_at, report.clock_offset, json.loads(report.report)) for report in page.items]
    named = updates.named_by_reports([(key_id, said, at) for at, _, said in history])
    history = [(at, offset, dict(said, version=version)) for (at, offset, said), version in zip(history, named)]
    return render_template("center/fleet_pc.html", key=key, row=row, history=history, problems=PROBLEMS, page=page,
                           label=_label(key), retry=_retry_offer(row))


def _retry_offer(row: PcRow | None) -> str | None:
    """The release this PC refused or took back, if the center still publishes it: offered again from here."""
    update = ((row.report if row else None) or {}).get("update") or {}
    if update.get("outcome") not in ("dikembalikan", "ditolak"):
        return None
    published = {release["version"] for release in updates._published(current_app.config["DATA_DIR"])}
    return update["version"] if update.get("version") in published else None


def age_words(hours) -> str:
    """A backup's age as the page says it."""
    if hours is None:
        return "belum pernah"
    return f"{hours} jam" if hours < 48 else f"{hours // 24} hari"


def ago_words(moment: datetime | None, now: datetime) -> str:
    """How old a figure is, as the page says it beside the figure ("3 hari lalu")."""
    if moment is None:
        return ""
    seconds = max(int((now - moment).total_seconds()), 0)
    if seconds < 3600:
        return "baru saja" if seconds < 120 else f"{seconds // 60} menit lalu"
    return f"{seconds // 3600} jam lalu" if seconds < 48 * 3600 else f"{seconds // 86400} hari lalu"


def disk_words(mb: int) -> str:
    """Free disk: in MB below 1 GB (46 MB is not "0.0 GB")."""
    return f"sisa {mb} MB" if mb < 1024 else f"sisa {mb / 1024:.1f} GB"


SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def why_words(why: str) -> str:
    """The reason a PC gave, for the regency: its first sentence, what failed (the rest is the office's own
    next steps); a reason an older PC cut at MAX_WHY_CHARS before its first sentence ended is marked cut."""
    why = (why or "").strip()
    first = SENTENCE_END.split(why, maxsplit=1)[0]
    if first.endswith((".", "!", "?")) or len(why) < MAX_WHY_CHARS:
        return first
    return first.rsplit(" ", 1)[0] + " … (alasan dipotong oleh komputer kantor)"


def kept_words(kept) -> str:
    """The saves a going back kept, in a regency admin's words (app/updates/launcher.take_back restored the
    data as it was at the switch: every save made before it is there)."""
    return (f"data kantor dikembalikan ke keadaan saat berganti versi: {kept} simpanan data (pendaftaran dan "
            "perubahan yang sudah disimpan petugas) tetap ada, tidak ada yang hilang")


def offset_words(seconds) -> str:
    if seconds is None:
        return "belum diukur"
    size = abs(seconds)
    amount = (f"{size} detik" if size < 120 else f"{round(size / 60)} menit" if size < 5400
              else f"{round(size / 3600)} jam")
    return "tepat" if size < 5 else f"{amount} {'lebih cepat' if seconds > 0 else 'lebih lambat'}"


def fleet_cells(row: PcRow, pc_pages: str) -> list[str]:
    """The eleven cells of a PC's row on /armada as HTML, built here, each value read once and escaped once:
    as a template the 150 rows cost ~70 lookups and ~25 calls each, and sums of Markup half of what was left
    (issue 89 finding 8). Plain text, every value from a PC or a person through escape()."""
    key, report, now = row.key, row.report, row.now
    kecamatan = key.kecamatan
    zone = regions.zone_of(kecamatan.code) or own_zone()  # a moment in that office's zone (`tanggal_jam`)

    def muted(html: str) -> str:
        return f'<span class="muted">{html}</span>'

    def at(moment) -> str:
        return format_datetime(moment, zone)

    where = (f'<a href="{escape(pc_pages)}/{key.id}">{escape(row.label)}</a> ' + muted(
        f'{escape(key.device_code or key.key_id)}, {"komputer uji" if key.pilot_since else "rilis untuk semua"}'))
    if row.verdict:
        where += f'<br><span class="pilot-verdict">rilis uji: {escape(row.verdict.get("state", ""))}</span>'
    problems = "; ".join(
        f"<strong>{escape(PROBLEMS[p][0])}</strong>"
        + (f" ({row.trail_gaps_week} dalam 7 hari)" if p == "jejak" and row.trail_gaps_week else "")
        for p in row.problems) or "baik"
    if report and row.version == row.reported:
        version = f'{escape(row.version)} ' + muted(f"(laporan {ago_words(row.received_at, now)})")
    elif row.version:
        said = ("versi lama, tidak melapor" if "tidak_melapor" in row.problems or not sends_reports(row.version)
                else "dari sinkronisasi terakhir" if report else "dari sinkronisasi terakhir, belum ada laporan")
        version = f"{escape(row.version)} " + muted(f"({said})")
    else:
        version = "belum dilaporkan"
    # The last update's fate in a regency admin's words (issue 89): the reason's first sentence, what a going back kept.
    update = (report.get("update") if report else None) or {}
    if update.get("outcome"):
        fate = f'{escape(update.get("version", ""))} {escape(OUTCOME_WORDS.get(update["outcome"], ""))}'
        if update.get("at"):
            fate += " " + muted(escape(at(updates._utc_moment(update["at"]))))
        if update.get("why"):
            fate += f': {escape(without_fingerprints(why_words(update["why"])))}'
        if isinstance(update.get("kept"), Number):
            fate += f'; {escape(kept_words(update["kept"]))}'
    else:
        fate = "-"
    if report:
        hours = row.backup_hours
        backup = ("setidaknya " if row.stale and hours is not None else "") + age_words(hours)
        kind = (report.get("backup") or {}).get("where")
        backup += f' ({"flashdisk/disk lain" if kind == "usb" else "disk yang sama"})' if kind else ""
        backup = escape(backup)
        disk = f'{escape(disk_words(report["disk_free_mb"]))} ' + muted(f"({ago_words(row.received_at, now)})")
    else:
        backup = disk = "-"
    clock = escape(offset_words(row.clock_offset))
    if row.clock_offset is not None:
        clock = f"{clock} " + muted(f"({ago_words(row.clock_at, now)})")
    seen = escape(at(key.last_used_at) if key.last_used_at else "belum pernah")
    if row.usb_at:
        seen = f"{seen} " + muted(f"(berkas USB {escape(at(row.usb_at))})")
    return [f'{escape(kecamatan.name)} ' + muted(f"({escape(kecamatan.code)})"), where, problems,
            escape(row.advice), escape(row.phone or "belum dilaporkan"), version, fate, backup, disk, clock, seen]


OUTCOME_WORDS = {"diambil": "diambil", "ditolak": "ditolak sebelum berganti versi",
                 "dikembalikan": "dikembalikan ke versi sebelumnya"}


def fleet_row(row: PcRow, pc_pages: str) -> Markup:
    """A PC's whole <tr> on /armada: one call per row, not a template loop of 11 cells (the loop's output calls
    and escapes were a fifth of the page's time, issue 89 finding 8)."""
    cells = "".join(f"<td>{cell}</td>\n    " for cell in fleet_cells(row, pc_pages))
    attention = ' class="attention"' if row.problems else ""
    return Markup(f"<tr{attention}>\n    {cells}\n  </tr>")


page_blueprint.app_template_global()(fleet_row)


@page_blueprint.app_template_global()
def fleet_words():
    return {"age": age_words, "offset": offset_words, "outcome": OUTCOME_WORDS, "moment": updates._utc_moment,
            "ago": ago_words, "disk": disk_words, "why": why_words, "kept": kept_words}

"""Demo KTP-el applications for `run.py demo`: a busy year at Kecamatan Yosowilangun.

Bulk insert with executemany in one transaction (200,000 applications in well under a minute);
photos are two small shared JPEGs, given to the most recent applications only.
"""
import bisect
import io
import json
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw

from app.frame import audit
from app.frame import installation, regions
from app.figures import tallies
from app.auth.models import User
from app.frame.office_calendar import office_calendar
from app.frame.dates import TIME_ZONES, utc_now
from app.frame.db import database
from app.frame import numbering
from app.registration.records import current_prefix
from app.registration import requirements as reqs
from app.registration.intake import MARITAL_STATUSES, OCCUPATION_SUGGESTIONS, REASONS, RELIGIONS
from app.registration.models import Application
from app.registration.status import ApplicationStatus as S
from app.frame.access import roles_with
from app.frame import store
from app.capabilities import DemoCount

MEN = ["Agus", "Budi", "Slamet", "Joko", "Bambang", "Hadi", "Eko", "Dwi", "Rudi", "Suparman", "Sugeng", "Wahyu",
       "Ahmad", "Muhammad", "Imam", "Arif", "Yusuf", "Fajar", "Rizky", "Dimas", "Bayu", "Hendra", "Teguh", "Sutrisno"]
WOMEN = ["Siti", "Sri", "Dewi", "Endang", "Nur", "Rina", "Wulan", "Ayu", "Fitri", "Indah", "Lestari", "Yuliana",
         "Aminah", "Khotimah", "Umi", "Novi", "Ratna", "Sulastri", "Tri", "Anisa", "Putri", "Wahyuni", "Eka", "Retno"]
FAMILY = ["Santoso", "Wibowo", "Hartono", "Susanto", "Prasetyo", "Rahmawati", "Kurniawan", "Setiawan", "Hidayat",
          "Saputra", "Purnomo", "Wijaya", "Nugroho", "Lestari", "Handayani", "Maulana", "Rohman", "Fauzi",
          "Sitompul", "Mahmudah", "Zainal", "Habibah", "Syaifudin", "Anwar"]
PLACES = ["Lumajang", "Lumajang", "Lumajang", "Jember", "Probolinggo", "Malang", "Surabaya", "Pasuruan"]
STREETS = ["Dusun Krajan", "Dusun Kebonan", "Jl. Raya Yosowilangun", "Dusun Genitri", "Jl. Pahlawan",
           "Dusun Tegalrejo", "Jl. Kenanga", "Dusun Sumberan"]
# Real long names, birth places and addresses, as many Indonesians have (one applicant in LONG_EVERY): an office
# checking its prints on the demo sees the receipt, the hand-over receipt and the F-1.07 at the length they
# meet at the counter, not only "Budi Santoso" (issue 62). Each name keeps to the name rule (letters . , ' -).
LONG_MEN = ["Raden Mas Muhammad Abdurrahman Wahyudi Prasetyo Nugroho Kusumo",
            "Kyai Haji Ahmad Syaifuddin Zuhri Al-Hasyimi bin Abdul Wahab",
            "I Gusti Ngurah Agung Bagus Putra Mahendra Wiranatakusuma",
            "Andi Muhammad Fadhlurrahman Daeng Mappaseling Karaeng Lolo"]
LONG_WOMEN = ["Raden Roro Siti Nurhaliza Kusumawardhani Puspitasari Ningrum",
              "Raden Ayu Siti Nurhaliza Kusumawardhani Puspitasari Ningrum Hadiningrat",
              "Nyimas Ayu Retno Dewi Sekar Kinasih Wulandari Prawirodirdjo",
              "Hj. Siti Khadijah Nur Fadhilah Rahmawati binti Abdul Rahman"]
LONG_PLACES = ["Pangkalan Kerinci, Kabupaten Pelalawan", "Tanjung Balai Karimun, Kabupaten Karimun",
               "Kota Administrasi Jakarta Selatan"]
LONG_ADDRESSES = [
    "Jl. Letnan Jenderal Soeprapto Gang Masjid Baiturrahman No. 117/A Dusun Krajan Kidul, belakang Balai Desa",
    "Perumahan Griya Permata Asri Blok C-12 No. 7, Jl. Kyai Haji Abdurrahman Wahid, Dusun Tegalrejo Wetan",
    "Dusun Sumberan Lor Gang Kenanga III No. 45A, sebelah timur Pondok Pesantren Miftahul Ulum"]
LONG_EVERY = 9
REASON_WEIGHTS = [("baru", 45), ("rusak", 20), ("hilang", 15), ("perubahan_data", 12), ("pindah_datang", 8)]
# Where an application of a given age (working days since intake) has got to.
FLOW = [S.RECEIVED, S.COMPLETE, S.SENT, S.RECEIVED_BY_CENTER, S.PRINTED, S.SHIPPED, S.READY, S.HANDED_OVER]
PHOTO_LIMIT = 2000
CHUNK = 20_000  # applications generated and inserted at a time
CENTER_NOTES = {S.REJECTED: "Foto tidak memenuhi syarat (latar tidak polos)",
                S.RESEND_REQUESTED: "Berkas tidak terbaca di pusat cetak, mohon kirim ulang"}
COUNTER_STEPS = frozenset({S.RECEIVED, S.COMPLETE, S.RETURNED, S.READY, S.HANDED_OVER})


DEMO = DemoCount("applications", 2000, "number of KTP-el applications (default %(default)s; 200000 for the benchmark)",
                 metavar="N")
add_demo_arguments = DEMO.add_argument


def demo_photo(colour) -> bytes:
    image = Image.new("RGB", (300, 400), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((95, 70, 205, 200), fill=(224, 186, 150))
    draw.rectangle((60, 220, 240, 400), fill=(30, 30, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60)
    return out.getvalue()


def _nik(birth, sex, serials) -> str:
    # Permendagri 7/2019: kecamatan code + DDMMYY (day + 40 for women) + serial.
    day = birth.day + (40 if sex == "P" else 0)
    base = f"350807{day:02d}{birth.month:02d}{birth.year % 100:02d}"
    serial = serials.get(base, 0) + 1
    serials[base] = serial
    return f"{base}{serial:04d}"


def _chain(status: S) -> list[S]:
    if status is S.RETURNED:
        return [S.RECEIVED, S.RETURNED]
    if status is S.REJECTED:
        return [S.RECEIVED, S.COMPLETE, S.SENT, S.REJECTED]
    if status is S.RESEND_REQUESTED:
        return [S.RECEIVED, S.COMPLETE, S.SENT, S.RECEIVED_BY_CENTER, S.RESEND_REQUESTED]
    return FLOW[:FLOW.index(status) + 1]


def _pick_status(random, age_days: int) -> S:
    if age_days > 40:
        roll = random()
        return S.HANDED_OVER if roll < 0.97 else (S.READY if roll < 0.985 else S.RETURNED)
    roll = random()
    if roll < 0.05:
        return S.RETURNED
    if roll < 0.07 and age_days > 3:
        return S.REJECTED
    if roll < 0.08 and age_days > 5:
        return S.RESEND_REQUESTED
    return FLOW[min(len(FLOW) - 1, int(age_days / 3.5 + random() * 2))]


class _Steps:
    """Per final status, precomputed once: the chain's values, who acts at each step, the notes."""

    def __init__(self, status: S):
        self.status = status.value
        chain = _chain(status)
        self.values = [step.value for step in chain]
        self.previous = [""] + self.values[:-1]
        self.by_clerk = [step in COUNTER_STEPS for step in chain]
        self.complete = S.COMPLETE in chain
        self.returned = status is S.RETURNED
        self.handed_over = status is S.HANDED_OVER
        self.notes = [CENTER_NOTES.get(step, "") for step in chain]
        self.offsets = [k * STEP_WORKING_MINUTES for k in range(len(chain))]


# Office hours as the desk tells citizens (Info Meja): Monday-Thursday 08.00-15.00, Friday 08.00-11.00.
OPENING = time(8, 0)
CLOSING = {0: time(15, 0), 1: time(15, 0), 2: time(15, 0), 3: time(15, 0), 4: time(11, 0)}
STEP_WORKING_MINUTES = 2 * 420 + 270  # between two steps of one application: about two and a half working days


class OfficeClock:
    """Demo moments counted in office minutes back from now: every one falls on a working day of
    the office calendar, within office hours, in the office's zone; stored as naive UTC."""

    def __init__(self, calendar, now_utc: datetime, zone: str, span_days: int):
        self.zone = ZoneInfo(TIME_ZONES.get(zone, TIME_ZONES["WIB"]))
        now_local = now_utc.replace(tzinfo=timezone.utc).astimezone(self.zone).replace(tzinfo=None)
        self.days = []  # (opening moment, minutes open), newest first
        self.ends = []  # cumulative office minutes up to and including each day
        total, day = 0, now_local.date()
        while day >= now_local.date() - timedelta(days=span_days):
            if day.weekday() in CLOSING and calendar.is_working_day(day):
                opening = datetime.combine(day, OPENING)
                closing = min(datetime.combine(day, CLOSING[day.weekday()]), now_local)
                minutes = int((closing - opening).total_seconds() // 60)
                if minutes > 0:
                    total += minutes
                    self.days.append((opening, minutes))
                    self.ends.append(total)
            day -= timedelta(days=1)
        self.total = total

    def ago(self, minutes: int) -> datetime:
        """The moment `minutes` office minutes before now (0: the latest office minute so far)."""
        minutes = max(0, min(int(minutes), self.total - 1))
        index = bisect.bisect_right(self.ends, minutes)
        opening, length = self.days[index]
        into_day = self.ends[index] - minutes  # minutes from that day's opening
        local = opening + timedelta(minutes=min(into_day, length - 1))
        return local.replace(tzinfo=self.zone).astimezone(timezone.utc).replace(tzinfo=None)


def _kk(random) -> str:
    """A No. KK of the kecamatan with a real issue date (2010-2024) and a serial from 0001."""
    issued = date(2010, 1, 1) + timedelta(days=int(random() * 5478))
    return f"350807{issued:%d%m%y}{1 + int(random() * 9998):04d}"


def fill_demo(options, rng) -> None:
    count = DEMO.count(options, Application)
    if not count:
        return
    code = store.get("kecamatan_code")
    desa = [r.code for r in regions.desa_of(code)]
    clerks = [u.id for u in User.select().where(User.role.in_(roles_with("pendaftaran.daftar")))] or [None]
    usernames = {u.id: u.username for u in User.select()}
    calendar = office_calendar()
    service_days = int(store.get("service_days"))
    configured = store.get("requirements")
    prefix = current_prefix()
    now = utc_now()
    span_days = max(30, min(730, count // 60))  # ~60 applications a day, as a busy kecamatan
    clock = OfficeClock(calendar, now, store.get("timezone"), span_days)
    span_minutes = clock.total - 1
    reasons = [r for r, weight in REASON_WEIGHTS for _ in range(weight)]
    serials: dict[str, int] = {}
    steps = {status: _Steps(status) for status in (*FLOW, S.RETURNED, S.REJECTED, S.RESEND_REQUESTED)}
    ticked_for = {r: [item["code"] for item in reqs.requirements_for(r, configured)] for r in REASONS}
    label_of = {item["code"]: item["label"] for item in configured}
    # JSON of the checklist per reason, complete and returned (the last requirement missing).
    complete_json = {r: json.dumps(codes) for r, codes in ticked_for.items()}
    returned_json = {r: (json.dumps(codes[:-1]), json.dumps([label_of[codes[-1]]] if codes else [], ensure_ascii=False),
                         "Kurang: " + label_of[codes[-1]] if codes else "") for r, codes in ticked_for.items()}
    promised_for: dict = {}
    random = rng.random

    def pick(seq):
        return seq[int(random() * len(seq))]

    def rows(first_index: int, stop: int):
        """The applications first_index..stop-1 and their status events, as the counter writes them."""
        applications, events = [], []
        for i in range(first_index, stop):
            minutes_ago = span_minutes * (count - i) // count + int(random() * 60)
            created = clock.ago(minutes_ago)
            sex = "L" if random() < 0.5 else "P"
            given = pick(MEN if sex == "L" else WOMEN)
            name = f"{given} {pick(FAMILY)}" if random() < 0.85 else given
            reason = pick(reasons)
            age = 17 if reason == "baru" and random() < 0.8 else 17 + int(random() * 59)
            birth = (created - timedelta(days=age * 365 + int(random() * 360))).date()
            step = steps[_pick_status(random, (now - created).days)]
            times = [str(clock.ago(minutes_ago - offset)) for offset in step.offsets]
            completed = promised = None
            if step.complete:  # the second step of every chain that has it
                completed = times[1][:10]
                promised = promised_for.get(completed)
                if promised is None:
                    promised = promised_for[completed] = calendar.add_working_days(
                        date.fromisoformat(completed), service_days).isoformat()
            clerk = pick(clerks)
            ticked, missing, returned_note = (returned_json[reason] if step.returned
                                              else (complete_json[reason], "[]", ""))
            app_id = i + 1
            handed_at = times[-1] if step.handed_over else None
            kk, place, address = _kk(random), pick(PLACES), f"{pick(STREETS)} No. {1 + int(random() * 120)}"
            if i % LONG_EVERY == LONG_EVERY - 1:  # chosen by position: the random sequence, so the rest, is unchanged
                name = (LONG_MEN if sex == "L" else LONG_WOMEN)[i // LONG_EVERY % 4]
                address = LONG_ADDRESSES[i // LONG_EVERY % len(LONG_ADDRESSES)]
                place = LONG_PLACES[i // LONG_EVERY % len(LONG_PLACES)]
            applications.append((
                app_id, numbering.format_number(prefixes[i // per_pc], firsts[i // per_pc] + i % per_pc), 1,
                _nik(birth, sex, serials),
                kk, name, place,
                birth.isoformat(), sex, address,
                f"{1 + int(random() * 12):03d}", f"{1 + int(random() * 6):03d}", pick(desa),
                pick(RELIGIONS[:3]) if random() < 0.1 else "Islam",
                "Belum Kawin" if age < 22 else pick(MARITAL_STATUSES), pick(OCCUPATION_SUGGESTIONS),
                f"08{10**9 + int(random() * 9 * 10**9)}" if random() < 0.7 else "", reason,
                int(random() < 0.6), "", "", ticked, missing, step.status, completed, promised,
                name if handed_at else "", "", "", handed_at, times[0], clerk, times[-1]))
            clerk_name = usernames.get(clerk, "sistem")
            for k, value in enumerate(step.values):
                by_clerk = step.by_clerk[k]
                events.append((app_id, step.previous[k], value, times[k], clerk if by_clerk else None,
                               clerk_name if by_clerk else "sistem",
                               returned_note if step.returned and k == 1 else step.notes[k]))
        return applications, events

    with database.atomic():
        # A bulk load touches far more pages than the default cache holds; keep them in memory.
        database.execute_sql("PRAGMA cache_size = -262144")
        # One counter PC numbers GENERATION_SPAN applications (45 years at 60 a day); a larger demo
        # (the million of bench/bench_recap.py) is spread over more counter PCs, D2, D3, ...
        per_pc = installation.GENERATION_SPAN // 2
        prefixes = [prefix] + [numbering.number_prefix(store.get("kecamatan_code"), f"D{k}")
                               for k in range(2, 2 + (count - 1) // per_pc)]
        firsts = [numbering.reserve(p, min(per_pc, count - k * per_pc)) for k, p in enumerate(prefixes)]
        cursor = database.connection().cursor()
        with _indexes_deferred(cursor, ("application", "application_status_event")):
            # In chunks, so a million applications (bench/bench_recap.py) never sit in memory at once.
            for start in range(0, count, CHUNK):
                applications, events = rows(start, min(count, start + CHUNK))
                cursor.executemany(
                    'INSERT INTO "application" ("id", "registration_number", "version", "nik", "kk_number", '
                    '"full_name", "birth_place", "birth_date", "sex", "address", "rt", "rw", "desa_code", "religion", '
                    '"marital_status", "occupation", "phone", "reason", "biometric_done", "notes", "mismatch_reason", '
                    '"requirements_met", "missing_requirements", "status", "completed_at", "promised_date", '
                    '"handed_over_to", "handover_relation", "handover_id_number", "handed_over_at", "created_at", '
                    '"created_by_id", "updated_at") VALUES (' + ", ".join("?" * 33) + ")", applications)
                cursor.executemany(
                    'INSERT INTO "application_status_event" ("application_id", "from_status", "to_status", "at", '
                    '"user_id", "username", "note") VALUES (?, ?, ?, ?, ?, ?, ?)', events)
        # The per-day tally triggers were off during the load too: count the days from the rows.
        tallies.rebuild(store.get("timezone"))
        photos = [demo_photo((200, 30, 30)), demo_photo((30, 70, 190))]
        recent = range(max(1, count - PHOTO_LIMIT + 1), count + 1)
        cursor.executemany(
            'INSERT INTO "application_photo" ("application_id", "jpeg", "sha256", "width", "height", "background", '
            '"uploaded_at") VALUES (?, ?, ?, 300, 400, ?, ?)',
            ((app_id, photos[app_id % 2], _sha(photos[app_id % 2]), "merah" if app_id % 2 == 0 else "biru",
              str(now)) for app_id in recent))
        _demo_collective(rng, count, now)
        _queue_complete_ones()
        audit.record("demo", "permohonan_ktp", "", f"{count} permohonan KTP-el demo dibuat")


def _queue_complete_ones() -> None:
    """Every complete demo application waits in the outbox, as one made complete at the counter does."""
    from app.registration.sync_records import write_outbox
    for application in Application.select().where(Application.status == S.COMPLETE.value):
        write_outbox(application, S.RECEIVED.value, S.COMPLETE.value)


@contextmanager
def _indexes_deferred(cursor, tables):
    """Drop the tables' indexes and triggers for a bulk load and rebuild them after, in the same transaction.

    Building an index once from sorted data is several times faster than updating eight indexes
    (and the name search) row by row. The definitions are read back from sqlite_master, so the
    migration stays the one place that states them.
    """
    marks = ",".join("?" * len(tables))
    saved = list(cursor.execute(
        f"SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name IN ({marks}) "
        "AND sql IS NOT NULL", tables))
    for kind, name, _ in saved:
        cursor.execute(f'DROP {kind.upper()} "{name}"')
    yield
    for _, _, sql in saved:
        cursor.execute(sql)
    # The name-search triggers were off during the load: index every name in one statement.
    cursor.execute('INSERT INTO "application_fts" (rowid, "full_name") SELECT "id", "full_name" FROM "application"')


def _sha(data: bytes) -> str:
    import hashlib
    return hashlib.sha256(data).hexdigest()


def _demo_collective(rng, count, now) -> None:
    """Two institution letters holding some of the recent applications."""
    if count < 100:
        return
    for k, (number, sender) in enumerate([("421.3/117/SMAN1/2026", "SMA Negeri 1 Yosowilangun"),
                                          ("045/HRD/PTSLJ/2026", "PT Sumber Lumajang Jaya")]):
        cursor = database.connection().cursor()
        cursor.execute(
            'INSERT INTO "collective_letter" ("letter_number", "letter_date", "sender", "contact", "recording_date", '
            '"notes", "handed_over_to", "handover_id_number", "created_at") VALUES (?, ?, ?, ?, ?, \'\', \'\', \'\', ?)',
            (number, (now - timedelta(days=20 + k)).date().isoformat(), sender, "Bagian Tata Usaha, 0334 571999",
             (now - timedelta(days=15 + k)).date().isoformat(), f"{now - timedelta(days=20 + k):%Y-%m-%d %H:%M:%S}"))
        letter_id = database.connection().last_insert_rowid()
        first = count - 1500 - k * 40
        cursor.execute('UPDATE "application" SET "collective_id" = ? WHERE "id" BETWEEN ? AND ?',
                       (letter_id, max(1, first), max(1, first + 24)))

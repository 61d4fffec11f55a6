"""Demo KTP-el applications for `run.py demo`: a busy year at Kecamatan Yosowilangun.

Bulk insert with executemany in one transaction (200,000 applications in well under a minute);
photos are two small shared JPEGs, given to the most recent applications only.
"""
import io
import json
from datetime import datetime, timedelta

from flask import current_app
from PIL import Image, ImageDraw

from app import audit, regions
from app.auth.models import User
from app.calendar import office_calendar
from app.dates import utc_now
from app.db import database
from app.registration import numbering
from app.registration import requirements as reqs
from app.registration.intake import MARITAL_STATUSES, OCCUPATION_SUGGESTIONS, REASONS, RELIGIONS
from app.registration.models import Application
from app.registration.status import ApplicationStatus as S
from app.roles import LOKET
from app.settings import store

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
REASON_WEIGHTS = [("baru", 45), ("rusak", 20), ("hilang", 15), ("perubahan_data", 12), ("pindah_datang", 8)]
# Where an application of a given age (working days since intake) has got to.
FLOW = [S.RECEIVED, S.COMPLETE, S.SENT, S.RECEIVED_BY_CENTER, S.PRINTED, S.SHIPPED, S.READY, S.HANDED_OVER]
PHOTO_LIMIT = 2000


def add_demo_arguments(parser) -> None:
    parser.add_argument("--applications", type=int, default=2000, metavar="N",
                        help="number of KTP-el applications (default 2000; 200000 for the benchmark)")


def demo_photo(colour) -> bytes:
    image = Image.new("RGB", (300, 400), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((95, 70, 205, 200), fill=(224, 186, 150))
    draw.rectangle((60, 220, 240, 400), fill=(30, 30, 40))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=60)
    return out.getvalue()


def _nik(rng, birth, sex, serials) -> str:
    day = birth.day + (40 if sex == "P" else 0)
    base = f"350807{day:02d}{birth:%m%y}"
    serials[base] = serials.get(base, 0) + 1
    return f"{base}{serials[base]:04d}"


def _chain(status: S) -> list[S]:
    if status is S.RETURNED:
        return [S.RECEIVED, S.RETURNED]
    if status is S.REJECTED:
        return [S.RECEIVED, S.COMPLETE, S.SENT, S.REJECTED]
    return FLOW[:FLOW.index(status) + 1]


def _pick_status(rng, age_days: int) -> S:
    if age_days > 40:
        return S.HANDED_OVER if rng.random() < 0.97 else rng.choice([S.READY, S.RETURNED])
    roll = rng.random()
    if roll < 0.05:
        return S.RETURNED
    if roll < 0.07 and age_days > 3:
        return S.REJECTED
    step = min(len(FLOW) - 1, int(age_days / 3.5 + rng.random() * 2))
    return FLOW[step]


def fill_demo(options, rng) -> None:
    count = getattr(options, "applications", 2000)
    if count <= 0 or Application.select().exists():
        return
    code = store.get("kecamatan_code")
    desa = [r.code for r in regions.desa_of(code)]
    clerks = [u.id for u in User.select().where(User.role == LOKET)] or [None]
    usernames = {u.id: u.username for u in User.select()}
    calendar = office_calendar()
    service_days = int(store.get("service_days"))
    configured = store.get("requirements")
    prefix = numbering.number_prefix(code, current_app.config["DEVICE_ID"])
    now = utc_now()
    span_days = max(30, min(730, count // 60))  # ~60 applications a day, as a busy kecamatan
    reasons = [r for r, weight in REASON_WEIGHTS for _ in range(weight)]
    serials: dict[str, int] = {}
    applications, events = [], []
    with database.atomic():
        first = numbering.reserve(prefix, count)
        for i in range(count):
            created = now - timedelta(days=span_days * (count - i) / count, minutes=rng.randint(0, 400))
            sex = rng.choice("LP")
            given = rng.choice(MEN if sex == "L" else WOMEN)
            name = f"{given} {rng.choice(FAMILY)}" if rng.random() < 0.85 else given
            reason = rng.choice(reasons)
            age = 17 if reason == "baru" and rng.random() < 0.8 else rng.randint(17, 75)
            birth = (created - timedelta(days=age * 365 + rng.randint(0, 360))).date()
            marital = "Belum Kawin" if age < 22 else rng.choice(MARITAL_STATUSES)
            status = _pick_status(rng, (now - created).days)
            chain = _chain(status)
            completed = promised = None
            if S.COMPLETE in chain:
                completed = (created + timedelta(hours=1)).date()
                promised = calendar.add_working_days(completed, service_days)
            clerk = rng.choice(clerks)
            ticked = [item["code"] for item in reqs.requirements_for(reason, configured)]
            missing = []
            if status is S.RETURNED and ticked:
                missing = [next(item["label"] for item in configured if item["code"] == ticked[-1])]
                ticked = ticked[:-1]
            handed_at = None
            app_id = i + 1
            step_times = [created + timedelta(days=k * 2.5, hours=k) for k in range(len(chain))]
            step_times = [min(t, now) for t in step_times]
            if status is S.HANDED_OVER:
                handed_at = step_times[-1]
            applications.append((
                app_id, numbering.format_number(prefix, first + i), 1, _nik(rng, birth, sex, serials),
                f"350807{rng.randint(10, 99)}{rng.randint(10**7, 10**8 - 1)}", name, rng.choice(PLACES),
                birth.isoformat(), sex, f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}",
                f"{rng.randint(1, 12):03d}", f"{rng.randint(1, 6):03d}", rng.choice(desa), rng.choice(RELIGIONS[:3])
                if rng.random() < 0.1 else "Islam", marital, rng.choice(OCCUPATION_SUGGESTIONS),
                f"08{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.7 else "", reason,
                int(rng.random() < 0.6), "", "", json.dumps(ticked), json.dumps(missing, ensure_ascii=False),
                status.value, completed and completed.isoformat(), promised and promised.isoformat(),
                name if handed_at else "", "", "", handed_at and f"{handed_at:%Y-%m-%d %H:%M:%S}",
                f"{created:%Y-%m-%d %H:%M:%S}", clerk, f"{step_times[-1]:%Y-%m-%d %H:%M:%S}"))
            previous = ""
            for step, at in zip(chain, step_times):
                user = clerk if step in (S.RECEIVED, S.COMPLETE, S.RETURNED, S.READY, S.HANDED_OVER) else None
                note = "Kurang: " + "; ".join(missing) if step is S.RETURNED else (
                    "Foto tidak memenuhi syarat" if step is S.REJECTED else "")
                events.append((app_id, previous, step.value, f"{at:%Y-%m-%d %H:%M:%S}", user,
                               usernames.get(user, "sistem"), note))
                previous = step.value
        cursor = database.connection().cursor()
        cursor.executemany(
            'INSERT INTO "application" ("id", "registration_number", "version", "nik", "kk_number", "full_name", '
            '"birth_place", "birth_date", "sex", "address", "rt", "rw", "desa_code", "religion", "marital_status", '
            '"occupation", "phone", "reason", "biometric_done", "notes", "mismatch_reason", "requirements_met", '
            '"missing_requirements", "status", "completed_at", "promised_date", "handed_over_to", '
            '"handover_relation", "handover_id_number", "handed_over_at", "created_at", "created_by_id", '
            '"updated_at") VALUES (' + ", ".join("?" * 33) + ")", applications)
        cursor.executemany(
            'INSERT INTO "application_status_event" ("application_id", "from_status", "to_status", "at", '
            '"user_id", "username", "note") VALUES (?, ?, ?, ?, ?, ?, ?)', events)
        photos = [demo_photo((200, 30, 30)), demo_photo((30, 70, 190))]
        recent = range(max(1, count - PHOTO_LIMIT + 1), count + 1)
        cursor.executemany(
            'INSERT INTO "application_photo" ("application_id", "jpeg", "sha256", "width", "height", "background", '
            '"uploaded_at") VALUES (?, ?, ?, 300, 400, ?, ?)',
            ((app_id, photos[app_id % 2], _sha(photos[app_id % 2]), "merah" if app_id % 2 == 0 else "biru",
              f"{now:%Y-%m-%d %H:%M:%S}") for app_id in recent))
        _demo_collective(rng, count, now)
        audit.record("demo", "permohonan_ktp", "", f"{count} permohonan KTP-el demo dibuat")


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

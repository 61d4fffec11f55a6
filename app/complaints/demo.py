"""Demo data for the Buku Pengaduan: desk answers, two years of complaints from every channel with
their follow-ups, and the daily kotak saran openings. Bulk inserts, so 200,000 take about a minute."""
from datetime import date, datetime, time, timedelta

from app.auth.models import User
from app.frame.office_calendar import office_calendar
from app.complaints.models import Complaint, ComplaintCategory, DeskAnswer, SuggestionBoxSession
from app.complaints.tracking import ALPHABET, LENGTH, PREFIX
from app.frame.dates import local_today, utc_now, utc_offset_hours
from app.frame.db import database
from app.frame import store
from app.capabilities import DemoCount

DAYS_BACK = 730
UTC_OFFSET_HOURS = utc_offset_hours("WIB")  # the demo office is in WIB (zoneinfo)

DESK_ANSWERS = [
    ("Persyaratan", "Apa syarat membuat KTP-el pertama kali?",
     "Berusia 17 tahun atau sudah/pernah kawin, membawa fotokopi Kartu Keluarga dan surat pengantar desa. "
     "Perekaman (foto, sidik jari, iris) dilakukan di kecamatan pada jam layanan."),
    ("Persyaratan", "Apa syarat mengganti KTP-el yang hilang?",
     "Surat keterangan hilang dari kepolisian, fotokopi Kartu Keluarga, dan surat pengantar desa."),
    ("Persyaratan", "Apa syarat mengganti KTP-el yang rusak?",
     "Membawa KTP-el yang rusak, fotokopi Kartu Keluarga, dan surat pengantar desa."),
    ("Persyaratan", "Apa syarat perubahan data Kartu Keluarga?",
     "KK asli, dokumen pendukung perubahan (akta, surat nikah, surat pindah), dan surat pengantar desa."),
    ("Persyaratan", "Apa syarat akta kelahiran?",
     "Surat keterangan lahir dari bidan/rumah sakit, KK dan KTP-el orang tua, buku nikah, dua saksi."),
    ("Biaya", "Berapa biaya membuat KTP-el?",
     "Gratis. Seluruh layanan administrasi kependudukan tidak dipungut biaya (UU 24/2013). "
     "Laporkan bila ada yang meminta bayaran."),
    ("Biaya", "Apakah mengurus KK dipungut biaya?", "Tidak. Layanan KK gratis."),
    ("Jam layanan", "Jam berapa kantor kecamatan buka?",
     "Senin–Kamis 08.00–15.00, Jumat 08.00–11.00 WIB. Istirahat 12.00–13.00."),
    ("Jam layanan", "Apakah perekaman KTP-el bisa hari Sabtu?",
     "Tidak ada layanan hari Sabtu, kecuali ada pengumuman layanan jemput bola."),
    ("Waktu penyelesaian", "Berapa lama KTP-el jadi?",
     "Setelah perekaman, berkas dikirim ke Dinas Dukcapil; kartu biasanya siap diambil di kecamatan dalam "
     "{service_days} hari kerja bila blangko tersedia. Nomor pendaftaran dapat ditanyakan di loket."),
    ("Waktu penyelesaian", "Berapa lama perubahan KK selesai?", "Tiga hari kerja sejak berkas lengkap."),
    ("Alur layanan", "Bagaimana mengambil KTP-el yang sudah jadi?",
     "Datang ke loket membawa tanda terima/nomor pendaftaran; bila diwakilkan, bawa surat kuasa dan KTP pengambil."),
    ("Alur layanan", "Bagaimana cara menyampaikan pengaduan?",
     "Melalui meja informasi, kios pengaduan, kotak saran, telepon/SMS hotline, atau surat. Pengaduan "
     "ditanggapi paling lambat {first_response_days} hari kerja."),
    ("Lainnya", "Di mana lokasi layanan Dukcapil kabupaten?", "Di Mal Pelayanan Publik kabupaten, lantai 1."),
]

FIRST_NAMES = ["Siti", "Agus", "Dewi", "Budi", "Sri", "Joko", "Nur", "Eko", "Rina", "Slamet", "Wahyu", "Yuni",
               "Ahmad", "Tri", "Endang", "Hendra", "Lina", "Sugeng", "Ani", "Rudi", "Suparmi", "Bambang", "Tutik",
               "Imam", "Retno", "Mulyadi", "Lestari", "Supriyadi", "Fitri", "Darmaji"]
LAST_NAMES = ["Wahyuni", "Santoso", "Rahayu", "Hidayat", "Lestari", "Susanto", "Purnomo", "Handayani",
              "Setiawan", "Kurniawan", "Wulandari", "Saputra", "Suryani", "Prasetyo", "", "", ""]
DESA = ["Yosowilangun Lor", "Yosowilangun Kidul", "Kebonsari", "Krai", "Wotgalih", "Tunjungrejo",
        "Munder", "Darungan", "Kraton", "Karanganyar", "Karangrejo", "Kalipepe"]

TEXTS = {
    "KTP-el": [
        "KTP-el saya sudah {n} minggu belum jadi, padahal sudah rekam di kecamatan. Mohon kejelasan.",
        "Sudah tiga kali datang ke kecamatan untuk mengambil KTP-el anak saya tapi selalu dibilang blangko habis.",
        "Data di KTP-el saya salah (tanggal lahir), mohon dibantu perbaikan tanpa harus bolak-balik.",
        "Perekaman KTP-el untuk ibu saya yang sudah sepuh, apakah bisa didatangi ke rumah di Desa {desa}?",
        "Nomor pendaftaran KTP-el saya tidak bisa dicek, katanya berkas belum dikirim ke kabupaten.",
    ],
    "Kartu Keluarga": [
        "Pengajuan perubahan KK sejak {n} hari lalu belum selesai. Anak saya perlu KK untuk daftar sekolah.",
        "Nama istri saya di KK salah ketik, mohon dibetulkan.",
        "KK baru saya belum ada tanda tangan elektronik, apakah sah dipakai?",
    ],
    "Akta": [
        "Akta kelahiran anak saya belum jadi padahal berkas sudah lengkap sejak bulan lalu.",
        "Bagaimana mengurus akta kematian untuk ayah saya yang meninggal di luar kota?",
    ],
    "Perilaku petugas": [
        "Petugas di loket kurang ramah dan tidak menjelaskan kekurangan berkas dengan jelas.",
        "Ada petugas yang main HP saat antrean panjang. Mohon ditertibkan.",
        "Terima kasih, petugas informasi sangat membantu dan sabar menjelaskan.",
        "Saya diminta kembali besok tanpa penjelasan, padahal datang jauh dari Desa {desa}.",
    ],
    "Waktu tunggu": [
        "Antrean sangat lama, saya menunggu lebih dari {n} jam untuk perekaman.",
        "Nomor antrean habis jam 9 pagi, mohon kuota ditambah.",
        "Jam layanan sering molor, petugas baru mulai melayani jam 9.",
    ],
    "Biaya": [
        "Ada oknum yang meminta uang Rp{rp} untuk mempercepat KTP-el. Apakah memang ada biaya?",
        "Di desa diminta biaya untuk surat pengantar, apakah itu resmi?",
    ],
    "Sarana dan prasarana": [
        "Kursi ruang tunggu kurang, banyak lansia berdiri.",
        "Toilet kecamatan kotor dan airnya mati.",
        "Tempat parkir sempit dan tidak ada peneduh.",
        "Mohon disediakan jalur untuk kursi roda di pintu depan.",
    ],
    "Lainnya": [
        "Mohon informasi jadwal layanan jemput bola di Desa {desa}.",
        "Saran: informasi persyaratan ditempel di papan depan agar warga tidak bolak-balik.",
        "Jalan menuju kantor kecamatan rusak, mohon diteruskan ke dinas terkait.",
    ],
}
FOLLOW_UPS = [
    "Sudah dikonfirmasi ke Dinas Dukcapil; kartu dapat diambil di loket mulai {day}. Pelapor sudah dihubungi.",
    "Petugas yang bersangkutan sudah dibina oleh Kasi Pelayanan. Terima kasih atas masukannya.",
    "Data sudah diperbaiki dan dikirim ulang ke kabupaten. Pelapor diminta datang membawa tanda terima.",
    "Kuota antrean ditambah dan layanan dimulai tepat pukul 08.00 sejak minggu ini.",
    "Sudah dijelaskan bahwa layanan adminduk gratis; laporan diteruskan ke Inspektorat untuk ditindak.",
    "Perbaikan sarana sudah diajukan dalam anggaran perubahan; sementara ditambah kursi lipat.",
    "Pelapor sudah dihubungi dan dijelaskan persyaratan yang kurang.",
]
OTHER_OFFICES = ["Dinas PU Bina Marga Kabupaten", "Dinas Dukcapil Kabupaten", "Pemerintah Desa", "Inspektorat Kabupaten"]
CHANNEL_WEIGHTS = {"meja_informasi": 30, "kiosk": 15, "kotak_saran": 20, "telepon": 15, "sms": 12, "surat": 8}


DEMO = DemoCount("complaints", 3000, "number of demo complaints (default %(default)s)")
add_demo_arguments = DEMO.add_argument


def _some_registration_numbers() -> list[str]:
    """KTP-el applications of the registration demo, when that capability is installed."""
    try:
        from app.registration.models import Application
        return [n for (n,) in Application.select(Application.registration_number).limit(5000).tuples()]
    except Exception:  # noqa: BLE001  registration not installed or not migrated
        return []


def _utc(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute)) - timedelta(hours=UTC_OFFSET_HOURS)


def fill_demo(options, rng) -> None:
    count = DEMO.count(options, Complaint)
    if not count:
        return
    now = utc_now()
    users = {u.username: u.id for u in User.select(User.id, User.username)}
    info, loket, kasi = users.get("info"), users.get("loket1"), users.get("kasi")
    figures = {"service_days": store.get("service_days"),  # what the settings promise, not a copy
               "first_response_days": store.get("complaint_first_response_days")}
    # The desk's answers as a visitor reads them: the complaints answered with one carry the same words.
    answer_texts = [a.format(**figures) for _, _, a in DESK_ANSWERS]
    with database.atomic():
        answers = [DeskAnswer.create(topic=t, question=q, answer=text, updated_at=now, updated_by=info).id
                   for (t, q, _), text in zip(DESK_ANSWERS, answer_texts)] \
            if not DeskAnswer.select().exists() else [a.id for a in DeskAnswer.select()]
    categories = {c.name: (c.id, c.section) for c in ComplaintCategory.select()}
    if not categories:
        return
    calendar = office_calendar()
    today = local_today()
    working = [today - timedelta(days=d) for d in range(DAYS_BACK, 0, -1)
               if calendar.is_working_day(today - timedelta(days=d))]
    every_day = [today - timedelta(days=d) for d in range(DAYS_BACK, 0, -1)]
    channels = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()), k=count)
    # Receipt moments first, sorted, so ids follow time as in a real book.
    received = []
    for channel in channels:
        day = rng.choice(every_day if channel in ("sms", "kiosk") and rng.random() < .1 else working)
        hour, minute = (16, 0) if channel == "kotak_saran" else (rng.randint(8, 14), rng.randint(0, 59))
        received.append((_utc(day, hour, minute), day, channel))
    received.sort()
    box_days = sorted({day for _, day, channel in received if channel == "kotak_saran"})
    # Every working day gets an opening record (empty when no slip), except a few forgotten ones.
    forgotten = set(rng.sample(working, k=min(len(working) // 40, len(working))))
    session_rows = []
    slips_on = {}
    for _, day, channel in received:
        if channel == "kotak_saran":
            slips_on[day] = slips_on.get(day, 0) + 1
    for day in sorted(set(working) | set(box_days)):
        if day in forgotten and day not in slips_on:
            continue
        n = slips_on.get(day, 0)
        session_rows.append((day.isoformat(), info, n, int(n == 0), "", _utc(day, 16, 5).isoformat(sep=" ")))
    connection = database.connection()
    with database.atomic():
        cursor = connection.cursor()
        cursor.executemany('INSERT INTO suggestion_box_session (opened_on, opened_by_id, slip_count, is_empty, note, created_at) '
                           'VALUES (?, ?, ?, ?, ?, ?)', session_rows)
    session_ids = {row.opened_on: row.id for row in SuggestionBoxSession.select(SuggestionBoxSession.id, SuggestionBoxSession.opened_on)}

    taken = set(t for (t,) in Complaint.select(Complaint.tracking_number).tuples())
    registration_numbers = _some_registration_numbers()
    category_names = list(categories)
    category_weights = [18, 10, 6, 10, 16, 5, 12, 8][:len(category_names)] + [5] * max(0, len(category_names) - 8)
    complaint_rows, event_rows = [], []
    first_id = (Complaint.select(Complaint.id).order_by(Complaint.id.desc()).scalar() or 0) + 1
    for offset, (at, day, channel) in enumerate(received):
        complaint_id = first_id + offset
        while True:
            number = PREFIX + "".join(rng.choice(ALPHABET) for _ in range(LENGTH))
            if number not in taken:
                taken.add(number)
                break
        name = rng.choices(category_names, weights=category_weights)[0]
        category_id, section = categories[name]
        text = rng.choice(TEXTS.get(name, TEXTS["Lainnya"])).format(
            n=rng.randint(2, 8), desa=rng.choice(DESA), rp=rng.choice(["50.000", "100.000", "150.000"]))
        anonymous = channel in ("kotak_saran", "kiosk") and rng.random() < .5 or rng.random() < .05
        named = not anonymous and rng.random() < .8
        person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}".strip() if named or anonymous and rng.random() < .3 else ""
        contact = f"08{rng.randint(11, 59)}{rng.randint(10000000, 99999999)}" if person and rng.random() < .7 else ""
        confidential = name in ("Perilaku petugas", "Biaya") and rng.random() < .3
        recorder = None if channel == "kiosk" else (loket if channel == "meja_informasi" and rng.random() < .2 else info)
        age_days = (today - day).days
        answered = channel in ("telepon", "sms") and rng.random() < .5
        roll = rng.random()
        if answered:
            status = "selesai"
        elif age_days > 10:
            status = "selesai" if roll < .86 else "bukan_kewenangan" if roll < .92 else "ditindaklanjuti" if roll < .96 \
                else "diteruskan" if roll < .985 else "baru"
        else:
            status = "baru" if roll < .3 else "diteruskan" if roll < .55 else "ditindaklanjuti" if roll < .75 else "selesai"
        first_at = None if status == "baru" else at + timedelta(minutes=5 if answered else rng.randint(30, 60 * 40))
        done_at = None
        tindak_lanjut, other_office = "", ""
        if answered:
            tindak_lanjut = rng.choice(answer_texts)
        elif status in ("selesai", "bukan_kewenangan", "ditindaklanjuti"):
            tindak_lanjut = rng.choice(FOLLOW_UPS).format(day=(day + timedelta(days=rng.randint(2, 9))).strftime("%d/%m/%Y"))
        if status in ("selesai", "bukan_kewenangan"):
            done_at = max(first_at, at + timedelta(hours=rng.randint(2, 24 * 9)))
            done_at = min(done_at, now)
        if status == "bukan_kewenangan":
            other_office = rng.choice(OTHER_OFFICES)
        updated = done_at or first_at or at
        complaint_rows.append((
            complaint_id, number, at.isoformat(sep=" "), channel, category_id, person, contact, int(anonymous),
            int(confidential),
            rng.choice(registration_numbers) if name == "KTP-el" and registration_numbers and rng.random() < .3 else "",
            text, status, section, other_office,
            first_at and first_at.isoformat(sep=" "), done_at and done_at.isoformat(sep=" "), tindak_lanjut,
            int(answered), rng.choice(answers) if answered and answers else None,
            session_ids.get(day) if channel == "kotak_saran" else None, recorder,
            at.isoformat(sep=" "), updated.isoformat(sep=" ")))
        start_status = "selesai" if answered else "baru"
        event_rows.append((complaint_id, at.isoformat(sep=" "), recorder, None, start_status,
                           "Dijawab langsung dari info meja" if answered else ""))
        if not answered and status != "baru":
            event_rows.append((complaint_id, first_at.isoformat(sep=" "), info, "baru", "diteruskan", ""))
            if status in ("ditindaklanjuti", "selesai", "bukan_kewenangan"):
                moment = done_at or first_at + timedelta(hours=2)
                event_rows.append((complaint_id, moment.isoformat(sep=" "), kasi, "diteruskan", status,
                                   other_office and f"Diteruskan ke {other_office}"))
    # A bigger page cache for the bulk insert: the nine indexes and the search index stay in memory.
    cursor = connection.cursor()
    old_cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
    cursor.execute("PRAGMA cache_size = -131072")
    with database.atomic():
        cursor = connection.cursor()
        cursor.executemany(
            "INSERT INTO complaint (id, tracking_number, received_at, channel, category_id, complainant_name, "
            "complainant_contact, is_anonymous, is_confidential, registration_number, text, status, section, "
            "other_office, first_response_at, followed_up_at, tindak_lanjut, answered_from_desk_info, "
            "desk_answer_id, suggestion_box_session_id, created_by_id, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", complaint_rows)
        cursor.executemany("INSERT INTO complaint_event (complaint_id, at, user_id, from_status, to_status, note) "
                           "VALUES (?, ?, ?, ?, ?, ?)", event_rows)
    connection.cursor().execute(f"PRAGMA cache_size = {old_cache}")
    connection.cursor().execute("ANALYZE")  # fresh statistics so the planner picks the right index
    print(f"Buku pengaduan: {count} pengaduan, {len(session_rows)} pembukaan kotak saran, {len(answers)} info meja")

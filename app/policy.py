"""Who may do what in the kecamatan app and on a desa PC: the one place the offices' access policy is declared.

Read it as a table: one row per capability and action, one column per role (x allowed,
- not). To change who may do something, change the mark here (and run
`python scripts/access_docs.py` to refresh docs/access.md); a new role is a new column
(and a new entry in COLUMNS). Every route is named in exactly one row of ROUTES (the kecamatan)
and of DESA_PC_ROUTES (the desa PC); each program's app refuses to start otherwise. tests/core/test_access_matrix.py walks every route with every
role through real requests against this table.
"""
from app.frame.access import Policy, table_rows
from app.frame.roles import ADMIN, CAMAT, DESA, INFORMASI, KASI, LOKET

COLUMNS = {"Admin": ADMIN, "Loket": LOKET, "Informasi": INFORMASI, "Kasi": KASI, "Camat": CAMAT, "Desa": DESA}

TABLE = """
kemampuan.tindakan          Admin Loket Informasi Kasi Camat Desa Publik  apa yang boleh
umum.beranda                  x     x      x       x    x    x     -     membuka beranda dan kartu ringkasan
umum.publik                   -     -      -       -    -    -     x     halaman awal, cek kesehatan, htmx dari komputer ini
akun.masuk                    -     -      -       -    -    -     x     masuk dengan nama pengguna dan kata sandi
akun.sendiri                  x     x      x       x    x    x     -     mengganti kata sandi sendiri, keluar
akun.kelola                   x     -      -       -    -    -     -     membuat, mengubah, menonaktifkan pengguna, mengatur ulang sandi
audit.baca                    x     -      -       -    x    -     -     membaca jejak audit
cadangan.kelola               x     -      -       -    -    -     -     membuat, mengunduh dan memulihkan cadangan data; memeriksa perubahan tanpa catatan audit
pembaruan.kelola              x     -      -       -    -    -     -     melihat dan memasang pembaruan aplikasi dari kabupaten
kalender.kelola               x     -      -       -    -    -     -     mengatur hari libur kantor
pengaturan.kantor             x     -      -       -    -    -     -     penyiapan awal, identitas kantor, kode wilayah, logo, batas sesi, poster kios
pengaturan.mulai_otomatis     x     -      -       -    -    -     -     memasang atau melepas mulai otomatis bersama komputer
pengaturan.logo               -     -      -       -    -    -     x     menampilkan logo kop surat
pendaftaran.daftar            -     x      -       -    -    -     -     mendaftarkan permohonan KTP-el baru (periksa NIK, KK dan foto)
pendaftaran.periksa           -     x      -       -    -    x     -     memeriksa NIK dan KK saat mengisi formulir
pendaftaran.berkas            -     x      -       -    -    -     -     mengubah berkas, foto, persyaratan; membuka kembali
pendaftaran.serah             -     x      -       -    -    -     -     menyerahkan KTP-el kepada pemohon
pendaftaran.baca              -     x      -       x    -    -     -     membaca register, berkas, foto, bukti dan slip; ekspor
pendaftaran.status            -     x      -       x    -    -     -     mencatat status (rekam, cetak, kirim)
pendaftaran.cetak_ulang       -     x      -       -    -    -     -     mencetak ulang bukti pendaftaran yang nomornya diganti
pendaftaran.atur              x     -      -       -    -    -     -     mengatur layanan pendaftaran (hari kerja janji)
kolektif.baca                 -     x      -       x    -    -     -     membaca surat kolektif, tanda terima, templat impor
kolektif.catat                -     x      -       -    -    -     -     mencatat surat kolektif, impor pemohon, jadwal rekam, serah
pengaduan.catat               -     x      x       -    -    -     -     mencatat pengaduan dari loket atau meja informasi
pengaduan.tanda_terima        -     x      x       x    x    -     -     mencetak tanda terima pengaduan
pengaduan.baca                -     -      x       x    x    -     -     membaca buku pengaduan, lampiran, laporan harian, ekspor, kotak saran
pengaduan.tindak_lanjut       -     -      x       x    -    -     -     menindaklanjuti pengaduan (status, lampiran)
pengaduan.kotak_saran         -     -      x       -    -    -     -     membuka kotak saran
pengaduan.info_meja           x     x      x       x    x    -     -     membaca jawaban info meja
pengaduan.info_meja_tulis     x     -      x       x    -    -     -     menulis jawaban info meja
pengaduan.kategori            x     -      -       -    -    -     -     mengatur kategori dan target waktu pengaduan
pengaduan.kios                -     -      -       -    -    -     x     menulis pengaduan di kios, tanda terima kios, cek status
survei.kios                   -     -      -       -    -    -     x     mengisi survei kepuasan di kios
survei.ikm                    x     -      x       x    x    -     -     membaca IKM
survei.tinjau                 -     -      x       -    -    -     -     menerima jawaban survei tatap muka, membatalkan jawaban
survei.bobot                  x     -      -       -    -    -     -     memilih bobot unsur IKM (0,111 atau 1/9)
rekap.baca                    x     -      x       x    x    -     -     membaca rekap triwulan dan arsip, ekspor, cetak pengumuman
rekap.susun                   -     -      x       -    -    -     -     menyusun dan mengajukan draf rekap
rekap.setujui                 -     -      -       -    x    -     -     menyetujui atau mengembalikan rekap
indikator.baca                x     -      x       x    x    -     -     membaca indikator layanan
indikator.target              x     -      -       -    -    -     -     mengatur target indikator
sinkronisasi.baca             x     x      -       x    -    -     -     melihat status dan progres sinkronisasi
sinkronisasi.kirim            x     x      -       -    -    -     -     sinkron sekarang, ekspor dan impor berkas USB
sinkronisasi.jadwal           x     -      -       -    -    -     -     mengatur jadwal sinkronisasi
sinkronisasi.daftar           x     -      -       -    -    -     -     mendaftarkan komputer ini di pusat cetak atau melepasnya
desa.pra_daftar               -     -      -       -    -    x     -     mencatat pra-pendaftaran desa sendiri
desa.baca                     x     x      -       x    -    x     -     membaca pra-pendaftaran, fotonya, daftar KTP-el siap diambil
desa.formulir                 -     x      -       -    -    x     -     mencetak formulir F-1.07 dengan kode QR
desa.antrian                  x     x      -       x    -    -     -     melihat antrean pra-pendaftaran per desa
desa.terima                   -     x      -       -    -    -     -     menerima pra-pendaftaran menjadi permohonan (cari, pindai QR), menandai duplikatnya
desa.kelola                   x     -      -       -    -    -     -     operator desa, desa binaan, komputer desa dan kuncinya
desa.sinkron                  x     -      -       -    -    x     -     komputer desa: sinkronkan sekarang dengan kecamatan lewat pusat
bantuan.baca                  x     x      x       x    x    x     -     membaca panduan setiap peran, ringkasannya dan arti pesan
jaringan.kelola               x     -      -       -    -    -     -     melihat sambungan aman jaringan kantor dan sidik jari sertifikat kantor, mengganti sertifikat kantor
jaringan.sertifikat           -     -      -       -    -    -     x     mengunduh sertifikat kantor (mempercayai kantor di PC loket)
"""

ROUTES = {
    "umum.beranda": "core.dashboard",
    "umum.publik": "core.home core.healthz core.htmx_js",
    "akun.masuk": "auth.login",
    "akun.sendiri": "auth.change_password auth.logout",
    "akun.kelola": "auth.users auth.new_user auth.edit_user auth.reset_password auth.toggle_active",
    "audit.baca": "audit.trail",
    "cadangan.kelola": "backups.index backups.create backups.download backups.restore backups.new_pc_restore "
                       "backups.recovery_key backups.recovery_key_printed backups.recovery_key_change backups.recovery_key_typed "
                       "backups.trail_gaps backups.trail_gaps_seen",
    "kalender.kelola": "calendar.index calendar.add calendar.remove calendar.enter_decree",
    "pengaturan.kantor": "settings.setup settings.region_options settings.office settings.upload_logo "
                         "settings.session_timeout settings.kiosk_poster",
    "pengaturan.mulai_otomatis": "settings.autostart",
    "pengaturan.logo": "settings.logo",
    "pendaftaran.daftar": "registration.new registration.check_photo",
    "pendaftaran.periksa": "registration.check_nik registration.check_kk",
    "pendaftaran.berkas": "registration.edit registration.upload_photo registration.checklist registration.reopen",
    "pendaftaran.serah": "registration.handover",
    "pendaftaran.baca": "registration.register registration.detail registration.photo registration.receipt "
                        "registration.return_slip registration.handover_receipt registration.export",
    "pendaftaran.status": "registration.mark",
    "pendaftaran.cetak_ulang": "registration.reprint_receipt",
    "pendaftaran.atur": "registration.settings",
    "kolektif.baca": "registration.collectives registration.collective registration.collective_receipt "
                     "registration.import_template",
    "kolektif.catat": "registration.new_collective registration.import_applicants registration.schedule_recording "
                      "registration.collective_handover",
    "pengaduan.catat": "complaints.record",
    "pengaduan.tanda_terima": "complaints.slip",
    "pengaduan.baca": "complaints.index complaints.detail complaints.attachment complaints.export "
                      "complaints.daily_report complaints.box_sessions complaints.box_session",
    "pengaduan.tindak_lanjut": "complaints.change_status complaints.add_attachment",
    "pengaduan.kotak_saran": "complaints.open_box",
    "pengaduan.info_meja": "complaints.desk_info",
    "pengaduan.info_meja_tulis": "complaints.desk_answer_form",
    "pengaduan.kategori": "complaints.categories complaints.save_category complaints.save_targets",
    "pengaduan.kios": "complaints.kiosk complaints.kiosk_receipt complaints.public_status",
    "survei.kios": "survey.kiosk survey.submit survey.thanks",
    "survei.ikm": "survey.ikm survey.answers",
    "survei.tinjau": "survey.accept survey.void",
    "survei.bobot": "survey.weight",
    "rekap.baca": "recap.index recap.show recap.archive recap.complaint_rows recap.export recap.print_notice",
    "rekap.susun": "recap.save_draft",
    "rekap.setujui": "recap.approve recap.send_back",
    "indikator.baca": "indicators.page",
    "indikator.target": "indicators.targets",
    "pembaruan.kelola": "updates.index updates.apply updates.nightly updates.from_folder updates.confirm_root",
    "sinkronisasi.baca": "sync_page.index sync_page.progress",
    "sinkronisasi.kirim": "sync_page.start sync_page.export_batch sync_page.download_batch sync_page.import_status",
    "sinkronisasi.jadwal": "sync_page.schedule",
    "sinkronisasi.daftar": "sync_page.enrol sync_page.unlink sync_page.identity_replace sync_page.send_from_here",
    "desa.pra_daftar": "desa.home desa.new desa.check_nik desa.check_kk",
    "desa.baca": "desa.detail desa.photo desa.printed_list",
    "desa.formulir": "desa.form_print",
    "desa.antrian": "desa.queue",
    "desa.terima": "desa.accept desa.scan desa.close_duplicate",
    "desa.kelola": "desa.bind_desa desa.issue_pc_code desa.new_operator desa.operators desa.revoke_pc_key desa.settings",
    "bantuan.baca": "guide.index guide.show guide.sheet guide.messages",
    "jaringan.kelola": "lan_tls.index lan_tls.rotate",
    "jaringan.sertifikat": "lan_tls.ca_certificate",
}

# The desa PC's pages (app/programs/desa.py): rows of the same table, each with the pages a desa PC has.
DESA_PC_ROUTES = {
    "umum.beranda": "core.dashboard",
    "umum.publik": "core.home core.healthz core.htmx_js",
    "akun.masuk": "auth.login",
    "akun.sendiri": "auth.change_password auth.logout",
    "cadangan.kelola": ROUTES["cadangan.kelola"],
    "pembaruan.kelola": ROUTES["pembaruan.kelola"],
    "pengaturan.kantor": "settings.upload_logo",  # the F-1.07 letterhead's logo, on the desa admin's page
    "pengaturan.mulai_otomatis": "settings.autostart",
    "pengaturan.logo": "settings.logo",
    "desa.pra_daftar": ROUTES["desa.pra_daftar"],
    "desa.baca": ROUTES["desa.baca"],
    "desa.formulir": ROUTES["desa.formulir"],
    "desa.sinkron": "desa.sync_now desa.sync_state",
    "desa.kelola": "desa.bind_desa desa.enrol_pc desa.new_operator desa.operators",
    "bantuan.baca": ROUTES["bantuan.baca"],
}

# What is decided inside a page: code asks `may(user, "kunci")` (app/frame/access.py) and never
# compares roles itself; tests/core/test_role_decisions.py finds any comparison outside the tables.
DECISIONS = """
kemampuan.keputusan          Admin Loket Informasi Kasi Camat Desa Publik  apa yang diputuskan
cadangan.pesan_kesehatan      -     -      -       -    x    -     -     melihat peringatan kesehatan data di beranda sebagai pesan untuk admin
cadangan.pesan_kesehatan_desa -     -      -       -    -    x     -     di PC desa: peringatan kesehatan data di halaman desa sebagai pesan untuk admin
pembaruan.kabar_desa          -     -      -       -    -    x     -     di PC desa: pembaruan yang menunggu di halaman desa sebagai pesan untuk admin
pembaruan.pesan_camat         -     -      -       -    x    -     -     melihat pembaruan yang ditolak, dikembalikan atau terputus di beranda sebagai pesan untuk admin
pendaftaran.kartu_tempo       x     x      -       x    x    -     -     kartu KTP-el terlambat dan jatuh tempo minggu ini di beranda
pendaftaran.nik_lain          -     x      -       -    -    -     -     melihat permohonan lain dan penahanan dengan NIK yang sama saat memeriksa NIK
pendaftaran.tandai_pusat      -     -      -       x    -    -     -     menandai langkah di pusat cetak (rekam dikirim, dicetak, dikirim) secara manual
pendaftaran.tandai_siap       -     x      -       x    -    -     -     menandai KTP-el siap diambil
pengaduan.kartu_catat         -     x      -       -    -    -     -     kartu "Pengaduan di loket" di beranda
pengaduan.rahasia             -     -      x       x    -    -     -     membuka pengaduan rahasia seutuhnya; yang lain hanya melihatnya sebagai angka
pengaduan.identitas_kios      -     -      x       -    -    -     -     melihat identitas pengadu anonim dari kios
pengaduan.saluran_meja        -     -      x       -    -    -     -     mencatat dari meja informasi, kotak saran, telepon, SMS, surat (yang lain: dari loket)
pengaduan.langkah_meja        -     -      x       -    -    -     -     langkah meja informasi: meneruskan, menjawab langsung, bukan kewenangan
pengaduan.langkah_seksi       -     -      -       x    -    -     -     semua langkah tindak lanjut dan menulis tindak lanjut
desa.kartu_antrian            -     x      -       x    -    -     -     kartu pra-pendaftaran dari desa yang menunggu di loket, di beranda
desa.lingkup_sendiri          -     -      -       -    -    x     -     hanya desa yang diikatkan pada akunnya (yang lain: semua desa)
panduan.petugas_loket         -     x      -       -    -    -     -     "Bantuan" membuka Panduan Petugas Loket
panduan.petugas_informasi     -     -      x       -    -    -     -     "Bantuan" membuka Panduan Petugas Informasi
panduan.kasi                  -     -      -       x    -    -     -     "Bantuan" membuka Panduan Kasi Pelayanan
panduan.camat                 -     -      -       -    x    -     -     "Bantuan" membuka Panduan Camat
panduan.admin_kantor          x     -      -       -    -    -     -     "Bantuan" membuka Panduan Admin Kantor (di kantor kecamatan)
panduan.operator_desa         -     -      -       -    -    x     -     di PC desa dan di kecamatan: "Bantuan" membuka Panduan Operator Desa
panduan.admin_desa            x     -      -       -    -    -     -     di PC desa: "Bantuan" membuka Panduan Admin Komputer Desa
"""

# Row-level rules: the one function that applies a decision row to a record.
PREDICATES = {
    "pengaduan.rahasia": "app.complaints.privacy.may_see_record",
    "pengaduan.identitas_kios": "app.complaints.privacy.may_see_identity",
    "desa.lingkup_sendiri": "app.desa.scope.scope_of",
}

POLICY = Policy(COLUMNS, table_rows(TABLE, ROUTES), ROUTES, DECISIONS, PREDICATES)
# A desa PC has two of the roles: its admin and its desa operators.
DESA_PC_COLUMNS = {title: role for title, role in COLUMNS.items() if role in (ADMIN, DESA)}
DESA_PC_POLICY = Policy(DESA_PC_COLUMNS, table_rows(TABLE, DESA_PC_ROUTES, DESA_PC_COLUMNS), DESA_PC_ROUTES,
                        table_rows(DECISIONS, columns=DESA_PC_COLUMNS), PREDICATES)

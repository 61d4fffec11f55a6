"""Who may do what at the printing center (the same kind of table as app/policy.py).

The API rows are open to sessions because each request is authenticated by its signature
(sync/center/api.py), not by an operator's login.
"""
from app.frame.access import Policy
from sync.center.access import ADMIN, OPERATOR, PIMPINAN

COLUMNS = {"Operator": OPERATOR, "Admin": ADMIN, "Pimpinan": PIMPINAN}

TABLE = """
kemampuan.tindakan       Operator Admin Pimpinan Publik  apa yang boleh
umum.masuk                  -       -     -        x     masuk; htmx dari server ini
status.publik               -       -     -        x     halaman cek status KTP-el dan pengaduan untuk warga (tanpa masuk)
umum.sendiri                x       x     x        -     mengganti kata sandi sendiri, keluar
api.bertanda                -       -     -        x     API sinkronisasi dan relai desa (tiap permintaan ditandatangani kunci kecamatan/desa)
permohonan.baca             x       x     -        -     beranda, permohonan masuk dan fotonya, konflik
permohonan.putuskan         x       x     -        -     menolak, meminta kirim ulang, menyelesaikan konflik
cetak.kelola                x       x     -        -     membuat dan menandai batch cetak
kirim.kelola                x       x     -        -     membuat dan membaca pengiriman
usb.tukar                   x       x     -        -     impor berkas USB, ekspor status untuk USB
kecamatan.kelola            -       x     -        -     mendaftarkan kecamatan, kode pendaftaran, mencabut kunci
akun.kelola                 -       x     -        -     mengelola akun operator
rilis.baca                  -       x     -        -     melihat rilis pembaruan yang terbit untuk komputer kantor
rilis.kelola                -       x     -        -     menandai komputer uji, menerbitkan rilis untuk semua komputer, menawarkan lagi rilis yang ditolak atau dikembalikan (coba lagi)
kinerja.baca                -       x     x        -     Kinerja Kecamatan: rekap, IKM dan indikator semua kecamatan, unduh XLSX, cetak
armada.baca                 -       x     x        -     Kesehatan Komputer: versi, pembaruan, cadangan, disk, jam dan jejak tiap komputer kantor dan desa
bantuan.baca                x       x     x        -     membaca panduan setiap peran pusat, ringkasannya dan arti pesan
"""

ROUTES = {
    "umum.masuk": "center.login center.htmx_js",
    "umum.sendiri": "center.change_password center.logout",
    "status.publik": "center.status_page",
    "api.bertanda": "center_api.enrol center_api.probe center_api.replace center_api.manifest center_api.packets center_api.statuses "
                    "center_api.openapi center_api.relay_enrol center_api.relay_pra_manifest "
                    "center_api.relay_pra_packets center_api.relay_statuses center_api.relay_inbox "
                    "center_api.relay_status_manifest center_api.relay_status_packets center_api.relay_desa_keys "
                    "center_api.relay_f107_key "
                    "center_api.performance_manifest center_api.performance_packets "
                    "center_api.public_manifest center_api.public_packets center_api.repository_file "
                    "center_api.update_health center_api.fleet_report",
    "permohonan.baca": "center.dashboard center.applications center.application center.photo center.conflicts",
    "permohonan.putuskan": "center.reject center.request_resend center.resolve_conflict",
    "cetak.kelola": "center.print_runs center.new_print_run center.print_run center.mark_printed",
    "kirim.kelola": "center.shipments center.new_shipment center.shipment",
    "usb.tukar": "center.usb_import center.status_export",
    "kecamatan.kelola": "center.kecamatans center.new_kecamatan center.new_enrolment_code center.revoke_key",
    "akun.kelola": "center.operators",
    "rilis.baca": "center.releases",
    "rilis.kelola": "center.mark_pilot center.release_to_all center.retry_release",
    "kinerja.baca": "center.performance center.performance_print center.performance_xlsx center.performance_trend",
    "armada.baca": "center.fleet center.fleet_pc",
    "bantuan.baca": "center_guide.index center_guide.show center_guide.sheet center_guide.messages",
}

# Decided inside a page (app/frame/access.py `may`).
DECISIONS = """
kemampuan.keputusan      Operator Admin Pimpinan Publik  apa yang diputuskan
kinerja.beranda             -       -     x        -     setelah masuk langsung ke Kinerja Kecamatan
panduan.admin_pusat         -       x     -        -     "Bantuan" membuka Panduan Admin Pusat
panduan.admin_kabupaten     -       x     -        -     "Bantuan" membuka Panduan Admin Kabupaten (bagi Admin: setelah Panduan Admin Pusat)
panduan.operator_pusat      x       x     -        -     "Bantuan" membuka Panduan Operator Pusat Cetak (bagi Admin: di halaman kerja operator)
panduan.pimpinan_pusat      -       -     x        -     "Bantuan" membuka Panduan Pimpinan
"""

POLICY = Policy(COLUMNS, TABLE, ROUTES, DECISIONS)

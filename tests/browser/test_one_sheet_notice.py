"""The recap notice the Camat signs and posts on the board is one sheet of A4 and of F4 (issue 62), at the
longest office the app serves, printed by Chromium and read back (tests/browser/paper.py). Its own module: one
live office at a time in a process (the models' database is one per process), and this office is not
test_one_sheet.py's."""
from argparse import Namespace
from datetime import timedelta

import pytest

from tests.browser.helpers import new_context, sign_in, text_sizes_pt
from tests.browser.paper import png_of, print_check

pytestmark = [pytest.mark.browser, pytest.mark.windows_pass]

# The recap notice the Camat signs and posts on the board (issue 62), at the longest office the app serves: the
# Kemendagri list's longest kecamatan and kabupaten names, the setup's longest address (300), telephone (20) and
# Camat's name (120, app/settings/identity.validate), a NIP; the complaint categories at the longest names the
# admin's form accepts (80, app/complaints/admin_views), each with complaints in a quarter of every channel and
# status; a narrative and promises of the length an information officer writes (the form's 5,000 characters are
# a report, not a notice: test_a_recap_notice_with_a_long_text_keeps_its_signature_with_its_end).
BOARD_OFFICE = "16.09.12"  # Buay Pematang Ribu Ranau Tengah, Kabupaten Ogan Komering Ulu Selatan
BOARD_ADDRESS = ("Jl. Lintas Sumatera Km. 237 Simpang Empat Pasar Muaradua Kisam, Kompleks Perkantoran Pemerintah "
                 "Kecamatan Buay Pematang Ribu Ranau Tengah, Desa Pilla, seberang Masjid Agung Al-Ikhlas dan SD Negeri 1 "
                 "Buay Pematang Ribu, Kode Pos 32272, Kabupaten Ogan Komering Ulu Selatan, Provinsi Sumatera Selatan")
BOARD_PHONE = "+62 (0735) 5912-3456"
CAMAT_NAME = "Dr. Ir. Raden Mas Haji Muhammad Syaifullah Kusumawardhana Prawiranegara Hadiningrat Wiryokusumo, S.Sos., M.Si., M.A.P."
CAMAT_NIP = "197208151998031007"
CATEGORIES = {  # the default categories renamed as an office might, each at most 80 characters
    "KTP-el": "KTP-el: perekaman, pencetakan, perbaikan data, blangko dan pengambilan kartu",
    "Kartu Keluarga": "Kartu Keluarga: penerbitan baru, perubahan susunan keluarga dan perbaikan data",
    "Akta": "Akta kelahiran, akta kematian, akta perkawinan, akta perceraian dan pengakuan",
    "Perilaku petugas": "Sikap, perilaku, kedisiplinan dan kejujuran petugas pelayanan kantor kecamatan",
    "Waktu tunggu": "Waktu tunggu, antrean, kuota harian dan ketepatan jam pelayanan loket kecamatan",
    "Biaya": "Biaya, pungutan liar dan permintaan imbalan oleh oknum di luar ketentuan resmi",
    "Sarana dan prasarana": "Sarana dan prasarana: ruang tunggu, toilet, parkir, akses kursi roda dan lansia",
    "Lainnya": "Lainnya: informasi, saran perbaikan dan permohonan yang diteruskan ke instansi",
}
NARRATIVE = ("Selama triwulan ini Kecamatan Buay Pematang Ribu Ranau Tengah menerima pengaduan melalui semua saluran. "
             "Pengaduan terbanyak menyangkut perekaman dan pengambilan KTP-el serta waktu tunggu di loket pada hari "
             "Senin dan Selasa, ketika warga dari desa-desa yang jauh datang bersamaan. Dua pengaduan tentang "
             "permintaan imbalan oleh oknum telah diteruskan kepada Inspektorat Kabupaten dan ditangani secara "
             "rahasia. Pengaduan tentang jalan rusak menuju kantor kecamatan diteruskan kepada Dinas PU Bina Marga.")
PROMISES = ("Menambah satu petugas perekaman KTP-el pada hari Senin dan Selasa mulai bulan pertama triwulan berikutnya.\n"
            "Memasang papan persyaratan dan alur layanan adminduk di ruang tunggu dan di setiap kantor desa.\n"
            "Menjawab setiap pengaduan melalui telepon dan SMS paling lambat satu hari kerja sesudah diterima.\n"
            "Membuka kotak saran setiap akhir hari layanan, mencatat setiap lembar dan mengumumkan tindak lanjutnya.\n"
            "Menyediakan kursi roda, jalur landai dan loket prioritas bagi lansia, penyandang disabilitas dan ibu hamil.")

LONG_NARRATIVE = (NARRATIVE + " ") * (5000 // (len(NARRATIVE) + 1))
LATE_LETTERS = 12  # letters of the quarter before the draft's, recorded after its notice was approved
LAST_PROMISE = "Mengumumkan pelaksanaan setiap janji ini pada papan pengumuman triwulan berikutnya."
LONG_PROMISES = "\n".join((PROMISES.splitlines() * 50)[:5000 // 110 - 1] + [LAST_PROMISE])


@pytest.fixture(scope="module")
def board(tmp_path_factory, cheap_password_hashing):
    """An office at the longest names with the previous quarter's recap approved by its Camat."""
    from flask import g

    from app import demo
    from app.auth.models import User
    from app.complaints.models import ComplaintCategory
    from app.frame import store
    from app.frame.dates import local_today
    from app.frame.db import database
    from app.frame.periods import Quarter
    from app.frame.roles import CAMAT, INFORMASI
    from app.recap import records
    from app.recap.models import QuarterRecap
    from tests.browser.office import live_office
    from tests.support.factory import recorded_complaint

    with live_office(tmp_path_factory.mktemp("board"), identity=BOARD_OFFICE) as live:
        with live.db(), live.app.test_request_context():
            demo.fill(Namespace(seed=2026, password=live.password, applications=0, complaints=1500, surveys=60,
                                recaps=0))
            with database.atomic():
                for key, value in (("address", BOARD_ADDRESS), ("phone", BOARD_PHONE), ("camat_name", CAMAT_NAME),
                                   ("camat_nip", CAMAT_NIP),
                                   ("email", "kecamatan.buaypematangriburanautengah@okuselatankab.go.id")):
                    store.put(key, value)
                for old, new in CATEGORIES.items():
                    ComplaintCategory.update(name=new).where(ComplaintCategory.name == old).execute()
            quarter = Quarter.containing(local_today()).previous()
            g.user = User.get(User.username == live.username[INFORMASI])
            records.save_draft(quarter, "WIB", {"promises": PROMISES, "narrative": NARRATIVE}, True, g.user)
            recap = QuarterRecap.get(QuarterRecap.year == quarter.year, QuarterRecap.quarter == quarter.number)
            camat = User.get(User.username == live.username[CAMAT])
            records.approve(recap, quarter, "WIB", local_today(), "", camat)
            # the quarter before, at the form's longest narrative and promises (5,000 characters each)
            earlier = quarter.previous()
            records.save_draft(earlier, "WIB", {"promises": LONG_PROMISES, "narrative": LONG_NARRATIVE}, True, g.user)
            recap = QuarterRecap.get(QuarterRecap.year == earlier.year, QuarterRecap.quarter == earlier.number)
            records.approve(recap, earlier, "WIB", local_today(), "", camat)
            # the quarter before that submitted to the Camat, not approved yet: the draft he reads before he signs
            draft = earlier.previous()
            records.save_draft(draft, "WIB", {"promises": PROMISES, "narrative": NARRATIVE}, True, g.user)
            # the quarter before it approved, then LATE_LETTERS of its letters recorded: the draft's addendum
            before = draft.previous()
            records.save_draft(before, "WIB", {"promises": PROMISES, "narrative": NARRATIVE}, True, g.user)
            recap = QuarterRecap.get(QuarterRecap.year == before.year, QuarterRecap.quarter == before.number)
            records.approve(recap, before, "WIB", local_today(), "", camat)
            category = ComplaintCategory.select().first()
            for day in range(LATE_LETTERS):
                recorded_complaint(category.id, user=g.user, channel="surat", text="Surat yang terlambat dicatat",
                                   received_at=before.utc_bounds()[0].replace(tzinfo=None) + timedelta(days=40 + day))
            live.quarter, live.earlier, live.draft = quarter, earlier, draft
        yield live


def _smallest_pt(printed) -> float:
    return min(size for number in range(1, len(printed.pages) + 1)
               for size, _ in text_sizes_pt(printed.path, number))


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_the_recap_notice_is_one_sheet_at_the_longest_office_camat_and_categories(browser, board, paper):
    """The notice the Camat signs and posts was two A4 sheets: its closing (B, C, D and the signature) kept whole
    moved to sheet 2 and left a quarter of sheet 1 empty. One sheet of A4 and of F4, every figure on it, read
    from a notice board (nothing under 9 pt)."""
    from app.complaints.models import CHANNELS, STATUSES
    from app.frame.roles import CAMAT
    quarter = board.quarter
    context = new_context(browser, board.url)
    try:
        page = context.new_page()
        sign_in(page, board.username[CAMAT], board.password)
        expect = [quarter.label, "Buay Pematang Ribu Ranau Tengah", "Ogan Komering Ulu Selatan", BOARD_ADDRESS,
                  CAMAT_NAME, f"NIP. {CAMAT_NIP}", "CAMAT BUAY PEMATANG RIBU RANAU TENGAH", NARRATIVE,
                  *PROMISES.splitlines(), *CATEGORIES.values(), *CHANNELS.values(), *STATUSES.values()]
        notice = print_check(page, f"/rekap/{quarter.year}/{quarter.number}/cetak", paper=paper, expect=expect,
                             signed=(f"NIP. {CAMAT_NIP}", "A. Ringkasan"), name="one-sheet-recap-longest")
        if paper == "A4":
            png_of(notice, dpi=70)
        assert notice.problems == [], notice.problems
        assert len(notice.pages) == 1, f"{len(notice.pages)} sheets"
        assert _smallest_pt(notice) >= 8.95, f"text at {_smallest_pt(notice)} pt on a notice board"
    finally:
        context.close()


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_the_draft_the_camat_reads_before_signing_is_one_sheet_too(browser, board, paper):
    """The draft carries its "DRAF" mark and the Camat's name from the settings, and the clause of the previous
    quarter's late letters (its addendum) in section D: the same sheet as the notice."""
    from app.frame.roles import CAMAT
    quarter = board.draft
    context = new_context(browser, board.url)
    try:
        page = context.new_page()
        sign_in(page, board.username[CAMAT], board.password)
        notice = print_check(page, f"/rekap/{quarter.year}/{quarter.number}/cetak", paper=paper,
                             expect=["DRAF", quarter.label, CAMAT_NAME, *PROMISES.splitlines(),
                                     f"(dan {LATE_LETTERS} pengaduan adendum triwulan sebelumnya)"],
                             signed=(f"NIP. {CAMAT_NIP}", "A. Ringkasan"), name="one-sheet-recap-draft")
        assert notice.problems == [], notice.problems
        assert len(notice.pages) == 1, f"{len(notice.pages)} sheets"
    finally:
        context.close()


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_a_recap_notice_with_a_long_text_keeps_its_signature_with_its_end(browser, board, paper):
    """The form accepts 5,000 characters of narrative and of promises: more than a sheet. The text flows on from
    sheet 1 (kept whole, the closing left sheet 1 a quarter empty) and the Camat signs under its last promise."""
    from app.frame.roles import CAMAT
    quarter = board.earlier
    context = new_context(browser, board.url)
    try:
        page = context.new_page()
        sign_in(page, board.username[CAMAT], board.password)
        notice = print_check(page, f"/rekap/{quarter.year}/{quarter.number}/cetak", paper=paper,
                             expect=[quarter.label, CAMAT_NAME], signed=(f"NIP. {CAMAT_NIP}", LAST_PROMISE),
                             name="one-sheet-recap-long-text")
        assert notice.problems == [], notice.problems
        assert notice.page_of("B. Uraian") == 1, "the narrative starts on a second sheet"
        assert notice.holds("D. Daftar pengaduan dan tindak lanjut", page=len(notice.pages))
    finally:
        context.close()

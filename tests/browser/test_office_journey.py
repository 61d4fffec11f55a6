"""Journeys 3 and 4 of issue 7, one working week in order:
the information officer opens the suggestion box and enters its two slips, answers a hotline
call from the desk information, escalates another call; prepares last quarter's recap and
submits it. The section head follows up the escalated complaint. The Camat approves the recap
and prints the announcement."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.frame.dates import local_today
from app.frame.roles import CAMAT, INFORMASI, KASI
from tests.browser.helpers import fit_problems, logout, pdf_of, screenshot, text_sizes_pt

pytest.importorskip("app.complaints.box_views", reason="complaint book not in this build yet")


def _arrange(live):
    """What the office already has: one desk answer, and two closed complaints from last quarter."""
    from app.complaints.models import Complaint, ComplaintCategory, DeskAnswer
    from app.frame.dates import utc_now
    from tests.support.factory import recorded_complaint
    with live.db():
        DeskAnswer.get_or_create(question="Berapa biaya membuat KTP-el yang hilang?", defaults=dict(
            topic="KTP-el", answer="Gratis, tidak dipungut biaya. Bawa surat kehilangan dari kepolisian dan fotokopi KK.",
            updated_at=utc_now()))
        category = ComplaintCategory.select().where(ComplaintCategory.is_active == True).first()  # noqa: E712
        earlier = utc_now() - timedelta(days=100)
        for n, text in enumerate(["Petugas loket ramah, tapi ruang tunggu panas.",
                                  "Mohon disediakan kursi roda untuk lansia."]):
            if Complaint.select().where(Complaint.text == text).exists():
                continue  # arranged by an earlier test of this session
            recorded_complaint(category.id, complainant_name="", complainant_contact="", text=text,
                               received_at=earlier.replace(day=10 + n), status="selesai",
                               tindak_lanjut="Sudah ditindaklanjuti oleh Kasi Pelayanan.")


def _record_slip(page, text):
    page.get_by_role("link", name=re.compile(r"Masukkan lembar berikutnya")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catat pengaduan")
    expect(page.get_by_label("Saluran", exact=True)).to_have_value("kotak_saran")
    page.get_by_label("Kategori", exact=True).select_option(index=1)
    page.get_by_label("Isi pengaduan / saran").fill(text)
    page.get_by_label("Catat dulu (status Baru)").check()
    page.get_by_role("button", name="Simpan").click()
    expect(page).not_to_have_url(re.compile(r"/catat"))  # saved (htmx posts it; wait for the answer)


def test_information_officer_and_section_head(page, live, login):
    _arrange(live)
    login(page, INFORMASI)
    menu = page.get_by_role("navigation", name="Menu utama")

    # The suggestion box, opened with two slips.
    menu.get_by_role("link", name="Kotak Saran").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kotak Saran")
    page.get_by_label("Tanggal dibuka").fill(local_today().isoformat())  # the office's day (WIB), not this machine's
    page.get_by_label("Jumlah lembar").fill("2")
    page.get_by_role("button", name="Catat pembukaan").click()
    expect(page.get_by_text("Pembukaan kotak saran dicatat.")).to_be_visible()
    expect(page.get_by_text("2 lembar; sudah dimasukkan 0.")).to_be_visible()
    session_url = page.url
    _record_slip(page, "Toilet kantor kecamatan perlu dibersihkan lebih sering.")
    screenshot(page, "info-after-first-slip")
    page.goto(session_url)
    expect(page.get_by_text("2 lembar; sudah dimasukkan 1.")).to_be_visible()
    _record_slip(page, "Papan informasi persyaratan KTP-el kurang jelas.")
    page.goto(session_url)
    expect(page.get_by_text("Semua lembar sudah dimasukkan.")).to_be_visible()
    expect(page.locator("table.list tbody tr")).to_have_count(2)
    assert fit_problems(page) == []
    screenshot(page, "info-box-session-done")

    # A hotline call answered from the desk information, found by typing.
    menu.get_by_role("link", name="Info Meja").click()
    page.get_by_label(re.compile("^Cari pertanyaan")).press_sequentially("hilang", delay=30)
    answer = page.locator("#desk-answers article", has_text="Berapa biaya membuat KTP-el yang hilang?")
    expect(answer).to_be_visible()
    screenshot(page, "info-desk-answer")
    answer.get_by_role("link", name="Catat panggilan yang dijawab dengan info ini").click()
    expect(page.get_by_text("Dijawab dari info meja")).to_be_visible()
    expect(page.get_by_label("Saluran", exact=True)).to_have_value("telepon")
    page.get_by_label("Kategori", exact=True).select_option(index=1)
    if not page.get_by_label("Isi pengaduan / saran").input_value():
        page.get_by_label("Isi pengaduan / saran").fill("Penelepon bertanya biaya KTP-el hilang.")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tanda Terima Pengaduan")
    page.get_by_role("link", name="Lihat pengaduan").click()
    expect(page.locator("h1 .status")).to_have_text("Selesai")
    expect(page.get_by_text("dijawab dari info meja")).to_be_visible()

    # Another call the desk cannot answer: escalated to the section.
    menu.get_by_role("link", name="Catat Pengaduan").click()
    page.get_by_label("Saluran", exact=True).select_option("telepon")
    page.get_by_label("Kategori", exact=True).select_option(index=1)
    page.get_by_label("Isi pengaduan / saran").fill(
        "KTP-el saya sudah tiga bulan belum jadi, nomor pendaftaran hilang. Mohon dicek.")
    page.get_by_label("Nama (boleh dikosongkan)").fill("Bu Sumiati")
    page.get_by_label("No. HP / alamat untuk dihubungi (boleh dikosongkan)").fill("081234567890")
    page.get_by_label("Teruskan ke seksi yang menangani").check()
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tanda Terima Pengaduan")
    escalated = re.search(r"PGD-[0-9A-Z]+", page.locator("main").inner_text()).group()
    slip = pdf_of(page, name="complaint-slip")  # handed to a visitor at the desk, or read out on the phone
    assert slip.pages == 1 and slip.overflow == []
    assert escalated in slip.text and "KECAMATAN YOSOWILANGUN" in slip.text
    page.get_by_role("link", name="Lihat pengaduan").click()
    expect(page.locator("h1 .status")).to_have_text("Diteruskan")
    screenshot(page, "info-escalated")

    # End of the day: the daily report of the complaint book, on paper.
    report = pdf_of(page, "/pengaduan/laporan-harian", name="daily-report")
    assert report.overflow == []
    assert report.pages <= 2, report.pages
    words = " ".join(report.text.split())
    for text in ("KECAMATAN YOSOWILANGUN", "Laporan Harian Buku Pengaduan", "Dijawab langsung dari info meja",
                 "Diteruskan ke seksi / ditindaklanjuti", escalated):
        assert text in words, text
    assert "Tampilkan" not in words and "Cetak" not in words

    logout(page)

    # The section head follows up the escalated call.
    login(page, KASI)
    page.goto("/pengaduan/")
    page.locator("tr", has_text=escalated).get_by_role("link", name=escalated).click()
    expect(page.get_by_text("Bu Sumiati")).to_be_visible()
    page.get_by_label("Ubah status menjadi").select_option(label="Selesai")
    page.get_by_label("Tindak lanjut (tampil di halaman status untuk pelapor)").fill(
        "Berkas ditemukan, KTP-el sudah dicetak dan dapat diambil di loket mulai Senin.")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("h1 .status")).to_have_text("Selesai")
    expect(page.locator(".complaint-body").nth(1)).to_contain_text("dapat diambil di loket")
    screenshot(page, "kasi-followed-up")
    logout(page)

    # The caller checks at the kiosk: the follow-up is there.
    page.goto(f"/pengaduan/status?nomor={escalated}")
    expect(page.locator(".status-card")).to_contain_text("dapat diambil di loket mulai Senin")


def test_recap_submitted_then_approved_and_printed(page, live, login):
    pytest.importorskip("app.recap.views", reason="quarterly recap not in this build yet")
    _arrange(live)
    login(page, INFORMASI)
    menu = page.get_by_role("navigation", name="Menu utama")
    # Last quarter's recap: draft, then submit to the Camat.
    menu.get_by_role("link", name=re.compile("^Rekap Triwulan")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rekap Pengaduan Triwulan")
    quarter_url = page.url
    page.get_by_label("Janji perbaikan layanan (satu janji per baris)").fill(
        "Kipas angin tambahan di ruang tunggu\nKursi roda tersedia di loket")
    page.get_by_label("Uraian singkat").fill("Dua pengaduan, keduanya sudah ditindaklanjuti.")
    page.get_by_role("button", name="Simpan dan ajukan kepada Camat").click()
    expect(page.get_by_text(re.compile(r"diajukan kepada Camat\.$"))).to_be_visible()
    assert fit_problems(page) == []
    screenshot(page, "info-recap-submitted")
    logout(page)

    # The Camat approves the recap and prints the announcement.
    login(page, CAMAT)
    page.goto(quarter_url)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Setujui dan bekukan rekap").click()
    expect(page.get_by_text(re.compile("disetujui dan dibekukan"))).to_be_visible()
    screenshot(page, "camat-approved")
    href = page.get_by_role("link", name="Cetak pengumuman").get_attribute("href")
    notice = pdf_of(page, href, name="recap-notice")
    assert notice.overflow == []
    assert 1 <= notice.pages <= 3, notice.pages
    words = " ".join(notice.text.split())
    for text in ("KECAMATAN YOSOWILANGUN", "PENGUMUMAN", "REKAPITULASI PENGADUAN MASYARAKAT"):
        assert text in words, text
    assert "Setujui" not in words
    # read on the announcement board: nothing smaller than the summary table (the side tables were 7.5-8.5 pt)
    sizes = text_sizes_pt(notice.path)
    assert min(size for size, _ in sizes) >= 9, sorted(set(sizes))
    # The board notice summarises; the complaints themselves are in the annex the Camat may print.
    annex = pdf_of(page, href + ("&" if "?" in href else "?") + "lampiran=1", name="recap-notice-annex")
    assert annex.overflow == []
    annex_words = " ".join(annex.text.split())
    for text in ("Kipas angin tambahan di ruang tunggu", "Mohon disediakan kursi roda untuk lansia"):
        assert text in annex_words, text

"""The test environment that scripts/test.sh sets up really works."""

import psycopg
from pypdf import PdfReader


def test_postgresql_accepts_connections_and_unicode(pg_url):
    with psycopg.connect(pg_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_database(), %s::text", ("Kecamatan Ciawi – é",))
        # scripts/test.sh makes loket_test, and loket_test_win for the Windows-like pass
        assert cur.fetchone() == (pg_url.rsplit("/", 1)[1], "Kecamatan Ciawi – é")
    conn.close()


def test_chromium_renders_indonesian_page_to_screenshot_and_pdf(page, artifacts_dir):
    page.set_content(
        "<html lang='id'><body><h1>Tanda Terima KTP-el</h1>"
        "<p>Diterima di Kecamatan Sukamaju, Senin 3 Maret 2025</p></body></html>"
    )
    assert page.locator("h1").inner_text() == "Tanda Terima KTP-el"

    shot = artifacts_dir / "tanda-terima.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 1000

    pdf = artifacts_dir / "tanda-terima.pdf"
    page.pdf(path=str(pdf), format="A4")
    assert "Tanda Terima KTP-el" in PdfReader(str(pdf)).pages[0].extract_text()

"""The restore's maintenance page does not reload itself (WCAG 2.2.1, issue 62): it says how long to
wait and offers "Coba lagi" to the page that was asked for; Retry-After tells programs."""
import re

from app.backups import maintenance


def test_the_maintenance_page_waits_for_the_person_not_a_timer(db, client_for):
    clerk = client_for("petugas_loket")
    with maintenance.window():
        answer = clerk.get("/pendaftaran?status=diterima")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "10"
    assert not re.search(r"http-equiv=\"?refresh", page, re.I) and "<script" not in page
    assert re.search(r'<a class="button primary" href="/pendaftaran\?status=diterima">Coba lagi</a>', page)
    assert "tunggu sekitar 10 detik" in page

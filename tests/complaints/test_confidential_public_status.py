"""Issue 13: the public status page of a confidential complaint shows its status, not its follow-up."""


def test_public_status_of_a_confidential_complaint_hides_the_follow_up(client, record):
    secret = record(is_confidential=True, status="selesai", tindak_lanjut="Petugas X sudah ditegur dan dimutasi")
    page = client.get(f"/pengaduan/status?nomor={secret.tracking_number}").get_data(as_text=True)
    assert "Selesai" in page and "dimutasi" not in page and "rahasia" in page
    plain = record(status="selesai", tindak_lanjut="Kursi tunggu sudah ditambah")
    assert "sudah ditambah" in client.get(f"/pengaduan/status?nomor={plain.tracking_number}").get_data(as_text=True)


def test_the_kiosk_status_says_a_complaint_past_its_follow_up_deadline_is_late(client, record):
    """Issue 61, finding 4: an open complaint received long ago read "sedang diproses" with nothing about its
    deadline. Late from the day after its due day, as the office's own list counts it (deadlines.py)."""
    import html
    from datetime import timedelta
    from app.complaints import queries
    from app.frame.dates import format_date, utc_now

    def shown(complaint):
        return html.unescape(client.get(f"/pengaduan/status?nomor={complaint.tracking_number}").get_data(as_text=True))
    old = record(received_at=utc_now() - timedelta(days=125), status="diteruskan")
    due = queries.targets().row_flags(old)["follow_due"]
    page = shown(old)
    assert f"Batas tindak lanjut {format_date(due)} sudah lewat" in page and "Ombudsman" in page
    assert "sedang diproses" not in page
    fresh = shown(record(status="diteruskan"))  # received now: its deadline is days away
    assert "sudah lewat" not in fresh and "Pengaduan Anda sedang diproses" in fresh
    done_late = shown(record(received_at=utc_now() - timedelta(days=125), status="selesai",
                             is_confidential=True, tindak_lanjut="Petugas sudah ditegur"))
    assert "sudah lewat" not in done_late and "sedang diproses" not in done_late  # done is done, late or not

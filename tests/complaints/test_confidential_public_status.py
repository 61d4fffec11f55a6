"""Issue 13: the public status page of a confidential complaint shows its status, not its follow-up."""


def test_public_status_of_a_confidential_complaint_hides_the_follow_up(client, record):
    secret = record(is_confidential=True, status="selesai", tindak_lanjut="Petugas X sudah ditegur dan dimutasi")
    page = client.get(f"/pengaduan/status?nomor={secret.tracking_number}").get_data(as_text=True)
    assert "Selesai" in page and "dimutasi" not in page and "rahasia" in page
    plain = record(status="selesai", tindak_lanjut="Kursi tunggu sudah ditambah")
    assert "sudah ditambah" in client.get(f"/pengaduan/status?nomor={plain.tracking_number}").get_data(as_text=True)

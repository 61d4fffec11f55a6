"""Issue 33 on a desa PC: it makes its own daily backups and holds its own recovery key, so it says
what needs a person like the kecamatan's home does: the desa PC's admin on its landing page (Operator
Desa) with the step to take, the desa's operator on the desa page in plain words (ask the admin)."""
import html
import shutil

from app.backups.daily import daily_backup
from tests.desa.test_desa_mode import bound_to, desa_app, enrolled_by_its_admin, enrolment_code, kecamatan  # noqa: F401


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def test_a_desa_pcs_failed_backup_and_unprinted_key_are_on_its_landing_pages(desa_app, enrolment_code):
    admin, desa = enrolled_by_its_admin(desa_app, enrolment_code)

    landing = page(admin, admin.get("/").location)  # the desa PC admin's home is Operator Desa
    assert "Kunci pemulihan belum dicetak" in landing and "Cetak kunci pemulihan" in landing
    assert 'href="/admin/cadangan/kunci-pemulihan"' in landing
    assert "Minta admin" in page(desa, "/desa")  # the operator reads the admin's concern as one line (issue 43)

    folder = desa_app.config["BACKUP_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    folder.write_text("bukan folder")  # the folder deleted and a file saved under its name
    try:
        with bound_to(desa_app):
            daily_backup(desa_app)  # the desa PC's hourly job
        landing = page(admin, "/admin/operator-desa")
        assert "Cadangan otomatis gagal" in landing and "buat cadangan sekarang" in landing
        plain = page(desa, "/desa")
        assert "Cadangan data harian gagal" in plain and "Minta admin" in plain
        assert "buat cadangan sekarang" not in plain  # the operator is told whom to ask, not the admin's step
    finally:
        folder.unlink()
    with bound_to(desa_app):
        daily_backup(desa_app)
    landing = page(admin, "/admin/operator-desa")
    assert "Cadangan otomatis gagal" not in landing and "Cadangan otomatis terakhir" in landing

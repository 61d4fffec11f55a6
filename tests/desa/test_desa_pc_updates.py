"""Updates on a desa PC (issue 44): its admin account reads and applies a release (app/policy.py,
pembaruan.kelola); its operator account cannot, and its desa page says one waits for the admin.
(End to end, with real wheels and processes: tests/updates/test_desa_install.py.)"""
from sync.release import key_signing
from tests.desa.test_desa_mode import desa_admin, desa_app, kecamatan  # noqa: F401  (fixtures)
from tests.desa.test_desa_mode import operator_client
from tests.updates.helpers import sheet_form
from tests.updates.test_update_page import usb_copy_of_a_release


def test_a_desa_pcs_operator_is_told_a_release_waits_for_the_pcs_admin_account(desa_app, tmp_path):
    """On a desa PC the admin account applies updates (policy: pembaruan.kelola); its operator, often
    the same person signed in with the other account, reads on the desa page that one waits."""
    admin, password = desa_admin(desa_app)  # the first start's admin, then the operator it creates
    operator = operator_client(desa_app)
    assert "menunggu dipasang" not in operator.get("/desa").get_data(as_text=True)
    stick = usb_copy_of_a_release(tmp_path)
    typed = admin.post("/admin/pembaruan/kunci-root",  # the desa PC's admin has the same form
                       data=sheet_form(key_signing.key_folder_fingerprint(tmp_path / "kunci"), password))
    assert typed.status_code == 302
    read = admin.post("/admin/pembaruan/usb", data={"folder": str(stick)}, follow_redirects=True).get_data(as_text=True)
    assert "Pembaruan tersedia: versi 9.1.0" in read and 'Pembaruan Aplikasi <span class="badge"' in read
    page = operator.get("/desa").get_data(as_text=True)
    assert ("Pembaruan aplikasi versi 9.1.0 dari kabupaten menunggu dipasang: masuk dengan akun admin komputer ini, "
            "buka Pembaruan Aplikasi, lalu tekan Pasang pembaruan sekarang.") in page
    assert operator.get("/admin/pembaruan").status_code == 403  # the operator's account does not apply it
    assert "menunggu dipasang" not in admin.get("/admin/operator-desa").get_data(as_text=True)  # the badge says it

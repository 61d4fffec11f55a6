"""What only one program does with the desa's shared pages and records comes from its capability
(app/desa/pc.py, app/desa/kecamatan.py through `Side`), never from asking which program runs: a desa
PC's health cards and its admin's landing page, its forms queued for the relay and numbered in its own
series; the kecamatan's desa pages without a PC's health, its forms never queued for a relay and not
numbered while it holds another PC's backup."""
import html
from datetime import timedelta

from app.desa.models import PreRegistration
from app.frame.dates import utc_now
from app.frame.numbering import RegistrationSequence
from sync.client.models import OutboxItem, SyncLink
from tests.desa.conftest import DARUNGAN, pre_register
from tests.desa.test_desa_mode import bound_to, desa_admin, desa_app, enrolled_by_its_admin, enrolment_code, kecamatan  # noqa: F401
from tests.support.factory import applicant_form, sync_link_row


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def test_a_desa_pcs_quiet_sync_points_its_admin_to_its_own_page(desa_app):
    admin, _ = desa_admin(desa_app)
    assert admin.get("/").location.endswith("/admin/operator-desa")  # its landing page, from its capability
    with bound_to(desa_app):
        sync_link_row(center_url="https://pusat.example", key_id="k1", secret="-",
                      enrolled_at=utc_now() - timedelta(days=9), last_success_at=utc_now() - timedelta(days=3))
    landing = page(admin, "/admin/operator-desa")
    assert "Sinkronisasi pusat tertunda" in landing
    assert 'href="/desa"' in landing and "/sinkronisasi" not in landing  # a desa PC has no Sinkronisasi page
    # Its step names the pages a desa PC has: no "Sinkronisasi" page, no USB file.
    assert "Pra-pendaftaran Desa" in landing and "USB" not in landing and "buka Sinkronisasi" not in landing


def test_a_desa_pc_enrolled_a_moment_ago_has_no_late_sync(desa_app):
    """Seen: a second after enrolling, "Sinkronisasi pusat tertunda" (never synced counted as late)."""
    admin, _ = desa_admin(desa_app)
    with bound_to(desa_app):
        sync_link_row(center_url="https://pusat.example", key_id="k1", secret="-",
                      last_success_at=None)
    assert "tertunda" not in page(admin, "/admin/operator-desa")
    with bound_to(desa_app):
        SyncLink.update(enrolled_at=utc_now() - timedelta(days=3)).execute()
    assert "Sinkronisasi pusat tertunda" in page(admin, "/admin/operator-desa")


def test_the_desa_operator_reads_the_admins_concern_as_a_line_not_a_card(desa_app):
    """Seen: the operator's home dominated by an admin-only card in the big number style."""
    from tests.desa.test_desa_mode import operator_client
    desa_admin(desa_app)
    operator = operator_client(desa_app)
    home = page(operator, "/desa")
    assert "Minta admin" in home  # the recovery key is not printed on a new desa PC
    assert "card-value" not in home and "Perlu perhatian admin" not in home


def test_the_kecamatans_desa_pages_show_no_pcs_health(kecamatan, client_as):
    admin = client_as("admin")
    assert "Kunci pemulihan belum dicetak" in page(admin, "/")  # the kecamatan's concern is on its home page
    assert "Keadaan komputer ini" not in page(admin, "/admin/operator-desa")


def test_only_a_desa_pcs_forms_wait_for_the_relay(kecamatan, client_as, desa_client):
    with bound_to(kecamatan):
        assert pre_register(desa_client(), applicant_form()).status_code == 302
        assert PreRegistration.select().count() == 1
        assert not OutboxItem.select().where(OutboxItem.kind == "pra").exists()  # at the kecamatan: already here


def _held_by_another_pc(app) -> None:
    """The database as a restore from another PC's backup leaves it (app/frame/installation.py)."""
    with bound_to(app):
        app.extensions["database"].execute_sql('UPDATE "installation" SET "machine" = ? WHERE "id" = 1', ("PC-lain",))


def test_only_the_kecamatans_numbers_wait_after_another_pcs_backup(desa_app, enrolment_code, kecamatan,
                                                                   desa_client):
    admin, desa = enrolled_by_its_admin(desa_app, enrolment_code)
    _held_by_another_pc(desa_app)
    with bound_to(desa_app):
        from app.frame import installation
        assert installation.numbering_refusal(desa_app.extensions["database"], desa_app.config["DATABASE_PATH"])
        assert pre_register(desa, applicant_form()).status_code == 302  # a desa PC's series is its own

    _held_by_another_pc(kecamatan)
    with bound_to(kecamatan):
        held = pre_register(desa_client(), applicant_form())
        assert held.status_code != 302
        assert "Supaya satu nomor tidak dipakai" in html.unescape(held.get_data(as_text=True))
        assert not PreRegistration.select().exists()


def test_a_pc_holding_another_pcs_backup_makes_no_desa_pc_code(kecamatan, client_as):
    """Found by the office year (seed 1512): a PC holding P1's backup, before its admin said whether it
    replaces P1, made a desa PC code from P1's block; a laptop P1 had enrolled already held that number,
    and the center refused the new laptop. A desa PC code is a number too: it waits like the others."""
    _held_by_another_pc(kecamatan)
    with bound_to(kecamatan):
        sequences_before = list(RegistrationSequence.select().tuples())
        refused = client_as("admin").post("/admin/operator-desa/kode-komputer", data={"desa": DARUNGAN})
        page = html.unescape(refused.get_data(as_text=True))
        assert refused.status_code == 422 and "Supaya satu nomor tidak dipakai" in page
        assert "Kode komputer desa juga bernomor dari PC ini" in page and 'class="enrolment-code"' not in page
        assert list(RegistrationSequence.select().tuples()) == sequences_before  # no number taken

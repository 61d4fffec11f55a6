"""Issue 74, "done when": a Petugas Loket and a Camat who have never seen the program do their first task from the
guide alone. Each signs in, presses "Bantuan", and the test reads the guide's numbered steps of the section for the
task and does only what their marked names say, in order: a menu item is clicked in the menu, a button or link is
pressed, a page heading and a message must be what the guide says. The only things typed are the citizen's data
where the guide says to fill in the form and tick the requirements. A renamed button, a changed heading or a step
missing from the guide fails here."""
import re

from playwright.sync_api import expect

from app.frame.roles import CAMAT, LOKET
from tests.browser.helpers import fill_application
from tests.browser.guide_steps import follow, marked_steps

NIK = "3508075205900007"  # a woman born 12 May 1990 in Kecamatan Yosowilangun (35.08.07)


def guide_steps(page, section: str) -> list[tuple[str, str]]:
    """The numbered steps of `section` of the guide "Bantuan" opens."""
    page.get_by_role("link", name="Bantuan", exact=True).click()
    expect(page.locator(f"#{section}")).to_be_visible()
    return marked_steps(page, section, within="ol.guide-steps")


def test_a_new_petugas_loket_registers_an_application_to_its_receipt_from_the_guide(page, live, login):
    page.context.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
    login(page, LOKET)
    steps = guide_steps(page, "daftar-baru")
    page.goto("/")

    def fill(current, kind, label):
        if label == "Simpan permohonan":  # "Isi data pemohon sesuai KK"
            current.get_by_label("NIK", exact=True).fill(NIK)
            current.get_by_label("Perempuan").check()
            current.get_by_label("Tanggal lahir", exact=True).fill("1990-05-12")
            fill_application(current, "Sulastri Wahyuningsih")
        elif label == "Simpan pemeriksaan":  # "centang setiap berkas yang dibawa pemohon"
            for box in current.locator("input[name=syarat]").all():
                box.check()

    done = follow(page, steps, fill)
    receipt = page.context.pages[-1]
    assert receipt is not page, done
    expect(receipt.get_by_text("Sulastri Wahyuningsih").first).to_be_visible()
    receipt.wait_for_function("() => window.__printed === 1")
    assert [kind for kind, _ in steps][:2] == ["menu", "halaman"], steps


def test_a_new_petugas_loket_records_a_complaint_from_the_bantuan_of_its_page(page, live, login):
    """Issue 83, finding 3: the loket's menu offers Catat Pengaduan, and Bantuan there opened the loket's guide at its
    top, which said nothing of complaints. Bantuan pressed on that page now opens the section about it."""
    login(page, LOKET)
    page.goto("/pengaduan/catat")
    steps = guide_steps(page, "pengaduan")
    assert page.url.endswith("/bantuan/petugas-loket#pengaduan"), page.url
    page.goto("/")

    def fill(current, kind, label):
        if label == "Simpan":  # "pilih kategori, lalu tulis isi pengaduan dengan kata-kata warga"
            current.locator("#f-category_id").select_option(index=1)
            current.get_by_label("Isi pengaduan / saran").fill("Antrean loket KTP-el terlalu lama pada hari Senin.")

    done = follow(page, steps, fill)
    expect(page.get_by_text(re.compile(r"PGD-[0-9A-Z]{6}")).first, "\n".join(done)).to_be_visible()
    assert "Langkah" not in [label for _, label in steps]  # the loket's form has no such field


def test_a_new_camat_approves_the_quarters_recap_from_the_guide(page, live, login):
    from app.auth.models import User
    from app.frame import store
    from app.frame.access import roles_with
    from app.frame.dates import local_today
    from app.frame.periods import Quarter
    from app.recap import records
    from app.recap.models import QuarterRecap, RecapStatus
    with live.db(), live.app.test_request_context():
        last = Quarter.containing(local_today(store.get("timezone"))).previous()  # what "Rekap Triwulan" opens
        clerk = User.select().where(User.role.in_(roles_with("rekap.susun"))).first()
        records.save_draft(last, store.get("timezone"), {"promises": "Loket buka tepat pukul 08.00",
                                                          "narrative": "Pengaduan turun dibanding triwulan lalu."},
                           True, clerk)
    login(page, CAMAT)
    steps = guide_steps(page, "setujui-rekap")
    page.goto("/")
    done = follow(page, steps)
    with live.db():
        recap = QuarterRecap.get(QuarterRecap.year == last.year, QuarterRecap.quarter == last.number)
        assert recap.status == RecapStatus.APPROVED, done


OLD_ADMIN_PASSWORD = "admin-kantor-lama-1"


def _old_pcs_backup(folder):
    """The office's old PC, set up as Yosowilangun with a counter clerk, its admin's own password: its backup on a
    stick and the recovery key printed at its setup."""
    from app import create_app
    from app.auth.models import User
    from app.backups.engine import backup_database
    from app.firstrun import ensure_admin, seed_identity
    from app.frame.keystore import KeyStore
    from app.frame.passwords import hash_password
    from tests.support.factory import staff_user
    app = create_app({"DATA_DIR": folder / "pc-lama", "SECRET_KEY": "lama", "TESTING": True})
    with app.app_context(), app.extensions["database"].connection_context():
        ensure_admin()
        User.update(password_hash=hash_password(OLD_ADMIN_PASSWORD), must_change_password=False).where(
            User.username == "admin").execute()
        seed_identity("35.08.07")
        staff_user(LOKET, username="siti.loket")
    app.extensions["database"].close_all()
    backup = backup_database(app.config["DATABASE_PATH"], folder / "flashdisk" / "otomatis-2026-11-26.sqlite3")
    return backup, KeyStore(folder / "pc-lama").recovery_key()


def test_a_new_office_admin_restores_the_old_pcs_backup_on_a_new_pc_from_the_guide(browser, tmp_path):
    """The old PC died: on the new one (`run.py`, a real process) the admin signs in with the printed one-time
    password, presses Bantuan, and does what "PC baru" says: the key from the paper, the file from the stick."""
    from tests.browser.helpers import new_context, sign_in
    from tests.browser.test_desa_relay_journey import _first_sign_in
    from tests.sync.harness import OfficeServer
    backup, printed_key = _old_pcs_backup(tmp_path)
    new_pc = OfficeServer(tmp_path / "pc-baru").start()
    context = new_context(browser, new_pc.url)
    try:
        page = context.new_page()
        _first_sign_in(page, "admin", new_pc.password, "admin-kantor-baru-1")
        steps = guide_steps(page, "pc-baru")
        page.goto("/")

        def what_the_step_says(current, kind, label):
            if label == "Pulihkan":  # the key from the paper, the file from the stick, the tick
                current.get_by_label("Kunci pemulihan kantor").fill(printed_key.lower().replace("-", " "))
                current.get_by_label("Berkas cadangan").set_input_files(str(backup))
                current.get_by_label("Saya mengerti").check()
            elif kind == "menu" and label == "Sinkronisasi":  # "masuk dengan akun dari cadangan"
                expect(current.get_by_text("Data dipulihkan dari")).to_be_visible()
                context.clear_cookies()
                sign_in(current, "admin", OLD_ADMIN_PASSWORD)

        done = follow(page, steps, what_the_step_says)
        assert steps[-1][0] == "pesan", done  # the guide ends at the choice the page holds the numbers for
        page.locator("nav.menu").get_by_role("link", name="Pengguna", exact=True).click()
        expect(page.get_by_role("cell", name="siti.loket", exact=True)).to_be_visible()
    finally:
        context.close()
        new_pc.stop()

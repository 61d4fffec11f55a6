"""Issue 72, findings 2 and 3: a receipt printed before its number was given again.

A counter PC numbered before enrolment in the series another PC used, so its applications got new numbers (at
its enrolment, or by the center's operator deciding the conflict). The citizen's receipt still carries the old
number and its check code: /cek answered "Nomor atau kode cek tidak cocok" (6 of 6 old receipts), and the clerk
was told of it only in the admin's sync log (the pass line of a center renumber not at all). Now /cek says the
number was changed and to ask the kecamatan for the new receipt, never naming the new number or the other
applicant (an old number with a wrong code gets the page of any mismatch); the pass line says to hand out new
receipts; the register lists them. Real counter PCs (public status on), the real center (SQLite, PostgreSQL).
"""
from app.public_status.models import PublicStatus as LocalStatus
from app.registration.models import Application
from sync.center.models import PublicStatus, PublicStatusPrevious
from sync.client.models import SyncLog
from tests.conftest import CsrfClient, sign_in_as
from tests.sync.test_center_pages import operators  # noqa: F401  (fixture)
from tests.sync.test_conflict_routing import _decide
from tests.sync.test_edges_of_a_real_office import run, sync
from tests.sync.test_renumbered_public_status import OLD, _pc, _pc_enrolled_elsewhere

CHANGED = "sudah diganti oleh Kantor Kecamatan"
MISS = "Nomor atau kode cek tidak cocok"


def _cek(center_app, number, code):
    answer = center_app.test_client().get("/cek", query_string={"n": number, "k": code})
    return answer.status_code, answer.get_data(as_text=True)


def _codes(pc):
    return run(pc, lambda: {row.number: row.check_code for row in LocalStatus.select()})


def _numbers(pc):
    return run(pc, lambda: sorted(a.registration_number for a in Application.select()))


def _register(pc) -> str:
    def page():
        from app.auth.accounts import create_user
        from app.frame.roles import LOKET
        user, _ = create_user("loket-uji", "Loket Uji", LOKET, password="rahasia-uji-12", must_change_password=False)
        pc.test_client_class = CsrfClient
        client = pc.test_client()
        sign_in_as(client, user)
        return client.get("/pendaftaran").get_data(as_text=True)
    return run(pc, page)


def _old_receipts_say_changed(center_app, old_codes: dict, new_numbers: list, other_codes: dict):
    """Each old receipt (old number, its own code) reads "changed" and names no new number, no other record;
    the other applicant holding that number still reads their own; a wrong code reads as any mismatch."""
    for number, code in old_codes.items():
        status, page = _cek(center_app, number, code)
        assert status == 200 and CHANGED in page and "Minta bukti pendaftaran baru" in page, page
        assert MISS not in page and not any(new in page for new in new_numbers)
        assert "Status sekarang" not in page  # nothing of the record itself
        other = _cek(center_app, number, other_codes[number])[1] if number in other_codes else ""
        assert not other or ("Status sekarang" in other and CHANGED not in other)
        wrong = "".join(sorted(set("23456789ABCDEFGHJKMNPQRSTWXYZ") - set(code)))[:6]
        status, page = _cek(center_app, number, wrong)
        assert status == 404 and MISS in page and CHANGED not in page


def test_an_old_receipt_of_a_pc_renumbered_at_enrolment_reads_changed(tmp_path, center_app, center_db, enrolled):
    kecamatan, _ = enrolled
    pc_a, _, _ = _pc(tmp_path / "a", center_app, kecamatan, 1)
    codes_before = {}  # B's receipts, printed before enrolment: the old numbers with their codes
    pc_b, numbers_b, _ = _pc(tmp_path / "b", center_app, kecamatan, 51)
    renumbered = _numbers(pc_b)
    codes_b = _codes(pc_b)
    for old, new in zip(OLD, renumbered):  # the code stays with the application (app/public_status/records)
        codes_before[old] = codes_b[new]
    sync(pc_a, center_app)
    sync(pc_b, center_app)
    _old_receipts_say_changed(center_app, codes_before, renumbered, _codes(pc_a))
    for new in renumbered:  # the new receipt reads the record
        status, page = _cek(center_app, new, codes_b[new])
        assert status == 200 and "Status sekarang" in page and CHANGED not in page
    assert PublicStatusPrevious.select().count() == 2
    register = _register(pc_b)
    assert "Nomor diganti, bukti belum dicetak ulang (2)" in register and all(old in register for old in OLD)


def test_an_old_receipt_renumbered_by_the_operators_decision_reads_changed(tmp_path, center_app, center_db, enrolled,
                                                                          operators):  # noqa: F811
    kecamatan, _ = enrolled
    pc_a = _pc_enrolled_elsewhere(tmp_path / "a", kecamatan, 1, "01")
    pc_b = _pc_enrolled_elsewhere(tmp_path / "b", kecamatan, 51, "02")
    sync(pc_a, center_app)
    codes_b = _codes(pc_b)  # B's citizens hold receipts of OLD with these codes
    assert sync(pc_b, center_app).conflicts >= 2
    _decide(center_app, operators["operator"], OLD[0], "keep")  # A's applicant keeps the number
    report = sync(pc_b, center_app)
    line = run(pc_b, lambda: SyncLog.select().order_by(SyncLog.id.desc()).get().summary)
    assert report.renumbered == 1 and "diberi nomor baru 1" in line
    assert "berikan bukti pendaftaran baru kepada pemohonnya" in line and "Nomor diganti, bukti belum dicetak ulang" in line
    sync(pc_b, center_app)  # the record under its new number travels
    new = next(n for n in _numbers(pc_b) if n not in OLD)
    assert PublicStatus.get(PublicStatus.number == new)
    _old_receipts_say_changed(center_app, {OLD[0]: codes_b[OLD[0]]}, [new], _codes(pc_a))
    register = _register(pc_b)
    assert "Nomor diganti, bukti belum dicetak ulang (1)" in register and f">{new}</a>" in register


def test_a_status_file_that_renumbers_says_to_hand_out_new_receipts(tmp_path, center_app, center_db, enrolled,
                                                                    operators):  # noqa: F811
    """The office on USB: the operator's decision reaches it in a status file, whose line says it as a pass's does."""
    import io
    from sync.center.models import DeviceKey
    from sync.client import usb_files
    from tests.sync.test_center_pages import client_as
    kecamatan, _ = enrolled
    pc_a = _pc_enrolled_elsewhere(tmp_path / "a", kecamatan, 1, "01")
    pc_b = _pc_enrolled_elsewhere(tmp_path / "b", kecamatan, 51, "02")
    sync(pc_a, center_app)
    center = client_as(center_app, operators["operator"])
    for name, content in run(pc_b, lambda: usb_files.export_batches())[0]:
        answer = center.post("/impor", data={"batch": (io.BytesIO(content), name)}, content_type="multipart/form-data",
                             headers={"X-Loket-Upload": "satu"})
        assert "konflik 2" in answer.get_data(as_text=True)
    _decide(center_app, operators["operator"], OLD[0], "keep")
    from app.frame import installation
    from app.frame.db import database
    device = run(pc_b, lambda: installation.identity(database)[0])
    assert DeviceKey.get(DeviceKey.device_code == device)
    status_file = center.get(f"/ekspor-status/{kecamatan.id}?perangkat={device}")
    assert status_file.status_code == 200
    run(pc_b, lambda: usb_files.import_status_file(status_file.data))
    line = run(pc_b, lambda: SyncLog.select().order_by(SyncLog.id.desc()).get().summary)
    assert "diberi nomor baru 1 (berikan bukti pendaftaran baru kepada pemohonnya: Buku Register" in line, line
    assert "Nomor diganti, bukti belum dicetak ulang (1)" in _register(pc_b)

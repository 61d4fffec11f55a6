"""A PC's identity acts each write their own line (issue 91): with one removed alone, no fast test noticed
(tests/sync/test_pc_identity.py walks them whole and is slow). The admin's "PC ini menggantikan PC ..." on a
restored backup, enrolled or not, and an enrolment as a PC tambahan, through the sync page, with a running
center; the programs as tests/sync/test_pc_identity.py starts them (not in the strict test mode: the lines are
read back)."""
from app.backups.engine import backup_database
from tests.sync.test_pc_identity import (admin_client, an_enrolled_pc_that_delivered, center,  # noqa: F401  fixture
                                         enrolled_as_a_pc_tambahan_from, fill, kecamatan_app, recovery_key_of,
                                         refusal_to_number, taken_over_on_a_new_pc, within)


def lines(kec_app, action: str) -> list:
    from app.frame.audit_event import AuditEvent
    return within(kec_app, lambda: [(row.entity_id, row.summary) for row in
                                    AuditEvent.select().where(AuditEvent.action == action)])


def test_a_never_enrolled_pcs_backup_replaces_it_with_its_line(tmp_path):
    old = kecamatan_app(tmp_path / "lama")
    fill(old, 1, 1)
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")
    new = taken_over_on_a_new_pc(old, backup, tmp_path / "baru")
    assert refusal_to_number(new) is None  # it numbers again
    assert lines(new, "ganti_pc") == [("", "komputer ini menggantikan PC 01 (belum terdaftar di pusat)")]


def test_an_enrolled_pcs_backup_replaces_it_at_the_center_with_its_line(tmp_path, center):
    _, _, code, server = center
    old, _ = an_enrolled_pc_that_delivered(tmp_path / "lama", server, code, 1)
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")
    new = taken_over_on_a_new_pc(old, backup, tmp_path / "baru")
    [(key_id, summary)] = lines(new, "ganti_pc")
    assert key_id and "komputer ini menggantikan PC P1 (kunci lama" in summary and "dicabut pusat" in summary


def test_a_backup_enrolled_as_a_pc_tambahan_says_so_with_its_line(tmp_path, center):
    _, center_app, code, server = center
    old, _ = an_enrolled_pc_that_delivered(tmp_path / "lama", server, code, 1)
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "cadangan.sqlite3")
    new, _ = enrolled_as_a_pc_tambahan_from(old, backup, tmp_path / "baru", server.url, center_app)
    [(key_id, summary)] = lines(new, "pc_tambahan")
    assert key_id and summary.startswith("komputer ini didaftarkan sebagai PC tambahan P2")

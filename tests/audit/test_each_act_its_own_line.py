"""Each act its own line (issue 82, finding 1): the guard asked whether a commit held any audit row, and the
clerk's registration, checklist and status move always commit with the next page's view row (`lihat`,
issue 73). With the act's own line gone the office saved the move, the trail showed only "membuka
permohonan" and the health card stayed empty. Now a view line covers nothing but a view, a line covers
only the act that wrote it, and the alarm names the function that wrote (not the one that committed)."""
import logging
import os

import pytest

from app.frame import audit
from app.frame.audit_event import AuditEvent
from app.registration import records, status
from app.registration.models import Application
from tests.audit.test_guard_sees_every_write import capability
from app.frame.db import database
from tests.core.test_audit_attached import ROOT, WRITER
from tests.registration.conftest import client_as, loket, office, saved  # noqa: F401  fixtures
from app.registration.status import ApplicationStatus as S
from tests.support.factory import applicant_form, moved

ALARM = "perubahan tanpa catatan audit"


class WithoutTheActsLine:
    """The audit module as a capability sees it, less the act's own line (its view lines stay)."""

    def __getattr__(self, name):
        return getattr(audit, name)

    @staticmethod
    def record(*args, **kwargs):
        return None


@pytest.fixture
def at_an_office(app, monkeypatch):
    """The guard as at an office: the write is kept and only named, on the health card too."""
    monkeypatch.setattr(audit._guarded[os.path.realpath(app.config["DATABASE_PATH"])], "strict", False)
    return app.config["DATABASE_PATH"].parent


def gaps(folder) -> dict:
    return {gap["writer"]: gap["tables"] for gap in audit.trail_gaps(folder)}


def test_a_status_move_whose_only_line_is_the_next_pages_view_is_refused_and_named(client_as, saved,  # noqa: F811
                                                                                   monkeypatch, caplog):
    moved(saved, S.COMPLETE)
    monkeypatch.setattr(status, "audit", WithoutTheActsLine())
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
        client_as("kasi_pelayanan").post(f"/pendaftaran/{saved}/status", data={"to_status": "terkirim"})
    assert Application.get_by_id(saved).status == "lengkap"  # refused
    # the move's declaration refuses it when it returns (issue 91), before the commit would have
    assert "tindakan tanpa catatan audit: (tanpa baris audit status) (app/registration/status.py:transition)" \
        in caplog.text


def test_at_an_office_the_move_is_kept_and_its_writer_named_on_the_health_card(client_as, saved,  # noqa: F811
                                                                               at_an_office, monkeypatch):
    moved(saved, S.COMPLETE)
    monkeypatch.setattr(status, "audit", WithoutTheActsLine())
    assert client_as("kasi_pelayanan").post(f"/pendaftaran/{saved}/status", data={"to_status": "terkirim"}).status_code == 302
    assert Application.get_by_id(saved).status == "terkirim"
    assert gaps(at_an_office) == {"app/registration/status.py:transition": "application, application_status_event"}


def test_a_registration_without_its_line_is_refused_and_named(loket, monkeypatch, caplog):  # noqa: F811
    monkeypatch.setattr(records, "audit", WithoutTheActsLine())
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
        loket.post("/pendaftaran/baru", data=applicant_form(), content_type="multipart/form-data")
    assert Application.select().count() == 0
    # its declaration (@act, when it returns inside the page's transaction) or the commit check names it
    assert "(app/registration/records.py:create_application)" in caplog.text


def test_a_checklist_without_its_line_is_refused_and_named(loket, saved, monkeypatch, caplog):  # noqa: F811
    """A returned file ticked again and still short: the checklist's own line, no status move."""
    assert loket.post(f"/pendaftaran/{saved}/persyaratan", data={"syarat": ["pengantar_desa"]}).status_code == 302
    monkeypatch.setattr(records, "audit", WithoutTheActsLine())
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
        loket.post(f"/pendaftaran/{saved}/persyaratan", data={"syarat": ["pengantar_desa", "pas_foto"]})
    assert '"pas_foto"' not in Application.get_by_id(saved).requirements_met
    assert "(app/registration/records.py:_still_short)" in caplog.text  # its declaration names it


def test_a_checklist_of_a_returned_file_still_short_has_its_line(loket, saved, caplog):  # noqa: F811
    """The same branch with the real audit module and the guard on (issue 91, finding 3): its line removed
    from the code, this commit is refused."""
    assert loket.post(f"/pendaftaran/{saved}/persyaratan", data={"syarat": ["pengantar_desa"]}).status_code == 302
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        again = loket.post(f"/pendaftaran/{saved}/persyaratan", data={"syarat": ["pengantar_desa", "pas_foto"]})
    assert again.status_code == 302 and ALARM not in caplog.text
    assert '"pas_foto"' in Application.get_by_id(saved).requirements_met
    assert AuditEvent.select().where(AuditEvent.action == "persyaratan").count() == 1


def test_a_line_covers_its_own_act_not_another_in_the_same_commit(db, caplog):
    acts = capability('''
def save_phone(value):
    Setting.insert(key="phone", value=value, updated_at="2026-11-27").on_conflict_replace().execute()
    audit.record("ubah", "pengaturan", "phone", "Telepon kantor diubah")

def save_fax(value):
    Setting.insert(key="fax", value=value, updated_at="2026-11-27").on_conflict_replace().execute()
''', "save_phone").__globals__
    scope = {"database": database, **acts}
    exec(compile('''
def page(both):
    """A page that runs two acts in one transaction; the second forgot its line."""
    with database.atomic():
        save_phone('"0334 1"')
        if both:
            save_fax('"0334 2"')
''', str(ROOT / "app" / "contoh" / "views.py"), "exec"), scope)
    page = scope["page"]
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        page(both=False)
        with pytest.raises(Exception):
            page(both=True)
    assert f"{ALARM}: tabel setting ({WRITER}:save_fax)" in caplog.text


def test_the_guard_reads_a_lines_action_from_its_column(db):
    """The preupdate hook hands the row's values in the table's order: the guard's column of `action`."""
    columns = [row[1] for row in db.execute_sql('PRAGMA table_info("audit_event")').fetchall()]
    assert columns.index("action") == audit._ACTION

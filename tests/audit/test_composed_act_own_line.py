"""An act that calls another act keeps a line of its own (issue 91, finding 1): the guard counted a line as
covering every change of a function on both stacks, so the inner act's line covered the outer act's
writes. With its own line gone, the desa form's acceptance at the counter (the application's `buat` line
stood for the form's `terima`), the desa operator's account (the account's line stood for its desa) and
the center's kecamatan registration (the enrolment code's line stood for the kecamatan) were saved with
an empty health card; the desa PC's renumber in a pass was covered by its own "diterima → diterima" status
line, which is no longer written when the renumber's line says what happened. Now a line is the act of the innermost function on its stack that changed a row:
it covers that function and the functions it called, never its caller."""
import io
import logging
import os

import pytest

from app.desa import acceptance
from app.desa import records as desa_records
from app.desa.models import PreRegistration, UserDesa
from app.auth.models import User
from app.frame import audit
from app.frame.audit_event import AuditEvent
from app.registration.models import Application
from sync.center import desk_records, trail
from sync.center.models import CenterAudit, Kecamatan
from tests.audit.test_each_act_its_own_line import ALARM, WithoutTheActsLine
from tests.audit.test_guard_sees_every_write import capability
from tests.core.test_audit_attached import WRITER
from tests.desa.test_desa_mode import bound_to, desa_app, kecamatan  # noqa: F401  fixtures
from tests.desa.conftest import DARUNGAN, darungan, desa_client, pre_register  # noqa: F401  fixtures
from tests.desa.test_counter import form_of, text
from tests.support.factory import applicant_form, photo_jpeg
from tests.registration.conftest import client_as, loket, office  # noqa: F401  fixtures
from tests.sync.conftest import center_app, center_db  # noqa: F401  fixtures
from tests.sync.test_center_audit_guard import center_writer
from tests.support.factory import kecamatan_row


def composed(outer_line: bool, helper: bool = False):
    """save_contacts calls the act save_phone (its own line), then writes the fax itself; its own line is
    written by itself, by a helper that writes nothing else, or not at all."""
    return capability(f'''
def save_phone(value):
    Setting.insert(key="phone", value=value, updated_at="2026-11-28").on_conflict_replace().execute()
    audit.record("ubah", "pengaturan", "phone", "Telepon kantor diubah")

def note_contacts():
    audit.record("ubah", "pengaturan", "fax", "Faks kantor diubah")

def save_contacts():
    with database.atomic():
        save_phone('"0334 1"')
        Setting.insert(key="fax", value='"0334 2"', updated_at="2026-11-28").on_conflict_replace().execute()
        if {outer_line} and {helper}:
            note_contacts()
        elif {outer_line}:
            audit.record("ubah", "pengaturan", "fax", "Faks kantor diubah")
''', "save_contacts")


def test_an_act_that_calls_another_act_and_lost_its_own_line_is_refused_and_named(db, caplog):
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
        composed(outer_line=False)()
    assert f"{ALARM}: tabel setting ({WRITER}:save_contacts)" in caplog.text


@pytest.mark.parametrize("helper", [False, True], ids=["itself", "by_a_helper"])
def test_an_act_that_calls_another_act_with_its_own_line_passes(db, caplog, helper):
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        composed(outer_line=True, helper=helper)()
    assert ALARM not in caplog.text


def test_a_desa_form_accepted_without_its_terima_line_is_refused_and_named(darungan, loket, monkeypatch, caplog):
    pre_register(darungan, applicant_form(), {"photo": (io.BytesIO(photo_jpeg()), "foto.jpg")})
    pre = PreRegistration.get()
    monkeypatch.setattr(acceptance, "audit", WithoutTheActsLine())  # create_application keeps its `buat` line
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
        loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=form_of(pre), content_type="multipart/form-data")
    assert PreRegistration.get_by_id(pre.id).status != "diterima" and Application.select().count() == 0
    assert "tabel pre_registration (app/desa/acceptance.py:accept)" in caplog.text


def test_a_desa_form_accepted_with_its_line_passes(darungan, loket, caplog):
    pre_register(darungan, applicant_form(), {"photo": (io.BytesIO(photo_jpeg()), "foto.jpg")})
    pre = PreRegistration.get()
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        response = loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=form_of(pre),
                              content_type="multipart/form-data")
    assert response.status_code == 302, text(response)[:500]
    assert ALARM not in caplog.text


def test_a_desa_operators_account_without_its_line_is_refused_and_named(client_as, monkeypatch, caplog):
    client_as("admin")
    monkeypatch.setattr(desa_records, "audit", WithoutTheActsLine())  # create_user keeps the account's line
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"), pytest.raises(Exception):
        desa_records.create_operator("kaur.kraton", "Kaur Kraton", [DARUNGAN])
    assert not User.select().where(User.username == "kaur.kraton").exists() and UserDesa.select().count() == 0
    assert "tabel user_desa (app/desa/records.py:create_operator)" in caplog.text


def test_at_an_office_the_outer_act_is_named_on_the_health_card(client_as, app, monkeypatch):
    monkeypatch.setattr(audit._guarded[os.path.realpath(app.config["DATABASE_PATH"])], "strict", False)
    client_as("admin")
    monkeypatch.setattr(desa_records, "audit", WithoutTheActsLine())
    desa_records.create_operator("kaur.kraton", "Kaur Kraton", [DARUNGAN])
    gaps = {(gap["writer"], gap["tables"]) for gap in audit.trail_gaps(app.config["DATABASE_PATH"].parent)}
    assert gaps == {("app/desa/records.py:create_operator", "user_desa"),  # the commit check
                    ("app/desa/records.py:create_operator", "(tanpa baris audit ubah)")}  # its declaration (@act)


def test_a_kecamatan_registered_without_its_line_is_refused_and_named(center_db, monkeypatch):
    """The enrolment code's `kode_pendaftaran` line is the code's act, not the kecamatan's (SQLite and PostgreSQL)."""
    monkeypatch.setattr(desk_records, "audit", lambda *args, **kwargs: None)
    with pytest.raises(trail.UntrailedWrite, match="tabel kecamatan .sync/center/desk_records.py:register_kecamatan."):
        desk_records.register_kecamatan("35.08.09", "Kunir")
    assert not Kecamatan.select().where(Kecamatan.code == "35.08.09").exists()


def test_a_kecamatan_registered_with_its_line_passes(center_db):
    desk_records.register_kecamatan("35.08.09", "Kunir")
    assert {row.action for row in CenterAudit.select()} == {"daftar_kecamatan", "kode_pendaftaran"}


CENTER_COMPOSED = center_writer('''
def rename_once(kecamatan_id):
    Kecamatan.update(name="Satu").where(Kecamatan.id == kecamatan_id).execute()
    audit("ubah", "kecamatan", kecamatan_id, "Nama kecamatan diubah")

def rename_and_note(kecamatan_id, audited):
    with center_database.atomic():
        rename_once(kecamatan_id)
        PrintRun.create(created_at="2026-11-28 08:00:00", created_by="petugas")
        if audited:
            audit("cetak", "cetak", "", "Cetakan dibuat")
''', "rename_and_note")


def test_a_center_act_that_calls_another_act_needs_its_own_line(center_db):
    kecamatan = kecamatan_row()
    with pytest.raises(trail.UntrailedWrite, match="tabel print_run .sync.center.contoh.py:rename_and_note."):
        CENTER_COMPOSED(kecamatan.id, audited=False)
    CENTER_COMPOSED(kecamatan.id, audited=True)


def renumbered_at_the_desa_pc(desa_app, kecamatan, client_as, monkeypatch, without_its_line: bool) -> tuple:
    """A relayed form accepted at the counter as A, then renumbered by the kecamatan to B: the desa PC hears
    both in its pass (sync/client/engine.apply_event), the renumber's `ubah_nomor` line dropped or kept."""
    from app.desa import relay
    from sync.client import engine
    from tests.desa.test_relay_order import _relayed_form_at_the_desa
    link_id, number, digest = _relayed_form_at_the_desa(desa_app, kecamatan, client_as)

    def event(seq, status, application_number):
        return {"seq": seq, "id": number, "version": 1, "hash": digest, "step": seq, "status": status,
                "label": status, "reason": "", "application_number": application_number, "at": "2026-11-28T10:00:00"}

    with bound_to(desa_app):
        assert engine.apply_event(link_id, event(1, "diterima_loket", "350807-P1-000004")) == "applied"
        if without_its_line:
            real = relay.audit.record
            monkeypatch.setattr(relay.audit, "record", lambda action, *args, **kwargs:
                                None if action == "ubah_nomor" else real(action, *args, **kwargs))
        try:
            return engine.apply_event(link_id, event(2, "nomor_diganti", "350807-P1-000009")), \
                PreRegistration.get(PreRegistration.number == number).relay_application_number
        except Exception as refused:
            return refused, PreRegistration.get(PreRegistration.number == number).relay_application_number


def test_a_desa_pcs_renumber_without_its_line_is_refused_and_named(desa_app, kecamatan, client_as, monkeypatch,
                                                                  caplog):
    """The renumber's only line is its own: the form's relay status did not move, so no status line stands for it."""
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        outcome, number = renumbered_at_the_desa_pc(desa_app, kecamatan, client_as, monkeypatch, True)
    assert isinstance(outcome, Exception) and number == "350807-P1-000004"
    assert "tabel pre_registration (app/desa/relay.py:apply_status)" in caplog.text


def test_a_desa_pcs_renumber_with_its_line_passes(desa_app, kecamatan, client_as, monkeypatch, caplog):
    with caplog.at_level(logging.ERROR, logger="app.frame.audit"):
        assert renumbered_at_the_desa_pc(desa_app, kecamatan, client_as, monkeypatch, False) == \
            ("applied", "350807-P1-000009")
    assert ALARM not in caplog.text
    with bound_to(desa_app):
        actions = [row.action for row in AuditEvent.select().where(AuditEvent.entity == "pra_pendaftaran")
                   .order_by(AuditEvent.id)]
    assert actions[-1] == "ubah_nomor" and actions.count("ubah_nomor") == 1

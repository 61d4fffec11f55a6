"""The privacy masks as docs/privacy.md shows them, character for character, at their edges (issue 61:
the mutation run over app/frame/privacy.py). Each table row is what a role without the field reads on a
page, an export or the audit trail."""
import datetime
from types import SimpleNamespace

import pytest
from flask import Flask, g, render_template_string

from app.frame import privacy
from app.frame.roles import ADMIN, CAMAT, DESA, INFORMASI, KASI, LOKET

B = privacy.BULLET


@pytest.mark.parametrize("field, value, masked", [
    # NIK, KK, the taker's ID: the region prefix and the last three digits (`3508•••••••••001`).
    ("nik", "3508071203900001", "3508•••••••••001"),
    ("kk_number", "3508070101100007", "3508•••••••••007"),
    ("handover_id_number", "3508071203900001", "3508•••••••••001"),
    ("handover_id_number", "A1234567", "A123•567"),  # 8 characters: one hidden, the shortest so masked
    ("handover_id_number", "A123456", "•••"),  # 7: prefix and end would be all of it
    ("nik", 3508071203900001, "3508•••••••••001"),  # a number read from a spreadsheet, as text
    # Phone and contact: the first four and the last two (`0812••••••90`).
    ("phone", "081234567890", "0812••••••90"),
    ("complainant_contact", "081234567890", "0812••••••90"),
    ("phone", "0812345", "0812•45"),  # 7: one hidden
    ("phone", "081290", "•••"),  # 6: the first four and last two would show it whole
    ("complainant_contact", "budi@contoh.id", "budi••••••••id"),
    # Birth date: the year (`1990-••-••`), from text or a date.
    ("birth_date", "1990-05-12", "1990-••-••"),
    ("birth_date", datetime.date(1990, 5, 12), "1990-••-••"),
    ("birth_date", "1990", "1990-••-••"),
    ("birth_date", "199", "•••"),
    ("birth_date", "12-05-1990", "•••"),  # no year first: nothing of it shown
    # Every other field and free text: `•••`, whatever its length.
    ("address", "Dusun Krajan No. 5", "•••"),
    ("full_name", "Budi", "•••"),
    ("rt", "002", "•••"),
    ("photo", b"\xff\xd8", "•••"),
    # Nothing to hide: nothing shown.
    ("nik", "", ""),
    ("phone", None, ""),
    ("birth_date", "", ""),
    ("address", None, ""),
])
def test_each_field_is_masked_as_docs_privacy_shows(field, value, masked):
    assert privacy.mask(field, value) == masked
    assert set(masked) - set(str(value)) <= {B, "-"}  # a mask hides; it writes nothing of its own


def test_the_mask_counts_one_bullet_for_each_hidden_character():
    assert privacy.mask("nik", "1234567890") == "1234" + B * 3 + "890"
    assert privacy.mask("phone", "1234567890") == "1234" + B * 4 + "90"
    assert privacy.mask("kk_number", "12345678") == "1234" + B + "678"


# Who reads which field in clear (docs/privacy.md's table): a role not named reads the mask.
CLEAR = {
    LOKET: {"nik", "kk_number", "birth_date", "birth_place", "address", "rt", "rw", "religion", "marital_status",
            "occupation", "phone", "photo", "handover_id_number", "applicant_notes"},
    KASI: {"nik", "kk_number", "birth_date", "birth_place", "address", "rt", "rw", "religion", "marital_status",
           "occupation", "phone", "photo", "handover_id_number", "applicant_notes", "complainant_contact",
           "confidential_text"},
    INFORMASI: {"complainant_contact", "confidential_text"},
    CAMAT: set(),
    ADMIN: set(),
    DESA: {"nik", "kk_number", "birth_date", "birth_place", "address", "rt", "rw", "religion", "marital_status",
           "occupation", "phone", "photo", "applicant_notes"},
}


@pytest.mark.parametrize("role", sorted(CLEAR))
def test_each_role_reads_in_clear_only_its_fields(role):
    for field in privacy.PERSONAL_FIELDS:
        assert privacy.may_see(field, role) is (field in CLEAR[role]), (role, field)
    assert privacy.shown("081234567890", "phone", role) == ("081234567890" if "phone" in CLEAR[role]
                                                            else "0812••••••90")


def test_a_field_that_is_not_personal_is_read_by_everyone_and_a_personal_one_by_no_unknown_role():
    for role in (*CLEAR, None, "tamu"):
        assert privacy.may_see("status", role) is True
        assert privacy.shown("diterima", "status", role) == "diterima"
    for role in (None, "tamu"):
        assert not any(privacy.may_see(field, role) for field in privacy.PERSONAL_FIELDS)
        assert privacy.shown("3508071203900001", "nik", role) == "3508•••••••••001"


def test_a_records_notes_and_mismatch_reason_follow_the_applicant_notes_row():
    for field in ("notes", "mismatch_reason"):
        assert privacy.shown("Suami di luar negeri", field, LOKET) == "Suami di luar negeri"
        assert privacy.shown("Suami di luar negeri", field, DESA) == "Suami di luar negeri"
        assert privacy.shown("Suami di luar negeri", field, ADMIN) == "•••"
        assert privacy.shown("Suami di luar negeri", field, INFORMASI) == "•••"
        assert privacy.shown("", field, ADMIN) == ""


def _page_app():
    app = Flask(__name__)
    privacy.install(app)
    return app


def test_pages_ask_the_signed_in_users_role():
    app = _page_app()
    page = '{{ nik|pribadi("nik") }} {{ boleh_lihat("nik") }} {{ boleh_lihat("status") }}'
    for role, expected in ((LOKET, "3508071203900001 True True"), (CAMAT, "3508•••••••••001 False True")):
        with app.test_request_context("/"):
            g.user = SimpleNamespace(role=role)
            assert privacy.current_role() == role
            assert render_template_string(page, nik="3508071203900001") == expected
    with app.test_request_context("/"):  # nobody signed in: the mask
        assert privacy.current_role() is None
        assert render_template_string(page, nik="3508071203900001") == "3508•••••••••001 False True"
    assert privacy.current_role() is None  # outside a request (a job, an export script)
    assert privacy.may_see("nik") is False


def test_the_audit_trail_masks_personal_values_at_any_depth_and_hides_free_text():
    written = privacy.for_audit({
        "nik": "3508071203900001", "phone": "081234567890", "birth_date": "1990-05-12", "address": "Dusun Krajan",
        "status": "diterima", "version": 2, "biometric_done": True, "empty": None,
        "notes": "Suami di luar negeri", "text": "", "tindak_lanjut": "Ditelepon", "note": None,
        "mismatch_reason": "Salah ketik",
        "changed": {"nik": "3508071203900002", "full_name": "Budi", "rt": "002", "desa_code": "35.08.07.2001"},
        "fields": [{"phone": "081398765422"}, {"status": "selesai"}],
        "photo": ["a.jpg", "b.jpg"], "kk_number": [], "complainant_contact": {"hp": "0812"}, "rw": {},
        "tags": ["baru", "desa"],
    })
    assert written == {
        "nik": "3508•••••••••001", "phone": "0812••••••90", "birth_date": "1990-••-••", "address": "•••",
        "status": "diterima", "version": 2, "biometric_done": True, "empty": None,
        "notes": "•••", "text": "", "tindak_lanjut": "•••", "note": "", "mismatch_reason": "•••",
        "changed": {"nik": "3508•••••••••002", "full_name": "Budi", "rt": "•••", "desa_code": "35.08.07.2001"},
        "fields": [{"phone": "0813••••••22"}, {"status": "selesai"}],
        "photo": "•••", "kk_number": "", "complainant_contact": "•••", "rw": "",
        "tags": ["baru", "desa"],
    }
    assert privacy.for_audit(None) is None
    assert privacy.for_audit({}) == {}


def test_a_personal_value_of_any_shape_is_masked_whole():
    assert privacy.masked_value("nik", ["3508071203900001"]) == "•••"
    assert privacy.masked_value("nik", ("3508071203900001",)) == "•••"
    assert privacy.masked_value("nik", {"a": 1}) == "•••"
    assert privacy.masked_value("nik", []) == ""
    assert privacy.masked_value("nik", {}) == ""
    assert privacy.masked_value("nik", "3508071203900001") == "3508•••••••••001"
    assert privacy.masked_value("phone", None) == ""

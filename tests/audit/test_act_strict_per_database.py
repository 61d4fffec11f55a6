"""An act that returned without its own line is refused or only noted as the database it used says, not as
the database watched last (issue 91). The act check's strictness was one setting of the process, set by
whichever database was watched last: in a test with several offices or a center beside them (the desa
relay's tests: the center prepared after the kecamatan and the desa PC), a missing line was only logged on the
test's own strict database, and every test passed (the desa relay's statuses written outside their act)."""
import shutil

import pytest

from app import create_app
from app.frame import audit
from app.frame.audit_rule import ActWithoutLine
from tests.audit.test_declared_acts import ACTS
from tests.core.test_audit_attached import WRITER
from tests.desa.test_desa_mode import bound_to
from tests.sync.harness import prepare_center

GAP = {f"{WRITER}:save_phone_twice": "(tanpa baris audit ubah)"}


def other_office(folder_factory, template, strict: bool):
    folder = folder_factory.mktemp("kantor-lain")
    shutil.copytree(template, folder, dirs_exist_ok=True)
    return create_app({"DATA_DIR": folder, "SECRET_KEY": "lain", "TESTING": strict})


def gaps(app) -> dict:
    return {gap["writer"]: gap["tables"] for gap in audit.trail_gaps(app.config["DATABASE_PATH"].parent)}


def test_an_act_without_its_line_is_refused_or_noted_by_the_database_it_used(app, set_up_office_folder,
                                                                             tmp_path_factory):
    office = other_office(tmp_path_factory, set_up_office_folder, strict=False)  # as at an office: noted
    with bound_to(app), pytest.raises(ActWithoutLine, match="save_phone_twice"):  # the test's own: refused
        ACTS["save_phone_twice"]('"0334 1"', own_line=False)
    assert gaps(app) == {} and gaps(office) == {}
    other_office(tmp_path_factory, set_up_office_folder, strict=True)  # a strict one watched after
    with bound_to(office):
        ACTS["save_phone_twice"]('"0334 2"', own_line=False)
    assert gaps(office) == GAP and gaps(app) == {}


def test_a_center_prepared_after_the_tests_office_leaves_the_office_strict(app, tmp_path):
    """The desa relay's tests: the kecamatan PC, then a center in the same process, watched as a center's
    server is (not strict). The kecamatan's act without its line is still refused."""
    prepare_center(tmp_path / "pusat")
    with bound_to(app), pytest.raises(ActWithoutLine, match="save_phone_twice"):
        ACTS["save_phone_twice"]('"0334 3"', own_line=False)

"""The desa PC's words are the desa PC's (issue 92, finding 6): its first start said "setelah penyiapan" (a desa PC
has no office setup), the kecamatan's desa-code sheet named `run.py serve --mode desa` without the Python that runs
it, and the Operator Desa's guide said "Menu Anda hanya dua" beside a menu of three."""
import html
import re
from pathlib import Path

from flask import url_for

from app.frame.guides import DESA
from app.frame.guides import guide as guide_of
from tests.desa.test_desa_mode import bound_to, desa_app, enrolment_code, kecamatan, operator_client  # noqa: F401
from tests.registration.conftest import client_as, office  # noqa: F401  (the kecamatan that makes the desa's code)
from tests.desa.conftest import DARUNGAN

ROOT = Path(__file__).resolve().parents[2]
WORD_NUMBERS = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5}


def test_the_first_start_of_a_desa_pc_points_to_its_enrolment_not_to_an_office_setup():
    from app.programs.office_commands import first_start_banner
    desa, kecamatan_words = first_start_banner("sekali-pakai", "desa"), first_start_banner("sekali-pakai")
    assert "penyiapan" not in desa and "Operator Desa" in desa and "kode pendaftaran" in desa
    assert "setelah penyiapan" in kecamatan_words and "Operator Desa" not in kecamatan_words


def test_the_desa_code_sheet_names_the_python_that_runs_the_desa_pc(kecamatan, client_as):
    page = html.unescape(client_as("admin").post("/admin/operator-desa/kode-komputer",
                                                 data={"desa": DARUNGAN}).get_data(as_text=True))
    assert r".venv\Scripts\python run.py serve --mode desa" in page
    assert ".venv/bin/python run.py serve --mode desa" in page


def test_the_operator_desa_guide_counts_and_names_the_menu_the_desa_pc_shows(desa_app):
    text = (ROOT / "templates" / guide_of(DESA, "operator-desa").template).read_text(encoding="utf-8")
    said = re.search(r"Menu Anda hanya (\w+):(.*?)</li>", text, re.S)
    assert said, "the guide no longer says how many menu items the operator has: update this test"
    named = re.findall(r'data-jenis="menu"[^>]*>([^<]+)</span>', said.group(2))
    with bound_to(desa_app), desa_app.test_request_context():
        home = url_for("desa.home")
    page = html.unescape(operator_client(desa_app).get(home).get_data(as_text=True))
    menu = re.findall(r"<li><a href=\"[^\"]+\"[^>]*>([^<]+)", re.search(r'<nav class="menu".*?</nav>', page,
                                                                       re.S).group(0))
    assert [label.strip() for label in menu] == named
    assert WORD_NUMBERS[said.group(1)] == len(menu)

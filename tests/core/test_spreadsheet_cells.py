"""Every character that starts a formula in Excel or LibreOffice is neutralised (OWASP CSV injection)."""
import pytest

from app.frame.spreadsheet_cells import safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+62812", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\n=1", "  =1+1",
                                  '=HYPERLINK("http://x","klik")', "+cmd|' /C calc'!A0"])
def test_a_formula_start_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Budi", "08123", "Jl. Raya -", "", 42, None, 3.5])
def test_anything_else_is_left_as_it_is(value):
    assert safe_cell(value) == value

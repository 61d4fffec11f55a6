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



def test_openpyxl_and_numpy_are_not_part_of_the_office_server_s_start():
    """Issue 30, upload memory: openpyxl with numpy (~28 MB) loads when a workbook is read or made, not
    when a module of the app is imported (a subprocess importing the app costs CI seconds; the import
    statements say the same)."""
    import ast
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    at_start = []
    for path in sorted((root / "app").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "openpyxl" not in source and "numpy" not in source:
            continue
        for node in ast.parse(source).body:  # module level only
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            at_start += [f"{path.relative_to(root)}: {name}" for name in names
                         if name.split(".")[0] in ("openpyxl", "numpy")]
    assert at_start == []


def test_a_spreadsheet_bomb_is_refused_before_openpyxl_is_imported(monkeypatch):
    import io
    import sys
    import zipfile
    from app.frame.spreadsheet_cells import UnreadableWorkbook, open_workbook
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "<a>" + "x" * (2 * 1024 * 1024) + "</a>")  # by its ratio
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # importing it now would raise ImportError
    with pytest.raises(UnreadableWorkbook, match="terlalu besar"):
        open_workbook(bomb.getvalue())

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


def test_the_office_server_starts_and_refuses_a_spreadsheet_bomb_without_openpyxl_or_numpy(tmp_path):
    """Issue 30, upload memory: openpyxl and numpy (~28 MB) are not part of the office server's base;
    they load when a workbook is read or made, and a bomb is refused from its archive's sizes before."""
    import io
    import subprocess
    import sys
    import zipfile
    from pathlib import Path
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "<a>" + "x" * (50 * 1024 * 1024) + "</a>")
    (tmp_path / "bomb.xlsx").write_bytes(bomb.getvalue())
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from app import create_app\n"
        f"create_app({{'DATA_DIR': Path({str(tmp_path / 'data')!r}), 'SECRET_KEY': 's'}})\n"
        "from app.frame.spreadsheet_cells import UnreadableWorkbook, open_workbook\n"
        "try:\n"
        f"    open_workbook(Path({str(tmp_path / 'bomb.xlsx')!r}).read_bytes())\n"
        "except UnreadableWorkbook as refusal:\n"
        "    print('ditolak:', refusal)\n"
        "print('loaded:', sorted(m for m in ('openpyxl', 'numpy') if m in sys.modules))\n")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ditolak: Isi berkas XLSX terlalu besar" in done.stdout, done.stdout
    assert "loaded: []" in done.stdout, done.stdout

"""Cells for every CSV/XLSX export: text from forms must never run as a spreadsheet formula.

Every export (buku register, buku pengaduan, quarterly recap) writes its rows through
`safe_row`, so one rule guards them all.
"""

# OWASP "CSV injection": a cell starting with one of these is a formula to Excel/LibreOffice,
# also after leading spaces (LibreOffice skips them), and tab/CR open a new cell or line.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and (value.startswith(FORMULA_START) or value.lstrip(" ").startswith(FORMULA_START)):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(value) for value in values]

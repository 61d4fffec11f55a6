"""Cells for CSV/XLSX exports: text from forms must never run as a spreadsheet formula."""

# OWASP "CSV injection": a cell starting with one of these is a formula to Excel/LibreOffice.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value

"""The shared frame of every program of the project (kecamatan app, printing center, desa mode).

Config, database and migrations, the request cycle, accounts and roles, the access hook,
audit recording, error pages, base templating, dates and zones, working days, pagination,
spreadsheet-cell safety. The frame imports no capability (tests/core/test_layout.py).
"""

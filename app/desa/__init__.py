"""The village office (desa): desa operators pre-register KTP-el forms, the counter accepts them without retyping.

What both office programs share lives here (models, records, qr, relay, scope, the PC codes in mode.py,
the pages by audience); each program's capability builds its own blueprint from the pages it shows:
app/desa/kecamatan.py (the kecamatan: the desa operators there, the counter's queue, the admin of desa
operators and desa PCs) and app/desa/pc.py (the desa PC: its operators, its admin, its enrolment and sync).
"""

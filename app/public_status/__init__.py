"""Public status (issue 28): every application, complaint and desa F-1.07 is followed from a citizen's
phone on the regency center's public page; this PC sends the minimal public record through the sync
outbox and prints the check code and QR on every slip. No page of its own.

Each office program has its part: app/public_status/kecamatan.py (applications, complaints, the SMS
consent) and app/public_status/pc.py (the desa PC's F-1.07); both stand on records.py.
"""

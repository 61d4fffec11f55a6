"""The desa PC (`run.py serve --mode desa`): a village office's own PC or laptop. Its desa operators
pre-register KTP-el forms (F-1.07 with a signed QR), its admin manages their accounts and enrols the
PC with a code from the kecamatan; the forms travel to the kecamatan through the center's relay
(app/desa/relay.py). Its own database file (desa.sqlite3), the same one-time admin password."""
from app.frame.programs import Command, Program
from app.programs.kecamatan import OFFICE_COMMANDS, PROGRAM as KECAMATAN

PROGRAM = Program(
    name="desa",
    title="Loket Kecamatan (mode desa)",
    factory="app.kecamatan:create_app",
    # Today still the kecamatan's capabilities, of which only the desa's pages answer (the allow-list
    # app/desa/mode.py ENDPOINTS, installed by create_app): app.registration's pages import the calendar,
    # the survey codes and (through the indicators) the complaints, and one access table covers both.
    capabilities=KECAMATAN.capabilities,
    policy="app.policy:POLICY",
    schema="kecamatan",
    migrate="app.frame.migrations:migrate",
    # The office commands without demo, and its own `sync` (its link is enrolled on its admin's page).
    commands=tuple(Command(c.name, "app.programs.sync_commands:add_desa_sync") if c.name == "sync" else c
                   for c in OFFICE_COMMANDS),
    background_jobs=(
        (3600, "app.backups.daily:daily_backup"),  # the daily backup
        (60, "sync.client.link:scheduled_sync"),   # its link is a desa's: forms to the relay, statuses back
    ),
    modes=("desa",),
)

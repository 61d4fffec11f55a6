"""The desa PC (`run.py serve --mode desa`): a village office's own PC or laptop. Its desa operators
pre-register KTP-el forms (F-1.07 with a signed QR), its admin manages their accounts and enrols the
PC with a code from the kecamatan; the forms travel to the kecamatan through the center's relay
(app/desa/relay.py). Its own database file (desa.sqlite3) with its own tables (schema/desa), the same
one-time admin password."""
from app.frame.programs import Command, Program
from app.programs.kecamatan import OFFICE_COMMANDS

PROGRAM = Program(
    name="desa",
    title="Loket Kecamatan (mode desa)",
    factory="app.programs.office_app:create_app",
    # Only what a desa PC serves: sign in and one's own password, the letterhead's logo and autostart,
    # backups, its own desa pages (app/desa/pc.py: operators, admin, enrolment, the relay's sync) and
    # its F-1.07's public status.
    capabilities=(
        "app.core",
        "app.auth.own_account",
        "app.settings.letterhead",
        "app.backups",
        "app.desa.pc",
        "app.public_status.pc",  # its F-1.07's check code, followed from a phone
        "app.updates",  # releases from the regency, through the center's relay link
        "app.guide",  # its roles' guides and what its messages mean
    ),
    policy="app.policy:DESA_PC_POLICY",  # the rows of the offices' one table that its pages need
    schema="desa",  # its own tables only; an older desa PC's database is converted at its start
    migrate="app.frame.migrations:migrate_desa",
    # The office commands without demo, and its own `sync` (its link is enrolled on its admin's page).
    commands=tuple(Command(c.name, "app.programs.sync_commands:add_desa_sync") if c.name == "sync" else c
                   for c in OFFICE_COMMANDS),
    background_jobs=(
        (3600, "app.backups.daily:daily_backup"),  # the daily backup
        (600, "app.updates.installing:nightly_apply"),  # an available release, at night when the admin asked
        (60, "sync.client.scheduler:scheduled_sync"),   # its link is a desa's: forms to the relay, statuses back
    ),
    modes=("desa",),
)

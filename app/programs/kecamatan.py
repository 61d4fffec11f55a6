"""The kecamatan office: the counter, the information desk, the section head and the Camat on one
PC (or a small LAN), served on waitress (`run.py serve`, the default)."""
from app.frame.programs import Command, Program

# The office commands every office PC has (app/programs/office_commands.py), then the kecamatan's own.
OFFICE_COMMANDS = (
    Command("serve", "app.programs.office_commands:add_serve"),
    Command("backup", "app.programs.office_commands:add_backup"),
    Command("restore", "app.programs.office_commands:add_restore"),
    Command("reset-password", "app.programs.office_commands:add_reset_password"),
    Command("autostart", "app.autostart:add_commands"),
    Command("sync", "app.programs.sync_commands:add_sync"),
    Command("update-check", "app.programs.office_commands:add_update_check"),
    Command("check-server", "app.programs.office_commands:add_check_server"),
    Command("paket", "app.programs.packages_command:add_packages"),
    Command("kunci-versi", "app.updates.own_lock:add_command"),  # run.py's, at a version's first start
)

PROGRAM = Program(
    name="kecamatan",
    title="Loket Kecamatan",
    factory="app.programs.office_app:create_app",
    # Adding a capability is one line here (app/capabilities.py says what a package may contribute).
    capabilities=(
        "app.core",
        "app.auth",
        "app.audit",
        "app.settings",
        "app.backups",
        "app.calendar",
        "app.registration",
        "app.desa.kecamatan",
        "app.complaints",
        "app.public_status.kecamatan",
        "app.survey",
        "app.recap",
        "app.indicators",
        "app.sync_page",
        "app.updates",
        "app.guide",
        "app.lan_tls",
    ),
    policy="app.policy:POLICY",
    schema="kecamatan",
    migrate="app.frame.migrations:migrate",
    commands=OFFICE_COMMANDS[:1] + (Command("demo", "app.programs.office_commands:add_demo"),) + OFFICE_COMMANDS[1:],
    background_jobs=(
        (3600, "app.backups.daily:daily_backup"),  # checked hourly; made once a day
        (600, "app.updates.installing:nightly_apply"),  # an available release, at night when the admin asked
        (60, "sync.client.scheduler:scheduled_sync"),   # checks every minute; probes every few minutes
    ),
    modes=("kecamatan",),
)

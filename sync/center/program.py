"""The regency printing center: one process (cheroot) serving every kecamatan's link, the relay of
the desa PCs, the printing pages, the Kinerja Kecamatan pages and the public status page. It stands
on the frame and the protocol only: no capability of the office programs."""
from app.frame.programs import Command, Program

PROGRAM = Program(
    name="center",
    title="Pusat cetak",
    factory="sync.center.app:create_center_app",
    # Its parts: the API (with the relay's, the recaps' and the public status' routes) and the pages.
    capabilities=("sync.center",),
    policy="sync.center.policy:POLICY",
    schema="center",
    migrate="sync.center.migrations:migrate_center",
    commands=(Command("center", "sync.center.commands:add_commands"),
              Command("release", "sync.center.release_commands:add_commands")),
    background_jobs=(
        (60, "sync.center.app:prune_nonces"),             # used nonces past twice the time window
        (3600, "sync.center.app:purge_personal_data"),    # personal data past its retention
        (3600, "sync.center.app:forget_public_statuses"),  # public status records past theirs
        (600, "sync.center.performance:warm_job"),        # Kinerja figures at start, and as the day turns
        (86400, "sync.center.updates:refresh_timestamp"),  # the releases' timestamp never expires between releases
    ),
)

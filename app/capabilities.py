"""What a capability package contributes to an office program (app/programs/*.py list them).

A capability is a package under app/ with a `blueprint`, or one program's part of a package both
office programs use (app.desa.kecamatan and app.desa.pc; app.auth.own_account, app.settings.letterhead
and app.public_status.pc on a desa PC), which builds its blueprint from the pages it serves
(app/frame/routes.py); it may also define
  MENU:            list[MenuItem]       entries of the main menu
  dashboard_cards: (user) -> list[Card] cards on the landing page
  add_demo_arguments(parser), fill_demo(options, rng): its part of `run.py demo`
  add_commands(subparsers): its own `run.py` subcommands
  request_gate():                       a before-request check run after the role check
  LANDING:         str                  the endpoint its program's landing page sends a user to
Adding a capability is one line in its program's declaration; background jobs are declared there too.
"""
from dataclasses import dataclass

@dataclass(frozen=True)
class MenuItem:
    label: str
    endpoint: str
    order: int = 50
    badge: object = None  # optional callable(user) -> int, shown beside the label


@dataclass
class Card:
    title: str
    value: str
    note: str = ""
    url: str | None = None
    level: str = "info"  # info | warn | danger | ok


def modules(program=None) -> list:
    """The capability packages of `program`, by default the running app's. Outside an app (`run.py demo`
    building its parser, the migration check) the caller names the program: a capability never imports
    the declarations above it."""
    if program is None:
        from flask import current_app
        program = current_app.extensions["program"]
    return program.modules()


def menu_for_user():
    """The main menu entries the signed-in user may open, in order, with their badges."""
    from flask import g

    from app.frame.access import user_may
    user = g.get("user")
    if user is None:
        return []
    items = [item for module in modules() for item in getattr(module, "MENU", [])]
    entries = []
    for item in sorted(items, key=lambda i: i.order):
        if user_may(item.endpoint):
            entries.append((item, item.badge(user) if item.badge else 0))
    return entries

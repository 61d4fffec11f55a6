"""The capability packages that make up the app, and what each contributes.

A capability is a package under app/ with a `blueprint`; it may also define
  MENU:            list[MenuItem]       entries of the main menu
  dashboard_cards: (user) -> list[Card] cards on the landing page
  add_demo_arguments(parser), fill_demo(options, rng): its part of `run.py demo`
  add_commands(subparsers): its own `run.py` subcommands
Adding a capability is one line in CAPABILITIES.
"""
import importlib
from dataclasses import dataclass

CAPABILITIES = [
    "app.core",
    "app.auth",
    "app.audit",
    "app.settings",
    "app.backups",
    "app.calendar",
    "app.registration",
    "app.desa",
    "app.complaints",
    "app.survey",
    "app.recap",
    "app.indicators",
    "app.sync_page",
]


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


def modules():
    return [importlib.import_module(name) for name in CAPABILITIES]

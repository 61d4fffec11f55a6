"""What a capability may contribute to its office program: the one declaration of the hooks.

A capability is the module its program lists (app/programs/*.py): a package under app/, or one
program's part of a package both office programs use (app.desa.kecamatan, app.desa.pc). It
contributes by defining, at its top level, any of the names in HOOKS; app/capabilities.py reads
them through `contributions()`, nothing else reads them, and tests/core/test_hooks.py fails when a
capability defines a name of a hook's shape that is not declared here, or a hook has no docstring
or is not in docs/architecture.md.

`run.py` commands and background jobs are not hooks: a program declares them (`Command`,
`background_jobs` in app/programs/*.py) by the dotted name of the function that adds or runs them.
"""
import argparse
import random
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint


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


@dataclass(frozen=True)
class DemoCount:
    """A capability's part of `run.py demo` sized by one option, `--<name> N`: its `add_demo_arguments`
    is `add_argument`, its `fill_demo` starts with `count(options, Model)` or is made by `filling(Model)`.
    The help may name the default as `%(default)s`."""
    name: str
    default: int
    help: str
    metavar: str | None = None

    def add_argument(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(f"--{self.name}", type=int, default=self.default, metavar=self.metavar, help=self.help)

    def count(self, options, model) -> int:
        """How many to write: the option (its default where `options` lack it: another program's, a
        test's), or 0 when `model`'s table has rows already (the demo fills an office once)."""
        count = getattr(options, self.name, self.default)
        return 0 if count <= 0 or model.select().exists() else count

    def filling(self, model) -> Callable:
        """A `fill_demo(options, rng)` made of `write(count, rng)`, called only when `count` gives some."""
        def fill_demo_of(write):
            def fill_demo(options, rng) -> None:
                count = self.count(options, model)
                if count:
                    write(count, rng)
            return fill_demo
        return fill_demo_of


@dataclass(frozen=True)
class Hook:
    name: str
    type: object      # what the capability defines under `name`
    callable: bool    # a function the program calls, or a value it reads
    doc: str


HOOKS = (
    Hook("blueprint", Blueprint, False,
         "Its pages. Every route has a row in its program's access table (app/policy.py); the app "
         "registers the blueprint when it is built."),
    Hook("MENU", list[MenuItem], False,
         "Entries of the main menu, shown to a user whose role may open the entry's endpoint, sorted by "
         "`order` across capabilities; a `badge(user) -> int` is shown beside the label."),
    Hook("dashboard_cards", Callable[[object], list[Card]], True,
         "dashboard_cards(user) -> the cards it shows the signed-in user on the landing page (an empty "
         "list when the user's role has nothing there)."),
    Hook("request_gate", Callable[[], object], True,
         "request_gate() -> None to let the request on, or a response that answers it instead; run before "
         "every request after the user and the role check are known (a maintenance page, a first-run form)."),
    Hook("menu_open", Callable[[str], bool], True,
         "menu_open(endpoint) -> False hides a menu entry its request_gate would turn away (before the "
         "office setup only the setup is shown, not entries that lead back to it)."),
    Hook("add_demo_arguments", Callable[[argparse.ArgumentParser], None], True,
         "add_demo_arguments(parser): its options of `run.py demo` (the demo office's data)."),
    Hook("fill_demo", Callable[[argparse.Namespace, random.Random], None], True,
         "fill_demo(options, rng): writes its part of the demo office, repeatable from `rng`."),
    Hook("UPLOAD_LIMITS", dict, False,
         "Request bodies larger than the app's MAX_CONTENT_LENGTH it takes, in bytes by path (the restore "
         "of a whole database); the frame's request class (request_cycle.OfficeRequest) reads them."),
    Hook("LANDING", str, False,
         "The endpoint the landing page sends a user to instead of the cards (a desa PC's admin lands on "
         "its accounts and enrolment)."),
)
BY_NAME = {hook.name: hook for hook in HOOKS}


def contributions(modules, name: str) -> list:
    """Every capability's contribution to the hook `name`, in the program's order (those that define it)."""
    if name not in BY_NAME:
        raise KeyError(f"no hook {name!r} is declared in app/hooks.py")
    return [getattr(module, name) for module in modules if getattr(module, name, None) is not None]

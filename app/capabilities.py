"""The capabilities of an office program, and what they contribute (app/hooks.py declares the hooks).

A capability is a module its program lists (app/programs/*.py); adding one is one line there.
Everything it contributes is read here, through `app.hooks.contributions`: the menu below, the
landing page's cards and landing endpoint, the request gates and the demo's parts.
"""
import functools

from app.hooks import Card, DemoCount, MenuItem, contributions  # noqa: F401  (capabilities import the types from here)


def modules(program=None) -> list:
    """The capability packages of `program`, by default the running app's. Outside an app (`run.py demo`
    building its parser, the migration check) the caller names the program: a capability never imports
    the declarations above it."""
    if program is None:
        from flask import current_app
        program = current_app.extensions["program"]
    return list(_imported(program))


@functools.lru_cache(maxsize=8)
def _imported(program) -> tuple:
    # A program's packages do not change while it runs: the menu, the cards and the landing page asked
    # importlib for each of them (~16) on every page (issue 73).
    return tuple(program.modules())


@functools.lru_cache(maxsize=8)
def _menu_of(program) -> tuple:
    """The program's menu entries in order and its menu_open gates: the same for every request."""
    items = [item for menu in contributions(modules(program), "MENU") for item in menu]
    return tuple(sorted(items, key=lambda i: i.order)), tuple(contributions(modules(program), "menu_open"))


def menu_for_user():
    """The main menu entries the signed-in user may open, in order, with their badges. Who may open what,
    the gates and the badges are asked on every request: only the list of entries is kept."""
    from flask import current_app, g

    from app.frame.access import may_open
    user = g.get("user")
    if user is None:
        return []
    items, gates = _menu_of(current_app.extensions["program"])
    policy = current_app.extensions["policy"]
    entries = []
    for item in items:
        if may_open(user, item.endpoint, policy) and all(menu_open(item.endpoint) for menu_open in gates):
            entries.append((item, item.badge(user) if item.badge else 0))
    return entries


def landing() -> str | None:
    """The endpoint the running program's landing page sends a user to, when a capability names one."""
    return next(iter(contributions(modules(), "LANDING")), None)


def dashboard_cards(user) -> list:
    return [card for make_cards in contributions(modules(), "dashboard_cards") for card in make_cards(user)]


def blueprints(program) -> list:
    """Every capability's pages; each capability has them (tests/core/test_hooks.py)."""
    return contributions(modules(program), "blueprint")


def request_gates(program) -> list:
    return contributions(modules(program), "request_gate")


def upload_limits(program) -> dict[str, int]:
    return {path: limit for limits in contributions(modules(program), "UPLOAD_LIMITS") for path, limit in limits.items()}


def add_demo_arguments(parser, program) -> None:
    for add in contributions(modules(program), "add_demo_arguments"):
        add(parser)


def fill_demo(options, rng) -> None:
    for fill in contributions(modules(), "fill_demo"):
        fill(options, rng)

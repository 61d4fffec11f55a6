"""What a capability may contribute is declared once (app/hooks.py): every capability of both office
programs defines only declared hooks, each of the declared kind; every hook has its docstring and its
place in docs/architecture.md; nothing but app/capabilities.py reads a hook."""
import inspect
import re
import sys
import types
import typing
from pathlib import Path

import pytest

from app import hooks
from app.programs import desa, kecamatan

ROOT = Path(__file__).parents[2]
PROGRAMS = (kecamatan.PROGRAM, desa.PROGRAM)


def capability_modules():
    return sorted({module for program in PROGRAMS for module in program.modules()}, key=lambda m: m.__name__)


def _inside(name: str, capability: types.ModuleType) -> bool:
    own = capability.__name__
    is_package = hasattr(capability, "__path__")
    return name == own or (is_package and name.startswith(own + "."))


def _imported_from_outside(name: str, value, capability) -> bool:
    """A helper the capability imports for its own use (url_for, register_defaults, another package's
    list or object): a function of a module outside it, or a value bound in a module outside it."""
    origin = getattr(value, "__module__", None)
    if callable(value) and isinstance(origin, str):
        return not _inside(origin, capability)
    return any(bound is value for module_name, module in list(sys.modules.items())
               if module is not None and module_name.startswith(("app.", "sync.", "flask"))
               and not _inside(module_name, capability) for bound in list(vars(module).values()))


def undeclared(capability: types.ModuleType) -> list[str]:
    """The public top-level names the capability itself defines that no hook declares (its modules,
    classes and what it imports from elsewhere are not contributions)."""
    return sorted(name for name, value in vars(capability).items()
                  if not name.startswith("_") and name not in hooks.BY_NAME
                  and not isinstance(value, types.ModuleType) and not inspect.isclass(value)
                  and not _imported_from_outside(name, value, capability))


def wrong_kind(capability: types.ModuleType) -> list[str]:
    found = []
    for hook in hooks.HOOKS:
        value = getattr(capability, hook.name, None)
        if value is None:
            continue
        if hook.callable:
            ok = callable(value)
        else:
            origin = typing.get_origin(hook.type) or hook.type
            ok = isinstance(value, origin) and all(isinstance(item, arg) for arg in typing.get_args(hook.type)
                                                   for item in value)
        if not ok:
            found.append(f"{capability.__name__}.{hook.name}")
    return found


@pytest.mark.parametrize("capability", capability_modules(), ids=lambda m: m.__name__)
def test_a_capability_contributes_only_declared_hooks_of_their_kind(capability):
    assert undeclared(capability) == [], (
        f"{capability.__name__} defines names no hook declares: declare the hook in app/hooks.py (and "
        "read it in app/capabilities.py), or make the name private (_name) or move it to a module of its own")
    assert wrong_kind(capability) == []
    assert getattr(capability, "blueprint", None) is not None, "every capability has its pages"


def test_the_check_finds_an_undeclared_contribution_and_a_wrong_kind():
    fake = types.ModuleType("app.fake_capability")
    fake.SIDEBAR = ["Beranda"]
    fake.MENU = "Beranda"
    fake.request_gate = None
    fake.dashboard_cards = lambda user: []
    fake.dashboard_cards.__module__ = fake.__name__
    fake.nav_links = lambda user: []
    fake.nav_links.__module__ = fake.__name__
    assert undeclared(fake) == ["SIDEBAR", "nav_links"]
    assert wrong_kind(fake) == ["app.fake_capability.MENU"]


def test_every_hook_is_documented():
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for hook in hooks.HOOKS:
        assert len(hook.doc.split()) >= 5, f"hook {hook.name} has no docstring in app/hooks.py"
        assert f"`{hook.name}" in architecture, f"hook {hook.name} is not in docs/architecture.md"


def test_an_undeclared_hook_cannot_be_read():
    with pytest.raises(KeyError):
        hooks.contributions(capability_modules(), "SIDEBAR")


def test_only_app_capabilities_reads_the_hooks():
    names = "|".join(map(re.escape, hooks.BY_NAME))
    reads = re.compile(rf"""(getattr|hasattr)\([^)]*["']({names})["']|contributions\(""")
    found = [f"{path.relative_to(ROOT)}:{n}" for folder in ("app", "sync")
             for path in sorted((ROOT / folder).rglob("*.py"))
             if path.relative_to(ROOT).as_posix() not in ("app/hooks.py", "app/capabilities.py")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if reads.search(line)]
    assert found == [], "read the hooks through app/capabilities.py: " + ", ".join(found)

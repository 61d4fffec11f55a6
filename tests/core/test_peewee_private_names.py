"""The peewee private names the product uses, listed once: a peewee upgrade that renames one fails here,
not at an office; a new one in app/ or sync/ fails until it is listed (or replaced by public API)."""
import ast
from pathlib import Path

import peewee
import pytest
from playhouse import pool

ROOT = Path(__file__).resolve().parents[2]

# name -> (where peewee defines it, where the product uses it, why no public API does)
PRIVATE_NAMES = {
    "_order_by": (peewee.ModelSelect, "app/frame/pagination.py", "the ORDER BY a keyset page continues"),
    "_get_cursor_wrapper": (peewee.ModelSelect, "app/frame/statements.py",
                            "model instances and joins from a kept statement's cursor"),
    "_unresolved": (peewee.DeferredForeignKey, "app/desa/models.py", "a key tied by hand is no longer pending"),
    "_is_closed": (pool.PooledDatabase, "app/frame/db.py sync/center/db.py", "the pool's checkout check"),
    "_can_reuse": (pool.PooledDatabase, "app/frame/db.py", "the pool's check on a returned connection"),
    "_close_raw": (pool.PooledDatabase, "sync/center/db.py", "close a connection the pool drops"),
    "_adapter": (pool.PooledPostgresqlDatabase, "sync/center/db.py", "the driver's transaction status"),
}

# Underscore names peewee documents as its API (Model._meta: "Model metadata" in its docs), and other
# libraries' of the same spelling as one of peewee's (the standard library's, cheroot's).
NOT_PRIVATE = {"_meta": "peewee's documented Model metadata", "_replace": "a namedtuple's (urllib.parse)",
               "_connections": "cheroot's server's connection manager (app/frame/office_tls.py), not the pool's"}


def _names_of(owner) -> set:
    """Every name a peewee class and its bases define or use in their methods (instance attributes
    are set in methods: `self._order_by = ...`)."""
    names = set()
    for klass in owner.__mro__:
        if klass.__module__ not in (peewee.__name__, pool.__name__):
            continue
        for value in vars(klass).values():
            names.update(getattr(getattr(value, "__code__", None), "co_names", ()))
        names.update(vars(klass))
    return names


@pytest.mark.parametrize("name", sorted(PRIVATE_NAMES))
def test_each_listed_private_name_still_exists_on_the_installed_peewee(name):
    owner = PRIVATE_NAMES[name][0]
    assert name in _names_of(owner), f"peewee {peewee.__version__} has no {owner.__name__}.{name}: renamed?"


def _peewee_private_names() -> set:
    names = set()
    for module in (peewee, pool):
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                names |= _names_of(value)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _own(tree) -> set:
    """Names a module defines itself: attributes it assigns (`self._lock, self._free = ...`), its functions."""
    own = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        for target in targets:
            for part in ast.walk(target):
                if isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name) and part.value.id == "self":
                    own.add(part.attr)
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("__"):
            own.add(node.name)
    return own


def _peewee_methods_overridden(tree) -> set:
    """Methods of classes in a module that imports peewee: the product overriding one of its hooks."""
    imports = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    imports |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    if not imports & {"peewee", "playhouse"}:
        return set()
    return {item.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
            for item in node.body if isinstance(item, ast.FunctionDef)}


def test_no_peewee_private_name_in_the_product_outside_the_list():
    peewees = _peewee_private_names()
    assert {"_order_by", "_database", "_state", "_close_raw", "_is_closed"} <= peewees  # the scan sees them
    unlisted = {}
    for path in sorted([*(ROOT / "app").rglob("*.py"), *(ROOT / "sync").rglob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        read = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
        used = (read - _own(tree)) | _peewee_methods_overridden(tree)
        for name in used & peewees - PRIVATE_NAMES.keys() - NOT_PRIVATE.keys():
            unlisted.setdefault(name, []).append(str(path.relative_to(ROOT)))
    assert unlisted == {}, "peewee private names outside PRIVATE_NAMES: use public API, or list them"

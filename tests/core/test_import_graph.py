"""Issue 31: the import graph of the product (app/, sync/, run.py; tests excluded) runs downwards.

Read from the source, so an import inside a function counts as much as one at the top. Modules are
grouped by capability package (app/<package>, sync/center, sync/client, app/frame, app/figures,
sync/protocol.py, ... each top-level module of app/ its own group); the modules of one package may
import each other both ways (a blueprint's own view modules), but
- no circle runs across groups: a capability announces a change and the package that follows it
  subscribes (app/complaints/book.add_change_listener, app/desa/records.add_change_listener,
  app/frame/sms_consent.add_consent_listener), and a page that lives in another capability is named
  at install time (app.extensions), never imported;
- the machinery (app/frame, app/figures, sync/) imports nothing of a capability or a program;
- nothing imports the office programs (their declarations, commands and factory: app/programs/,
  app/kecamatan.py, and app/__init__.py that loads the factory on use): run.py reads them by name.
A declaration names its parts as strings (app/frame/programs.resolve): those are not imports.
"""
import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MACHINERY = ("app.frame", "app.figures", "sync")
OFFICE_PROGRAMS = "app.programs"
# The office programs' factory and the package root that loads it on use belong with their declarations.
JOINED = {"app": OFFICE_PROGRAMS, "app.kecamatan": OFFICE_PROGRAMS}


def module_name(path: Path, root: Path | None = None) -> str:
    """app/desa/records.py -> app.desa.records; a package's __init__.py is the package; run.py -> run."""
    parts = list(path.relative_to(root or ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def product_modules() -> dict[str, Path]:
    paths = [ROOT / "run.py"] + [p for folder in ("app", "sync") for p in sorted((ROOT / folder).rglob("*.py"))]
    return {module_name(path): path for path in paths}


def group(module: str) -> str:
    """The capability package (or top-level module) a module belongs to."""
    parts = module.split(".")
    name = ".".join(parts[:2]) if parts[0] in ("app", "sync") and len(parts) > 1 else parts[0]
    return JOINED.get(name, name)


def _imported(node, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement of `module` names: `import a.b` a.b; `from x import a, b`
    x.a, x.b, then x itself (relative ones resolved from `module`'s package)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # relative: from the module's package, one level up per extra dot
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    return [f"{source}.{alias.name}" for alias in node.names] + [source]


def import_edges(modules: dict[str, Path]) -> list[tuple[str, str, int]]:
    """(importing module, imported product module, line) for every import statement, lazy ones included."""
    edges = set()
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            names = _imported(node, module, path.name == "__init__.py")
            if isinstance(node, ast.ImportFrom):
                # `from package import module` loads the module; `from module import name` the module.
                wanted = [n for n in names[:-1] if n in modules] or names[-1:]
            else:
                wanted = names
            for name in wanted:
                while name not in modules and "." in name:
                    name = name.rsplit(".", 1)[0]
                if name in modules and name != module:
                    edges.add((module, name, node.lineno))
    return sorted(edges)


def _is_machinery(name: str) -> bool:
    return any(name == m or name.startswith(m + ".") for m in MACHINERY)


def machinery_up(edges) -> list:
    """The edges from the machinery into a capability or a program."""
    return [(s, t, line) for s, t, line in edges if _is_machinery(group(s)) and not _is_machinery(group(t))]


def into_programs(edges) -> list:
    return [(s, t, line) for s, t, line in edges if group(t) == OFFICE_PROGRAMS and group(s) != OFFICE_PROGRAMS]


def circles(edges) -> list[list[str]]:
    """The groups that reach each other (strongly connected, more than one group), each sorted."""
    graph = defaultdict(set)
    for source, target, _ in edges:
        if group(source) != group(target):
            graph[group(source)].add(group(target))
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):  # Tarjan; the graph has a few dozen groups
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            members = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                members.append(member)
                if member == node:
                    break
            if len(members) > 1:
                found.append(sorted(members))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def _where(modules, source, target, line) -> str:
    return f"{modules[source].relative_to(ROOT).as_posix()}:{line} imports {target}"


def test_no_circle_across_capabilities():
    modules = product_modules()
    edges = import_edges(modules)
    report = []
    for members in circles(edges):
        report.append("circle " + " <-> ".join(members) + ":")
        between = defaultdict(list)  # (group, group) -> its imports, within the circle
        for s, t, line in edges:
            if group(s) in members and group(t) in members and group(s) != group(t):
                between[group(s), group(t)].append(_where(modules, s, t, line))
        for (a, b), where in sorted(between.items()):
            report.append(f"  {a} -> {b}: " + "; ".join(where[:3]) + (f" (+{len(where) - 3})" if len(where) > 3 else ""))
    assert not report, "imports run in a circle across capabilities:\n" + "\n".join(report)


def test_the_machinery_imports_no_capability():
    modules = product_modules()
    up = [_where(modules, *edge) for edge in machinery_up(import_edges(modules))]
    assert not up, "app/frame, app/figures and sync/ import up into a capability or a program:\n" + "\n".join(up)


def test_nothing_imports_the_office_programs():
    modules = product_modules()
    up = [_where(modules, *edge) for edge in into_programs(import_edges(modules))]
    assert not up, "the office programs are read by run.py, never imported by what they are made of:\n" + "\n".join(up)


def test_the_guard_reads_every_kind_of_import(tmp_path):
    """Absolute, relative, lazy and `import a.b.c` imports are edges; a circle is reported with both of
    its groups, a package's own modules importing each other are not one."""
    files = {
        "app/__init__.py": "",
        "app/kecamatan.py": "",
        "app/frame/__init__.py": "",
        "app/frame/db.py": "def later():\n    from app.desa import records\n",
        "app/desa/__init__.py": "from .views import blueprint\n",
        "app/desa/views.py": "from . import records\nblueprint = None\n",
        "app/desa/records.py": "import app.frame.db\ndef later():\n    from app.desa.views import blueprint\n",
        "app/settings/__init__.py": "",
        "app/settings/views.py": "from app.kecamatan import create_app\n",
        "app/complaints/__init__.py": "",
        "app/complaints/book.py": "def later():\n    import app.settings.views\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    edges = import_edges({module_name(tmp_path / name, tmp_path): tmp_path / name for name in files})
    assert ("app.frame.db", "app.desa.records", 2) in edges                 # lazy, inside a function
    assert ("app.desa.views", "app.desa.records", 1) in edges               # relative
    assert ("app.desa.records", "app.frame.db", 1) in edges                 # import a.b.c
    assert ("app.complaints.book", "app.settings.views", 2) in edges
    assert circles(edges) == [["app.desa", "app.frame"]]  # the desa's own views <-> records are no circle
    assert machinery_up(edges) == [("app.frame.db", "app.desa.records", 2)]
    assert into_programs(edges) == [("app.settings.views", "app.kecamatan", 1)]

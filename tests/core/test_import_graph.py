"""Issue 31: the import graph of the product (app/, sync/, run.py; tests excluded) runs downwards.

Read from the source, so an import inside a function counts as much as one at the top. Modules are
grouped by capability package (app/<package>, sync/center, sync/client, app/frame, app/figures,
sync/protocol.py, ... each top-level module of app/ its own group), and
- no circle runs across groups: a capability announces a change and the package that follows it
  subscribes (app/complaints/book.add_change_listener, app/desa/records.add_change_listener,
  app/frame/sms_consent.add_consent_listener), and a page that lives in another capability is named
  at install time (app.extensions), never imported;
- no circle runs inside a package either, not even among a blueprint's own view modules: what two
  modules both need lives in a module below them (app/desa/relay_records.py, sync/center/routes.py,
  sync/client/link_down.py), and the page modules that add routes to the blueprint of views.py
  import it and are loaded by the package's __init__.py (app/complaints/);
- the machinery (app/frame, app/figures, sync/) imports nothing of a capability or a program;
- nothing imports a program from outside it: the office programs (their declarations, factory and
  commands: app/programs/, and app/__init__.py that loads the factory on use) and the center
  (sync/center/) are read by run.py by name.
A declaration names its parts as strings (app/frame/programs.resolve): those are not imports.
"""
import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MACHINERY = ("app.frame", "app.figures", "sync")
OFFICE_PROGRAMS = "app.programs"
PROGRAMS = (OFFICE_PROGRAMS, "sync.center")
# The package root loads the office programs' factory on use (`from app import create_app`): it belongs with them.
JOINED = {"app": OFFICE_PROGRAMS}


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
    """The edges into a program from outside it."""
    return [(s, t, line) for s, t, line in edges if group(t) in PROGRAMS and group(s) != group(t)]


def circles(edges) -> list[list[str]]:
    """The groups that reach each other (strongly connected, more than one group), each sorted."""
    graph = defaultdict(set)
    for source, target, _ in edges:
        if group(source) != group(target):
            graph[group(source)].add(group(target))
    return _strongly_connected(graph)


def circles_inside_packages(edges, modules: dict[str, Path]) -> list[list[str]]:
    """The modules of one group that reach each other, each circle sorted."""
    graph = defaultdict(set)
    for source, target, _ in edges:
        if group(source) == group(target):
            graph[source].add(target)
    return _strongly_connected(graph)


def _strongly_connected(graph) -> list[list[str]]:
    """The nodes that reach each other, more than one node a set, each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):  # Tarjan; a few hundred modules at most
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


def test_no_circle_inside_a_package():
    modules = product_modules()
    edges = import_edges(modules)
    report = []
    for members in circles_inside_packages(edges, modules):
        report.append("circle " + " <-> ".join(members) + ":")
        report += [f"  {_where(modules, s, t, line)}" for s, t, line in edges if s in members and t in members]
    assert not report, ("imports run in a circle inside a package (what both sides need belongs in a module "
                        "below them):\n" + "\n".join(report))


def test_the_machinery_imports_no_capability():
    modules = product_modules()
    up = [_where(modules, *edge) for edge in machinery_up(import_edges(modules))]
    assert not up, "app/frame, app/figures and sync/ import up into a capability or a program:\n" + "\n".join(up)


def test_nothing_imports_a_program_from_outside_it():
    modules = product_modules()
    up = [_where(modules, *edge) for edge in into_programs(import_edges(modules))]
    assert not up, "the programs are read by run.py, never imported by what they are made of:\n" + "\n".join(up)


def test_the_guard_reads_every_kind_of_import(tmp_path):
    """Absolute, relative, lazy and `import a.b.c` imports are edges; a circle is reported with both of
    its groups; inside a package, a circle is reported, of view modules too; an import into a program from outside it is reported, the center's as the office's."""
    files = {
        "app/__init__.py": "",
        "app/programs/__init__.py": "",
        "app/programs/office_app.py": "",
        "app/frame/__init__.py": "",
        "app/frame/db.py": "def later():\n    from app.desa import records\n",
        "app/desa/__init__.py": "from .views import blueprint\n",
        "app/desa/views.py": "from . import records\nblueprint = None\n",
        "app/desa/records.py": "import app.frame.db\ndef later():\n    from app.desa.views import blueprint\n",
        "app/settings/__init__.py": "",
        "app/settings/views.py": "from app.programs.office_app import create_app\n",
        "app/complaints/__init__.py": "",
        "app/complaints/book.py": "def later():\n    import app.settings.views\n",
        "app/complaints/views.py": "from app.complaints import kiosk_views\n",
        "app/complaints/kiosk_views.py": "from app.complaints.views import blueprint\n",
        "sync/__init__.py": "",
        "sync/center/__init__.py": "",
        "sync/center/routes.py": "",
        "sync/client/__init__.py": "",
        "sync/client/engine.py": "from sync.center import routes\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    modules = {module_name(tmp_path / name, tmp_path): tmp_path / name for name in files}
    edges = import_edges(modules)
    assert ("app.frame.db", "app.desa.records", 2) in edges                 # lazy, inside a function
    assert ("app.desa.views", "app.desa.records", 1) in edges               # relative
    assert ("app.desa.records", "app.frame.db", 1) in edges                 # import a.b.c
    assert ("app.complaints.book", "app.settings.views", 2) in edges
    assert circles(edges) == [["app.desa", "app.frame"]]
    assert circles_inside_packages(edges, modules) == [["app.complaints.kiosk_views", "app.complaints.views"],
                                                       ["app.desa.records", "app.desa.views"]]
    assert machinery_up(edges) == [("app.frame.db", "app.desa.records", 2)]
    assert into_programs(edges) == [("app.settings.views", "app.programs.office_app", 1),
                                    ("sync.client.engine", "sync.center.routes", 1)]

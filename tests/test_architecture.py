"""The care app's map, enforced: no import loops, imports only where the map allows.

Every module under care/ is parsed (not imported) and every import in it is
counted, at any depth: `import x`, `from x import y`, relative imports, imports
inside functions and methods, under `if TYPE_CHECKING:`, and literal
`import_module("...")` / `import_string("...")` calls. The allowed directions
are read from the ```imports block of docs/architecture.md, so the document and
this test cannot drift apart.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
DYNAMIC_IMPORTS = {"import_module", "import_string", "__import__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules_of(package: str) -> dict[str, Path]:
    """Dotted name -> file, for every module of a top-level package."""
    return {module_name(path): path for path in sorted((ROOT / package).rglob("*.py"))}


def _relative_base(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    package = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _dynamic(node: ast.Call) -> str | None:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    if name not in DYNAMIC_IMPORTS or not node.args:
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def imported(source: str, module: str, is_package: bool = False) -> Iterator[str]:
    """Every dotted name the source imports (`from a import b` gives a.b)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = (
                _relative_base(node, module, is_package) if node.level else node.module
            )
            for alias in node.names:
                yield base if alias.name == "*" else f"{base}.{alias.name}"
        elif isinstance(node, ast.Call) and (name := _dynamic(node)):
            yield name


def targets(names: Iterator[str], known: set[str]) -> set[str]:
    """The known modules the names reach: the longest known prefix of each.

    `from a import b` reaches the module a.b when there is one, else a.
    """
    found = set()
    for name in names:
        parts = name.split(".")
        for end in range(len(parts), 0, -1):
            candidate = ".".join(parts[:end])
            if candidate in known:
                found.add(candidate)
                break
    return found


def import_graph(package: str = "care") -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports."""
    modules = modules_of(package)
    known = set(modules)
    graph = {}
    for name, path in modules.items():
        names = imported(path.read_text(), name, path.name == "__init__.py")
        graph[name] = targets(names, known) - {name}
    return graph


def external_imports(package: str) -> dict[str, set[str]]:
    """Module -> the top-level packages outside `package` it imports."""
    found = {}
    for name, path in modules_of(package).items():
        names = imported(path.read_text(), name, path.name == "__init__.py")
        found[name] = {n.split(".")[0] for n in names} - {package}
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def allowed_directions(text: str) -> dict[str, set[str]]:
    """The ```imports block: `unit -> unit unit ...` per line (`*`: anything)."""
    block = re.search(r"```imports\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md needs an ```imports block"
    rules = {}
    for line in block.group(1).splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        unit, _, allowed = line.partition("->")
        rules[unit.strip()] = set(allowed.replace(",", " ").split())
    return rules


def unit_of(module: str, units: set[str]) -> str | None:
    """The longest unit of the table that contains the module (care.X.Y -> X.Y or X)."""
    parts = module.split(".")[1:]
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in units:
            return candidate
    return None


def violations(graph: dict[str, set[str]], rules: dict[str, set[str]]) -> list[str]:
    found = []
    for module, imports in sorted(graph.items()):
        source = unit_of(module, set(rules))
        for target in sorted(imports):
            destination = unit_of(target, set(rules))
            if destination == source or destination is None:
                continue
            if "*" not in rules[source] and destination not in rules[source]:
                found.append(f"{module} -> {target} ({source} -> {destination})")
    return found


def unmapped(graph: dict[str, set[str]], rules: dict[str, set[str]]) -> list[str]:
    return [m for m in sorted(graph) if m != "care" and unit_of(m, set(rules)) is None]


def test_it_finds_no_import_loop_in_care():
    loops = cycles(import_graph("care"))
    assert not loops, "import loops:\n" + "\n".join(" <-> ".join(c) for c in loops)


def test_it_maps_every_care_module_to_a_unit():
    rules = allowed_directions(DOC.read_text())
    missing = unmapped(import_graph("care"), rules)
    assert not missing, "add to the imports block of docs/architecture.md: " + (
        ", ".join(missing)
    )


def test_it_keeps_care_imports_in_the_directions_of_the_map():
    rules = allowed_directions(DOC.read_text())
    wrong = violations(import_graph("care"), rules)
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(wrong)


def test_it_names_only_units_that_exist():
    rules = allowed_directions(DOC.read_text())
    named = set(rules) | {u for allowed in rules.values() for u in allowed} - {"*"}
    units = {".".join(m.split(".")[1:]) for m in import_graph("care")}
    assert sorted(u for u in named if u not in units) == []


def test_it_keeps_crm_and_segmentation_below_care_and_audit_at_the_bottom():
    upper = {
        "audit": {"crm", "segmentation", "care", "api", "config"},
        "crm": {"care", "segmentation", "api"},
        "segmentation": {"care", "api"},
    }
    for package, forbidden in upper.items():
        found = {
            module: names & forbidden
            for module, names in external_imports(package).items()
            if names & forbidden
        }
        assert found == {}, f"{package} imports an upper app"
    assert {m: i for m, i in external_imports("care").items() if "api" in i} == {}
    migrations = {
        module: names & {"care", "crm", "segmentation", "audit", "api"}
        for module, names in external_imports("care").items()
        if module.startswith("care.migrations")
    }
    assert {m: names for m, names in migrations.items() if names} == {}


def _graph_of(sources: dict[str, str]) -> dict[str, set[str]]:
    known = set(sources)
    return {
        name: targets(imported(text, name, is_package=False), known) - {name}
        for name, text in sources.items()
    }


def test_it_counts_imports_inside_functions_and_type_checking():
    sources = {
        "care.models.messages": (
            "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from care.delivery import dispatch\n"
        ),
        "care.delivery.dispatch": "def f():\n    from ..models.messages import X\n",
    }
    graph = _graph_of(sources)
    assert cycles(graph) == [["care.delivery.dispatch", "care.models.messages"]]


def test_it_refuses_a_back_import():
    sources = {
        "care.models.messages": "def f():\n    import care.delivery.dispatch\n",
        "care.delivery.dispatch": "",
    }
    rules = {"models": set(), "delivery": {"models"}}
    assert violations(_graph_of(sources), rules) == [
        "care.models.messages -> care.delivery.dispatch (models -> delivery)"
    ]


def test_it_reads_literal_dynamic_imports():
    sources = {
        "care.rules": "import_string('care.outbox.plan.occasion_key')\n",
        "care.outbox.plan": "",
    }
    assert _graph_of(sources)["care.rules"] == {"care.outbox.plan"}

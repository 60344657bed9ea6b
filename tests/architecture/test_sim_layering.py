"""The sim's rooms import one way: no circle among edgesim/sim modules, ``if TYPE_CHECKING:`` imports included.

The unit, its owners, the bus and the platform call each other at run time; they name each other by the protocols
of ``edgesim/sim/ports.py``, which imports nothing from edgesim, so the import graph stays a tree of layers. Also
the unit package's size limits: no module over 600 lines, no class statement with over 30 methods.

An edge is an import statement anywhere in a module (module level, functions, ``if TYPE_CHECKING:``) that names a
module of ``edgesim.sim``: ``from .x import y`` is an edge to ``x.y`` when that is a module, else to ``x``. The
implicit import of a package's ``__init__`` when one of its submodules is imported is not an edge (the package
composes its submodules; they never import it by name).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIM = ROOT / "edgesim" / "sim"
MAX_MODULE_LINES = 600
MAX_CLASS_METHODS = 30


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def imported_modules(name: str, path: Path) -> set[str]:
    """Every module that ``name`` (at ``path``) imports, by absolute dotted name."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in MODULES else target)
    return out


def sim_graph() -> dict[str, set[str]]:
    return {name: {m for m in imported_modules(name, path) if m in MODULES and m != name} for name, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (its modules in order, the first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_sees_the_modules_and_their_imports() -> None:
    graph = sim_graph()
    assert "edgesim.sim.unit.core" in graph and "edgesim.sim.ports" in graph
    assert "edgesim.sim.unit.core" in graph["edgesim.sim.unit.dvfs"]
    assert "edgesim.sim.ports" in graph["edgesim.sim.bus"]  # an `if TYPE_CHECKING:` import counts


def test_the_cycle_finder_finds_a_circle_through_type_checking() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_circle_in_sim() -> None:
    cycle = find_cycle(sim_graph())
    assert cycle is None, "import circle among sim modules: " + " -> ".join(cycle or [])


def test_ports_import_nothing_from_edgesim() -> None:
    path = MODULES["edgesim.sim.ports"]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0 and not (node.module or "").startswith("edgesim"), ast.unparse(node)
        elif isinstance(node, ast.Import):
            assert not any(a.name.startswith("edgesim") for a in node.names), ast.unparse(node)


def test_the_unit_talks_to_its_neighbours_through_ports() -> None:
    # the unit package imports none of the platform, bus or owner modules, even for annotations
    unit = {n: g for n, g in sim_graph().items() if n.startswith("edgesim.sim.unit")}
    for name, imports in unit.items():
        assert not imports & {"edgesim.sim.platform", "edgesim.sim.bus", "edgesim.sim.owner"}, name


UNIT_FILES = sorted((SIM / "unit").glob("*.py"))


@pytest.mark.parametrize("path", UNIT_FILES, ids=[p.name for p in UNIT_FILES])
def test_unit_module_sizes(path: Path) -> None:
    """Methods are counted per class statement: the ``def``s directly in its body (inherited ones not counted)."""
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES, f"{path.name}: {len(text.splitlines())} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            assert len(methods) <= MAX_CLASS_METHODS, f"{path.name}: class {node.name} has {len(methods)} methods"


PACKAGE_FILES = sorted((ROOT / "edgesim").rglob("*.py"))
MAX_CLI_MODULE_LINES = 300


@pytest.mark.parametrize("path", PACKAGE_FILES, ids=[str(p.relative_to(ROOT / "edgesim")) for p in PACKAGE_FILES])
def test_every_module_is_a_room_to_read_in_one_sitting(path: Path) -> None:
    """The whole package: no module over 600 lines (300 in edgesim/cli), no class statement with over 30 methods
    (counted as in :func:`test_unit_module_sizes`)."""
    text = path.read_text(encoding="utf-8")
    limit = MAX_CLI_MODULE_LINES if path.parent.name == "cli" else MAX_MODULE_LINES
    assert len(text.splitlines()) <= limit, f"{path.name}: {len(text.splitlines())} lines (limit {limit})"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            assert len(methods) <= MAX_CLASS_METHODS, f"{path.name}: class {node.name} has {len(methods)} methods"

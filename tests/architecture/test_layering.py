"""The layering, checked from the source: no import cycle between edgesim modules, no import hidden in a function,
physics standalone, the spec free of simulation and physics, every module with ``__all__``.

Imports are read from the AST, including those inside functions and package ``__init__`` files (importing
``a.b.c`` runs ``a/__init__`` and ``a/b/__init__``, so those count as edges too). Imports under
``if TYPE_CHECKING:`` are annotations only and are skipped.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "edgesim"
OPTIONAL_DEPENDENCIES = {"onnx", "pybamm", "distributed", "dask", "pyarrow", "jsonschema"}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(name: str, path: Path, known: set[str]) -> list[tuple[str, int, bool]]:
    """(imported edgesim module, line, inside a function) for every runtime import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out: list[tuple[str, int, bool]] = []

    def resolve(node: ast.ImportFrom) -> list[str]:
        if node.level:
            base = name.split(".") if is_package else name.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        targets = []
        for alias in node.names:
            full = f"{prefix}.{alias.name}"
            targets.append(full if full in known else prefix)
        return targets

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub, in_function)
                continue
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.Import):
                out.extend((a.name, child.lineno, inner) for a in child.names if a.name.startswith("edgesim"))
            elif isinstance(child, ast.ImportFrom):
                out.extend((t, child.lineno, inner) for t in resolve(child) if t.startswith("edgesim"))
            visit(child, inner)

    visit(tree, False)
    return out


def import_graph() -> nx.DiGraph:
    """Module -> module edges, with each imported module's parent packages as edges too."""
    mods = modules()
    known = set(mods)
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    for name, path in mods.items():
        for target, _line, _inner in imports_of(name, path, known):
            parts = target.split(".")
            for k in range(1, len(parts) + 1):
                dep = ".".join(parts[:k])
                if dep in known and dep != name and not name.startswith(dep + "."):
                    graph.add_edge(name, dep)
    return graph


def test_no_import_cycle_between_edgesim_modules() -> None:
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c + [c[0]]) for c in cycles[:5])


def test_no_edgesim_import_inside_a_function() -> None:
    mods = modules()
    known = set(mods)
    hidden = [f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}"
              for name, path in mods.items() for target, line, inner in imports_of(name, path, known) if inner]
    assert not hidden, "\n".join(hidden)


def test_cycle_finder_sees_a_cycle_through_a_package_init(tmp_path: Path) -> None:
    graph = nx.DiGraph([("edgesim.a.x", "edgesim.b"), ("edgesim.b", "edgesim.a")])
    graph.add_edge("edgesim.a", "edgesim.a.x")
    assert list(nx.simple_cycles(graph))


@pytest.mark.parametrize("package,forbidden", [
    ("edgesim.physics", ("edgesim.sim", "edgesim.spec", "edgesim.model", "edgesim.results", "edgesim.catalog", "edgesim.cli",
                         "edgesim.sweeps", "edgesim.api", "edgesim.calibration", "edgesim.report")),
    ("edgesim.spec", ("edgesim.sim", "edgesim.physics", "edgesim.model", "edgesim.catalog", "edgesim.results", "edgesim.cli",
                      "edgesim.sweeps", "edgesim.api")),
    ("edgesim.model", ("edgesim.sim", "edgesim.results", "edgesim.cli", "edgesim.sweeps", "edgesim.api")),
    ("edgesim.sim", ("edgesim.spec", "edgesim.cli", "edgesim.sweeps", "edgesim.api", "edgesim.report")),
    ("edgesim.results", ("edgesim.cli", "edgesim.sweeps", "edgesim.api", "edgesim.report", "edgesim.spec")),
])
def test_layers_import_only_downward(package: str, forbidden: tuple[str, ...]) -> None:
    mods = modules()
    known = set(mods)
    bad = [f"{name} imports {target}" for name, path in mods.items() if name == package or name.startswith(package + ".")
           for target, _line, _inner in imports_of(name, path, known) if target.startswith(forbidden)]
    assert not bad, "\n".join(bad)


def test_physics_imports_no_simpy_or_pydantic() -> None:
    bad = []
    for path in sorted((PACKAGE / "physics").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            bad.extend(f"{path.name}: {n}" for n in names if n.split(".")[0] in {"simpy", "pydantic", "yaml", "pandas"})
    assert not bad, bad


def test_every_module_declares_all() -> None:
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {t.id for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))
                 for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)}
        if "__all__" not in names and path.name != "__main__.py":
            missing.append(str(path.relative_to(PACKAGE.parent)))
    assert not missing, missing


def test_physics_imports_with_numpy_and_scipy_alone() -> None:
    """Importing every physics module loads no SimPy, pydantic, pandas, YAML or matplotlib (a fresh interpreter)."""
    import subprocess
    import sys

    modules = sorted(f"edgesim.physics.{p.stem}" for p in (PACKAGE / "physics").glob("*.py") if p.stem != "__init__")
    code = (f"import sys\nimport {', '.join(modules)}\n"
            "print(','.join(m for m in ('simpy', 'pydantic', 'pandas', 'yaml', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"physics pulled in: {out}"

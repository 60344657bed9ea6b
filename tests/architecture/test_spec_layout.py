"""The layout of ``edgesim/spec``, checked from the source: modules by domain, none over 600 lines, importing
nothing of edgesim beyond the spec itself and the input helpers, and ``schema.py`` a thin module that re-exports
every public name of the domain modules (``from edgesim.spec.schema import X`` is the import the rest of edgesim
and the tests use).

(farm-studio skips a folder named ``spec``, so this test is where the layering of the spec is checked.)
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

SPEC = Path(__file__).resolve().parents[2] / "edgesim" / "spec"
MAX_LINES = 600
ALLOWED_EDGESIM = ("edgesim.spec", "edgesim.errors", "edgesim.yamlio", "edgesim.textfile")
NOT_SCHEMA = {"__init__", "schema", "load", "names"}  # the package, the re-export, loading and name checks
SPEC_FILES = sorted(SPEC.glob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _imported_modules(path: Path) -> list[tuple[str, int]]:
    """(absolute module, line) of every import in the file, wherever it stands (functions, TYPE_CHECKING too)."""
    package = ["edgesim", "spec"]  # every file here is a module of edgesim.spec
    out: list[tuple[str, int]] = []
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                out.append((".".join(base + ([node.module] if node.module else [])), node.lineno))
            else:
                out.append((node.module or "", node.lineno))
    return out


def _all_of(path: Path) -> list[str]:
    for node in _tree(path).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            value = ast.literal_eval(node.value)
            assert isinstance(value, list | tuple)
            return [str(v) for v in value]
    raise AssertionError(f"{path.name} has no __all__")


def _domain_modules() -> list[Path]:
    return [p for p in SPEC_FILES if p.stem not in NOT_SCHEMA]


def test_the_spec_is_split_by_domain() -> None:
    stems = {p.stem for p in _domain_modules()}
    assert {"types", "camera", "model", "unit", "platform", "pipeline", "scenario"} <= stems


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_no_spec_module_over_600_lines(path: Path) -> None:
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_LINES, f"edgesim/spec/{path.name} has {n} lines (at most {MAX_LINES}): split it by domain"


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_spec_imports_nothing_of_edgesim_but_the_spec_and_input_helpers(path: Path) -> None:
    bad = [(module, line) for module, line in _imported_modules(path)
           if (module == "edgesim" or module.startswith("edgesim."))
           and not any(module == allowed or module.startswith(allowed + ".") for allowed in ALLOWED_EDGESIM)]
    assert not bad, f"edgesim/spec/{path.name} imports {bad}: the spec may import only {ALLOWED_EDGESIM}"


def test_the_import_checker_resolves_relative_imports(tmp_path: Path) -> None:
    # the check above must see `from ..model import x` as edgesim.model (a layering breach), not miss it
    probe = tmp_path / "probe.py"
    probe.write_text("from ..model.compile import x\nfrom .types import Spec\nfrom .. import errors\nimport edgesim.sim\n")
    assert [m for m, _ in _imported_modules(probe)] == ["edgesim.model.compile", "edgesim.spec.types", "edgesim", "edgesim.sim"]


def test_schema_is_a_thin_re_export() -> None:
    tree = _tree(SPEC / "schema.py")
    assert not [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef | ast.FunctionDef)], \
        "schema.py defines nothing: every class lives in a domain module"
    sources = {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.level == 1}
    assert sources == {p.stem for p in _domain_modules()}, "schema.py re-exports every domain module, and only those"


@pytest.mark.parametrize("path", _domain_modules(), ids=lambda p: p.name)
def test_schema_re_exports_every_public_name(path: Path) -> None:
    schema = importlib.import_module("edgesim.spec.schema")
    module = importlib.import_module(f"edgesim.spec.{path.stem}")
    public_classes = [n.name for n in _tree(path).body if isinstance(n, ast.ClassDef) and not n.name.startswith("_")]
    assert public_classes or path.stem == "types"
    missing_here = sorted(set(public_classes) - set(module.__all__))
    assert not missing_here, f"edgesim/spec/{path.name}: public classes missing from its __all__: {missing_here}"
    missing = sorted(set(module.__all__) - set(schema.__all__))
    assert not missing, f"edgesim.spec.schema.__all__ does not re-export {missing} (from edgesim/spec/{path.name})"
    for name in module.__all__:
        assert getattr(schema, name) is getattr(module, name), name


def test_schema_all_names_exist_and_are_unique() -> None:
    schema = importlib.import_module("edgesim.spec.schema")
    names = _all_of(SPEC / "schema.py")
    assert len(names) == len(set(names))
    for name in names:
        assert hasattr(schema, name), name

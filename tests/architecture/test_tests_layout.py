"""The tests keep the package's shape: every test file sits in a folder named for what it tests, and every folder has
its marker (registered in pyproject.toml, set by tests/conftest.py), so ``pytest -m physics`` runs ``tests/physics``."""
from __future__ import annotations

import pytest

from tests.helpers import ROOT

TESTS = ROOT / "tests"
TOP_LEVEL_FILES = {"__init__.py", "conftest.py", "helpers.py"}
DATA_FOLDERS = {"golden"}  # recorded data beside the test that reads it, not a test folder


def folders() -> list[str]:
    return sorted(p.name for p in TESTS.iterdir() if p.is_dir() and not p.name.startswith((".", "__")))


def registered_markers(config: pytest.Config) -> set[str]:
    return {m.split(":", 1)[0].strip() for m in config.getini("markers")}


def test_no_test_file_sits_directly_in_tests() -> None:
    loose = sorted(p.name for p in TESTS.glob("*.py") if p.name not in TOP_LEVEL_FILES)
    assert not loose, f"move these into the folder of what they test (tests/physics, tests/sim, ...): {loose}"


@pytest.mark.parametrize("folder", folders())
def test_every_folder_has_its_marker_and_is_a_package(folder: str, pytestconfig: pytest.Config) -> None:
    assert folder in registered_markers(pytestconfig), f"register the marker {folder!r} in pyproject.toml [tool.pytest.ini_options]"
    assert (TESTS / folder / "__init__.py").exists(), f"tests/{folder}/ needs an __init__.py (test modules by package)"


@pytest.mark.parametrize("folder", folders())
def test_test_files_sit_one_level_down_except_data(folder: str) -> None:
    nested = sorted(str(p.relative_to(TESTS)) for p in (TESTS / folder).rglob("test_*.py")
                    if p.parent != TESTS / folder and p.parent.name not in DATA_FOLDERS)
    assert not nested, f"one folder level under tests/, so the folder marker names them: {nested}"


def test_conftest_marks_a_test_by_its_folder(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("architecture") is not None

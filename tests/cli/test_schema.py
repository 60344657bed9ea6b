"""`edgesim schema`: every shipped scenario conforms and names the schema, the committed schema is current, bad files are refused naming the field."""
from __future__ import annotations

import json

import pytest
import yaml

from edgesim.cli import main
from edgesim.cli.schema import check_files, schema_text
from tests.helpers import ROOT, SCENARIOS

INTERSECTION = SCENARIOS / "intersection_3cam.yaml"


SCHEMA_HINT = "# yaml-language-server: $schema=../docs/scenario.schema.json"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_shipped_scenario_conforms_to_the_schema():
    assert check_files(sorted(SCENARIOS.glob("*.yaml"))) == []


def test_every_shipped_scenario_names_the_schema_for_editors():
    for path in SCENARIOS.glob("*.yaml"):
        assert path.read_text().splitlines()[0] == SCHEMA_HINT, path.name


def test_committed_schema_is_up_to_date():
    committed = (ROOT / "docs" / "scenario.schema.json").read_text()
    assert committed == schema_text(), "regenerate: edgesim schema > docs/scenario.schema.json"


@pytest.mark.parametrize("edit,field", [
    (lambda d: d["cameras"][0].__setitem__("fps", "fast"), "cameras[0].fps"),
    (lambda d: d["cameras"][0].__setitem__("fpss", 30), "cameras[0]"),
    (lambda d: d.pop("name"), ""),
    (lambda d: d["streams"][0].__setitem__("drop_policy", "drop_all"), "streams[0].drop_policy"),
])
def test_schema_check_rejects_bad_files(capsys, tmp_path, edit, field):
    data = yaml.safe_load(INTERSECTION.read_text())
    edit(data)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    problems = check_files([path])
    assert problems and all(p.source == str(path) for p in problems)
    assert any(p.field == field for p in problems), [str(p) for p in problems]
    code, out, err = run(capsys, "schema", "--check", path)
    assert code == 2 and out == "" and err.startswith(f"edgesim: error: {path}")


def test_schema_prints_json_schema(capsys):
    code, out, _ = run(capsys, "schema")
    schema = json.loads(out)
    assert code == 0 and schema["$schema"].endswith("2020-12/schema")
    assert schema["properties"]["cameras"]["type"] == "array" and "source" not in schema["properties"]

"""The edgesim command line as one package: entry points, one error path, --set, schema, budget and text fixes."""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys

import pytest
import yaml

import edgesim
from edgesim.budget import scenario_report
from edgesim.cli import COMMAND_MODULES, build_parser, main
from edgesim.cli.run import expand_assignment, load_with_overrides, parse_sets
from edgesim.cli.schema import check_files, schema_text
from edgesim.errors import ScenarioError
from tests.helpers import ROOT, SCENARIOS

INTERSECTION = SCENARIOS / "intersection_3cam.yaml"
SCHEMA_HINT = "# yaml-language-server: $schema=../docs/scenario.schema.json"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# -- entry points ---------------------------------------------------------------------------------------------


def test_python_m_edgesim_version():
    proc = subprocess.run([sys.executable, "-m", "edgesim", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"edgesim {edgesim.__version__}"


def test_version_and_help_return_0(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"edgesim {edgesim.__version__}"
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "run" in out and "schema" in out


def test_every_command_module_registers_its_command():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert {"run", "sweep", "fit", "budget", "catalog", "schema"} <= set(sub.choices)
    assert all(callable(m.register) for m in COMMAND_MODULES)


# -- one error path: one line, exit 2, no traceback --------------------------------------------------------------


@pytest.mark.parametrize("argv,start", [
    (("run",), "edgesim: error: run: the following arguments are required: scenario"),
    (("nosuch",), "edgesim: error: COMMAND: invalid choice: 'nosuch'"),
    (("run", INTERSECTION, "--duration", "abc"), "edgesim: error: --duration: 'abc' is not a number"),
    (("run", INTERSECTION, "--bogus"), "edgesim: error: unrecognized arguments: --bogus"),
    (("run", INTERSECTION, "--set", "cameras.cam.fps"), "edgesim: error: "),
])
def test_usage_errors_are_one_line_and_exit_2(capsys, argv, start):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(start), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and "usage:" not in err


# -- run --set, paired values, --duration standing in for duration_s ------------------------------------------


def test_run_set_fps_gives_15_offered_fps_per_stream(capsys):
    code, out, err = run(capsys, "run", INTERSECTION, "--set", "cameras.cam.fps=15", "--duration", 5, "--json")
    assert code == 0, err
    streams = json.loads(out)["streams"]
    assert len(streams) == 9
    assert all(s["offered_fps"] == pytest.approx(15.0, rel=1e-12) for s in streams)
    assert all(s["nominal_fps"] == 15.0 for s in streams)


def test_run_set_matches_a_hand_edited_scenario(capsys, tmp_path):
    data = yaml.safe_load(INTERSECTION.read_text())
    data["cameras"][0]["fps"] = 15
    data["compute_units"][0]["device"] = "hailo8"
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(data))
    _, by_set, _ = run(capsys, "run", INTERSECTION, "--set", "cameras.cam.fps=15", "--set", "compute_units.npu.device=hailo8",
                       "--duration", 3, "--json")
    _, by_hand, _ = run(capsys, "run", edited, "--duration", 3, "--json")
    a, b = json.loads(by_set), json.loads(by_hand)
    a.pop("source"), b.pop("source")
    assert a == b


def test_resolution_sets_width_and_height_together():
    assert expand_assignment("cameras.cam.resolution", "1920x1080") == {"cameras.cam.width_px": 1920, "cameras.cam.height_px": 1080}
    assert expand_assignment("cameras.cam.resolution", [640, 480]) == {"cameras.cam.width_px": 640, "cameras.cam.height_px": 480}
    assert expand_assignment("cameras.cam.fps", 15) == {"cameras.cam.fps": 15}
    spec = load_with_overrides(INTERSECTION, parse_sets(["cameras.cam.resolution=1920x1080"], "x"))
    cam = spec.cameras[0]
    assert (cam.width_px, cam.height_px) == (1920, 1080)
    # C = FPS x W x H x ops/px: the required capacity scales with the pixel count
    base = edgesim.simulate(INTERSECTION, duration_s=2).summary["system"]["required_tops"]
    moved = edgesim.simulate(spec, duration_s=2).summary["system"]["required_tops"]
    assert moved == pytest.approx(base * (1920 * 1080) / (640 * 480), rel=1e-12)


@pytest.mark.parametrize("text,problem", [
    ("cameras.cam.resolution=1920", "WIDTHxHEIGHT"),
    ("cameras.cam.fps=15,30", "one value"),
    ("cameras.nocam.fps=15", "no item named 'nocam'"),
    ("cameras.cam.fps", "no '=' found"),
])
def test_bad_set_names_the_option(capsys, text, problem):
    code, _, err = run(capsys, "run", INTERSECTION, "--set", text, "--duration", 2)
    assert code == 2 and f"--set {text.split('=')[0]}" in err and problem in err, err


def test_set_value_is_validated_like_the_file(capsys):
    code, _, err = run(capsys, "run", INTERSECTION, "--set", "cameras.cam.fps=fast", "--duration", 2)
    assert code == 2 and "cameras[0].fps" in err, err


def test_duration_stands_in_for_a_missing_duration_s(capsys, tmp_path):
    data = yaml.safe_load(INTERSECTION.read_text())
    del data["duration_s"]
    path = tmp_path / "no_duration.yaml"
    path.write_text(yaml.safe_dump(data))
    code, _, err = run(capsys, "run", path)
    assert code == 2 and "duration_s" in err
    code, out, err = run(capsys, "run", path, "--duration", 2, "--json")
    assert code == 0, err
    assert json.loads(out)["duration_s"] == 2.0


# -- schema --------------------------------------------------------------------------------------------------


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


# -- budget scenario counts pipelines and MLPerf loads per unit ------------------------------------------------


@pytest.mark.parametrize("name", ["cascade_detector_classifier.yaml", "mlperf_resnet50_hailo8.yaml", "intersection_3cam.yaml"])
def test_budget_units_add_up_to_the_system(name):
    report = scenario_report(SCENARIOS / name, duration_s=2.0)
    achieved = sum(u["achieved_capacity_ops_per_s"] for u in report["units"])
    assert achieved == pytest.approx(report["achieved_tops"] * 1e12, rel=1e-9)
    busy = [u for u in report["units"] if u["utilization"] > 0 and u["kind"] != "link"]
    assert busy and all(u["achieved_tops"] > 0 for u in busy)


def test_budget_cascade_required_per_unit_sums_to_the_system():
    report = scenario_report(SCENARIOS / "cascade_detector_classifier.yaml", duration_s=2.0)
    system = edgesim.simulate(SCENARIOS / "cascade_detector_classifier.yaml", duration_s=2.0).summary["system"]
    units = {u["name"]: u for u in report["units"]}
    assert units["npu"]["required_tops"] > 1.0 and units["cpu"]["required_tops"] > 0
    assert sum(u["required_tops"] for u in report["units"]) == pytest.approx(system["required_tops"], rel=1e-12)


def test_budget_mlperf_requires_the_server_rate(capsys):
    spec = edgesim.load_scenario(SCENARIOS / "mlperf_resnet50_hailo8.yaml")
    server = next(load for load in spec.loads if load.scenario == "server")
    ops = spec.model(server.model).ops_for(server.width_px * server.height_px)
    report = scenario_report(spec, duration_s=2.0)
    assert report["required_tops"] == pytest.approx(server.target_qps * ops / 1e12, rel=1e-12)
    assert set(report["closed_loop_loads"]) == {"single_stream", "multi_stream", "offline"}
    code, out, _ = run(capsys, "budget", "scenario", SCENARIOS / "mlperf_resnet50_hailo8.yaml", "--duration", 2)
    assert code == 0 and "required 0 TOPS" not in out and "closed loop" in out


# -- the laptop's text shows the platform loads beside the units ------------------------------------------------


def test_laptop_text_shows_platform_loads(capsys):
    code, out, err = run(capsys, "run", SCENARIOS / "laptop_battery_cpu_gpu.yaml", "--duration", 2)
    assert code == 0, err
    for name, watts in (("rest_of_system", "10.000"), ("cpu_other", "7.500"), ("gpu_other", "0.500")):
        assert re.search(rf"^{name}\s+platform\s+-\s+{re.escape(watts)}\s", out, re.M), out
    assert re.search(r"^device total\s+-\s+25\.000\s", out, re.M), out
    assert "7.000 W average in the compute units + 18.000 W platform loads = 25.000 W device" in out
    assert "battery: projected life 2.000 h" in out


# -- docs and layering --------------------------------------------------------------------------------------------


def test_pipelines_doc_yaml_names_are_text():
    text = (ROOT / "docs" / "pipelines.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert blocks

    def names(node):
        if isinstance(node, dict):
            if "name" in node:
                yield node["name"]
            for value in node.values():
                yield from names(value)
        elif isinstance(node, list):
            for item in node:
                yield from names(item)

    found = [n for block in blocks for n in names(yaml.safe_load(block))]
    assert found and all(isinstance(n, str) for n in found), found


def test_whitepaper_formulas_import_only_the_standard_library():
    tree = ast.parse((ROOT / "edgesim" / "physics" / "whitepaper.py").read_text())
    modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    modules |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert modules <= {"__future__", "math"}, modules


def test_errors_raised_by_parse_sets_name_the_source():
    with pytest.raises(ScenarioError) as info:
        parse_sets(["a.b=1,2"], "scen.yaml")
    assert info.value.source == "scen.yaml" and info.value.field == "--set a.b=1,2"

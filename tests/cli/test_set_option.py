"""`--set` and `--duration` on the command line: overrides act like hand edits, are validated like the file, and name their source."""
from __future__ import annotations

import json

import pytest
import yaml

import edgesim
from edgesim.cli import main
from edgesim.cli.run import expand_assignment, load_with_overrides, parse_sets
from edgesim.errors import ScenarioError
from tests.helpers import SCENARIOS

INTERSECTION = SCENARIOS / "intersection_3cam.yaml"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


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


def test_errors_raised_by_parse_sets_name_the_source():
    with pytest.raises(ScenarioError) as info:
        parse_sets(["a.b=1,2"], "scen.yaml")
    assert info.value.source == "scen.yaml" and info.value.field == "--set a.b=1,2"


def write_scenario(tmp_path, **changes):
    data = yaml.safe_load(INTERSECTION.read_text())
    data.update(changes)
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("bad", [-5, float("nan"), "10 s", 0])
def test_bad_duration_in_the_file_is_an_error_under_duration(tmp_path, capsys, bad):
    path = write_scenario(tmp_path, duration_s=bad)
    code, out, err = run_cli(capsys, "run", path, "--duration", 5)
    assert code == 2 and out == ""
    assert err.startswith(f"edgesim: error: {path}: duration_s: ") and err.rstrip().endswith("(in the file, before --duration)"), err
    assert len(err.strip().splitlines()) == 1


def test_the_documented_message(tmp_path, capsys):
    path = write_scenario(tmp_path, duration_s=-5)
    _, _, err = run_cli(capsys, "run", path, "--duration", 5)
    assert err.strip() == f"edgesim: error: {path}: duration_s: Input should be greater than 0 (got -5) (in the file, before --duration)"


def test_bad_seed_in_the_file_is_an_error_under_seed(tmp_path, capsys):
    path = write_scenario(tmp_path, seed=-1)
    code, _, err = run_cli(capsys, "run", path, "--seed", 3, "--duration", 2)
    assert code == 2 and "seed" in err and err.rstrip().endswith("(in the file, before --seed)"), err


def test_bad_field_in_the_file_is_an_error_under_set(tmp_path, capsys):
    data = yaml.safe_load(INTERSECTION.read_text())
    data["cameras"][0]["fps"] = -3
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data))
    code, _, err = run_cli(capsys, "run", path, "--set", "cameras.cam.fps=15", "--duration", 2)
    assert code == 2 and "cameras[0].fps" in err and "(in the file, before --set cameras.cam.fps)" in err, err


def test_unknown_device_in_the_file_is_an_error_under_set(tmp_path, capsys):
    data = yaml.safe_load(INTERSECTION.read_text())
    data["compute_units"][0]["device"] = "nosuch"
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data))
    code, _, err = run_cli(capsys, "run", path, "--set", "compute_units.npu.device=hailo8", "--duration", 2)
    assert code == 2 and "compute_units[0].device" in err and "before --set compute_units.npu.device" in err, err


def test_a_missing_duration_is_still_supplied_by_duration(tmp_path, capsys):
    data = yaml.safe_load(INTERSECTION.read_text())
    del data["duration_s"]
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(data))
    code, out, err = run_cli(capsys, "run", path, "--duration", 2, "--json")
    assert code == 0, err
    assert json.loads(out)["duration_s"] == 2.0


def test_a_valid_file_with_overrides_runs_with_the_overrides(capsys):
    code, out, err = run_cli(capsys, "run", INTERSECTION, "--duration", 2, "--seed", 7, "--set", "cameras.cam.fps=15", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["duration_s"] == 2.0 and summary["seed"] == 7
    assert all(s["nominal_fps"] == 15.0 for s in summary["streams"])


def test_library_overrides_check_the_file_too(tmp_path):
    import edgesim
    from edgesim.errors import ScenarioError

    path = write_scenario(tmp_path, duration_s=-5)
    with pytest.raises(ScenarioError, match=r"duration_s: .*\(in the file, before the override\)"):
        edgesim.load_scenario(path, overrides={"duration_s": 5})

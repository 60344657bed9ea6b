"""Failures: an invalid plan is refused before any run; a run failing while running is recorded and the others complete."""
from __future__ import annotations

import pytest
import yaml

from edgesim.cli import main as cli_main
from edgesim.sweeps import (
    sweep,
)
from edgesim.sweeps.errors import SweepError
from tests.sweeps.builders import small


def test_an_invalid_plan_is_refused_before_any_run(tmp_path, capsys):
    out = tmp_path / "s"
    with pytest.raises(SweepError, match=r"run 1 \(cameras.cam.fps=0\): cameras\[0\].fps: Input should be greater than 0"):
        sweep(small(), {"cameras.cam.fps": [20, 0, 50]}, out=out, executor="serial")
    assert not (out / "results.csv").exists()  # nothing ran
    d = small()
    d["compute_units"] = [{"name": "unit", "device": "hailo8"}]
    d["models"] = [{"name": "net", "ops_per_pixel": 150000.0, "precision": "int8"}]
    with pytest.raises(SweepError, match=r"run 1 \(compute_units.unit.device=hailo9\): .*hailo9"):  # unknown device
        sweep(d, {"compute_units.unit.device": ["hailo8", "hailo9"]}, executor="serial")
    # every catalog device predicts a model it has no point for (the calibrated model; the Nano has no int8: fp16 fallback)
    swap = sweep(d, {"compute_units.unit.device": ["hailo8", "hailo8l", "jetson_nano"]}, executor="serial")
    assert swap["status"].tolist() == ["ok", "ok", "ok"]
    assert swap.loc[1, "streams.cam/net.service_source"] in ("calibrated", "prior")
    # a unit that cannot run the model is not a plan error: recorded as a failed run, the sweep goes on
    inline = {"name": "unit", "kind": "npu", "idle_power_w": 1.0, "max_power_w": 2.0, "peak_ops_per_s": {"int8": 1e12}}
    # a unit known only by its datasheet now runs, from its kind's prior
    runs = sweep(d, {"compute_units.unit": [{"name": "unit", "device": "hailo8"}, inline]}, executor="serial")
    assert runs["status"].tolist() == ["ok", "ok"] and runs.loc[1, "streams.cam/net.service_source"] == "prior"
    failing = sweep(d, {"compute_units.unit": [{"name": "unit", "device": "hailo8"}, {**inline, "efficiency": 0.5,
                                                                                      "peak_ops_per_s": {"fp16": 1e12}}]},
                    executor="serial")
    assert failing["status"].tolist() == ["ok", "failed"] and "peak" in failing.loc[1, "error"]
    items = [{"name": "unit", "device": "hailo8"}, {"name": "unit", "device": "hailo8l", "efficiency": 0.38}]
    swap = sweep(d, {"compute_units.unit": items}, executor="serial")  # whole-item swap
    assert swap["status"].tolist() == ["ok", "ok"]
    assert swap.loc[0, "units.unit.device"] == "hailo8" and swap.loc[1, "units.unit.device"] == "hailo8l"
    assert swap.loc[0, "streams.cam/net.service_ms.estimate"] < swap.loc[1, "streams.cam/net.service_ms.estimate"]
    # the CLI: exit 2, one line naming the file, the run and the field, nothing run
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(small()))
    code = cli_main(["sweep", str(scenario), "--set", "cameras.cam.fps=20,fast", "--jobs", "1", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"edgesim: error: {scenario}: run 1 (cameras.cam.fps=fast): cameras[0].fps: "), err


def test_a_run_failing_while_running_is_recorded_and_the_others_complete(tmp_path, monkeypatch, capsys):
    import edgesim.sweeps.executors as executors

    real = executors.simulate

    def flaky(spec, *a, **kw):
        if spec.cameras[0].fps == 40:
            raise RuntimeError("simulated crash")
        return real(spec, *a, **kw)

    monkeypatch.setattr(executors, "simulate", flaky)
    df = sweep(small(), {"cameras.cam.fps": [20, 40, 50]}, out=tmp_path / "s", executor="serial")
    assert df["status"].tolist() == ["ok", "failed", "ok"]
    assert "RuntimeError: simulated crash" in df.loc[1, "error"] and df.attrs["failed"] == 1
    assert df.loc[df["status"] == "ok", "system.energy_j"].notna().all()
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(small()))
    code = cli_main(["sweep", str(scenario), "--set", "cameras.cam.fps=20,40", "--jobs", "1", "--quiet"])
    captured = capsys.readouterr()
    assert code == 1 and "1 failed" in captured.err and "simulated crash" in captured.err
    assert "runs ok" in captured.out

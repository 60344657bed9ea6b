"""The accelerator what-if experiment and a validated spec run through the same sweep machinery."""
from __future__ import annotations

from pathlib import Path

import pytest

from edgesim.calibration.predict import load_calibrated
from edgesim.sweeps import (
    sweep,
)
from tests.sweeps.builders import small


def test_accelerator_whatif_experiment_fast(tmp_path):
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "experiments" / "accelerator_whatif.py"
    spec = importlib.util.spec_from_file_location("edgesim_experiment_accelerator_whatif", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.run(fast=True, out_dir=tmp_path, jobs=1, replications=1, duration_s=2.0, sites=4)
    for f in result["files"]:
        assert Path(f).is_file() and Path(f).stat().st_size > 0
    rows = {r["case"]: r for r in result["rows"]}
    # every catalog unit runs, with no assumed efficiency (every unit the shipped calibration covers:
    # experiments/common.catalog_units; a unit added after it is checked in tests/catalog/test_measured_devices.py)
    covered = set(load_calibrated()["units"])
    catalog_units = {f"{d}.{u}" for d, dev in module.common.catalog().devices.items() for u in dev.units
                     if f"{d}/{u}" in covered}
    assert set(rows) == catalog_units
    for case, r in rows.items():
        assert r["runs_ok"] == 1 and not r["error"], (case, r["error"])
        assert "efficiency_assumed" not in r
        assert r["service_source"] in ("measured", "measured, scaled by pixel count", "calibrated", "prior"), case
        # the interval: low <= estimate <= high, a point for a measured source, and the capacity ordered the other way
        assert r["service_ms_low"] <= r["service_ms"] <= r["service_ms_high"], case
        if r["service_source"].startswith("measured"):
            assert r["service_ms_low"] == r["service_ms"] == r["service_ms_high"], case
        assert r["capacity_inf_per_s@service_low"] >= r["capacity_inf_per_s"] >= r["capacity_inf_per_s@service_high"]
        assert r["capacity_inf_per_s"] == pytest.approx(1e3 / r["service_ms"])
        for bound in module.BOUNDS:
            assert r[f"achieved_inf_per_s@{bound}"] >= 0 and r[f"system.avg_power_w@{bound}"] > 0
    predicted = [r for r in rows.values() if r["service_source"] in ("calibrated", "prior")]
    assert predicted and all(r["service_ms_low"] < r["service_ms_high"] for r in predicted)
    # simulated again at both ends of the interval: a faster unit completes at least as much as a slower one
    for r in predicted:
        assert r["achieved_inf_per_s@service_low"] >= r["achieved_inf_per_s@service_high"], r["case"]
        assert r["drop_rate@service_low"] <= r["drop_rate@service_high"], r["case"]
    # the hailo8 serves the intersection's networks (ResNet-50 identity, the scenario's op count) at 640 x 480 through
    # the model its 224 x 224 point conditions: a little faster than scaling the point by pixel count
    # (1223 fps x 50176 / 307200), as the scenario counts fewer ops and the per-call overhead does not scale
    hailo = rows["hailo8.npu"]
    assert hailo["service_source"] == "calibrated"
    scaled = 1223 * 224 * 224 / (640 * 480)
    assert scaled <= hailo["capacity_inf_per_s"] <= 1.2 * scaled  # 150k ops/px < ResNet-50's 163k; overhead fixed
    # one Hailo-8 cannot carry the 12.44 TOPS intersection (270 inferences/s): it drops frames (README, "capacity")
    assert hailo["system.achieved_tops"] < hailo["system.required_tops"] == pytest.approx(12.4416)
    # at the estimate it drops frames; the optimistic end of its 80% interval (an op-count-only network takes its
    # kind's spread of networks) would keep up, so the verdict is "within interval", never "yes"
    assert hailo["drop_rate"] > 0.1 and hailo["keeps_up"] in ("no", "within interval")
    assert any(r["pareto"] for r in result["rows"])
    header = (tmp_path / "accelerator_whatif.csv").read_text().splitlines()[0].split(",")
    assert {"service_source", "service_ms", "service_ms_low", "service_ms_high"} <= set(header)
    assert {r["case"] for r in result["battery_rows"]} == catalog_units | {"scenario as written"}
    assert all(r["status"] == "ok" and r["battery_life_h"] > 0 for r in result["battery_rows"])
    assert result["city"]["sites_simulated"] == 4
    # rerun: every sweep resumes, nothing is simulated again
    again = module.run(fast=True, out_dir=tmp_path, jobs=1, replications=1, duration_s=2.0, sites=4)
    assert again["city"] == {**result["city"], "wall_s": again["city"]["wall_s"]}


def test_a_validated_spec_sweeps_like_its_dict():
    import edgesim

    d = small()
    from_spec = sweep(edgesim.scenario_from_dict(d), {"cameras.cam.fps": [20, 40]}, executor="serial")
    from_dict = sweep(d, {"cameras.cam.fps": [20, 40]}, executor="serial")
    assert from_spec["system.energy_j"].tolist() == from_dict["system.energy_j"].tolist()

"""The white-paper experiments (experiments/*.py) in --fast mode: they run the simulator and their numbers hold.

Each experiment runs once per test session (module-scoped fixtures) into a temporary folder.
"""
from __future__ import annotations

import csv
import importlib.util
import math
import sys
from pathlib import Path

import pytest

from edgesim.calibration.predict import load_calibrated
from edgesim.catalog import load_catalog

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


def _load(name: str):
    """Import experiments/NAME.py under a unique module name (experiments/ is not a package)."""
    if str(EXPERIMENTS) not in sys.path:
        sys.path.insert(0, str(EXPERIMENTS))
    spec = importlib.util.spec_from_file_location(f"edgesim_experiment_{name}", EXPERIMENTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(name: str, tmp_path_factory):
    out = tmp_path_factory.mktemp(name)
    result = _load(name).run(fast=True, out_dir=out)
    for path in result["files"]:
        assert Path(path).is_file() and Path(path).stat().st_size > 0, path
        assert Path(path).parent == out
    return result


def _csv_rows(result, stem: str) -> list[dict]:
    path = next(p for p in result["files"] if Path(p).name == f"{stem}.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def figure4(tmp_path_factory):
    return _run("figure4", tmp_path_factory)


@pytest.fixture(scope="module")
def capacity(tmp_path_factory):
    return _run("capacity", tmp_path_factory)


@pytest.fixture(scope="module")
def rated(tmp_path_factory):
    return _run("rated_vs_measured", tmp_path_factory)


@pytest.fixture(scope="module")
def consistency(tmp_path_factory):
    return _run("efficiency_consistency", tmp_path_factory)


@pytest.fixture(scope="module")
def thermal(tmp_path_factory):
    return _run("thermal_resistance", tmp_path_factory)


# ---------------------------------------------------------------------------------------------- Figure 4

PAPER_FIG4 = {  # white paper, Figure 4 data table (note 9): FPS, W, inferences/W
    "jetson_agx_xavier": (358, 11.5, 31.2),
    "jetson_nano": (36, 10, 3.6),
    "hailo8": (1223, 3.03, 403.1),
    "myriad_x": (29, 2.5, 11.6),
}


def test_figure4_within_2_percent_of_the_white_paper(figure4):
    rows = {r["device"]: r for r in figure4["rows"]}
    assert set(rows) == set(PAPER_FIG4)
    for device, (fps, power_w, fps_per_w) in PAPER_FIG4.items():
        r = rows[device]
        assert r["service_source"] == "measured"
        assert r["sim_fps"] == pytest.approx(fps, rel=0.02), device
        assert r["sim_power_w"] == pytest.approx(power_w, rel=0.02), device
        assert r["sim_fps_per_w"] == pytest.approx(fps_per_w, rel=0.02), device
        assert r["utilization"] == pytest.approx(1.0, abs=1e-9)  # saturated: maximum throughput
        # the simulated FPS/W is the simulated FPS over the simulated W (one window, two readings)
        assert r["sim_fps_per_w"] == pytest.approx(r["sim_fps"] / r["sim_power_w"], rel=1e-12)  # one FPS per row (was 0.5% apart in --fast)
    # the CSV carries the same numbers as the returned rows
    csv_rows = {r["device"]: r for r in _csv_rows(figure4, "figure4")}
    assert float(csv_rows["hailo8"]["sim_fps_per_w"]) == pytest.approx(rows["hailo8"]["sim_fps_per_w"])
    assert float(csv_rows["hailo8"]["paper_fps_per_w"]) == 403.1


def test_figure4_cli_exit_code(tmp_path):
    assert _load("figure4").main(["--fast", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "figure4.png").is_file()


# ---------------------------------------------------------------------------------------------- capacity

def test_capacity_figures(capacity):
    rows = {r["scenario"]: r for r in capacity["rows"]}
    two, five, inter = (rows[f"scenarios/{n}.yaml"] for n in ("defect_detection_2mp", "defect_detection_5mp",
                                                              "intersection_3cam"))
    assert two["sim_required_tops"] == pytest.approx(9.0, rel=1e-12)
    assert five["sim_required_tops"] == pytest.approx(22.5, rel=1e-12)
    assert inter["sim_required_tops"] == pytest.approx(12.4416, rel=1e-12)  # 3 x 307,200 x 30 x 3 x 150k
    assert inter["paper_tops_footnote_px"] == pytest.approx(12.15, rel=1e-12)  # the footnote's 300k px
    assert (two["paper_tops_stated"], five["paper_tops_stated"], inter["paper_tops_stated"]) == (9.0, 22.5, 12.0)
    for r in (two, five, inter):
        assert r["formula_tops_scenario_px"] == pytest.approx(r["sim_required_tops"], rel=1e-12)
    # one Hailo-8 comes closest to the 2 MP case (the performance model puts a network known only by its op count
    # at ~0.8 of the white paper's rate, inside its 80% interval) and falls far short of the others
    assert two["achieved_fraction"] > 0.75
    for r in (five, inter):
        assert r["sim_achieved_tops"] < r["sim_required_tops"] and r["drop_rate"] > 0
        assert r["achieved_fraction"] < two["achieved_fraction"]
    # the Hailo-8 delivers the same effective TOPS whichever overloaded case it runs
    assert five["sim_achieved_tops"] == pytest.approx(inter["sim_achieved_tops"], rel=0.05)


# ---------------------------------------------------------------------------------------------- rated vs measured

def test_rated_efficiency_overstates_simulated(rated, catalog):
    rows = {(r["device"], r["unit"]): r for r in rated["rows"]}
    covered = set(load_calibrated()["units"])  # experiments/common.catalog_units: the units the calibration covers
    assert set(rows) == {(d, u) for d, dev in catalog.devices.items() for u in dev.units if f"{d}/{u}" in covered}
    simulated = [r for r in rows.values() if r["route"] != "skipped"]
    assert {"hailo8", "jetson_agx_xavier", "jetson_nano", "myriad_x"} <= {r["device"] for r in simulated}
    for r in simulated:
        assert r["rated_tops_per_w"] > r["sim_tops_per_w"], r["device"]
        assert r["rated_over_sim"] > 1.0
    hailo = rows[("hailo8", "npu")]
    unit = catalog.devices["hailo8"].units["npu"]
    ops = catalog.models["resnet50"].ops_per_inference
    assert hailo["route"] == "measured"
    assert hailo["rated_tops_per_w"] == pytest.approx(unit.peak_ops_per_s["int8"] / unit.max_power_w / 1e12)
    assert hailo["sim_tops_per_w"] == pytest.approx(hailo["sim_fps"] * ops / hailo["sim_power_w"] / 1e12)
    assert hailo["sim_fps_per_w"] == pytest.approx(1223 / 3.03, rel=0.02)


def test_rated_vs_measured_skips_say_why(rated, catalog):
    assert rated["skipped"]
    for name, reason in rated["skipped"].items():
        device, unit_name = name.split(".")
        unit = catalog.devices[device].units[unit_name]
        assert reason
        assert unit.measured_point("resnet50") is None and unit.efficiency_from_measured is None, name


def test_analytic_vs_measured(rated, catalog):
    rows = [r for r in rated["analytic_rows"] if r.get("analytic_fps") is not None]
    assert rows
    for r in rows:
        unit = catalog.devices[r["device"]].units[r["unit"]]
        assert r["analytic_power_w"] == pytest.approx(unit.max_power_w)  # the analytic route draws max_power_w
        assert 0 < r["efficiency"] <= 1
        if r["efficiency_from"] == "resnet50":  # efficiency from the point itself: same FPS by construction
            assert r["analytic_fps"] == pytest.approx(r["measured_fps"], rel=1e-9)
        assert r["fps_per_w_rel_err"] == pytest.approx(r["analytic_fps_per_w"] / r["measured_fps_per_w"] - 1)
    # Hailo-8 has points for other models: the analytic estimate depends on which one lends its efficiency
    hailo = [r for r in rows if r["device"] == "hailo8" and r["efficiency_from"] != "resnet50"]
    assert len(hailo) >= 2
    assert max(r["efficiency"] for r in hailo) > 2 * min(r["efficiency"] for r in hailo)


# ---------------------------------------------------------------------------------------------- efficiency consistency

def test_efficiency_rises_with_load(consistency):
    rows = consistency["rows"]
    for device in {r["device"] for r in rows}:
        pts = sorted((r for r in rows if r["device"] == device), key=lambda r: r["load_fraction"])
        assert [r["load_fraction"] for r in pts] == pytest.approx([0.1 * k for k in range(1, 11)])
        values = [r["fps_per_w"] for r in pts]
        assert all(b > a for a, b in zip(values, values[1:])), device  # strictly monotone
        for r in pts:
            assert r["utilization"] == pytest.approx(r["load_fraction"], rel=1e-6)
            assert r["avg_power_w"] == pytest.approx(
                r["idle_power_w"] + (r["active_power_w"] - r["idle_power_w"]) * r["load_fraction"], rel=1e-6)
            assert r["rel_err_closed_form"] == pytest.approx(0.0, abs=1e-6)
        assert pts[-1]["fps_per_w_over_full_load"] == 1.0


def test_efficiency_curve_shape_set_by_idle_power(consistency):
    rows = consistency["idle_rows"]
    by_idle = {}
    for r in rows:
        by_idle.setdefault(round(r["idle_over_active"], 6), []).append(r)
    assert 0.0 in by_idle and len(by_idle) >= 3
    flat = [r["fps_per_w"] for r in by_idle[0.0]]
    assert max(flat) == pytest.approx(min(flat), rel=1e-6)  # no idle power: perfectly consistent efficiency
    at_10 = {k: next(r for r in v if r["load_fraction"] == pytest.approx(0.1))["fps_per_w_over_full_load"]
             for k, v in by_idle.items()}
    shares = sorted(at_10)
    assert all(at_10[a] > at_10[b] for a, b in zip(shares, shares[1:]))  # more idle power: steeper curve
    for share, value in at_10.items():  # f / (i + (1 - i) f) at f = 0.1
        assert value == pytest.approx(0.1 / (share + (1 - share) * 0.1), rel=1e-6)


# ---------------------------------------------------------------------------------------------- thermal resistance

def test_thermal_resistance_consistent_with_power(thermal, catalog):
    rows = thermal["rows"]
    assert len(rows) >= 2
    for r in rows:
        assert r["r_k_per_w"] == pytest.approx((r["tj_c"] - r["tc_c"]) / r["unit_power_w"], rel=1e-12)
        assert (r["tj_c"], r["tc_c"]) == (105.0, 85.0)
        unit = catalog.devices[r["device"]].units[r["unit"]]
        assert unit.idle_power_w <= r["unit_power_w"] <= unit.max_power_w + 1e-9
        if r["achieved_fraction"] == 0:  # completed nothing in the run (a CPU at 46 G ops a frame): no efficiency
            assert r["r_from_eff_k_per_w"] is None and r["r_full_workload_k_per_w"] is None
            continue
        assert r["r_from_eff_k_per_w"] == pytest.approx(r["r_k_per_w"], rel=1e-9)
        if r["n_units"] == 1:  # R for all of C at the same efficiency: (Tj - Tc) x eff / C = R x achieved fraction
            assert r["r_full_workload_k_per_w"] == pytest.approx(r["r_k_per_w"] * r["achieved_fraction"], rel=1e-9)
        if r.get("r_catalog_tj_k_per_w") is not None:
            assert r["r_catalog_tj_k_per_w"] == pytest.approx((r["catalog_tj_max_c"] - 85.0) / r["unit_power_w"])
        if r.get("r_k_per_w_at_resnet50_power") is not None:
            assert r["r_k_per_w_at_resnet50_power"] == pytest.approx(20.0 / r["unit_power_w_at_resnet50_power"])
    one = next(r for r in rows if r["device"] == "hailo8" and r["n_units"] == 1)
    two = next(r for r in rows if r["n_units"] == 2)
    assert not one["sustained"] and 0 < one["achieved_fraction"] < 1
    # saturated on ResNet-50-class networks: the busy power the Hailo-8 was measured at on ResNet-50 (white paper, 3.03 W at
    # 224 x 224), carried to 640 x 480 by the power model (a little more activity per call), below max_power_w
    hailo = catalog.devices["hailo8"].units["npu"]
    measured_w = next(p.power_w for p in hailo.measured if p.model == "resnet50")
    assert measured_w <= one["unit_power_w"] <= hailo.max_power_w
    assert one["unit_power_w"] == pytest.approx(measured_w, rel=0.02)
    assert two["achieved_fraction"] > one["achieved_fraction"]  # two chips deliver more of the workload
    assert two["r_k_per_w"] >= one["r_k_per_w"]  # each of two chips is no harder to cool (both saturate under the model)
    assert all(not math.isnan(r["r_k_per_w"]) for r in rows)
    # every catalog unit runs the intersection now (measured, or predicted by the calibrated model): none skipped
    assert not thermal["skipped"]
    # (every unit the shipped calibration covers: experiments/common.catalog_units; tests/catalog/test_measured_devices.py the others)
    covered = set(load_calibrated()["units"])
    assert {(r["device"], r["unit"]) for r in rows if r["n_units"] == 1} == {
        (d, u) for d, dev in catalog.devices.items() for u in dev.units if f"{d}/{u}" in covered}

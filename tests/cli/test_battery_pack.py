"""A Li-ion pack on the command line: the laptop on a 3s2p pack shows it; a bad pack is one line naming the field."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from edgesim.catalog.cells import load_cell
from edgesim.physics.liion import LiIonPack
from tests.helpers import run_cli_catching_exit as _run

ROOT = Path(__file__).resolve().parents[2]


LAPTOP = ROOT / "scenarios" / "laptop_battery_liion.yaml"


CELL = "lg_m50_nmc811"


def _pack(series: int, parallel: int, **kw: float) -> LiIonPack:
    return LiIonPack(load_cell(CELL), series, parallel, **kw)



def test_cli_runs_the_laptop_on_a_3s2p_pack_and_shows_it(capsys: pytest.CaptureFixture[str]):
    sets = ("--set", "battery.parallel=2", "--set", "battery.capacity_wh=111.5", "--duration", "120")
    code, out, err = _run(capsys, "run", str(LAPTOP), *sets)
    assert code == 0, err
    assert "battery pack: Li-ion 3s2p (6 cells), 10 Ah, 111.5 Wh at open circuit" in out
    assert "battery: projected life" in out
    code, out, err = _run(capsys, "run", str(LAPTOP), *sets, "--json")
    assert code == 0, err
    system = json.loads(out)["system"]
    cell = load_cell(CELL)
    assert (system["battery_series"], system["battery_parallel"]) == (3, 2)
    assert system["battery_capacity_ah"] == pytest.approx(2 * cell.capacity_ah)
    assert system["battery_energy_wh_at_ocv"] == pytest.approx(6 * _pack(1, 1).energy_wh(), rel=1e-12)
    # near the ideal battery of the same open-circuit energy, and a little below it (R and the OCV curve)
    ideal_h = system["battery_energy_wh_at_ocv"] / system["device_avg_power_w"]
    assert 0.98 * ideal_h < system["battery_life_h"] < ideal_h


@pytest.mark.parametrize("battery, field", [
    ({"model": "ideal", "capacity_wh": 50.0, "parallel": 2}, "battery.parallel"),
    ({"model": "kibam", "capacity_wh": 50.0, "kibam_k_per_s": 1e-4, "series": 3}, "battery.series"),
    ({"model": "peukert", "capacity_wh": 50.0, "cell": CELL}, "battery.cell"),
    ({"model": "liion", "cell": CELL, "series": 3, "parallel": 0, "capacity_wh": 55.8}, "battery.parallel"),
    ({"model": "liion", "cell": CELL, "series": 3, "parallel": 1.5, "capacity_wh": 55.8}, "battery.parallel"),
    ({"model": "liion", "cell": CELL, "series": 3, "parallel": True, "capacity_wh": 55.8}, "battery.parallel"),
    ({"model": "liion", "cell": CELL, "series": 3, "parallel": 10_001, "capacity_wh": 55.8}, "battery.parallel"),
    ({"model": "liion", "cell": CELL, "series": 3, "parallel": 2, "capacity_wh": 55.8}, "battery.capacity_wh"),
])
def test_bad_pack_is_one_line_naming_the_field(tmp_path: Path, capsys: pytest.CaptureFixture[str], battery, field):
    data = yaml.safe_load(LAPTOP.read_text())
    data["battery"] = battery
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    code, _, err = _run(capsys, "run", str(path), "--duration", "1")
    assert code == 2, err
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("edgesim: error: "), err
    assert f"{field}:" in err, err
    if field == "battery.capacity_wh":  # the message says what the cells hold and how many would fit
        assert "3s2p" in err and "111.5 Wh" in err
    elif battery["model"] != "liion":
        assert "only for model liion" in err


def test_a_20_wh_pack_of_18_6_wh_cells_is_refused_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    # the example: no whole number of 18.59 Wh cells makes 20 Wh within the 3 % check
    data = yaml.safe_load(LAPTOP.read_text())
    data["battery"].update({"series": 1, "parallel": 1, "capacity_wh": 20.0})
    path = tmp_path / "pack20.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    code, _, err = _run(capsys, "run", str(path), "--duration", "1")
    assert code == 2 and "battery.capacity_wh:" in err and "no whole number of cells" in err, err
    assert f"{_pack(1, 1).energy_wh():.4g} Wh a cell" in err

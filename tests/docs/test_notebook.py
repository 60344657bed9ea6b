"""The architect's notebook (examples/accelerator_whatif.ipynb) runs top to bottom and says what it should.

Executed with nbclient on the ``python3`` kernel of the interpreter running the tests (the venv's ipykernel). A cell
of checks is appended to the executed copy (never to the file): the intersection as written misses its 12.44 TOPS,
every swapped unit reports its service source and an ordered interval, the Pareto front among drop-free
configurations is the Hailo-8 / AGX Orin DLA / AGX Orin GPU trade-off at 15 FPS, and the laptop as written
reproduces the white paper's 50 Wh / 18.43 W = 2.71 h.
"""
from __future__ import annotations

from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
pytest.importorskip("ipykernel")

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "accelerator_whatif.ipynb"

CHECKS = """
assert system["achieved_tops"] < system["required_tops"] == 12.4416
assert set(streams["service_source"]) == {"calibrated"}
assert (df["status"] == "ok").all() and len(df) == 2 * len(UNITS)
assert set(df["service_source"]) <= {"measured", "measured, scaled by pixel count", "calibrated", "prior"}
assert ((df["service_ms_low"] <= df["service_ms"]) & (df["service_ms"] <= df["service_ms_high"])).all()
hailo = df[df["case"] == "hailo8.npu"]
assert (hailo["service_source"] == "calibrated").all()
assert 1.0 <= 1e3 / hailo["service_ms"].iloc[0] / (1223 * 224 * 224 / (640 * 480)) <= 1.2  # 150k ops/px < ResNet-50 163k; overhead fixed
assert (front["drop_rate"] <= 0.01).all()
assert list(front["label"]) == ["hailo8.npu @ 15 FPS", "jetson_agx_orin.dla @ 15 FPS", "jetson_agx_orin.gpu @ 15 FPS"]
assert list(front["system.avg_power_w"]) == sorted(front["system.avg_power_w"])
assert list(front["max_p99_latency_ms"]) == sorted(front["max_p99_latency_ms"], reverse=True)
assert abs(battery.loc["as written", "system.battery_life_h"] - 50 / 18.42916667) < 1e-3
assert (battery["system.battery_life_h"] > 0).all()
print("notebook checks passed")
"""


def test_the_accelerator_whatif_notebook_runs_and_its_numbers_hold():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), "commit it without outputs"
    nb.cells.append(nbformat.v4.new_code_cell(CHECKS))
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    last = nb.cells[-1].outputs
    assert any(o.get("text", "").strip() == "notebook checks passed" for o in last), last
    # the Pareto figure (axes in words with units) and the battery bar chart are drawn, as inline SVG
    data = [o.get("data", {}) for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    pareto, life = [d["image/svg+xml"] for d in data if "image/svg+xml" in d]
    assert "average power (W)" in pareto and "p99 latency (ms)" in pareto and "Pareto front" in pareto
    assert "battery life (h)" in life

"""MLPerf-style load drivers against closed forms: Offline = 1 / service, SingleStream = service, MultiStream = n x service."""
from __future__ import annotations

import json

import numpy as np
import pytest

import edgesim
from edgesim import scenario_from_dict
from edgesim.cli import main
from edgesim.model.compile import compile_system
from edgesim.results.result import load_row
from edgesim.sim.engine import run_simulation

SERVICE_S = 2e-3


def scenario(loads: list[dict], duration_s: float = 10.0, warmup_s: float = 0.0, servers: int = 1,
             distribution: str = "deterministic", seed: int = 0) -> dict:
    """One unit whose service time for ``net`` at 224 x 224 is exactly SERVICE_S (a measured point); no cameras."""
    return {
        "name": "loads", "duration_s": duration_s, "warmup_s": warmup_s, "seed": seed,
        "models": [{"name": "net", "ops_per_pixel": 1000.0}],
        "compute_units": [{
            "name": "npu", "kind": "npu", "idle_power_w": 0.5, "max_power_w": 3.0, "servers": servers,
            "service_time_distribution": distribution,
            "measured": [{"model": "net", "fps": 1.0 / SERVICE_S, "power_w": 2.5, "width_px": 224, "height_px": 224, "source": "test"}],
        }],
        "loads": [{"model": "net", "unit": "npu", "width_px": 224, "height_px": 224, **load} for load in loads],
    }


def summaries(d: dict) -> list[dict]:
    spec = scenario_from_dict(d)
    state = run_simulation(compile_system(spec))
    window_s = state.duration_s - spec.warmup_s
    out = [load_row(load, window_s) for load in state.loads]
    json.dumps(out, allow_nan=False)
    return out


def test_offline_throughput_is_one_over_service_time():
    (s,) = summaries(scenario([{"name": "off", "scenario": "offline", "offline_samples": 2000}]))
    assert s["metric"] == "samples_per_s"
    assert s["all_samples_done"] and s["samples"] == 2000
    assert s["value"] == pytest.approx(1.0 / SERVICE_S, rel=1e-9)
    assert s["active_s"] == pytest.approx(2000 * SERVICE_S, rel=1e-9)


def test_offline_throughput_scales_with_servers_and_runs_past_the_end():
    # more samples than the run can serve: throughput over the run is servers / service
    (s,) = summaries(scenario([{"name": "off", "scenario": "offline", "offline_samples": 100000}], duration_s=5.0, servers=4))
    assert not s["all_samples_done"]
    assert s["value"] == pytest.approx(4.0 / SERVICE_S, rel=1e-3)


def test_single_stream_latency_is_the_service_time_on_an_idle_unit():
    (s,) = summaries(scenario([{"name": "ss", "scenario": "single_stream"}]))
    assert s["metric"] == "p90_latency_ms"
    assert s["value"] == pytest.approx(SERVICE_S * 1e3, rel=1e-6)  # float32 percentile store
    assert s["latency_ms"]["max"] == pytest.approx(SERVICE_S * 1e3, rel=1e-9)
    assert s["latency_ms"]["mean"] == pytest.approx(SERVICE_S * 1e3, rel=1e-9)
    # back to back: one query every service time
    assert s["queries"] == pytest.approx(10.0 / SERVICE_S, abs=1)


def test_multi_stream_query_latency_is_n_times_service_on_one_server():
    (s,) = summaries(scenario([{"name": "ms", "scenario": "multi_stream", "samples_per_query": 8}]))
    assert s["metric"] == "p99_latency_ms"
    assert s["value"] == pytest.approx(8 * SERVICE_S * 1e3, rel=1e-6)
    assert s["latency_ms"]["max"] == pytest.approx(8 * SERVICE_S * 1e3, rel=1e-9)
    assert 8 * s["queries"] <= s["samples"] < 8 * (s["queries"] + 1)  # the last query may be cut by the end of the run


def test_multi_stream_on_eight_servers_takes_one_service_time():
    (s,) = summaries(scenario([{"name": "ms", "scenario": "multi_stream", "samples_per_query": 8}], servers=8))
    assert s["latency_ms"]["max"] == pytest.approx(SERVICE_S * 1e3, rel=1e-9)


def test_server_at_low_rate_p99_is_about_the_service_time():
    # rho = 2 x 2 ms = 0.004: fewer than 1 % of the queries find the unit busy, so p99 is the service time
    (s,) = summaries(scenario([{"name": "srv", "scenario": "server", "target_qps": 2.0, "latency_bound_s": 0.01}], duration_s=500.0))
    assert s["metric"] == "p99_latency_ms"
    assert s["achieved_qps"] == pytest.approx(2.0, rel=0.1)
    assert s["latency_ms"]["p50"] == pytest.approx(SERVICE_S * 1e3, rel=1e-6)
    assert s["value"] == pytest.approx(SERVICE_S * 1e3, rel=1e-6)
    assert s["valid"] is True


def test_server_mm1_mean_latency_matches_theory():
    # M/M/1 at rho = 0.8: mean sojourn = S / (1 - rho); pooled over seeds within 5 %
    rho = 0.8
    means, weights = [], []
    for seed in (1, 2, 3):
        (s,) = summaries(scenario([{"name": "srv", "scenario": "server", "target_qps": rho / SERVICE_S}], duration_s=300.0,
                                  warmup_s=5.0, distribution="exponential", seed=seed))
        means.append(s["latency_ms"]["mean"])
        weights.append(s["queries"])
    assert np.average(means, weights=weights) == pytest.approx(SERVICE_S / (1 - rho) * 1e3, rel=0.05)


def test_server_validity_against_the_bound():
    (s,) = summaries(scenario([{"name": "srv", "scenario": "server", "target_qps": 450.0, "latency_bound_s": 0.003}],
                              duration_s=50.0, distribution="exponential", seed=4))
    assert s["valid"] is False and s["value"] > 3.0


def test_loads_share_a_unit_fifo():
    # a single-stream driver next to an offline one: each single-stream query waits behind at most one offline
    # sample in service plus the offline samples queued before it (servers + 2 = 3 at most)
    (ss, off) = summaries(scenario([{"name": "ss", "scenario": "single_stream"},
                                    {"name": "off", "scenario": "offline", "offline_samples": 10**6}], duration_s=2.0))
    assert ss["latency_ms"]["max"] <= 4 * SERVICE_S * 1e3 * (1 + 1e-9)
    total = ss["samples"] + off["samples"]
    assert total == pytest.approx(2.0 / SERVICE_S, abs=2)  # the unit never idles


def test_load_energy_is_the_unit_energy_when_alone():
    d = scenario([{"name": "off", "scenario": "offline", "offline_samples": 1000}], duration_s=3.0)
    spec = scenario_from_dict(d)
    state = run_simulation(compile_system(spec))
    (s,) = [load_row(load, 3.0) for load in state.loads]
    unit = state.units[0]
    assert s["energy_j"] == pytest.approx(unit.energy_j, rel=1e-9)
    # 1000 samples x 2 ms x 2.5 W + idle 0.5 W for the remaining 1 s
    assert unit.energy_j == pytest.approx(1000 * SERVICE_S * 2.5 + 1.0 * 0.5, rel=1e-9)
    assert s["samples_per_j"] == pytest.approx(1000 / unit.energy_j)


@pytest.mark.parametrize("load,field,words", [
    ({"name": "x", "scenario": "server"}, "loads[0].target_qps", "needs target_qps"),
    ({"name": "x", "scenario": "offline", "unit": "gpu"}, "loads[0].unit", "no compute unit named 'gpu'"),
    ({"name": "x", "scenario": "offline", "model": "resnet"}, "loads[0].model", "no model named 'resnet'"),
    ({"name": "x", "scenario": "offline", "samples_per_query": 0}, "loads[0].samples_per_query", "greater than 0"),
])
def test_bad_loads_exit_2(tmp_path, capsys, load, field, words):
    import yaml

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(scenario([load])))
    code = main(["run", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and field in err and words in err, err


def test_mlperf_example_scenario_reports_each_metric():
    from tests.helpers import SCENARIOS

    summary = edgesim.simulate(edgesim.load_scenario(SCENARIOS / "mlperf_resnet50_hailo8.yaml"), duration_s=5.0).summary
    loads = {load["scenario"]: load for load in summary["loads"]}
    service_ms = 1e3 / 1223  # catalog: white paper Fig. 4, Hailo-8 ResNet-50 1223 FPS
    assert loads["single_stream"]["value"] == pytest.approx(service_ms, rel=1e-6)
    assert loads["multi_stream"]["value"] == pytest.approx(8 * service_ms, rel=1e-6)
    assert loads["offline"]["value"] == pytest.approx(1223, rel=1e-3)
    assert loads["server"]["valid"] is True

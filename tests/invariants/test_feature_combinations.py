"""Every feature against every other: random combinations of schedulers, servers, batching, a shared bus, DVFS
with throttling and leakage, batteries, links, pipelines and load drivers must run and keep the invariants
(frame accounting, utilization in [0, 1], a JSON-clean summary). Seeded, so it is the same cases every run."""
from __future__ import annotations

import json
import random

import pytest

import edgesim

rng = random.Random(20261126)


def case(i):
    """Scenario ``i``: a random mix of the features (drawn from a seeded generator)."""
    sched = rng.choice(["fifo","priority","edf","fair"])
    servers = rng.choice([1,1,2])
    batching = rng.random()<0.3 and servers==1
    bus = rng.random()<0.3
    thermal = rng.random()<0.4
    battery = rng.random()<0.3
    dist = rng.choice(["deterministic","exponential"])
    units=[]
    for n in ("u1","u2"):
        u={"name":n,"kind":"npu","idle_power_w":0.5,"max_power_w":3.0,"peak_ops_per_s":{"int8":1e10},"efficiency":rng.uniform(0.1,1),
           "scheduler":sched,"servers":servers,"service_time_distribution":dist}
        if batching: u["batching"]={"max_batch":rng.randint(1,6),"max_wait_s":rng.choice([0,0.002,0.01])}
        if bus: u["memory_bus"]="dram"
        if thermal:
            u["thermal_node"]="j"; u["dvfs_states"]=[{"name":"hi","frequency_hz":1e9},{"name":"lo","frequency_hz":5e8}]
            u["throttle"]={"threshold_c":rng.uniform(30,60),"hysteresis_c":rng.uniform(0.5,5),"critical_c":rng.uniform(61,90)}
            if rng.random()<0.5: u["leakage_w_per_k"]=0.01
        units.append(u)
    d={"name":"fz","duration_s":rng.uniform(1,20),"warmup_s":rng.choice([0,0.5]),"seed":i,
       "cameras":[{"name":"c","width_px":rng.choice([64,224]),"height_px":64,"fps":rng.uniform(5,400),"count":rng.randint(1,3),
                   "arrival":{"kind":rng.choice(["periodic","poisson","jitter"]),"jitter_s":0.0005}}],
       "models":[{"name":"m1","ops_per_pixel":rng.uniform(1e3,1e5),"weight_bytes":1e6},{"name":"m2","ops_per_pixel":rng.uniform(1e3,1e5)}],
       "compute_units":units,
       "streams":[{"camera":"c","model":"m1","unit":"u1","drop_policy":rng.choice(["drop_oldest","drop_newest","never_drop"]),"queue_capacity":rng.randint(1,4)},
                  {"camera":"c","model":"m2","unit":rng.choice(["u1","u2"]),"drop_policy":rng.choice(["drop_oldest","drop_newest"]),"deadline_s":0.01}]}
    if rng.random()<0.4:
        d["links"]=[{"name":"pcie","bandwidth_bytes_per_s":5e8,"latency_s":1e-4}]
        d["pipelines"]=[{"name":"p","camera":"c","stages":[{"name":"pre","unit":"u2","ops_per_pixel":1e3},{"name":"xfer","link":"pcie","bytes_per_pixel":3,"after":["pre"]},
                                                        {"name":"inf","unit":"u1","model":"m1","after":["xfer"]},
                                                        {"name":"cls","unit":"u2","model":"m2","count":{"kind":"poisson","mean":2},"after":["inf"],"width_px":32,"height_px":32}]}]
    if bus: d["memory_buses"]=[{"name":"dram","bandwidth_bytes_per_s":rng.choice([1e8,1e9,1e10])}]
    if thermal: d["thermal"]={"ambient_c":25,"nodes":[{"name":"j","capacity_j_per_k":rng.uniform(0.05,5)}],"links":[{"between":["j","ambient"],"resistance_k_per_w":rng.uniform(2,30)}]}
    if battery:
        d["battery"]={"model":rng.choice(["ideal","peukert","kibam"]),"capacity_wh":rng.choice([0.001,0.01,1])}
        d["battery"].update({"peukert":{"peukert_exponent":1.1},"kibam":{"kibam_k_per_s":0.01}}.get(d["battery"]["model"],{}))  # each model's own keys
    if rng.random()<0.3: d["loads"]=[{"name":"l","scenario":rng.choice(["single_stream","multi_stream","server","offline"]),"model":"m2","unit":"u2","width_px":64,"height_px":64,"target_qps":50,"offline_samples":500}]
    return d


CASES = [case(i) for i in range(40)]


@pytest.mark.parametrize("index", range(len(CASES)))
def test_random_feature_mix_runs_and_keeps_invariants(index):
    data = CASES[index]
    spec = edgesim.scenario_from_dict(data)
    result = edgesim.simulate(spec, trace=index % 5 == 0)
    json.dumps(result.summary, allow_nan=False)
    for s in result.summary["streams"]:
        assert s["offered"] == s["completed"] + s["dropped"] + s["in_flight"]
    for p in result.summary["pipelines"]:
        assert p["offered"] == p["completed"] + p["dropped"] + p["in_flight"]
    for u in result.summary["units"]:
        assert -1e-9 <= u["utilization"] <= 1 + 1e-9
        assert u["energy_j"] >= 0
    if spec.battery is not None:
        system = result.summary["system"]
        assert system["battery_energy_j"] * spec.battery.dcdc_efficiency == pytest.approx(system["load_energy_j"], rel=1e-9)

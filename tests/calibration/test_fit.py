"""The fit itself: synthetic parameters recovered, an under-determined group reports its prior, the analytic Jacobian, the latent speed and footprint."""
from __future__ import annotations

import math

import numpy as np
import pytest

from edgesim.calibration.fit import EngineContext, GroupData, fit_group, log_predict
from edgesim.calibration.prior import PARAM_NAMES, hyper_prior
from edgesim.physics.profile import OP_CLASSES

HEADER = "device,engine,model,input_w,input_h,precision,batch_or_scenario,metric,value,power_mode,software,source,confidence,notes\n"
GOOD = "hailo8,npu,resnet50,224,224,int8,1,fps,1300,,,test,H,\n"


def _synthetic(n: int, rng: np.random.Generator) -> GroupData:
    split = rng.dirichlet(np.ones(len(OP_CLASSES)), size=n) * rng.uniform(1e8, 5e10, size=(n, 1))
    return GroupData(ops=split, weight_params=rng.uniform(1e6, 5e7, n), input_elems=np.full(n, 224 * 224 * 3.0),
                     prec_idx=rng.integers(0, 2, n), batch=rng.choice([1.0, 8.0, 0.0], n), is_latency=rng.random(n) < 0.3,
                     log_meas=np.zeros(n), canonical=tuple(f"m{i}" for i in range(n)))


def _truth() -> np.ndarray:
    t = np.array(hyper_prior("npu").mean, float)
    t[0], t[1], t[9], t[11], t[10] = math.log(0.4), math.log(0.05), math.log(3e-4), math.log(1.5e7), math.log(4e9)
    return t


def test_fit_recovers_known_parameters_from_synthetic_data():
    rng = np.random.default_rng(3)
    ctx = EngineContext("syn", "npu", 26e12, "int8", None)
    data = _synthetic(300, rng)
    truth = _truth()
    data = GroupData(**{**data.__dict__, "log_meas": log_predict(truth, ctx, data) + rng.normal(0, 0.02, len(data))})
    fit = fit_group(ctx, data, hyper_prior("npu"))
    for k in (0, 1, 9):
        assert math.exp(fit.theta[k] - truth[k]) == pytest.approx(1.0, abs=0.1), PARAM_NAMES[k]
    # calibrating then predicting the calibration points reproduces them
    assert np.median(np.abs(np.expm1(fit.residuals))) < 0.03


def test_under_determined_fit_reports_the_prior():
    rng = np.random.default_rng(4)
    ctx = EngineContext("one", "gpu", 20e12, "int8", 68e9)
    data = _synthetic(1, rng)
    data = GroupData(**{**data.__dict__, "log_meas": np.array([math.log(500.0)]), "is_latency": np.array([False]),
                        "batch": np.array([1.0])})
    fit = fit_group(ctx, data, hyper_prior("gpu"))
    assert "log_offline_extra" in fit.prior_used and "log_host_latency_s" in fit.prior_used
    assert "prior used for: " in fit.summary() and "log_offline_extra" in fit.summary()


def test_analytic_jacobian_matches_finite_differences():
    from edgesim.calibration.fit import log_predict_jacobian

    rng = np.random.default_rng(5)
    for ctx in (EngineContext("syn", "npu", 26e12, "int8", None), EngineContext("gpu", "gpu", 20e12, "fp16", 68e9)):
        data = _synthetic(60, rng)
        theta = _truth()
        off, foot = rng.normal(0, 0.3, len(data)), rng.normal(0, 0.5, len(data))
        jac = log_predict_jacobian(theta, ctx, data, off, foot)
        h = 1e-6
        for k in range(len(theta)):
            up, dn = theta.copy(), theta.copy()
            up[k] += h
            dn[k] -= h
            num = (log_predict(up, ctx, data, off, foot) - log_predict(dn, ctx, data, off, foot)) / (2 * h)
            assert np.allclose(jac[:, k], num, atol=1e-5), PARAM_NAMES[k]


def test_latent_fit_recovers_a_models_speed_and_footprint():
    """One model measured at batch 1 and 8 on two engines of different on-chip memory: the fitted latents
    reproduce the truth (their priors only shrink a little with exact data)."""
    from edgesim.calibration.fit import point_terms
    from edgesim.calibration.latents import LatentPoints, LatentPrior, fit_latent

    ctx = EngineContext("syn", "npu", 26e12, "int8", None)
    data = GroupData(ops=np.tile([[1e10, 0, 0, 0, 0, 0, 0]], (2, 1)), weight_params=np.full(2, 2e7),
                     input_elems=np.full(2, 3 * 224 * 224.0), prec_idx=np.zeros(2, int), batch=np.array([1.0, 8.0]),
                     is_latency=np.zeros(2, bool), log_meas=np.zeros(2), canonical=("m", "m"))
    small, big = _truth(), _truth()
    small[11], big[11] = math.log(4e6), math.log(4e7)
    truth_speed, truth_foot = 0.6, 0.4  # footprint 2e7 x e^0.4 = 30 MB: reloads on the small chip only
    pts = []
    for name, th in (("small", small), ("big", big)):
        t = point_terms(th, ctx, data)
        pts.append(LatentPoints(name, t, t.log_value(truth_speed, truth_foot)))
    lat = fit_latent("m@npu", pts, LatentPrior(speed_sd=3.0, group_sd=0.05, footprint_sd=3.0))
    assert lat.speed == pytest.approx(truth_speed, abs=0.05)
    assert lat.footprint == pytest.approx(truth_foot, abs=0.05)
    assert lat.n_points == 4
    # no points: the prior (nominal physics)
    assert fit_latent("x@npu", []).speed == 0.0

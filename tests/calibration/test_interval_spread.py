"""The spread of a log prediction under its parameters' distribution (``fit.log_predict_variance``, sigma points along
the covariance's principal axes) is the delta method where the prediction is smooth and stays bounded at the weight
reload's kink, where a gradient times a wide prior spread of the on-chip memory claimed intervals of 1e14."""
from __future__ import annotations

import math

import numpy as np
import pytest

from edgesim.calibration.fit import GroupData, log_predict, log_predict_jacobian, log_predict_variance
from edgesim.calibration.predict import catalog_posterior, features_of
from edgesim.calibration.prior import PARAM_NAMES
from edgesim.profiles.catalog_profiles import load_profiles

K_ON_CHIP = PARAM_NAMES.index("log_on_chip_bytes")


def _case(device: str, unit: str, model: str = "resnet50", precision: str = "int8"):
    post = catalog_posterior(device, unit)
    data = GroupData.from_rows([(features_of(load_profiles()[model]), 224, 224, precision, 1.0, False, 1.0, model)],
                               post.ctx.reference_precision)
    return post, data


def test_a_small_covariance_gives_the_delta_method():
    post, data = _case("hailo8", "npu")
    cov = post.cov * 1e-6  # steps small enough that the log prediction is linear over them
    j = log_predict_jacobian(post.theta, post.ctx, data)[0]
    assert log_predict_variance(post.theta, cov, post.ctx, data)[0] == pytest.approx(float(j @ cov @ j), rel=1e-3)


def test_at_the_reload_kink_the_spread_is_bounded_by_what_the_on_chip_memory_can_change():
    post, data = _case("apple_m1_ultra", "ane", precision="fp16")
    sd = math.sqrt(post.cov[K_ON_CHIP, K_ON_CHIP])
    assert sd > 3.0  # the kind's spread of on-chip memory per unit of peak: about e^3.7
    only = np.zeros_like(post.cov)
    only[K_ON_CHIP, K_ON_CHIP] = sd ** 2
    j = log_predict_jacobian(post.theta, post.ctx, data)[0]
    delta = float(j @ only @ j)
    spread = float(log_predict_variance(post.theta, only, post.ctx, data)[0])
    # the prediction moves at most between "all weights on chip" and "none": far less than the gradient extrapolates
    lo, hi = post.theta.copy(), post.theta.copy()
    lo[K_ON_CHIP], hi[K_ON_CHIP] = -50.0, 50.0
    full_range = abs(float(log_predict(lo, post.ctx, data)[0] - log_predict(hi, post.ctx, data)[0]))
    assert spread <= (full_range / 2) ** 2 * (1 + 1e-9) < delta

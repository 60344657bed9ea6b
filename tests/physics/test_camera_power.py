"""Camera power, affine in the pixel rate."""
from __future__ import annotations

import pytest

from edgesim.physics.camera_power import PI_CAMERA_MODULE_TOTAL_W, CameraPowerModel, CameraStage


def test_camera_power_affine_in_pixel_rate():
    sensor = CameraStage.from_total("sensor", PI_CAMERA_MODULE_TOTAL_W, 1920, 1080, 30.0, static_fraction=0.4)
    assert sensor.power_w(1920, 1080, 30.0) == pytest.approx(1.25, rel=1e-14)
    # Half the pixel rate: static share unchanged, dynamic share halved.
    assert sensor.power_w(1920, 1080, 15.0) == pytest.approx(0.5 + 0.75 / 2.0, rel=1e-14)
    cam = CameraPowerModel((sensor, CameraStage("isp", 0.1, 1e-10), CameraStage("encoder", 0.2, 2e-10)))
    rate = 1280 * 720 * 30.0
    expected = 0.5 + 0.75 * rate / (1920 * 1080 * 30.0) + 0.1 + 1e-10 * rate + 0.2 + 2e-10 * rate
    assert cam.power_w(1280, 720, 30.0) == pytest.approx(expected, rel=1e-14)
    assert sum(cam.power_by_stage_w(1280, 720, 30.0).values()) == pytest.approx(expected, rel=1e-14)
    assert cam.energy_per_frame_j(1280, 720, 30.0) == pytest.approx(expected / 30.0, rel=1e-14)
    with pytest.raises(ValueError, match="fps"):
        cam.power_w(1280, 720, 0.0)

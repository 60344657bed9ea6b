"""Shared helpers: small scenarios built as dicts, so each test states exactly what it simulates."""
from __future__ import annotations

from pathlib import Path

import pytest

from edgesim.cli import main

__all__ = ["ROOT", "SCENARIOS", "run_cli", "run_cli_catching_exit", "single_queue"]

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def single_queue(fps: float, service_s: float, arrival: str = "poisson", distribution: str = "deterministic",
                 duration_s: float = 100.0, warmup_s: float = 0.0, seed: int = 0, queue_capacity: int = 4,
                 drop_policy: str = "never_drop", idle_power_w: float = 1.0, active_power_w: float = 5.0) -> dict:
    """One camera -> one model -> one unit whose service time is exactly ``service_s`` (a measured point)."""
    return {
        "name": "single_queue",
        "duration_s": duration_s,
        "warmup_s": warmup_s,
        "seed": seed,
        "cameras": [{"name": "cam", "width_px": 100, "height_px": 100, "fps": fps, "arrival": {"kind": arrival}}],
        "models": [{"name": "net", "ops_per_pixel": 1000.0}],
        "compute_units": [{
            "name": "unit", "kind": "npu", "idle_power_w": idle_power_w, "max_power_w": active_power_w,
            "service_time_distribution": distribution,
            "measured": [{"model": "net", "fps": 1.0 / service_s, "power_w": active_power_w, "width_px": 100, "height_px": 100,
                          "source": "test fixture"}],
        }],
        "streams": [{"camera": "cam", "model": "net", "unit": "unit", "queue_capacity": queue_capacity, "drop_policy": drop_policy}],
    }


def run_cli(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """``edgesim.cli.main(argv)`` in-process, arguments as strings: (exit code, stdout, stderr)."""
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_cli_catching_exit(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """As :func:`run_cli`, a ``SystemExit`` (argparse's own errors) counting as its code."""
    try:
        return run_cli(capsys, *argv)
    except SystemExit as exc:
        captured = capsys.readouterr()
        return (exc.code if isinstance(exc.code, int) else 1), captured.out, captured.err

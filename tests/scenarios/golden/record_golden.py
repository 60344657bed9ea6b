"""Record the summary JSON of every scenario in ``scenarios/`` (fixed seed, short run) as golden test data.

Run from the repository root: ``python tests/scenarios/golden/record_golden.py``. ``tests/scenarios/test_golden.py`` checks that
every number still matches to 1e-9 relative. Re-record only for a change that is meant to move numbers, and
say which and why in the commit.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = Path(__file__).resolve().parent
# simulated seconds per scenario: short, but long enough for each scenario's feature to act
DURATION_S = {"passive_box_45c": 900.0, "laptop_battery_cpu_gpu": None, "laptop_battery_npu": None}
DEFAULT_DURATION_S = 6.0
SEED = 3


def golden_runs() -> list[tuple[str, float | None]]:
    return [(p.stem, DURATION_S.get(p.stem, DEFAULT_DURATION_S)) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]


def summary_of(stem: str, duration_s: float | None) -> dict:
    import edgesim

    # exact: every event, as recorded (the default fast-forward agrees within its stated bounds: tests/sim/test_fast_forward.py)
    result = edgesim.simulate(str(ROOT / "scenarios" / f"{stem}.yaml"), duration_s=duration_s, seed=SEED, exact=True)
    return json.loads(result.to_json())


def main() -> int:
    sys.path.insert(0, str(ROOT))
    for stem, duration_s in golden_runs():
        (GOLDEN / f"{stem}.json").write_text(json.dumps(summary_of(stem, duration_s), indent=1, sort_keys=True) + "\n")
        print("recorded", stem)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

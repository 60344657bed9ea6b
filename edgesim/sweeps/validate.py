"""An invalid plan is an invalid input: every planned scenario is validated before any run starts.

Each distinct configuration of the plan (replications differ only by their seed) is built and validated by the
scenario schema and its cross-references (:func:`edgesim.scenario_from_dict`). The first one that is
invalid stops the sweep before anything runs, with one line naming the run (its plan index, as the ``index``
column and ``--dry-run`` show it, and its overrides) and the field::

    scenarios/x.yaml: run 3 (cameras.cam.fps=fast): cameras[0].fps: Input should be a valid number ...

The run budget (:func:`edgesim.model.run_budget.check_run_budget`: events, recorded intervals, memory) is checked for
every configuration too. Cross-field checks that depend on the combination (a device that has no peak at the model's precision and no
measured point, an efficiency the catalog does not give) and problems that only show while running are not plan
errors: a sweep over devices expects some to be unable to run the model, so such a run is recorded as failed, with
its error, and the sweep goes on.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..catalog.resolve import resolve_catalog_references
from ..errors import EdgesimError, ScenarioError, ScenarioErrors
from ..model.run_budget import check_run_budget
from ..spec.load import check_as_written, parse_scenario
from .errors import SweepError
from .paths import PathError, format_assignment, set_location
from .plan import PlannedRun, SweepSpec
from .task import build_scenario

__all__ = ["validate_plan", "describe_run"]

_MAX_SHOWN_CHARS = 120


def describe_run(run: PlannedRun) -> str:
    """``run 3 (cameras.cam.fps=fast, compute_units.npu.device=hailo8)``: how messages name a planned run."""
    overrides = ", ".join(format_assignment(path, value) for path, value in run.params)
    if len(overrides) > _MAX_SHOWN_CHARS:
        overrides = overrides[: _MAX_SHOWN_CHARS - 3] + "..."
    case = f"case {run.case}: " if run.case else ""
    return f"run {run.index} ({case}{overrides})" if overrides or case else f"run {run.index}"


def _first(exc: ScenarioError) -> ScenarioError:
    return exc.errors[0] if isinstance(exc, ScenarioErrors) and exc.errors else exc


def validate_plan(spec: SweepSpec, runs: Iterable[PlannedRun]) -> int:
    """Validate the scenario of every distinct configuration in ``runs``; raise on the first invalid one.

    Parameters
    ----------
    spec : SweepSpec
        The sweep (its base scenario, duration and sources).
    runs : iterable of PlannedRun
        The planned runs (from :func:`edgesim.sweeps.plan.plan_runs`).

    Returns
    -------
    int
        The number of distinct configurations validated.

    Raises
    ------
    SweepError
        ``SWEEP_SOURCE: run N (OVERRIDES): FIELD: PROBLEM`` for the first run whose scenario is invalid.
    """
    seen: set[Any] = set()
    base_dir = Path(spec.base_dir) if spec.base_dir else None
    runs = list(runs)
    _check_base_as_written(spec, runs, base_dir)
    for run in runs:
        key: tuple[Any, ...] = (run.case, run.params)
        try:
            hash(key)
        except TypeError:  # a mapping or list value (unhashable): identify the configuration by its text
            key = (run.case, repr(run.params))
        if key in seen:
            continue
        seen.add(key)
        try:
            data = build_scenario(spec.scenario, run.params, run.seed, spec.duration_s)
            parsed = parse_scenario(data, spec.source, base_dir, resolver=resolve_catalog_references)
            check_run_budget(parsed, spec.duration_s, spec.max_events)  # a run too big for the machine is a plan error too
        except PathError as exc:
            raise SweepError(spec.spec_source, describe_run(run), str(exc)) from None
        except ScenarioError as exc:
            first = _first(exc)
            problem = f"{first.field}: {first.problem}" if first.field else first.problem
            raise SweepError(spec.spec_source, describe_run(run), problem) from None
        except EdgesimError as exc:
            raise SweepError(spec.spec_source, describe_run(run), str(exc).splitlines()[0]) from None
        except Exception:  # noqa: BLE001, S112 - not a plan error: the run will fail while running and be recorded
            continue
    return len(seen)


def _check_base_as_written(spec: SweepSpec, runs: list[PlannedRun], base_dir: Path | None) -> None:
    """The base scenario as its file states it is valid where the sweep replaces values (duration, parameters).

    A sweep over ``cameras.cam.fps`` or with ``duration_s=`` never hides a bad value in the file:
    ``duration_s: -5`` is an error even when every run replaces it (as ``edgesim run --duration`` does).
    """
    overridden: dict[tuple[str | int, ...], str] = {}
    if spec.duration_s is not None:
        overridden[("duration_s",)] = "the sweep's duration"
    for run in runs:
        for path, _ in run.params:
            loc = set_location(spec.scenario, path)
            if loc is not None:
                overridden.setdefault(loc, f"the sweep's {path}")
    try:
        check_as_written(spec.scenario, spec.source, base_dir, resolve_catalog_references, overridden)
    except ScenarioError as exc:
        first = _first(exc)
        problem = f"{first.field}: {first.problem}" if first.field else first.problem
        raise SweepError(spec.spec_source, "base scenario", problem) from None

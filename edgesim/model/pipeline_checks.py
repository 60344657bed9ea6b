"""Cross-reference checks of pipelines, links and load drivers that the schema cannot see.

Each problem is a :class:`~edgesim.errors.ScenarioError` with its field path (``pipelines[0].stages[2].unit``):
the camera of a pipeline exists; a stage's ``unit`` is a compute unit and its ``link`` a link; its model exists;
``after`` names stages of the same pipeline; the stages form no cycle (the stages of the cycle are named); stage
and pipeline names are unique; counts are well formed; every stage has a service time (an analytic stage needs a
peak for its precision and an efficiency); load drivers name a model and a compute unit that exist; link names
clash with no compute unit.
"""
from __future__ import annotations

from collections.abc import Iterable

from ..errors import ScenarioError
from ..spec.schema import LinkSpec, ScenarioSpec
from .service import ServiceTimeError, service_time
from .stages import link_unit_spec, stage_estimate, stage_precision

__all__ = ["check_pipelines"]


def _known(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "none"


def check_pipelines(spec: ScenarioSpec) -> list[ScenarioError]:
    """Problems with ``spec.pipelines``, ``spec.links`` and ``spec.loads`` (an empty list when there are none)."""
    source = spec.source
    errors: list[ScenarioError] = []

    def err(field: str, problem: str) -> None:
        errors.append(ScenarioError(source, field, problem))

    cameras = {c.name: c for c in spec.cameras}
    models = {m.name: m for m in spec.models}
    units = {u.name: u for u in spec.compute_units}
    unit_index = {u.name: j for j, u in enumerate(spec.compute_units)}
    links: dict[str, LinkSpec] = {}
    for i, link in enumerate(spec.links):
        if link.name in units:  # duplicates among links: load.check_references
            err(f"links[{i}].name", f"{link.name!r} is already the name of a compute unit (compute_units[{unit_index[link.name]}]); "
                "links and units share one namespace")
        links.setdefault(link.name, link)

    for i, pipe in enumerate(spec.pipelines):  # duplicate names: checks.check_references, with every other list
        at = f"pipelines[{i}]"
        camera = cameras.get(pipe.camera)
        if camera is None:
            err(f"{at}.camera", f"no camera named {pipe.camera!r} (known: {_known(cameras)})")
        names: dict[str, int] = {}
        for j, stage in enumerate(pipe.stages):
            if stage.name in names:
                err(f"{at}.stages[{j}].name", f"duplicate stage name {stage.name!r} (also {at}.stages[{names[stage.name]}])")
            names.setdefault(stage.name, j)
        import networkx as nx  # noqa: PLC0415 (deferred: networkx adds ~0.1 s to start-up and only pipelines need it; docs/architecture.md)
        graph = nx.DiGraph()
        graph.add_nodes_from(s.name for s in pipe.stages)
        for j, stage in enumerate(pipe.stages):
            st = f"{at}.stages[{j}]"
            ok = True
            # placement
            if stage.unit is not None and stage.unit not in units:
                ok = False
                hint = f" ({stage.unit!r} is a link: use link: for a transfer stage)" if stage.unit in links else ""
                err(f"{st}.unit", f"no compute unit named {stage.unit!r} (known: {_known(units)}){hint}")
            if stage.link is not None and stage.link not in links:
                ok = False
                hint = f" ({stage.link!r} is a compute unit: use unit: for a compute stage)" if stage.link in units else ""
                err(f"{st}.link", f"no link named {stage.link!r} (known: {_known(links)}){hint}")
            # cost fields that do not apply to the placement
            if stage.link is not None:
                for key in ("model", "ops_per_pixel", "ops_per_item", "precision"):
                    if getattr(stage, key) is not None:
                        err(f"{st}.{key}", f"{key} is a compute cost; a transfer stage (link: {stage.link}) is costed by bytes_per_pixel or bytes_per_item")
            else:
                for key in ("bytes_per_pixel", "bytes_per_item"):
                    if getattr(stage, key) is not None:
                        err(f"{st}.{key}", f"{key} is a transfer cost; a compute stage (unit: {stage.unit}) is costed by model, ops_per_pixel or ops_per_item")
                if stage.model is not None and stage.precision is not None:
                    err(f"{st}.precision", "precision applies to ops_per_pixel / ops_per_item stages; a model stage uses the model's precision")
            if stage.model is not None and stage.model not in models:
                ok = False
                err(f"{st}.model", f"no model named {stage.model!r} (known: {_known(models)})")
            # count
            count = stage.count
            if count.kind == "fixed" and count.mean != int(count.mean):
                err(f"{st}.count.mean", f"a fixed count must be a whole number of jobs, got {count.mean:g}")
            if count.kind == "uniform" and count.low > count.high:
                err(f"{st}.count.high", f"high ({count.high}) must be >= low ({count.low})")
            if count.kind != "uniform" and (count.low or count.high):
                err(f"{st}.count", f"low / high apply to kind uniform, not {count.kind}")
            # dependencies
            for d, dep in enumerate(stage.after):
                if dep == stage.name:
                    err(f"{st}.after[{d}]", f"stage {stage.name!r} cannot depend on itself")
                elif dep not in names:
                    err(f"{st}.after[{d}]", f"no stage named {dep!r} in pipeline {pipe.name!r} (known: {_known(names)})")
                else:
                    graph.add_edge(dep, stage.name)
            if len(set(stage.after)) != len(stage.after):
                err(f"{st}.after", f"lists a stage twice: {list(stage.after)}")
            # service time
            if ok and camera is not None:
                try:
                    if stage.link is not None:
                        link = links[stage.link]
                        stage_estimate(stage, camera, link_unit_spec(link), models, link)
                    else:
                        assert stage.unit is not None
                        unit = units[stage.unit]
                        if stage.model is None and stage_precision(stage, unit) is None:
                            err(f"{st}.precision", f"give the precision of these ops: unit {unit.name!r} has peaks for "
                                f"{_known(unit.peak_ops_per_s)}")
                        else:
                            stage_estimate(stage, camera, unit, models)
                except ServiceTimeError as exc:
                    err(f"compute_units[{unit_index[stage.unit or '']}].{exc.field}", f"{exc} (needed by {st}, {stage.name!r})")
        if not nx.is_directed_acyclic_graph(graph):
            cycle = nx.find_cycle(graph)
            members = [u for u, _v in cycle]
            first = min(names[m] for m in members)
            err(f"{at}.stages[{first}].after", "the stages form a cycle: " + " -> ".join(members + [members[0]]))

    for i, load in enumerate(spec.loads):
        at = f"loads[{i}]"
        ok = True
        if load.model not in models:
            ok = False
            err(f"{at}.model", f"no model named {load.model!r} (known: {_known(models)})")
        if load.unit not in units:
            ok = False
            hint = f" ({load.unit!r} is a link)" if load.unit in links else ""
            err(f"{at}.unit", f"no compute unit named {load.unit!r} (known: {_known(units)}){hint}")
        if load.scenario == "server" and load.target_qps is None:
            err(f"{at}.target_qps", "the server scenario needs target_qps (Poisson queries per second)")
        if load.latency_bound_s is not None and load.scenario != "server":
            err(f"{at}.latency_bound_s", f"latency_bound_s applies to the server scenario, not {load.scenario}")
        if ok:
            try:
                service_time(units[load.unit], models[load.model], load.width_px * load.height_px, models, load.width_px, load.height_px)
            except ServiceTimeError as exc:
                err(f"compute_units[{unit_index[load.unit]}].{exc.field}", f"{exc} (needed by {at})")
    return errors

"""SimPy glue: cameras, queues, compute units, pipelines and load drivers as events. The only package that
touches SimPy; it runs a compiled :class:`~edgesim.model.records.SystemModel` and never reads the spec."""
from .engine import RunState, run_simulation

__all__ = ["RunState", "run_simulation"]

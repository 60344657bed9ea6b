"""SimPy glue: cameras, queues and compute units as events. The only package that touches SimPy."""
from .engine import run_simulation

__all__ = ["run_simulation"]

"""MLPerf-style load drivers (the LoadGen scenarios), one module per scenario, found here by name.

Adding a scenario: a module in this package with a :class:`~edgesim.sim.loads.base.LoadSim` subclass whose
``scenario`` names it, and that name in the schema's ``loads[].scenario`` literal. Every module of this package is
imported here, so a subclass registers itself in :data:`LOADS`.
"""
from __future__ import annotations

import importlib
import pkgutil

from .base import LOADS, LoadSim

__all__ = ["LOADS", "LoadSim"]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

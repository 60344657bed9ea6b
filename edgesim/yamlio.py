"""YAML reading for scenario, catalog and sweep files: the safe loader, with YAML 1.2 floats.

PyYAML follows YAML 1.1, where ``26.0e12`` and ``1e-3`` (no sign or no dot) are strings, not numbers. Every
number in a scenario is a quantity, so edgesim resolves them as floats, as YAML 1.2 does.
"""
from __future__ import annotations

import re
from typing import Any

import yaml


class SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` plus YAML 1.2 float syntax (``1e3``, ``26.0e12``)."""


SafeLoader.yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
SafeLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                  |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
                  |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
                  |[-+]?\.(?:inf|Inf|INF)
                  |\.(?:nan|NaN|NAN))$""", re.X),
    list("-+0123456789."),
)


def safe_load(text: str) -> Any:
    """Parse YAML text with the safe loader and YAML 1.2 floats."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - SafeLoader subclass: no arbitrary objects

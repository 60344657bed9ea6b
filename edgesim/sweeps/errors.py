"""The error of an invalid sweep: a sweep file, a ``--set`` / ``--where`` option or a planned run that is invalid."""
from __future__ import annotations

from ..errors import ScenarioError

__all__ = ["SweepError"]


class SweepError(ScenarioError):
    """A sweep specification (file, ``--set`` option, argument or planned run) is invalid.

    Parameters
    ----------
    source : str
        The sweep file, the scenario file or a label such as ``"sweep()"``.
    field : str
        What is wrong in it: ``parameters.cameras.cam.fps``, ``--set cameras.cam9.fps``,
        ``run 3 (cameras.cam.fps=fast)``.
    problem : str
        What is wrong, in words.
    """

"""``python -m edgesim ...``: the same as the ``edgesim`` command (``python -m edgesim --version``)."""
from __future__ import annotations

import sys

from .cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())

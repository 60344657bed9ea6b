"""The compile step: a validated spec becomes the runtime model, every number computed once by physics."""
from .compile import compile_system
from .records import SystemModel

__all__ = ["SystemModel", "compile_system"]

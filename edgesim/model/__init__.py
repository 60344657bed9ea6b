"""The compile step: a validated spec becomes the runtime model, every number computed once by physics."""

__all__: list[str] = []

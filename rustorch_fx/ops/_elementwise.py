"""_elementwise ops (being written)."""

__all__: list[str] = []

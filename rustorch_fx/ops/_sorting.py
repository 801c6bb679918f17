"""_sorting ops (being written)."""

__all__: list[str] = []

"""ReduceLROnPlateau as a transform driven by a metric."""

from __future__ import annotations

__all__: list[str] = []

"""Mixed precision: master weights, dynamic loss scaling, low-precision optimizer state."""

from __future__ import annotations

__all__: list[str] = []

"""L-BFGS with torch's algorithm."""

from __future__ import annotations

__all__: list[str] = []

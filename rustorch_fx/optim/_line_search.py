"""Strong-Wolfe line search with cubic interpolation (torch's)."""

from __future__ import annotations

__all__: list[str] = []

"""torch.nn.modules.flatten for compat: Flatten, Unflatten."""

from __future__ import annotations

__all__: list[str] = []

"""torch.nn.functional over compat tensors: losses."""

from __future__ import annotations

__all__: list[str] = []

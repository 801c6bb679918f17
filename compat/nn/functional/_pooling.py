"""torch.nn.functional over compat tensors: pooling."""

from __future__ import annotations

__all__: list[str] = []

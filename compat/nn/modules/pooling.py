"""torch.nn.modules.pooling for compat: Pooling modules."""

from __future__ import annotations

__all__: list[str] = []

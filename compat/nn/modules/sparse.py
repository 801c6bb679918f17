"""torch.nn.modules.sparse for compat: Embedding."""

from __future__ import annotations

__all__: list[str] = []

"""torch.nn.modules.dropout for compat: Dropout modules."""

from __future__ import annotations

__all__: list[str] = []

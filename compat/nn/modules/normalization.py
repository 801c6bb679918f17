"""torch.nn.modules.normalization for compat: LayerNorm, GroupNorm, LocalResponseNorm."""

from __future__ import annotations

__all__: list[str] = []

"""torch.nn.modules.batchnorm for compat: BatchNorm modules."""

from __future__ import annotations

__all__: list[str] = []

"""torch.nn.modules.instancenorm for compat: InstanceNorm modules."""

from __future__ import annotations

__all__: list[str] = []

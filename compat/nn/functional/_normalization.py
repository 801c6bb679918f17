"""torch.nn.functional over compat tensors: batch_norm, layer_norm, group_norm, instance_norm."""

from __future__ import annotations

__all__: list[str] = []

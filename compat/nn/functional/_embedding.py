"""torch.nn.functional over compat tensors: embedding, one_hot."""

from __future__ import annotations

__all__: list[str] = []

"""torch.nn.functional over compat tensors: linear, bilinear."""

from __future__ import annotations

__all__: list[str] = []

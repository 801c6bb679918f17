"""torch.nn.functional over compat tensors: conv and conv_transpose."""

from __future__ import annotations

__all__: list[str] = []

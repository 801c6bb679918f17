"""torch.nn.functional over compat tensors: dropout family."""

from __future__ import annotations

__all__: list[str] = []

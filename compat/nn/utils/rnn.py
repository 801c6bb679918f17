"""``torch.nn.utils.rnn`` for compat: padding and packing of variable-length sequences."""

from __future__ import annotations

__all__: list[str] = []

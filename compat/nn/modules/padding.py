"""torch.nn.modules.padding for compat: Padding modules."""

from __future__ import annotations

__all__: list[str] = []

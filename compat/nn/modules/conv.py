"""torch.nn.modules.conv for compat: Conv and ConvTranspose modules."""

from __future__ import annotations

__all__: list[str] = []

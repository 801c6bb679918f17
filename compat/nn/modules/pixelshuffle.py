"""torch.nn.modules.pixelshuffle for compat: PixelShuffle, PixelUnshuffle."""

from __future__ import annotations

__all__: list[str] = []

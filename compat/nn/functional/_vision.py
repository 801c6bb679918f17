"""torch.nn.functional over compat tensors: interpolate, upsample, pixel_shuffle, pad."""

from __future__ import annotations

__all__: list[str] = []

"""torch.nn.modules.upsampling for compat: Upsample."""

from __future__ import annotations

__all__: list[str] = []

"""torch.nn.modules.module for compat: Module."""

from __future__ import annotations

__all__: list[str] = []

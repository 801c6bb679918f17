"""Every ``torch.nn`` loss as a pure function with ``torch.nn.functional``'s signature."""

from __future__ import annotations

__all__: list[str] = []

"""SGD with torch's momentum, dampening, nesterov and weight decay."""

from __future__ import annotations

__all__: list[str] = []

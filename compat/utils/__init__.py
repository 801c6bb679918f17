"""``torch.utils`` for compat: ``data`` and ``hooks``."""

from __future__ import annotations

from compat.utils import data, hooks

__all__ = ["data", "hooks"]

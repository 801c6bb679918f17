"""``torch.utils`` for compat: ``hooks`` (and, as they land, ``data``)."""

from __future__ import annotations

from compat.utils import hooks

__all__ = ["hooks"]

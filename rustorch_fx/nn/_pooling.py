"""Pooling: max, average, adaptive, lp."""

from __future__ import annotations

__all__: list[str] = []

"""Recurrent cells and multi-layer sequences (lax.scan)."""

from __future__ import annotations

__all__: list[str] = []
